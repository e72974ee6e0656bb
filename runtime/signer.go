package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/securecookie"
)

// Errors for cookies that cannot be opened. Each makes the request go on
// with a fresh, empty session; they reach Config.OnError wrapped in a
// [*CookieError].
var (
	// ErrCookieInvalid: the value does not verify under any key (tampered,
	// truncated, made for another cookie name, or by another application).
	ErrCookieInvalid = errors.New("session cookie does not verify")
	// ErrCookieExpired: the value verifies but is older than Lifetime, or
	// dated in the future.
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

// futureSkew is how far in the future a cookie's timestamp may be, to
// tolerate clocks that differ slightly between servers. Beyond it the cookie
// is treated as expired, as itsdangerous does with any future timestamp.
const futureSkew = 5

// cookieSigner turns a payload into a cookie value and back. Both
// implementations write and read gorilla/securecookie's format, so a cookie
// made by either opens with the other, and with securecookie itself.
type cookieSigner interface {
	// appendValue appends the cookie value of payload for the cookie name
	// to dst, which must not be sc.buf.
	appendValue(sc *scratch, dst []byte, name string, payload []byte, now time.Time) ([]byte, error)
	// open verifies value and returns its payload, which may alias sc, and
	// its timestamp (Unix seconds) when the signer can see it, -1 when not.
	// A value with bytes net/http refuses in a cookie (see
	// validCookieValue) gets errNotCookieValue: such a cookie is ignored,
	// as net/http ignores it.
	open(sc *scratch, name, value string, now time.Time) (payload []byte, date int64, err error)
}

// newSigner returns the signer for the settings: securecookie itself when
// cookies are encrypted, its format without the allocations otherwise.
//
// What the MAC covers as the cookie's name is salt "." name (the name
// alone without a salt): the salt is the session type's name, so that a
// cookie minted for one type never opens as another. A securecookie
// codec made with the same keys reads the value as the cookie named
// salt "." name, e.g. "Visitor.session".
func newSigner(s *settings, salt string) (cookieSigner, error) {
	keys := append([][]byte{s.SecretKey}, s.SecretKeyFallbacks...)
	prefix := ""
	if salt != "" {
		prefix = salt + "."
	}
	if len(s.EncryptionKey) == 0 {
		return &macSigner{keys: keys, maxAge: int64(s.maxAge), prefix: prefix}, nil
	}
	return newSecureCookieSigner(s, keys, prefix)
}

// secureCookieSigner signs with the current key and verifies with it and the
// fallbacks, through securecookie, encrypting under the MAC. Each
// securecookie instance binds the cookie name into the MAC, so a value made
// for one cookie never opens as another.
type secureCookieSigner struct {
	codecs []*securecookie.SecureCookie // current key first
	prefix string                       // the salt and a dot, or nothing
	// name and bound are the configured cookie name and prefix+name, made
	// once: the name a request uses is nearly always the configured one.
	name, bound string
}

// boundName returns what securecookie is given as the cookie's name.
func (sg *secureCookieSigner) boundName(name string) string {
	if name == sg.name {
		return sg.bound
	}
	return sg.prefix + name
}

func newSecureCookieSigner(s *settings, keys [][]byte, prefix string) (*secureCookieSigner, error) {
	sg := &secureCookieSigner{prefix: prefix, name: s.CookieName, bound: prefix + s.CookieName}
	for _, k := range keys {
		sc := securecookie.New(k, s.EncryptionKey)
		sc.SetSerializer(securecookie.NopEncoder{})
		sc.MaxAge(s.maxAge)
		// A negative minimum age turns securecookie's "too new" check into a
		// bound on future timestamps.
		sc.MinAge(-futureSkew)
		// Lengths are checked by the caller, with matchable errors.
		sc.MaxLength(0)
		sg.codecs = append(sg.codecs, sc)
	}
	// securecookie reports bad keys only at the first Encode: probe now.
	if _, err := sg.codecs[0].Encode("probe", []byte("probe")); err != nil {
		return nil, &ConfigError{"SecretKey/EncryptionKey", ErrEncryptionKey, err.Error()}
	}
	return sg, nil
}

// appendValue appends the cookie value for payload to dst. securecookie reads its own
// clock.
func (sg *secureCookieSigner) appendValue(_ *scratch, dst []byte, name string, payload []byte, _ time.Time) ([]byte, error) {
	v, err := sg.codecs[0].Encode(sg.boundName(name), payload)
	return append(dst, v...), err
}

// open verifies value and returns its payload. securecookie reads its own
// clock.
func (sg *secureCookieSigner) open(_ *scratch, name, value string, _ time.Time) ([]byte, int64, error) {
	if !validCookieValue(value) {
		return nil, -1, errNotCookieValue
	}
	var firstErr error
	for _, sc := range sg.codecs {
		var b []byte
		err := sc.Decode(sg.boundName(name), value, &b)
		if err == nil {
			return b, -1, nil // the timestamp stays inside securecookie
		}
		if firstErr == nil || isExpiry(err) {
			// An expiry means the MAC verified: that is the error worth
			// reporting, whichever key it came from.
			firstErr = err
		}
		if isExpiry(err) {
			break
		}
	}
	if isExpiry(firstErr) {
		return nil, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: firstErr}
	}
	return nil, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieInvalid, Cause: firstErr}
}

// isExpiry tells securecookie's timestamp errors, which it raises only after
// the MAC has verified, from the others. securecookie exports no values for
// them, so its messages are the only handle.
func isExpiry(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return msg == "securecookie: expired timestamp" || msg == "securecookie: timestamp is too new"
}
