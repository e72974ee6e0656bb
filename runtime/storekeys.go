package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// What an ID cookie carries and what the storage keeps of the record it
// finds, and the store keys they make.

// verifiedID is what a verified cookie value of a server-side session
// stands for.
type verifiedID struct {
	id     string // the session ID, 32 bytes
	tag    string // the user's tag, 8 bytes; "" for an anonymous session
	key    string // the store key
	legacy bool   // a bare ID: the layout before namespaces
}

const (
	// sessionIDLen is the length of a session ID in bytes: 256 bits.
	sessionIDLen = 32
	// userTagLen is the length of a user's tag in bytes.
	userTagLen = 8
	// idLayout begins the ID cookie's payload in the namespaced layout.
	idLayout byte = 1
	// tokenLen is the length of a commit token (Commit.Token) in bytes.
	tokenLen = 16
)

// storeRef is what a server-side session's metadata knows of its record
// (sessionimpl.Meta.Record).
type storeRef struct {
	verifiedID                                     // what the ID cookie carries: the ID, the user's tag, the store key, the layout
	version    uint64                              // the record's version when loaded or last committed; 0: none
	expires    int64                               // the record's expiry, Unix milliseconds
	user       string                              // the record's Record.User when loaded or last committed
	op         storeOp                             // the context of the store operations on this record
	base       []byte                              // the record's data when loaded: what a merge compares a newer record with
	idBuf      [1 + sessionIDLen + userTagLen]byte // where idPayload builds the ID cookie's payload
}

// keyspace names the records and user indexes of one namespace in the
// store.
type keyspace struct {
	prefix string // Config.StoreKeyPrefix: records in the layout before namespaces are right under it
	ns     string // the namespace: StoreKeyPrefix and StoreNamespace, then ":"
}

// recordKey returns the store key of a session ID: a dump of the store
// holds no live cookie. tag is the user's ("" for none).
func (ks keyspace) recordKey(id, tag string, legacy bool) string {
	sum := sha256.Sum256([]byte(id))
	var b strings.Builder
	if legacy {
		b.Grow(len(ks.prefix) + 2*len(sum))
		b.WriteString(ks.prefix)
	} else {
		b.Grow(len(ks.ns) + 2*userTagLen + 3 + 2*len(sum))
		b.WriteString(ks.ns)
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
func (ks keyspace) userTag(user string) string {
	h := sha256.New()
	h.Write([]byte(ks.ns))
	h.Write([]byte{0})
	h.Write([]byte(user))
	return string(h.Sum(nil)[:userTagLen])
}

// indexKey returns the key of the index of the user with tag.
func (ks keyspace) indexKey(tag string) string {
	var b strings.Builder
	b.Grow(len(ks.ns) + 2*userTagLen + 7)
	b.WriteString(ks.ns)
	writeTag(&b, tag)
	b.WriteString(":user")
	return b.String()
}

// user returns how the store names a user: the index in this namespace,
// and the name.
func (ks keyspace) user(name string) User {
	return User{Index: ks.indexKey(ks.userTag(name)), Name: name}
}

// idPayload returns the ID cookie's payload for ref, built in ref's own
// memory: a buffer on the stack would move to the heap, passed to a signer
// behind an interface.
func idPayload(ref *storeRef) []byte {
	if ref.legacy {
		return append(ref.idBuf[:0], ref.id...)
	}
	b := append(ref.idBuf[:0], idLayout)
	b = append(b, ref.id...)
	return append(b, ref.tag...)
}
