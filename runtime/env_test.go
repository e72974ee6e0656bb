package runtime

import (
	"encoding/base64"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvSecretKey:          "k-0123456789abcdef0123456789abcdef",
		EnvSecretKeyFallbacks: "old-one-7f3a91c2e8b4d05a6c1e9f27, older-two-c4e8a1f39b2d7e05f6a8c3",
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
	if string(c.SecretKey) != env[EnvSecretKey] || len(c.SecretKeyFallbacks) != 2 || string(c.SecretKeyFallbacks[1]) != "older-two-c4e8a1f39b2d7e05f6a8c3" {
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

// The recipe the key errors print works as printed, and a base64 key in the
// environment is taken as its bytes with the base64: prefix, while a value
// without the prefix stays the raw string Flask's SECRET_KEY would be.
// (SESSION_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64) used to fail
// with "44 bytes: AES takes 16, 24 or 32" and no fix.)
func TestKeysFromEnvironment(t *testing.T) {
	out, err := exec.Command("sh", "-c", KeyRecipe).Output()
	if err != nil {
		t.Skipf("sh: %v", err)
	}
	printed := strings.TrimSpace(string(out))
	if !strings.HasPrefix(printed, "base64:") {
		t.Fatalf("the recipe printed %q", printed)
	}
	env := map[string]string{EnvSecretKey: printed, EnvEncryptionKey: printed[:len("base64:")] + base64.StdEncoding.EncodeToString([]byte("0123456789abcdefFEDCBA9876543210"))}
	c, err := configFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SecretKey) != 32 || len(c.EncryptionKey) != 32 {
		t.Fatalf("keys of %d and %d bytes; want 32 each, decoded", len(c.SecretKey), len(c.EncryptionKey))
	}
	if _, err := validateConfig(c); err != nil {
		t.Errorf("the recipe's keys are refused: %v", err)
	}

	// Without the prefix the value is the key's bytes, as Flask reads it.
	flaskSecret := "a Flask app's secret, shared with the Go service"
	c, _ = configFrom(func(k string) (string, bool) { return flaskSecret, k == EnvSecretKey })
	if string(c.SecretKey) != flaskSecret {
		t.Errorf("an unprefixed secret became %q", c.SecretKey)
	}

	// Base64 text given without the prefix: the error says what to do.
	raw := base64.StdEncoding.EncodeToString([]byte("0123456789abcdefFEDCBA9876543210"))
	_, err = configFrom(func(k string) (string, bool) {
		switch k {
		case EnvSecretKey:
			return printed, true
		case EnvEncryptionKey:
			return raw, true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), `prefix it with "base64:"`) || !strings.Contains(err.Error(), KeyRecipe) {
		t.Errorf("44 bytes of base64 text: %v; want a hint to use the base64: prefix and the recipe", err)
	}
	if _, err := ParseKey("base64:not base64!"); !errors.Is(err, ErrMalformedKey) || !strings.Contains(err.Error(), KeyRecipe) {
		t.Errorf("bad base64 after the prefix: %v; want ErrMalformedKey and the recipe", err)
	}
}

// ConfigFromEnv checks the keys it read, and its errors name the variable
// that was set, never a Config field; a key that is not a key is
// malformed, one that is a key but a bad one is weak. New's errors name
// Config fields.
func TestConfigErrorsNameWhatWasSet(t *testing.T) {
	good := "base64:" + base64.StdEncoding.EncodeToString([]byte("k3Xq9vL2mP7wR4tY8uB1nC6zD0aE5fGh"))
	tests := []struct {
		name      string
		env       map[string]string
		want      error
		field     string
		inMessage string
	}{
		{"malformed", map[string]string{EnvSecretKey: "base64:%%%"}, ErrMalformedKey, EnvSecretKey, "environment variable SESSION_SECRET_KEY: malformed key"},
		{"malformed fallback", map[string]string{EnvSecretKey: good, EnvSecretKeyFallbacks: "base64:!"}, ErrMalformedKey, EnvSecretKeyFallbacks, "environment variable SESSION_SECRET_KEY_FALLBACKS: malformed key"},
		{"short", map[string]string{EnvSecretKey: "q7Zx2"}, ErrWeakSecretKey, EnvSecretKey, "environment variable SESSION_SECRET_KEY: weak secret key: 5 bytes"},
		{"example", map[string]string{EnvSecretKey: "change-me"}, ErrWeakSecretKey, EnvSecretKey, "well-known example"},
		{"short fallback", map[string]string{EnvSecretKey: good, EnvSecretKeyFallbacks: good + ",old"}, ErrWeakSecretKey, EnvSecretKeyFallbacks + " (key 2 of the list)", "environment variable SESSION_SECRET_KEY_FALLBACKS (key 2 of the list): weak"},
		{"AES 15", map[string]string{EnvSecretKey: good, EnvEncryptionKey: "0123456789abcde"}, ErrEncryptionKey, EnvEncryptionKey, "environment variable SESSION_ENCRYPTION_KEY: invalid encryption key"},
		{"short in development", map[string]string{EnvSecretKey: "dev", EnvDevelopment: "1"}, nil, "", ""},
		{"good", map[string]string{EnvSecretKey: good}, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ConfigFromEnv: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("ConfigFromEnv: %v; want %v naming %s", err, tt.want, tt.field)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.inMessage) || strings.Contains(msg, "Config.") {
				t.Errorf("message %q; want it to hold %q and no Config field", msg, tt.inMessage)
			}
		})
	}
	if _, err := validateConfig(Config{SecretKey: []byte("dev")}); err == nil || !strings.HasPrefix(err.Error(), "sessiongen: Config.SecretKey: weak secret key") {
		t.Errorf("New with a short key: %v; want it to name Config.SecretKey", err)
	}
}

// SESSION_CONCURRENCY names the policy; anything else is an error naming
// the variable, and New refuses a policy that is none of the three.
func TestConcurrencyFromEnv(t *testing.T) {
	for v, want := range map[string]Concurrency{"": MergeFields, "merge": MergeFields, " Fail ": FailOnConcurrentChange, "last-writer-wins": LastWriterWinsPerField} {
		c, err := configFrom(func(k string) (string, bool) { return v, k == EnvConcurrency })
		if err != nil || c.Concurrency != want {
			t.Errorf("%q: %v, %v; want %v", v, c.Concurrency, err, want)
		}
	}
	_, err := configFrom(func(k string) (string, bool) { return "lww", k == EnvConcurrency })
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != EnvConcurrency {
		t.Errorf("an unknown policy: %v; want a ConfigError naming %s", err, EnvConcurrency)
	}
	if _, err := validateConfig(Config{SecretKey: []byte("0123456789abcdef0123456789abcdefXYZ"), Concurrency: 7}); !errors.As(err, &ce) || ce.Field != "Concurrency" {
		t.Errorf("Concurrency 7: %v; want a ConfigError", err)
	}
}
