package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// recordKey returns the store key of a session ID: a dump of the store
// holds no live cookie. tag is the user's ("" for none).
func (ss *storeStorage) recordKey(id, tag string, legacy bool) string {
	sum := sha256.Sum256([]byte(id))
	var b strings.Builder
	if legacy {
		b.Grow(len(ss.cfg.StoreKeyPrefix) + 2*len(sum))
		b.WriteString(ss.cfg.StoreKeyPrefix)
	} else {
		b.Grow(len(ss.ns) + 2*userTagLen + 3 + 2*len(sum))
		b.WriteString(ss.ns)
		if tag != "" {
			writeTag(&b, tag)
			b.WriteByte(':')
		}
	}
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	b.Write(h[:])
	return b.String()
}

// writeTag writes a user's tag as a Redis Cluster hash tag.
func writeTag(b *strings.Builder, tag string) {
	var h [2 * userTagLen]byte
	hex.Encode(h[:], []byte(tag))
	b.WriteByte('{')
	b.Write(h[:])
	b.WriteByte('}')
}

// userTag returns the tag of a user's records and index.
func (ss *storeStorage) userTag(user string) string {
	h := sha256.New()
	h.Write([]byte(ss.ns))
	h.Write([]byte{0})
	h.Write([]byte(user))
	return string(h.Sum(nil)[:userTagLen])
}

// indexKey returns the key of the index of the user with tag.
func (ss *storeStorage) indexKey(tag string) string {
	var b strings.Builder
	b.Grow(len(ss.ns) + 2*userTagLen + 7)
	b.WriteString(ss.ns)
	writeTag(&b, tag)
	b.WriteString(":user")
	return b.String()
}

// user returns how the store names a user: the index in this namespace,
// and the name.
func (ss *storeStorage) user(name string) User {
	return User{Index: ss.indexKey(ss.userTag(name)), Name: name}
}

// idPayload returns the ID cookie's payload for ref, in buf.
func idPayload(buf *[1 + sessionIDLen + userTagLen]byte, ref *storeRef) []byte {
	if ref.legacy {
		return append(buf[:0], ref.id...)
	}
	b := append(buf[:0], idLayout)
	b = append(b, ref.id...)
	return append(b, ref.tag...)
}
