package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// openDated opens value as the Interface does: unsealed by s, then its
// date judged by the format's rule for lifetime, at now.
func openDated(s signer, format CookieFormat, lifetime time.Duration, sc *scratch, name, value string, now time.Time) ([]byte, int64, error) {
	payload, date, err := s.open(sc, name, value)
	if err != nil {
		return nil, -1, err
	}
	if err := checkCookieAge(newDateRule(format, int(lifetime/time.Second)), name, value, date, now); err != nil {
		return nil, -1, err
	}
	return payload, date, nil
}

// newDateRule returns the date rule of format for a Lifetime of maxAge
// seconds, as settings make it.
func newDateRule(format CookieFormat, maxAge int) dateRule {
	return dateRule{maxAge: int64(maxAge), ahead: futureSkew(format)}
}

// futureSkew is the aheadSkew of format's row in the table.
func futureSkew(format CookieFormat) int64 { return formats[format].aheadSkew }

// The rule's edges, per format: ages from -skew to Lifetime open, one
// second past either edge is expired, with a cause telling which edge.
// Flask allows no skew (itsdangerous 2.2 refuses any negative age); the
// wire format 5 s.
func TestCheckCookieAge(t *testing.T) {
	if futureSkew(CookieFormatWire) != 5 || futureSkew(CookieFormatFlask) != 0 {
		t.Fatalf("aheadSkew wire %d, flask %d; the tests below and the README say wire 5 s, Flask 0", futureSkew(CookieFormatWire), futureSkew(CookieFormatFlask))
	}
	now := time.Unix(1_800_000_000, 999_000_000) // a date is whole seconds: the fraction is ignored
	const maxAge = 3600
	for _, f := range []CookieFormat{CookieFormatWire, CookieFormatFlask} {
		r := newDateRule(f, maxAge)
		skew := futureSkew(f)
		for _, c := range []struct {
			ahead int64 // the date's seconds ahead of the clock
			cause error // nil: opens
		}{
			{0, nil}, {1, errDatedAhead}, {skew, nil}, {skew + 1, errDatedAhead},
			{-maxAge, nil}, {-maxAge + 1, nil}, {-maxAge - 1, errOlderThanLifetime},
			{1 << 62, errDatedAhead}, {-1 << 62, errOlderThanLifetime},
		} {
			if c.ahead == 1 && skew >= 1 {
				c.cause = nil
			}
			err := checkCookieAge(r, "s", "value", now.Unix()+c.ahead, now)
			if c.cause == nil && err != nil || c.cause != nil && (!errors.Is(err, ErrCookieExpired) || !errors.Is(err, c.cause)) {
				t.Errorf("%s, dated %+ds: %v; want cause %v", f, c.ahead, err, c.cause)
			}
		}
	}
}

// The encrypted path reports the date securecookie verified, read from
// the value's first bytes without allocating, and judges nothing itself:
// securecookie's own MaxAge and MinAge checks are off.
func TestSecureCookieSignerReportsDate(t *testing.T) {
	s, err := validateConfig(Config{SecretKey: macKeys[0], EncryptionKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := newWireSigner(&s.Config, "T")
	if err != nil {
		t.Fatal(err)
	}
	sg := signer.(*secureCookieSigner)
	var sc scratch
	for _, n := range []int{1, 100, 3000} { // securecookie cannot decrypt an empty payload (no wire payload is empty)
		payload := make([]byte, n)
		before := time.Now().Unix()
		b, err := sg.seal(&sc, nil, "session", payload, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		v := string(b)
		got, date, err := sg.open(&sc, "session", v)
		if err != nil || len(got) != n || date < before || date > time.Now().Unix() {
			t.Errorf("%d bytes: date %d (signed at %d), %d bytes, %v", n, date, before, len(got), err)
		}
		if allocs := testing.AllocsPerRun(20, func() {
			if _, _, err := sealedDateOf(&sc, v); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%d bytes: reading the date allocates %v times", n, allocs)
		}
	}
	// Dates securecookie's checks would refuse: reported, not judged.
	for _, date := range []int64{1, time.Now().Unix() + 86400, 1 << 40} {
		v := encryptedAt(t, date)
		if _, got, err := sg.open(&sc, "session", v); err != nil || got != date {
			t.Errorf("dated %d: reported %d, %v", date, got, err)
		}
	}
}

func sealedDateOf(sc *scratch, v string) (int64, bool, error) {
	d, ok := sealedDate(sc, v)
	if !ok {
		return 0, false, fmt.Errorf("no date in %q", v)
	}
	return d, ok, nil
}

// encryptedAt returns an encrypted value for "session" under the salt
// "T", dated date: securecookie encrypts (its clock is settable only inside
// its package), and macSigner signs the ciphertext again with the date, as
// securecookie's MAC covers it (name|date|base64(ciphertext)).
func encryptedAt(t *testing.T, date int64) string {
	t.Helper()
	sc := securecookie.New(macKeys[0], []byte("0123456789abcdef"))
	sc.SetSerializer(securecookie.NopEncoder{})
	v, err := sc.Encode("T.session", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b64.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	parts := bytes.SplitN(raw, []byte("|"), 3)
	ciphertext, err := b64.DecodeString(string(parts[1]))
	if err != nil {
		t.Fatal(err)
	}
	m := &macSigner{keys: macKeys[:1], prefix: "T."}
	var scr scratch
	out, err := m.seal(&scr, nil, "session", ciphertext, time.Unix(date, 0))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
