package runtime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"time"
)

// storage is the seam between a session's payload and where it is kept
// from one request to the next. The request's cookie value is the handle:
// the signed cookie below carries the payload itself; a server-side store
// puts the payload in a record and a signed ID in the cookie. The open and
// save policy (Interface.OpenSession, Interface.SaveSession) is the same
// for both, and so is the verified cache, which holds decoded sessions
// under whatever identify says stands for an unchanged payload.
type storage interface {
	// identify returns what identifies, without verifying anything, the
	// exact payload that the cookie value stands for, so that the
	// verified cache may hold it decoded; "" when the value must be
	// loaded every time (an encrypted cookie, not cached so far though
	// its date is now read back, see sealedDate; an ID whose record may
	// change or die in a store).
	identify(value string) string
	// lazy tells whether loading costs a round trip, so that a session is
	// opened only when the request first uses it.
	lazy() bool
	// load verifies the cookie value and returns the payload it stands
	// for (which may alias sc) and when that was saved (Unix seconds; -1
	// when the storage cannot tell), noting in st what it needs to save
	// it again. A value with bytes net/http refuses in a cookie gets
	// errNotCookieValue: it is ignored, as net/http ignores it.
	load(ctx context.Context, sc *scratch, st *State, name, value string, now time.Time) (payload []byte, date int64, err error)
	// save keeps payload for the session st, of user (Config.UserKey's
	// value, "" for none), and appends to dst the cookie value that finds
	// it again, which must not alias sc.buf.
	save(ctx context.Context, sc *scratch, st *State, dst []byte, name string, payload []byte, user string, now time.Time) ([]byte, error)
	// refresh appends to dst the cookie value that finds the session st
	// again, when st was loaded and not changed and the storage can do it
	// without the session's payload (a store: the same ID, signed anew,
	// and the record's expiry moved when due); refreshed false means the
	// payload must be saved.
	refresh(ctx context.Context, sc *scratch, st *State, dst []byte, name string, now time.Time) (out []byte, refreshed bool, err error)
	// remove forgets the session st, which this request emptied, unless
	// another request changed it since it was loaded (ErrConflict); the
	// caller deletes the cookie.
	remove(ctx context.Context, st *State) error
	// destroy ends the session st whatever its version (a logout).
	destroy(ctx context.Context, st *State) error
	// keepAlive is told of a session used but not saved: a store moves
	// the record's expiry when it is due.
	keepAlive(ctx context.Context, st *State, now time.Time) error
}

// cookieStorage keeps the payload in the cookie itself, signed (and
// encrypted, with an EncryptionKey) in securecookie's format.
type cookieStorage struct {
	signer cookieSigner
	// cacheable: the signer shows the date it verified, so an entry of the
	// verified cache can have its age checked on every hit.
	cacheable bool
	dates     dateRule // checked right after a fresh unseal
}

func newCookieStorage(s *settings, salt string) (*cookieStorage, error) {
	signer, err := newSigner(s, salt)
	if err != nil {
		return nil, err
	}
	_, mac := signer.(*macSigner)
	return &cookieStorage{signer: signer, cacheable: mac, dates: s.dates}, nil
}

func (cs *cookieStorage) identify(value string) string {
	if cs.cacheable {
		return value
	}
	return ""
}

func (cs *cookieStorage) lazy() bool { return false }

func (cs *cookieStorage) load(_ context.Context, sc *scratch, _ *State, name, value string, now time.Time) ([]byte, int64, error) {
	payload, date, err := cs.signer.open(sc, name, value)
	if err != nil {
		return nil, -1, err
	}
	if err := checkCookieAge(cs.dates, name, value, date, now); err != nil {
		return nil, -1, err
	}
	return payload, date, nil
}

func (cs *cookieStorage) save(_ context.Context, sc *scratch, _ *State, dst []byte, name string, payload []byte, _ string, now time.Time) ([]byte, error) {
	return cs.signer.appendValue(sc, dst, name, payload, now)
}

// refresh cannot do without the payload: the cookie is the session.
func (cs *cookieStorage) refresh(_ context.Context, _ *scratch, _ *State, dst []byte, _ string, _ time.Time) ([]byte, bool, error) {
	return dst, false, nil
}

// remove has nothing to forget: the cookie was the session.
func (cs *cookieStorage) remove(context.Context, *State) error { return nil }

// destroy has nothing to end: a copy of the cookie stays valid until it
// expires.
func (cs *cookieStorage) destroy(context.Context, *State) error { return nil }

// keepAlive has nothing to do: a cookie's age is refreshed only by saving
// it, as Flask decides.
func (cs *cookieStorage) keepAlive(context.Context, *State, time.Time) error { return nil }

// storeStorage keeps the payload in a Store, under a key derived from a
// random 256-bit session ID; the cookie carries the ID, signed as a cookie
// payload is (so a forged ID never reaches the store, and key rotation
// works as for cookie sessions). Every request loads the record afresh:
// a destroyed session must stay destroyed.
//
// The ID cookie's payload is a layout byte, the ID and, for a session with
// a user, the user's tag: the first 8 bytes of the SHA-256 of the
// namespace and the user's name. The record's key holds the tag as a Redis
// Cluster hash tag, as does the user's index, so a store with slots keeps
// a user's records and index together and changes them in one atomic
// step. A payload of the bare ID is the layout before namespaces: such a
// record is read where it is, and moves to a new ID in the namespaced
// layout at its next save.
type storeStorage struct {
	store  Store
	signer *macSigner
	cfg    *settings
	ns     string // the namespace: StoreKeyPrefix and StoreNamespace, then ":"
	// ids remembers cookie values whose MAC verified, with the session ID
	// each carries and its store key, under the verified cache's rules
	// (found only by the exact bytes under the same name, admitted on the
	// second verification, dated and age-checked on every hit); nil when
	// Config.VerifiedCacheSize turns it off. The record itself is read from
	// the store on every request all the same: a destroyed session's
	// cookie still finds nothing.
	ids *verifiedCache[verifiedID]
}

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

func newStoreStorage(s *settings, salt string) (*storeStorage, error) {
	signer, err := newSigner(s, salt)
	if err != nil {
		return nil, err
	}
	mac, ok := signer.(*macSigner)
	if !ok {
		// The ID is no secret worth encrypting: it is signed, never
		// encrypted, so EncryptionKey has nothing to do here.
		return nil, &ConfigError{"EncryptionKey", ErrEncryptionKey, "server-side sessions keep their data in the Store and only a signed ID in the cookie: remove EncryptionKey (or Store)"}
	}
	ns := s.StoreNamespace
	if ns == "" {
		ns = salt + ":" + s.CookieName
	}
	ss := &storeStorage{store: s.Store, signer: mac, cfg: s, ns: s.StoreKeyPrefix + ns + ":"}
	if s.VerifiedCacheSize > 0 {
		ss.ids = newVerifiedCache[verifiedID](s.VerifiedCacheSize)
	}
	return ss, nil
}

func (ss *storeStorage) identify(string) string { return "" }

func (ss *storeStorage) lazy() bool { return true }

// deadline bounds one store operation on the record of ref (nil: none
// yet) by Config.StoreTimeout.
func (ss *storeStorage) deadline(ctx context.Context, ref *storeRef) (context.Context, opEnd) {
	if ref == nil {
		return withStoreDeadline(ctx, nil, ss.cfg.StoreTimeout)
	}
	return withStoreDeadline(ctx, &ref.op, ss.cfg.StoreTimeout)
}

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

func (ss *storeStorage) load(ctx context.Context, sc *scratch, st *State, name, value string, now time.Time) ([]byte, int64, error) {
	v, date, err := ss.verifyID(sc, name, value, now)
	if err != nil {
		return nil, -1, err
	}
	ref := &storeRef{verifiedID: v}
	ctx, end := ss.deadline(ctx, ref)
	rec, err := ss.store.Find(ctx, v.key)
	end.done()
	if errors.Is(err, ErrNotFound) {
		// Strict: an unknown or expired ID is never adopted; the request
		// gets a new session, saved under a new ID.
		return nil, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: err}
	}
	if err != nil {
		return nil, -1, err
	}
	ref.version, ref.expires, ref.user = rec.Version, rec.Expires.UnixMilli(), rec.User
	st.rec = ref
	return rec.Data, date, nil
}

// verifyID returns what the cookie value carries and the value's date:
// from ss.ids when this exact value verified before under this name (its
// date checked again now), else verified now.
func (ss *storeStorage) verifyID(sc *scratch, name, value string, now time.Time) (verifiedID, int64, error) {
	var h uint64
	if ss.ids != nil {
		h = ss.ids.hash(value)
		if e, ok := ss.ids.get(h, name, value); ok {
			if err := checkCookieAge(ss.cfg.dates, name, value, e.date, now); err != nil {
				return verifiedID{}, -1, err
			}
			return e.v, e.date, nil
		}
	}
	raw, date, err := ss.signer.open(sc, name, value)
	if err != nil {
		return verifiedID{}, -1, err
	}
	if err := checkCookieAge(ss.cfg.dates, name, value, date, now); err != nil {
		return verifiedID{}, -1, err
	}
	var v verifiedID
	switch {
	case len(raw) == sessionIDLen:
		v = verifiedID{id: string(raw), legacy: true}
	case len(raw) == 1+sessionIDLen && raw[0] == idLayout:
		v = verifiedID{id: string(raw[1:])}
	case len(raw) == 1+sessionIDLen+userTagLen && raw[0] == idLayout:
		v = verifiedID{id: string(raw[1 : 1+sessionIDLen]), tag: string(raw[1+sessionIDLen:])}
	default:
		return verifiedID{}, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieInvalid, Cause: errMalformed}
	}
	v.key = ss.recordKey(v.id, v.tag, v.legacy)
	if ss.ids != nil && ss.ids.admit(h) {
		ss.ids.put(h, name, value, date, v)
	}
	return v, date, nil
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

// refresh signs the ID cookie of a loaded session that this request did
// not change again, with the same ID, and moves its record's expiry at
// most once per TouchInterval: it is not committed, so reads of one
// session never conflict with each other.
func (ss *storeStorage) refresh(ctx context.Context, sc *scratch, st *State, dst []byte, name string, now time.Time) ([]byte, bool, error) {
	ref := st.rec
	if ref == nil || ref.version == 0 || st.has(statusModified) {
		return dst, false, nil
	}
	if err := ss.keepAlive(ctx, st, now); err != nil {
		return dst, false, err
	}
	var buf [1 + sessionIDLen + userTagLen]byte
	out, err := ss.signer.appendValue(sc, dst, name, idPayload(&buf, ref), now)
	return out, true, err
}

// save commits the session st:
//
//   - a loaded session is committed under its ID, conditional on the
//     version it loaded, unless it must get a new ID: after Regenerate or
//     Clear, when the value of UserKey changed (a login, a logout), or
//     when its record is in the layout before namespaces. Then a new
//     record is created that replaces the old one in the same step, still
//     conditional on the loaded version;
//   - a new session is created under a new ID.
func (ss *storeStorage) save(ctx context.Context, sc *scratch, st *State, dst []byte, name string, payload []byte, user string, now time.Time) ([]byte, error) {
	var buf [1 + sessionIDLen + userTagLen]byte
	ref := st.rec
	var tag, index string
	if user != "" {
		tag = ss.userTag(user)
		index = ss.indexKey(tag)
	}
	expires := ss.expiry(st, now, user != "")
	c := Commit{Record: Record{Data: payload, Expires: expires, User: index}}
	// A token needs to be unique, not secret (it only lets a retry of this
	// Commit recognise its write): the runtime's generator, not a
	// system call.
	var token [tokenLen]byte
	binary.LittleEndian.PutUint64(token[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(token[8:], mrand.Uint64())
	c.Token = string(token[:])
	if ref != nil && ref.version != 0 && !ref.legacy && !st.has(statusRenew) && ref.user == index {
		c.Key, c.Prev = ref.key, ref.version
	} else {
		var id [sessionIDLen]byte
		if _, err := rand.Read(id[:]); err != nil {
			return dst, err
		}
		if ref != nil && ref.version != 0 {
			c.Replaces, c.ReplacesVersion = ref.key, ref.version
		}
		v := verifiedID{id: string(id[:]), tag: tag}
		v.key = ss.recordKey(v.id, tag, false)
		ref = &storeRef{verifiedID: v}
		c.Key, c.Fresh = ref.key, true
	}
	c.Record.Version = c.Prev + 1
	cctx, end := ss.deadline(ctx, ref)
	err := ss.store.Commit(cctx, c)
	end.done()
	if err != nil {
		return dst, err
	}
	ref.version, ref.expires, ref.user = c.Record.Version, expires.UnixMilli(), index
	st.rec = ref
	st.status &^= statusRenew
	return ss.signer.appendValue(sc, dst, name, idPayload(&buf, ref), now)
}

// expiry is when the record of st dies unless used again: the idle timeout
// (of a session with a user, or of an anonymous one) from now, and never
// past AbsoluteLifetime from its creation.
func (ss *storeStorage) expiry(st *State, now time.Time, hasUser bool) time.Time {
	idle := ss.cfg.anonymousIdle
	if hasUser {
		idle = ss.cfg.IdleTimeout
	}
	exp := now.Add(idle)
	if ss.cfg.AbsoluteLifetime > 0 && st.created != 0 {
		if end := time.Unix(st.created, 0).Add(ss.cfg.AbsoluteLifetime); end.Before(exp) {
			return end
		}
	}
	return exp
}

// remove deletes the record of the session st, which this request
// emptied, only if it is still at the version loaded: a change another
// request committed meanwhile is not silently lost (ErrConflict).
func (ss *storeStorage) remove(ctx context.Context, st *State) error {
	if st.rec == nil || st.rec.version == 0 {
		return nil
	}
	ctx, end := ss.deadline(ctx, st.rec)
	defer end.done()
	if err := ss.store.Delete(ctx, st.rec.key, st.rec.version); err != nil {
		return err
	}
	st.rec = nil
	return nil
}

// destroy deletes the record of the session st whatever its version: a
// logout never conflicts.
func (ss *storeStorage) destroy(ctx context.Context, st *State) error {
	if st.rec == nil || st.rec.version == 0 {
		st.rec = nil
		return nil
	}
	ctx, end := ss.deadline(ctx, st.rec)
	defer end.done()
	err := ss.store.Delete(ctx, st.rec.key, 0)
	st.rec = nil
	return err
}

// keepAlive moves the record's expiry when the last move is older than
// TouchInterval: a session read on every request is not rewritten on
// every request. A record that changed or died meanwhile is left alone.
func (ss *storeStorage) keepAlive(ctx context.Context, st *State, now time.Time) error {
	if st.rec == nil || st.rec.version == 0 {
		return nil
	}
	expires := ss.expiry(st, now, st.rec.user != "")
	if expires.UnixMilli()-st.rec.expires < ss.cfg.TouchInterval.Milliseconds() {
		return nil
	}
	ctx, end := ss.deadline(ctx, st.rec)
	err := ss.store.Touch(ctx, st.rec.key, st.rec.version, expires)
	end.done()
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return nil
	}
	if err == nil {
		st.rec.expires = expires.UnixMilli()
	}
	return err
}
