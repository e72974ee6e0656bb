package sessiongen

import (
	"errors"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// Errors for cookies that cannot be opened. Each makes the request go on
// with a fresh, empty session; they reach Config.OnError wrapped in a
// [*CookieError].
var (
	// ErrCookieInvalid: the value does not verify under any key (tampered,
	// truncated, made for another cookie name, or by another application).
	ErrCookieInvalid = errors.New("session cookie does not verify")
	// ErrCookieExpired: the value verifies but is older than Lifetime, or
	// dated ahead of the clock by more than its format allows (5 s for
	// sessiongen's format, none for Flask's; see checkCookieAge).
	ErrCookieExpired = errors.New("session cookie expired")
	// ErrCookieTooLarge: a value longer than MaxCookieSize, whether received
	// (not even decoded) or about to be sent (not sent: browsers drop such
	// cookies silently).
	ErrCookieTooLarge = errors.New("session cookie too large")
	// ErrPayload: the value verifies but its payload cannot be read (a
	// format from a newer or much older release).
	ErrPayload = errors.New("session payload unreadable")
)

// CookieError describes a session cookie that was rejected or could not be
// written.
type CookieError struct {
	Name string // the cookie's name
	Size int    // the value's length in bytes
	Err  error  // one of the ErrCookie* values or ErrPayload
	// Cause is the underlying error from securecookie or the decoder, if
	// any.
	Cause error
}

func (e *CookieError) Error() string {
	msg := fmt.Sprintf("sessiongen: cookie %q (%d bytes): %v", e.Name, e.Size, e.Err)
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the sentinel and the cause, for errors.Is and errors.As.
func (e *CookieError) Unwrap() []error { return []error{e.Err, e.Cause} }

// FieldError reports a field dropped while opening a session because its
// stored value no longer fits the struct (a type changed incompatibly
// between releases). The rest of the session is kept.
type FieldError struct {
	Key string // the field's session key
	Err error  // matches wire.ErrMismatch
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("sessiongen: session key %q dropped: %v", e.Key, e.Err)
}

// Unwrap returns the decoding error.
func (e *FieldError) Unwrap() error { return e.Err }

// signers' errors' causes, for CookieError.Cause.

// ErrNoSession is returned by Regenerate and Destroy for a context that
// carries no session of the Interface's type.
var ErrNoSession = errors.New("sessiongen: the context carries no session: call this with the request's context, under the middleware")

// ErrNoStore is returned by DestroyAll for cookie sessions, which the server
// keeps no record of: set Config.Store.
var ErrNoStore = errors.New("sessiongen: sessions are kept in cookies, which the server cannot end: set Config.Store")

// ErrSessionHijacked is reported to Config.OnError when a handler changed
// the session and then hijacked the connection (a WebSocket upgrade, say):
// no response of the server's follows, so the cookie cannot be sent and
// the change is lost. Change the session in a request that returns a
// normal response.
var ErrSessionHijacked = errors.New("sessiongen: the session was changed and then the connection was hijacked; the change is lost: no response carries the cookie")

// ErrWriteAfterSave is reported to Config.OnError when a handler changes the
// session after the response began (after its first byte): the cookie had
// already been sent, so the change is lost. Change the session before
// writing the body.
var ErrWriteAfterSave = errors.New("sessiongen: the session was changed after the response began; the change is lost: change the session before writing the body")

// ErrSessionNotSaved is what writes to the response return after the
// session could not be saved and the response was replaced by a 500.
var ErrSessionNotSaved = errors.New("sessiongen: the session could not be saved; the response was replaced by a 500")

// ErrInsecureTransport is reported once per Interface, to Config.OnError (or
// the standard logger without one), the first time a Secure session cookie
// is set in answer to a plain-HTTP request from another machine: the
// browser will not send that cookie back over plain HTTP, so its sessions
// silently never persist. Serve over TLS (behind a proxy that terminates
// TLS, have it set X-Forwarded-Proto: https), or set DisableSecure
// (SESSION_COOKIE_SECURE=false) for plain-HTTP development.
var ErrInsecureTransport = errors.New("sessiongen: a Secure session cookie was set on a plain-HTTP request from another machine: " +
	"the browser will not send it back over HTTP, so sessions will not persist; serve over TLS, " +
	"or set DisableSecure (SESSION_COOKIE_SECURE=false) for plain-HTTP development")

// ErrNoUser is returned by DestroyOthers for a request whose session was
// not loaded logged in: there is no user whose other sessions to end.
var ErrNoUser = errors.New("sessiongen: the request's session has no user (Config.UserKey) saved yet: call DestroyOthers on a request of a logged-in session, not in the login request itself")

// ErrNullSession is recorded when a null session (a configuration without
// a SecretKey, with AllowNullSession) is written to. The message is
// Flask's.
var ErrNullSession = sessionimpl.ErrNullSession

// Flash is a message stored for the next request that shows it, with its
// category (Flask's flash and get_flashed_messages).
type Flash = sessionimpl.Flash

// DefaultFlashCategory is the category of a flash given none, as in Flask.
const DefaultFlashCategory = sessionimpl.DefaultFlashCategory
