package runtime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
	// loaded every time (an encrypted cookie, whose date securecookie
	// keeps to itself; an ID whose record may change or die in a store).
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
	// remove forgets the session st, which this request emptied; the
	// caller deletes the cookie.
	remove(ctx context.Context, st *State) error
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

// remove has nothing to forget: the cookie was the session.
func (cs *cookieStorage) remove(context.Context, *State) error { return nil }

// keepAlive has nothing to do: a cookie's age is refreshed only by saving
// it, as Flask decides.
func (cs *cookieStorage) keepAlive(context.Context, *State, time.Time) error { return nil }

// storeStorage keeps the payload in a Store, under the SHA-256 of a random
// 256-bit session ID; the cookie carries the ID, signed as a cookie
// payload is (so a forged ID never reaches the store, and key rotation
// works as for cookie sessions). Every request loads the record afresh:
// a destroyed session must stay destroyed.
type storeStorage struct {
	store  Store
	signer *macSigner
	cfg    *settings
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
	id  string // the session ID, 32 bytes
	key string // its store key
}

// sessionIDLen is the length of a session ID in bytes: 256 bits.
const sessionIDLen = 32

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
	ss := &storeStorage{store: s.Store, signer: mac, cfg: s}
	if s.VerifiedCacheSize > 0 {
		ss.ids = newVerifiedCache[verifiedID](s.VerifiedCacheSize)
	}
	return ss, nil
}

func (ss *storeStorage) identify(string) string { return "" }

func (ss *storeStorage) lazy() bool { return true }

// key returns the store key of a session ID: a dump of the store holds
// no live cookie.
func (ss *storeStorage) key(id string) string {
	sum := sha256.Sum256([]byte(id))
	var b strings.Builder
	b.Grow(len(ss.cfg.StoreKeyPrefix) + 2*len(sum))
	b.WriteString(ss.cfg.StoreKeyPrefix)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	b.Write(h[:])
	return b.String()
}

func (ss *storeStorage) load(ctx context.Context, sc *scratch, st *State, name, value string, now time.Time) ([]byte, int64, error) {
	sid, key, date, err := ss.verifyID(sc, name, value, now)
	if err != nil {
		return nil, -1, err
	}
	rec, err := ss.store.Find(ctx, key)
	if errors.Is(err, ErrNotFound) {
		// Strict: an unknown or expired ID is never adopted; the request
		// gets a new session, saved under a new ID.
		return nil, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: err}
	}
	if err != nil {
		return nil, -1, err
	}
	st.rec = &storeRef{id: sid, key: key, version: rec.Version, expires: rec.Expires.UnixMilli()}
	return rec.Data, date, nil
}

// verifyID returns the session ID the cookie value carries, its store key
// and the value's date: from ss.ids when this exact value verified before
// under this name (its date checked again now), else verified now.
func (ss *storeStorage) verifyID(sc *scratch, name, value string, now time.Time) (id, key string, date int64, err error) {
	var h uint64
	if ss.ids != nil {
		h = ss.ids.hash(value)
		if e, ok := ss.ids.get(h, name, value); ok {
			if err := checkCookieAge(ss.cfg.dates, name, value, e.date, now); err != nil {
				return "", "", -1, err
			}
			return e.v.id, e.v.key, e.date, nil
		}
	}
	raw, date, err := ss.signer.open(sc, name, value)
	if err != nil {
		return "", "", -1, err
	}
	if err := checkCookieAge(ss.cfg.dates, name, value, date, now); err != nil {
		return "", "", -1, err
	}
	if len(raw) != sessionIDLen {
		return "", "", -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieInvalid, Cause: errMalformed}
	}
	id = string(raw)
	key = ss.key(id)
	if ss.ids != nil && ss.ids.admit(h) {
		ss.ids.put(h, name, value, date, verifiedID{id: id, key: key})
	}
	return id, key, date, nil
}

func (ss *storeStorage) save(ctx context.Context, sc *scratch, st *State, dst []byte, name string, payload []byte, user string, now time.Time) ([]byte, error) {
	if st.rec == nil || st.rec.id == "" {
		id := make([]byte, sessionIDLen)
		if _, err := rand.Read(id); err != nil {
			return dst, err
		}
		st.rec = &storeRef{id: string(id)}
	}
	if st.rec.key == "" {
		st.rec.key = ss.key(st.rec.id)
	}
	expires := ss.expiry(st, now)
	rec := Record{Data: payload, Version: st.rec.version + 1, Expires: expires, User: user}
	if err := ss.store.Commit(ctx, st.rec.key, st.rec.version, rec); err != nil {
		return dst, err
	}
	st.rec.version, st.rec.expires = rec.Version, expires.UnixMilli()
	return ss.signer.appendValue(sc, dst, name, []byte(st.rec.id), now)
}

// expiry is when the record of st dies unless used again: IdleTimeout from
// now, and never past AbsoluteLifetime from its creation.
func (ss *storeStorage) expiry(st *State, now time.Time) time.Time {
	exp := now.Add(ss.cfg.IdleTimeout)
	if ss.cfg.AbsoluteLifetime > 0 && st.created != 0 {
		if end := time.Unix(st.created, 0).Add(ss.cfg.AbsoluteLifetime); end.Before(exp) {
			return end
		}
	}
	return exp
}

func (ss *storeStorage) remove(ctx context.Context, st *State) error {
	if st.rec == nil || st.rec.id == "" {
		return nil
	}
	key := st.rec.key
	if key == "" {
		key = ss.key(st.rec.id)
	}
	err := ss.store.Delete(ctx, key)
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
	expires := ss.expiry(st, now)
	if expires.UnixMilli()-st.rec.expires < ss.cfg.TouchInterval.Milliseconds() {
		return nil
	}
	err := ss.store.Touch(ctx, st.rec.key, st.rec.version, expires)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return nil
	}
	if err == nil {
		st.rec.expires = expires.UnixMilli()
	}
	return err
}
