package runtime

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvSecretKey:          "k-0123456789abcdef0123456789abcdef",
		EnvSecretKeyFallbacks: "old-one, older-two",
		EnvCookieName:         "__Host-sid",
		EnvCookieHTTPOnly:     "false",
		EnvCookieSecure:       "true",
		EnvCookieSameSite:     "strict",
		EnvLifetime:           "3600",
		EnvAbsoluteLifetime:   "12h",
		EnvRefreshEachRequest: "0",
		EnvDevelopment:        "false",
		EnvVerifiedCacheSize:  "-1",
	}
	c, err := configFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if string(c.SecretKey) != env[EnvSecretKey] || len(c.SecretKeyFallbacks) != 2 || string(c.SecretKeyFallbacks[1]) != "older-two" {
		t.Errorf("keys: %q %q", c.SecretKey, c.SecretKeyFallbacks)
	}
	if c.CookieName != "__Host-sid" || !c.DisableHTTPOnly || c.DisableSecure || c.SameSite != http.SameSiteStrictMode ||
		c.Lifetime != time.Hour || c.AbsoluteLifetime != 12*time.Hour || !c.DisableRefreshEachRequest || c.Development || c.VerifiedCacheSize != -1 {
		t.Errorf("config %+v", c)
	}

	none, err := configFrom(func(string) (string, bool) { return "", false })
	if err != nil || none.SecretKey != nil || none.Lifetime != 0 {
		t.Errorf("empty environment: %+v, %v", none, err)
	}

	for name, value := range map[string]string{
		EnvCookieSameSite:    "sometimes",
		EnvLifetime:          "forever",
		EnvAbsoluteLifetime:  "-5",
		EnvCookieSecure:      "yes please",
		EnvVerifiedCacheSize: "lots",
	} {
		_, err := configFrom(func(k string) (string, bool) {
			if k == name {
				return value, true
			}
			return "", false
		})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != name {
			t.Errorf("%s=%q: err %v; want a ConfigError naming the variable", name, value, err)
		}
	}
}

func TestParseSameSite(t *testing.T) {
	for in, want := range map[string]http.SameSite{
		"Lax": http.SameSiteLaxMode, "Strict": http.SameSiteStrictMode,
		"None": http.SameSiteNoneMode, "unset": http.SameSiteDefaultMode,
	} {
		if got, err := ParseSameSite(in); err != nil || got != want {
			t.Errorf("ParseSameSite(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSameSite("invalid"); err == nil {
		t.Error("ParseSameSite accepted an invalid value")
	}
}
