package runtime

import (
	"context"
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
	// load verifies the cookie value and returns the payload it stands
	// for (which may alias sc) and when that was saved (Unix seconds; -1
	// when the storage cannot tell). A value with bytes net/http refuses
	// in a cookie gets errNotCookieValue: it is ignored, as net/http
	// ignores it.
	load(ctx context.Context, sc *scratch, name, value string, now time.Time) (payload []byte, date int64, err error)
	// save keeps payload for the session opened from the cookie value
	// prev ("" for a new one) and appends to dst the cookie value that
	// finds it again, which must not alias sc.buf.
	save(ctx context.Context, sc *scratch, dst []byte, name, prev string, payload []byte, now time.Time) ([]byte, error)
	// remove forgets the session opened from the cookie value prev,
	// which this request emptied; the caller deletes the cookie.
	remove(ctx context.Context, name, prev string) error
}

// cookieStorage keeps the payload in the cookie itself, signed (and
// encrypted, with an EncryptionKey) in securecookie's format.
type cookieStorage struct {
	signer cookieSigner
	// cacheable: the signer shows the date it verified, so an entry of the
	// verified cache can have its age checked on every hit.
	cacheable bool
}

func newCookieStorage(s *settings, salt string) (*cookieStorage, error) {
	signer, err := newSigner(s, salt)
	if err != nil {
		return nil, err
	}
	_, mac := signer.(*macSigner)
	return &cookieStorage{signer: signer, cacheable: mac}, nil
}

func (cs *cookieStorage) identify(value string) string {
	if cs.cacheable {
		return value
	}
	return ""
}

func (cs *cookieStorage) load(_ context.Context, sc *scratch, name, value string, now time.Time) ([]byte, int64, error) {
	return cs.signer.open(sc, name, value, now)
}

func (cs *cookieStorage) save(_ context.Context, sc *scratch, dst []byte, name, _ string, payload []byte, now time.Time) ([]byte, error) {
	return cs.signer.appendValue(sc, dst, name, payload, now)
}

// remove has nothing to forget: the cookie was the session.
func (cs *cookieStorage) remove(context.Context, string, string) error { return nil }
