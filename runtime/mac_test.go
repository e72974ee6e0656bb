package runtime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

var macKeys = [][]byte{[]byte("mac-key-current-0123456789abcdef0123"), []byte("mac-key-fallback-0123456789abcdef01")}

// sign returns the value macSigner makes.
func sign(m *macSigner, sc *scratch, name string, payload []byte, now time.Time) (string, error) {
	b, err := m.seal(sc, nil, name, payload, now)
	return string(b), err
}

// reference returns securecookie configured as macSigner must behave.
func reference(key []byte) *securecookie.SecureCookie {
	sc := securecookie.New(key, nil)
	sc.SetSerializer(securecookie.NopEncoder{})
	sc.MaxAge(3600)
	sc.MinAge(-int(futureSkew(CookieFormatWire)))
	sc.MaxLength(0)
	return sc
}

// macSigner and securecookie read each other's values: the formats are the
// same, byte for byte.
func TestMacSignerMatchesSecureCookie(t *testing.T) {
	m := &macSigner{keys: macKeys}
	var sc scratch
	for _, payload := range [][]byte{{}, {0}, []byte("x"), []byte("hello|world|"), bytes.Repeat([]byte{0xff, '|', 0}, 700)} {
		for _, name := range []string{"session", "__Host-s", "a"} {
			now := time.Now()
			ours, err := sign(m, &sc, name, payload, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			if err := reference(macKeys[0]).Decode(name, ours, &got); err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("securecookie cannot read ours (%d bytes, %q): %v", len(payload), name, err)
			}
			theirs, err := reference(macKeys[0]).Encode(name, payload)
			if err != nil {
				t.Fatal(err)
			}
			if theirs != ours {
				t.Errorf("values differ for the same second:\n ours   %s\n theirs %s", ours, theirs)
			}
			opened, _, err := m.open(&sc, name, theirs)
			if err != nil || !bytes.Equal(opened, payload) {
				t.Fatalf("cannot read securecookie's value: %v", err)
			}
			// A fallback key still opens.
			old, _ := reference(macKeys[1]).Encode(name, payload)
			if opened, _, err := m.open(&sc, name, old); err != nil || !bytes.Equal(opened, payload) {
				t.Errorf("fallback key: %v", err)
			}
			// Another name does not.
			if _, _, err := m.open(&sc, name+"x", theirs); !errors.Is(err, ErrCookieInvalid) {
				t.Errorf("another name: err %v; want ErrCookieInvalid", err)
			}
		}
	}
}

// The wire format's date rule over what macSigner reports: an age of
// exactly Lifetime opens, a second more is expired; futureSkew ahead opens,
// a second more is expired.
func TestMacSignerAge(t *testing.T) {
	m := &macSigner{keys: macKeys[:1]}
	skew := time.Duration(futureSkew(CookieFormatWire)) * time.Second
	var sc scratch
	base := time.Unix(1_800_000_000, 0)
	v, _ := sign(m, &sc, "s", []byte("p"), base)
	for _, tt := range []struct {
		at   time.Duration
		want error
	}{
		{0, nil},
		{3600 * time.Second, nil},
		{3601 * time.Second, ErrCookieExpired},
		{-skew, nil},
		{-skew - time.Second, ErrCookieExpired},
	} {
		_, _, err := openDated(m, CookieFormatWire, time.Hour, &sc, "s", v, base.Add(tt.at))
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("opened %v after signing: err %v; want %v", tt.at, err, tt.want)
		}
	}
}

func TestParseUnix(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "+17": 17, "-5": -5, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		if got, ok := parseUnix([]byte(in)); !ok || got != want {
			t.Errorf("parseUnix(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "+", "-", "1a", " 1", "9223372036854775808", "99999999999999999999", "1_0", "0x10"} {
		if _, ok := parseUnix([]byte(in)); ok {
			t.Errorf("parseUnix(%q) accepted", in)
		}
	}
}

// FuzzMacSigner feeds arbitrary values to macSigner and to securecookie:
// they must agree on whether a value opens, and on its payload, and
// macSigner must never panic.
func FuzzMacSigner(f *testing.F) {
	m := &macSigner{keys: macKeys}
	ref := securecookie.New(macKeys[0], nil)
	ref.SetSerializer(securecookie.NopEncoder{})
	ref.MaxAge(3600)
	ref.MinAge(-int(futureSkew(CookieFormatWire)))
	ref.MaxLength(0)
	var sc scratch
	for _, p := range []string{"", "a", "payload|with|bars"} {
		v, _ := sign(m, &sc, "session", []byte(p), time.Now())
		f.Add(v)
		f.Add(v[:len(v)/2])
		f.Add(strings.ToUpper(v))
	}
	f.Add("MTc5NTM4MTMyN3x8")
	v, _ := sign(m, &sc, "session", []byte("ab"), time.Now())
	f.Add(flipTrailingBits(v))
	f.Add("====")
	f.Fuzz(func(t *testing.T, value string) {
		now := time.Now()
		ours, _, err := openDated(m, CookieFormatWire, time.Hour, &sc, "session", value, now)
		if !validCookieValue(value) {
			// net/http would not hand such a value over; securecookie,
			// given it, may still accept it (base64 skips CR and LF).
			if err != errNotCookieValue {
				t.Fatalf("%q: err %v; want errNotCookieValue", value, err)
			}
			return
		}
		var theirs []byte
		refErr := ref.Decode("session", value, &theirs)
		if refErr == nil && err != nil && !canonicalBase64(value) {
			// securecookie ignores the unused bits of the last base64
			// character; we refuse a value that sets them.
			return
		}
		if (err == nil) != (refErr == nil) {
			// securecookie reads the clock itself: a value dated right at
			// a limit may straddle a second between the two calls.
			if errors.Is(err, ErrCookieExpired) || (refErr != nil && strings.Contains(refErr.Error(), "timestamp")) {
				return
			}
			t.Fatalf("disagree on %q: ours %v, securecookie %v", value, err, refErr)
		}
		if err == nil && !bytes.Equal(ours, theirs) {
			t.Fatalf("payloads differ for %q", value)
		}
	})
}

// BenchmarkMacSignerOpen prices verifying a value of the bench/ Visitor's
// size: what a request pays for a cookie the verified cache does not hold.
func BenchmarkMacSignerOpen(b *testing.B) {
	now := time.Unix(1_800_000_000, 0)
	m := &macSigner{keys: macKeys[:1]}
	var sc scratch
	v, _ := sign(m, &sc, "session", bytes.Repeat([]byte("p"), 85), now)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.open(&sc, "session", v); err != nil {
			b.Fatal(err)
		}
	}
}

// canonicalBase64 tells whether v is the one URL-safe padded encoding of
// what it decodes to.
func canonicalBase64(v string) bool {
	b, err := base64.URLEncoding.DecodeString(v)
	return err == nil && base64.URLEncoding.EncodeToString(b) == v
}

// flipTrailingBits changes the unused low bits of v's last base64
// character, if it has any: the same bytes under a lax decoder.
func flipTrailingBits(v string) string {
	body := strings.TrimRight(v, "=")
	if len(body) == len(v) {
		return v
	}
	last := strings.IndexByte(b64alphabet, body[len(body)-1])
	return body[:len(body)-1] + string(b64alphabet[last|1]) + v[len(body):]
}

const b64alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// The seed above is a real malleability case: securecookie opens it, and
// the signer does not.
func TestMacSignerStrictBase64(t *testing.T) {
	m := &macSigner{keys: macKeys}
	ref := securecookie.New(macKeys[0], nil)
	ref.SetSerializer(securecookie.NopEncoder{})
	var sc scratch
	for _, p := range []string{"a", "ab", "abc", "abcd"} {
		v, _ := sign(m, &sc, "session", []byte(p), time.Now())
		w := flipTrailingBits(v)
		if w == v {
			continue
		}
		var theirs []byte
		if err := ref.Decode("session", w, &theirs); err != nil {
			t.Fatalf("%q: securecookie refuses the variant too (%v): the case tests nothing", p, err)
		}
		if _, _, err := m.open(&sc, "session", w); !errors.Is(err, ErrCookieInvalid) {
			t.Errorf("%q: the variant with its trailing bits set opened (err %v)", p, err)
		}
	}
}
