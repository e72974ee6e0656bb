package runtime

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	mrand "math/rand/v2"
	"net/http"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

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
	signer signer
	enc    encoding
	// merger merges concurrent changes (Config.Concurrency), nil when the
	// encoding cannot; fields finds a field's index by its session key.
	merger merger
	fields fieldIndex
	cfg    *settings
	keys   keyspace
	// ids remembers cookie values whose MAC verified, with the session ID
	// each carries and its store key, under the verified cache's rules
	// (found only by the exact bytes under the same name, admitted on the
	// second verification, dated and age-checked on every hit); nil when
	// Config.VerifiedCacheSize turns it off. The record itself is read from
	// the store on every request all the same: a destroyed session's
	// cookie still finds nothing.
	ids *verifiedCache[verifiedID]
}

func newStoreStorage(s *settings, salt string, sg signer, enc encoding, fields []string) *storeStorage {
	ns := s.StoreNamespace
	if ns == "" {
		ns = salt + ":" + s.CookieName
	}
	ss := &storeStorage{store: s.Store, signer: sg, enc: enc, cfg: s, keys: keyspace{prefix: s.StoreKeyPrefix, ns: s.StoreKeyPrefix + ns + ":"}, fields: newFieldIndex(fields)}
	if s.Concurrency != FailOnConcurrentChange {
		ss.merger, _ = enc.(merger)
	}
	if s.VerifiedCacheSize > 0 {
		ss.ids = newVerifiedCache[verifiedID](s.VerifiedCacheSize)
	}
	return ss
}

func (ss *storeStorage) lazy() bool { return true }

// deadline bounds one store operation on the record of ref (nil: none
// yet) by Config.StoreTimeout.
func (ss *storeStorage) deadline(ctx context.Context, ref *storeRef) (context.Context, opEnd) {
	if ref == nil {
		return withStoreDeadline(ctx, nil, ss.cfg.StoreTimeout)
	}
	return withStoreDeadline(ctx, &ref.op, ss.cfg.StoreTimeout)
}

// record returns the storage's handle on the session's record, nil for
// a session that has none.
func record(m *sessionimpl.Meta) *storeRef {
	ref, _ := m.Record.(*storeRef)
	return ref
}

func (ss *storeStorage) verify(sc *scratch, s session, name, value string) (int64, error) {
	v, date, err := ss.verifyID(sc, name, value)
	if err != nil {
		return -1, err
	}
	s.m.Record = &storeRef{verifiedID: v}
	return date, nil
}

func (ss *storeStorage) load(ctx context.Context, sc *scratch, s session, name, value string) ([]error, error) {
	ref := record(s.m)
	ctx, end := ss.deadline(ctx, ref)
	rec, err := ss.store.Find(ctx, ref.key)
	end.done()
	if errors.Is(err, ErrNotFound) {
		// Strict: an unknown or expired ID is never adopted; the request
		// gets a new session, saved under a new ID.
		return nil, &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: err}
	}
	if err != nil {
		return nil, err
	}
	ref.version, ref.expires, ref.user, ref.base = rec.Version, rec.Expires.UnixMilli(), rec.User, rec.Data
	dropped, err := ss.enc.unmarshal(sc, s, rec.Data)
	if err != nil {
		return nil, payloadError(name, value, err)
	}
	return dropped, nil
}

// verifyID returns what the cookie value carries and the value's date,
// unchecked: from ss.ids when this exact value verified before under this
// name, else verified now.
func (ss *storeStorage) verifyID(sc *scratch, name, value string) (verifiedID, int64, error) {
	var h uint64
	if ss.ids != nil {
		h = ss.ids.hash(value)
		if e, ok := ss.ids.get(h, name, value); ok {
			return e.v, e.date, nil
		}
	}
	raw, date, err := ss.signer.open(sc, name, value)
	if err != nil {
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
	v.key = ss.keys.recordKey(v.id, v.tag, v.legacy)
	if ss.ids != nil && ss.ids.admit(h) {
		ss.ids.put(h, name, value, date, v)
	}
	return v, date, nil
}

// value keeps the session s and appends its ID cookie's value. A loaded
// session that this request did not change is not committed: its ID
// cookie is signed again, with the same ID, and its record's expiry moved
// at most once per TouchInterval, so reads of one session never conflict
// with each other. Any other is committed (save).
func (ss *storeStorage) value(r *http.Request, sc *scratch, s session, dst []byte, name string, now time.Time) ([]byte, error) {
	ctx := r.Context()
	if ref := record(s.m); ref != nil && ref.version != 0 && !s.m.Has(sessionimpl.StatusModified) {
		if err := ss.keepAlive(ctx, s.m, now); err != nil {
			return dst, savingError(err)
		}
		return ss.seal(sc, dst, name, idPayload(ref), now)
	}
	payload, err := ss.enc.marshal(sc, s)
	if err != nil {
		return dst, encodingError(err)
	}
	user := ""
	if ss.cfg.UserKey != "" {
		user = ss.enc.field(payload, ss.cfg.UserKey)
	}
	return ss.save(r, sc, s.m, dst, name, payload, user, now)
}

// seal appends the ID cookie's value of idPayload to dst.
func (ss *storeStorage) seal(sc *scratch, dst []byte, name string, idPayload []byte, now time.Time) ([]byte, error) {
	out, err := ss.signer.seal(sc, dst, name, idPayload, now)
	if err != nil {
		return out, savingError(err)
	}
	return out, nil
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
func (ss *storeStorage) save(r *http.Request, sc *scratch, m *sessionimpl.Meta, dst []byte, name string, payload []byte, user string, now time.Time) ([]byte, error) {
	ctx := r.Context()
	ref := record(m)
	var tag, index string
	if user != "" {
		tag = ss.keys.userTag(user)
		index = ss.keys.indexKey(tag)
	}
	expires := ss.expiry(m, now, user != "")
	c := Commit{Record: Record{Data: payload, Expires: expires, User: index}}
	c.Token = newToken()
	if ref != nil && ref.version != 0 && !ref.legacy && !m.Has(sessionimpl.StatusRenew) && ref.user == index {
		c.Key, c.Prev = ref.key, ref.version
	} else {
		var id [sessionIDLen]byte
		if _, err := rand.Read(id[:]); err != nil {
			return dst, savingError(err)
		}
		if ref != nil && ref.version != 0 {
			c.Replaces, c.ReplacesVersion = ref.key, ref.version
		} else if ss.cfg.RecordDevices {
			// A new device: a new ID of a session keeps the old record's.
			c.Record.Device = deviceOf(r, ss.cfg.TrustedProxies)
		}
		if index != "" && (ref == nil || ref.user != index) {
			// A login: the user's sessions beyond the limit end with it.
			c.UserLimit = ss.cfg.MaxSessionsPerUser
		}
		v := verifiedID{id: string(id[:]), tag: tag}
		v.key = ss.keys.recordKey(v.id, tag, false)
		ref = &storeRef{verifiedID: v}
		c.Key, c.Fresh = ref.key, true
	}
	c.Record.Version = c.Prev + 1
	cctx, end := ss.deadline(ctx, ref)
	err := ss.store.Commit(cctx, c)
	end.done()
	if errors.Is(err, ErrConflict) && c.Prev != 0 {
		c, err = ss.mergeCommit(ctx, sc, m, ref, c)
	}
	if err != nil {
		return dst, savingError(err)
	}
	ref.version, ref.expires, ref.user = c.Record.Version, expires.UnixMilli(), index
	m.Record = ref
	m.Status &^= sessionimpl.StatusRenew
	return ss.seal(sc, dst, name, idPayload(ref), now)
}

// newToken returns a commit token. A token needs to be unique, not secret
// (it only lets a retry of a Commit recognise its write): the runtime's
// generator, not a system call.
func newToken() string {
	var token [tokenLen]byte
	binary.LittleEndian.PutUint64(token[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(token[8:], mrand.Uint64())
	return string(token[:])
}

// mergeCommit is what a save does when its commit c met a record changed
// by another request since this one loaded it (Config.Concurrency): it
// reads the record again and, if the encoding finds nothing this request
// read changed, commits the newer record with this request's writes
// applied, conditional on the version it read; again on each new
// conflict, for StoreTimeout. A record that is gone (a logout, Destroy,
// Regenerate elsewhere) stays gone: ErrConflict. It returns the commit
// that landed.
func (ss *storeStorage) mergeCommit(ctx context.Context, sc *scratch, m *sessionimpl.Meta, ref *storeRef, c Commit) (Commit, error) {
	if ss.merger == nil || ref.base == nil {
		ss.report(sc, false, 0, nil)
		return c, ErrConflict
	}
	ours := c.Record.Data
	limit := time.Now().Add(ss.cfg.StoreTimeout)
	for reloads := 1; ; reloads++ {
		fctx, end := ss.deadline(ctx, ref)
		rec, err := ss.store.Find(fctx, ref.key)
		end.done()
		if errors.Is(err, ErrNotFound) || (err == nil && rec.User != c.Record.User) {
			ss.report(sc, false, reloads, nil)
			return c, ErrConflict
		}
		if err != nil {
			return c, err
		}
		merged, conflicts, err := ss.merger.merge(ref.base, rec.Data, ours, m, ss.fields, ss.cfg.Concurrency == LastWriterWinsPerField)
		if err != nil || len(conflicts) > 0 {
			ss.report(sc, false, reloads, conflicts)
			return c, ErrConflict
		}
		c.Prev, c.Token = rec.Version, newToken()
		c.Record.Data, c.Record.Version = merged, rec.Version+1
		cctx, end := ss.deadline(ctx, ref)
		err = ss.store.Commit(cctx, c)
		end.done()
		if err == nil {
			ss.report(sc, true, reloads, nil)
			return c, nil
		}
		if !errors.Is(err, ErrConflict) {
			return c, err
		}
		if time.Now().After(limit) {
			ss.report(sc, false, reloads, nil)
			return c, err
		}
	}
}

// report notes how a save met a concurrent change, for
// Config.OnConcurrentChange.
func (ss *storeStorage) report(sc *scratch, merged bool, reloads int, conflicts []string) {
	sc.change = ConcurrentChange{Merged: merged, Reloads: reloads, Conflicts: conflicts}
	sc.changeSet = true
}

// expiry is when the record of st dies unless used again: the idle timeout
// (of a session with a user, or of an anonymous one) from now, and never
// past AbsoluteLifetime from its creation.
func (ss *storeStorage) expiry(m *sessionimpl.Meta, now time.Time, hasUser bool) time.Time {
	idle := ss.cfg.anonymousIdle
	if hasUser {
		idle = ss.cfg.IdleTimeout
	}
	return ss.cfg.capAbsolute(now.Add(idle), m.Created)
}

// remove deletes the record of the session st, which this request
// emptied, only if it is still at the version loaded: a change another
// request committed meanwhile is not silently lost (ErrConflict).
func (ss *storeStorage) remove(ctx context.Context, m *sessionimpl.Meta) error {
	ref := record(m)
	if ref == nil || ref.version == 0 {
		return nil
	}
	ctx, end := ss.deadline(ctx, ref)
	defer end.done()
	if err := ss.store.Delete(ctx, ref.key, ref.version); err != nil {
		return err
	}
	m.Record = nil
	return nil
}

// destroy deletes the record of the session st whatever its version: a
// logout never conflicts.
func (ss *storeStorage) destroy(ctx context.Context, m *sessionimpl.Meta) error {
	ref := record(m)
	m.Record = nil
	if ref == nil || ref.version == 0 {
		return nil
	}
	ctx, end := ss.deadline(ctx, ref)
	defer end.done()
	return ss.store.Delete(ctx, ref.key, 0)
}

// keepAlive moves the record's expiry when the last move is older than
// TouchInterval: a session read on every request is not rewritten on
// every request. A record that changed or died meanwhile is left alone.
func (ss *storeStorage) keepAlive(ctx context.Context, m *sessionimpl.Meta, now time.Time) error {
	ref := record(m)
	if ref == nil || ref.version == 0 {
		return nil
	}
	expires := ss.expiry(m, now, ref.user != "")
	if expires.UnixMilli()-ref.expires < ss.cfg.TouchInterval.Milliseconds() {
		return nil
	}
	ctx, end := ss.deadline(ctx, ref)
	err := ss.store.Touch(ctx, ref.key, ref.version, expires)
	end.done()
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return nil
	}
	if err == nil {
		ref.expires = expires.UnixMilli()
	}
	return err
}

func (ss *storeStorage) cacheStats() VerifiedCacheStats { return ss.ids.stats() }

// deleteUser ends every session of user, on every instance.
func (ss *storeStorage) deleteUser(ctx context.Context, user string) (int, error) {
	u, err := ss.userOf(user, "DestroyAll")
	if err != nil {
		return 0, err
	}
	return ss.store.DeleteUser(ctx, u)
}
