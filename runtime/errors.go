package runtime

import (
	"errors"
	"fmt"
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
var (
	errNotCookieValue = errorString("not a cookie value net/http accepts")
	errMalformed      = errorString("malformed value")
	errBadMAC         = errorString("the MAC does not verify under any key")
)

type errorString string

func (e errorString) Error() string { return string(e) }
