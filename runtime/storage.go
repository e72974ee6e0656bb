package runtime

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// storage is the seam between a session and where it is kept from one
// request to the next. The request's cookie value is the handle: the signed
// cookie (cookiestorage.go) carries the payload itself; a server-side store
// (storestorage.go) puts the payload in a record and a signed ID in the
// cookie. Each storage is built from a row of the table of cookie formats
// (its signer and encoding) and owns its verified cache; the open and save
// policy (Interface.OpenSession, Interface.SaveSession) is the same for
// both and knows neither.
type storage interface {
	// lazy tells whether loading costs a round trip, so that a session is
	// opened only when the request first uses it.
	lazy() bool
	// verify verifies the cookie value, or finds it in the storage's
	// verified cache, and returns the date it was sealed (Unix seconds),
	// unchecked: the caller checks it (checkCookieAge) before load. What
	// the value stands for is noted in s and sc for load. A value with
	// bytes net/http refuses in a cookie gets errNotCookieValue: it is
	// ignored, as net/http ignores it.
	verify(sc *scratch, s session, name, value string) (date int64, err error)
	// load fills s with what verify found. A payload that cannot be read
	// is a *CookieError matching ErrPayload; a field whose stored value no
	// longer fits is dropped and returned as a *FieldError in dropped. An
	// error that is not a *CookieError is the store's: the session may
	// exist.
	load(ctx context.Context, sc *scratch, s session, name, value string) (dropped []error, err error)
	// value keeps the session s of the request r and appends to dst the
	// cookie value that finds it again, which must not alias sc.buf.
	value(r *http.Request, sc *scratch, s session, dst []byte, name string, now time.Time) ([]byte, error)
	// remove forgets the session, which this request emptied, unless
	// another request changed it since it was loaded (ErrConflict); the
	// caller deletes the cookie.
	remove(ctx context.Context, m *sessionimpl.Meta) error
	// destroy ends the session whatever its version (a logout).
	destroy(ctx context.Context, m *sessionimpl.Meta) error
	// keepAlive is told of a session used but not saved: a store moves
	// the record's expiry when it is due.
	keepAlive(ctx context.Context, m *sessionimpl.Meta, now time.Time) error
	// cacheStats reports on the storage's verified cache.
	cacheStats() VerifiedCacheStats
	// deleteUser ends every session of user (Interface.DestroyAll).
	deleteUser(ctx context.Context, user string) (int, error)
	// listUser lists the live sessions of user (Interface.ListUser),
	// marking the one of current (nil: none) Current.
	listUser(ctx context.Context, user string, current *sessionimpl.Meta) ([]UserSession, error)
	// destroyHandle ends the session of user with handle, unless it is
	// current's: then it only reports so, for the caller to Destroy it.
	destroyHandle(ctx context.Context, user, handle string, current *sessionimpl.Meta) (isCurrent bool, err error)
	// deleteOthers ends every session of the user of m but m's
	// (Interface.DestroyOthers).
	deleteOthers(ctx context.Context, m *sessionimpl.Meta) (int, error)
}

// encodingError and savingError wrap the errors of storage.value: a
// session that could not become a payload, and one that could not be kept.
func encodingError(err error) error { return fmt.Errorf("sessiongen: encoding the session: %w", err) }

func savingError(err error) error { return fmt.Errorf("sessiongen: saving the session: %w", err) }

// payloadError is the error of a verified payload that cannot be read.
func payloadError(name, value string, err error) error {
	return &CookieError{Name: name, Size: len(value), Err: ErrPayload, Cause: err}
}
