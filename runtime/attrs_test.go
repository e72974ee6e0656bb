package runtime

import (
	"net/http"
	"testing"
	"time"
)

// The precomputed attributes give exactly the line net/http would write.
func TestPrecomputedAttributesMatchNetHTTP(t *testing.T) {
	key := []byte("attrs-test-key-0123456789abcdef-0123456789")
	for _, cfg := range []Config{
		{},
		{CookieDomain: ".example.com", CookiePath: "/app"},
		{DisableHTTPOnly: true, DisableSecure: true, SameSite: http.SameSiteDefaultMode},
		{SameSite: http.SameSiteStrictMode, Partitioned: true},
		{SameSite: http.SameSiteNoneMode, CookieName: "__Host-sid"},
		{ApplicationRoot: "/root", CookieName: "__Secure-x", CookieDomain: "sub.example.org"},
	} {
		cfg.SecretKey = key
		s, err := validateConfig(cfg)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		for _, exp := range []time.Time{{}, time.Date(2026, 12, 23, 10, 4, 5, 0, time.FixedZone("x", 3600))} {
			c := s.cookie(s.CookieName, "dmFsdWU=", s.CookieDomain, s.CookiePath)
			c.Expires = exp
			if !s.plainAttributes(c) {
				t.Fatalf("%+v: the configured cookie is not plain", cfg)
			}
			fast := c.Name + "=" + c.Value + s.attrHead
			if !exp.IsZero() {
				fast += "; Expires=" + exp.UTC().Format(http.TimeFormat)
			}
			fast += s.attrTail
			if want := c.String(); fast != want {
				t.Errorf("%+v:\n fast     %s\n net/http %s", cfg, fast, want)
			}
		}
	}
}
