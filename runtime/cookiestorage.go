package runtime

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// cookieStorage keeps the payload in the cookie itself, sealed by the
// format's signer. Its verified cache holds decoded sessions under the
// exact cookie values that verified: a browser sending the same cookie
// again (every request that leaves the session unchanged does) costs a
// lookup and a copy instead of an unsealing and a decoding.
type cookieStorage struct {
	signer signer
	enc    encoding
	c      *codec
	// verified is nil when Config.VerifiedCacheSize turns it off, when the
	// generated code has no Copy, and for encrypted cookies.
	verified *verifiedCache[opened]
}

// opened is a session as a verified cookie decoded to it, kept by the
// verified cache and copied into each request that sends the cookie again.
type opened struct {
	session any // the *S with its fields and presence; its State is unused
	status  sessionimpl.Status
	flashes []Flash
	created int64
	kept    []sessionimpl.Member // shared, never changed in place
}

func newCookieStorage(s *settings, sg signer, enc encoding, c *codec) *cookieStorage {
	cs := &cookieStorage{signer: sg, enc: enc, c: c}
	if s.VerifiedCacheSize > 0 && c.copy != nil && len(s.EncryptionKey) == 0 {
		cs.verified = newVerifiedCache[opened](s.VerifiedCacheSize)
	}
	return cs
}

func (cs *cookieStorage) lazy() bool { return false }

func (cs *cookieStorage) verify(sc *scratch, s session, name, value string) (int64, error) {
	sc.payload, sc.restored = nil, false
	if cs.verified != nil {
		sc.hash = cs.verified.hash(value)
		if e, ok := cs.verified.get(sc.hash, name, value); ok {
			cs.restore(s, &e.v)
			sc.restored = true
			return e.date, nil
		}
	}
	payload, date, err := cs.signer.open(sc, name, value)
	if err != nil {
		return -1, err
	}
	sc.payload, sc.date = payload, date
	return date, nil
}

func (cs *cookieStorage) load(_ context.Context, sc *scratch, s session, name, value string) ([]error, error) {
	if sc.restored {
		return nil, nil
	}
	payload := sc.payload
	sc.payload = nil
	dropped, err := cs.enc.unmarshal(sc, s, payload)
	if err != nil {
		return nil, payloadError(name, value, err)
	}
	// A cookie that lost fields is not remembered, so that every request
	// sending it reports the loss.
	if cs.verified != nil && len(dropped) == 0 && cs.verified.admit(sc.hash) {
		cs.verified.put(sc.hash, name, value, sc.date, cs.snapshot(s))
	}
	return dropped, nil
}

// snapshot copies what decoding gave s, for the verified cache.
func (cs *cookieStorage) snapshot(s session) opened {
	m := s.m
	o := opened{
		session: cs.c.newSession(),
		status:  m.Status & (sessionimpl.StatusPermanentSet | sessionimpl.StatusPermanent),
		flashes: slices.Clone(m.Flashes),
		created: m.Created,
		kept:    m.Kept,
	}
	cs.c.copy(o.session, s.v)
	return o
}

// restore fills the zero session s from a snapshot.
func (cs *cookieStorage) restore(s session, o *opened) {
	cs.c.copy(s.v, o.session)
	m := s.m
	m.Status |= o.status
	m.Flashes = slices.Clone(o.flashes)
	m.Created = o.created
	m.Kept = o.kept
}

func (cs *cookieStorage) value(_ *http.Request, sc *scratch, s session, dst []byte, name string, now time.Time) ([]byte, error) {
	payload, err := cs.enc.marshal(sc, s)
	if err != nil {
		return dst, encodingError(err)
	}
	out, err := cs.signer.seal(sc, dst, name, payload, now)
	if err != nil {
		return out, savingError(err)
	}
	return out, nil
}

// remove has nothing to forget: the cookie was the session.
func (cs *cookieStorage) remove(context.Context, *sessionimpl.Meta) error { return nil }

// destroy has nothing to end: a copy of the cookie stays valid until it
// expires.
func (cs *cookieStorage) destroy(context.Context, *sessionimpl.Meta) error { return nil }

// keepAlive has nothing to do: a cookie's age is refreshed only by saving
// it, as Flask decides.
func (cs *cookieStorage) keepAlive(context.Context, *sessionimpl.Meta, time.Time) error { return nil }

func (cs *cookieStorage) cacheStats() VerifiedCacheStats { return cs.verified.stats() }

// deleteUser cannot end cookies, which the server keeps no record of.
func (cs *cookieStorage) deleteUser(context.Context, string) (int, error) { return 0, ErrNoStore }

// Nor list them, nor end one: the Interface answers ErrNoStore before it
// asks.
func (cs *cookieStorage) listUser(context.Context, string, *sessionimpl.Meta) ([]UserSession, error) {
	return nil, ErrNoStore
}

func (cs *cookieStorage) destroyHandle(context.Context, string, string, *sessionimpl.Meta) (bool, error) {
	return false, ErrNoStore
}

func (cs *cookieStorage) deleteOthers(context.Context, *sessionimpl.Meta) (int, error) {
	return 0, ErrNoStore
}
