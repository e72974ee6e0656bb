package runtime

import (
	"bytes"
	"encoding/base64"
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

// cookieSigner turns a payload into a cookie value and back. Both
// implementations here write and read gorilla/securecookie's format, so a
// cookie made by either opens with the other, and with securecookie itself
// (flaskSigner, in flasksign.go, is the third). A signer only seals and
// unseals: it reports the date a value carries and never judges it, so
// that one rule (checkCookieAge, age.go) decides for every format, whether
// the value is unsealed afresh or found in a verified cache.
type cookieSigner interface {
	// appendValue appends the cookie value of payload for the cookie name
	// to dst, which must not be sc.buf.
	appendValue(sc *scratch, dst []byte, name string, payload []byte, now time.Time) ([]byte, error)
	// open verifies value and returns its payload, which may alias sc, and
	// the date it was sealed (Unix seconds), unchecked: the caller checks
	// it with checkCookieAge. A value with bytes net/http refuses in a
	// cookie (see validCookieValue) gets errNotCookieValue: such a cookie
	// is ignored, as net/http ignores it.
	open(sc *scratch, name, value string) (payload []byte, date int64, err error)
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
		return &macSigner{keys: keys, prefix: prefix}, nil
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
		// securecookie's own date checks are off (they read its own clock,
		// not Config.Now): open reports the date it verified and
		// checkCookieAge judges it, as for every other format.
		sc.MaxAge(0)
		sc.MinAge(0)
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

// open verifies value and returns its payload and the date it carries.
func (sg *secureCookieSigner) open(sc *scratch, name, value string) ([]byte, int64, error) {
	if !validCookieValue(value) {
		return nil, -1, errNotCookieValue
	}
	var firstErr error
	for _, codec := range sg.codecs {
		var b []byte
		err := codec.Decode(sg.boundName(name), value, &b)
		if err == nil {
			date, ok := sealedDate(sc, value)
			if !ok {
				return nil, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieInvalid, Cause: errMalformed}
			}
			return b, date, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, -1, &CookieError{Name: name, Size: len(value), Err: ErrCookieInvalid, Cause: firstErr}
}

// sealedDate returns the date in value, which securecookie.Decode has just
// verified. securecookie parses the date but does not return it, so it is
// read again here, from the value's first bytes only: the value is
// base64url(date "|" ...), and the date as securecookie writes it is at
// most 20 characters, so the first 32 characters, 24 bytes decoded, hold
// it and its bar. A longer date (leading zeros, which strconv.ParseInt
// accepts; only a key holder could make one) is refused as malformed, as
// macSigner refuses it (parseUnix). No allocation: the decoding goes to
// sc.buf, in lenient base64 as securecookie decodes it.
func sealedDate(sc *scratch, value string) (int64, bool) {
	const prefix = 32 // a multiple of 4: whole base64 quanta
	n := len(value)
	if n > prefix {
		n = prefix
	}
	b := append(sc.buf[:0], value[:n]...)
	decAt := len(b)
	b, err := base64.URLEncoding.AppendDecode(b, b[:n])
	sc.buf = b
	if err != nil {
		return 0, false
	}
	dec := b[decAt:]
	i := bytes.IndexByte(dec, '|')
	if i < 0 {
		return 0, false
	}
	return parseUnix(dec[:i])
}
