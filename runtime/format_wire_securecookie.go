package runtime

import (
	"bytes"
	"encoding/base64"
	"time"

	"github.com/gorilla/securecookie"
)

// newWireSigner returns the wire format's signer for the settings:
// securecookie itself when cookies are encrypted, its format without the
// allocations otherwise.
//
// What the MAC covers as the cookie's name is salt "." name (the name
// alone without a salt): the salt is the session type's name, so that a
// cookie minted for one type never opens as another. A securecookie
// codec made with the same keys reads the value as the cookie named
// salt "." name, e.g. "Visitor.session".
func newWireSigner(c *Config, salt string) (signer, error) {
	keys := append([][]byte{c.SecretKey}, c.SecretKeyFallbacks...)
	prefix := ""
	if salt != "" {
		prefix = salt + "."
	}
	if len(c.EncryptionKey) == 0 {
		return &macSigner{keys: keys, prefix: prefix}, nil
	}
	return newSecureCookieSigner(c, keys, prefix)
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

func newSecureCookieSigner(c *Config, keys [][]byte, prefix string) (*secureCookieSigner, error) {
	sg := &secureCookieSigner{prefix: prefix, name: c.CookieName, bound: prefix + c.CookieName}
	for _, k := range keys {
		sc := securecookie.New(k, c.EncryptionKey)
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
		return nil, &ConfigError{Field: "SecretKey/EncryptionKey", Err: ErrEncryptionKey, Hint: err.Error()}
	}
	return sg, nil
}

// seal appends the cookie value for payload to dst. securecookie reads its
// own clock.
func (sg *secureCookieSigner) seal(_ *scratch, dst []byte, name string, payload []byte, _ time.Time) ([]byte, error) {
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
