package runtime_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestConfigValidation(t *testing.T) {
	key32 := []byte("k3Xq9vL2mP7wR4tY8uB1nC6zD0aE5fGh") // 32 bytes, no pattern
	enc16 := []byte("0123456789abcdef")
	store := memstore.New(memstore.Options{SweepInterval: -1})
	tests := []struct {
		name  string
		cfg   runtime.Config
		want  error  // nil: accepted
		field string // the ConfigError's Field when want != nil
	}{
		{"no secret", runtime.Config{}, runtime.ErrNoSecretKey, "SecretKey"},
		{"empty secret", runtime.Config{SecretKey: []byte{}}, runtime.ErrNoSecretKey, "SecretKey"},
		{"empty secret in development", runtime.Config{Development: true}, runtime.ErrNoSecretKey, "SecretKey"},
		{"31 bytes", runtime.Config{SecretKey: key32[:31]}, runtime.ErrWeakSecretKey, "SecretKey"},
		{"32 bytes", runtime.Config{SecretKey: key32}, nil, ""},
		{"short key in development", runtime.Config{SecretKey: []byte("dev"), Development: true}, nil, ""},
		{"example key in development", runtime.Config{SecretKey: []byte("super-secret-key"), Development: true}, nil, ""},

		{"AES 15", runtime.Config{SecretKey: keyA, EncryptionKey: enc16[:15]}, runtime.ErrEncryptionKey, "EncryptionKey"},
		{"AES 15 in development", runtime.Config{SecretKey: []byte("dev"), EncryptionKey: enc16[:15], Development: true}, runtime.ErrEncryptionKey, "EncryptionKey"},
		{"AES 16", runtime.Config{SecretKey: keyA, EncryptionKey: enc16}, nil, ""},
		{"AES 24", runtime.Config{SecretKey: keyA, EncryptionKey: []byte("e24-0123456789abcdefghij")}, nil, ""},
		{"AES 32", runtime.Config{SecretKey: keyA, EncryptionKey: []byte("e32-0123456789abcdefghijklmnopqr")}, nil, ""},
		{"AES 33", runtime.Config{SecretKey: keyA, EncryptionKey: []byte(strings.Repeat("e", 33))}, runtime.ErrEncryptionKey, "EncryptionKey"},
		{"encryption key equals secret", runtime.Config{SecretKey: key32, EncryptionKey: key32}, runtime.ErrWeakSecretKey, "SecretKey"},
		{"encryption key equals a fallback", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{key32}, EncryptionKey: key32}, runtime.ErrWeakSecretKey, "SecretKeyFallbacks[0]"},
		{"encryption key equals secret in development", runtime.Config{SecretKey: key32, EncryptionKey: key32, Development: true}, runtime.ErrWeakSecretKey, "SecretKey"},

		{"fallback empty", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{keyB, {}}}, runtime.ErrNoSecretKey, "SecretKeyFallbacks[1]"},
		{"fallback short", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{[]byte("short")}}, runtime.ErrWeakSecretKey, "SecretKeyFallbacks[0]"},
		{"fallback example", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{keyB, []byte(" ChangeMe ")}}, runtime.ErrWeakSecretKey, "SecretKeyFallbacks[1]"},
		{"fallbacks fine", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{keyB, keyC}}, nil, ""},
		{"short fallback in development", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{[]byte("old")}, Development: true}, nil, ""},

		{"SameSite None without Secure", runtime.Config{SecretKey: keyA, SameSite: http.SameSiteNoneMode, Development: true}, runtime.ErrCookieConfig, "SameSite"},
		{"SameSite None with DisableSecure", runtime.Config{SecretKey: keyA, SameSite: http.SameSiteNoneMode, DisableSecure: true}, runtime.ErrCookieConfig, "SameSite"},
		{"SameSite None with Secure", runtime.Config{SecretKey: keyA, SameSite: http.SameSiteNoneMode}, nil, ""},
		{"SameSite None, Partitioned forces Secure", runtime.Config{SecretKey: keyA, SameSite: http.SameSiteNoneMode, Partitioned: true, Development: true}, nil, ""},
		{"SameSite 99", runtime.Config{SecretKey: keyA, SameSite: http.SameSite(99)}, runtime.ErrCookieConfig, "SameSite"},
		{"SameSite Strict", runtime.Config{SecretKey: keyA, SameSite: http.SameSiteStrictMode}, nil, ""},
		{"SameSite unset", runtime.Config{SecretKey: keyA, SameSite: http.SameSiteDefaultMode}, nil, ""},

		{"verified cache off", runtime.Config{SecretKey: keyA, VerifiedCacheSize: -1}, nil, ""},
		{"verified cache at its bound", runtime.Config{SecretKey: keyA, VerifiedCacheSize: runtime.MaxVerifiedCacheSize}, nil, ""},
		{"verified cache too large", runtime.Config{SecretKey: keyA, VerifiedCacheSize: runtime.MaxVerifiedCacheSize + 1}, runtime.ErrCookieConfig, "VerifiedCacheSize"},

		{"__Host- fine", runtime.Config{SecretKey: keyA, CookieName: "__Host-sid"}, nil, ""},
		{"__Host- with Domain", runtime.Config{SecretKey: keyA, CookieName: "__Host-sid", CookieDomain: "example.com"}, runtime.ErrCookieConfig, "CookieName"},
		{"__Host- with path /app", runtime.Config{SecretKey: keyA, CookieName: "__Host-sid", CookiePath: "/app"}, runtime.ErrCookieConfig, "CookieName"},
		{"__Host- under ApplicationRoot /app", runtime.Config{SecretKey: keyA, CookieName: "__Host-sid", ApplicationRoot: "/app"}, runtime.ErrCookieConfig, "CookieName"},
		{"__Host- insecure", runtime.Config{SecretKey: keyA, CookieName: "__Host-sid", DisableSecure: true}, runtime.ErrCookieConfig, "CookieName"},
		{"__HOST- in development", runtime.Config{SecretKey: keyA, CookieName: "__HOST-sid", Development: true}, runtime.ErrCookieConfig, "CookieName"},
		{"__Secure- fine", runtime.Config{SecretKey: keyA, CookieName: "__Secure-sid", CookieDomain: "example.com", CookiePath: "/app"}, nil, ""},
		{"__secure- insecure", runtime.Config{SecretKey: keyA, CookieName: "__secure-sid", DisableSecure: true}, runtime.ErrCookieConfig, "CookieName"},
		{"__Secure- in development", runtime.Config{SecretKey: keyA, CookieName: "__Secure-sid", Development: true}, runtime.ErrCookieConfig, "CookieName"},

		{"bad domain", runtime.Config{SecretKey: keyA, CookieDomain: "bad domain"}, runtime.ErrCookieConfig, "CookieName/CookieDomain/CookiePath"},
		{"good domain", runtime.Config{SecretKey: keyA, CookieDomain: "example.com"}, nil, ""},
		{"path without slash", runtime.Config{SecretKey: keyA, CookiePath: "app"}, runtime.ErrCookieConfig, "CookiePath"},
		{"path with semicolon", runtime.Config{SecretKey: keyA, CookiePath: "/a;b"}, runtime.ErrCookieConfig, "CookieName/CookieDomain/CookiePath"},
		{"name with space", runtime.Config{SecretKey: keyA, CookieName: "my session"}, runtime.ErrCookieConfig, "CookieName/CookieDomain/CookiePath"},
		{"name longer than half MaxCookieSize", runtime.Config{SecretKey: keyA, CookieName: strings.Repeat("n", 60), MaxCookieSize: 100}, runtime.ErrCookieConfig, "CookieName"},

		{"lifetime 400 days", runtime.Config{SecretKey: keyA, Lifetime: runtime.MaxLifetime}, nil, ""},
		{"lifetime over 400 days", runtime.Config{SecretKey: keyA, Lifetime: runtime.MaxLifetime + time.Second}, runtime.ErrCookieConfig, "Lifetime"},
		{"lifetime negative", runtime.Config{SecretKey: keyA, Lifetime: -time.Hour}, runtime.ErrCookieConfig, "Lifetime"},
		{"lifetime under a second", runtime.Config{SecretKey: keyA, Lifetime: time.Millisecond}, runtime.ErrCookieConfig, "Lifetime"},
		{"MaxCookieSize 4096", runtime.Config{SecretKey: keyA, MaxCookieSize: 4096}, nil, ""},
		{"MaxCookieSize 5000", runtime.Config{SecretKey: keyA, MaxCookieSize: 5000}, runtime.ErrCookieConfig, "MaxCookieSize"},
		{"MaxCookieSize negative", runtime.Config{SecretKey: keyA, MaxCookieSize: -1}, runtime.ErrCookieConfig, "MaxCookieSize"},

		{"MaxSessionsPerUser with cookies", runtime.Config{SecretKey: keyA, MaxSessionsPerUser: 2}, runtime.ErrCookieConfig, "MaxSessionsPerUser/RecordDevices"},
		{"RecordDevices with cookies", runtime.Config{SecretKey: keyA, RecordDevices: true}, runtime.ErrCookieConfig, "MaxSessionsPerUser/RecordDevices"},
		{"MaxSessionsPerUser without UserKey", runtime.Config{SecretKey: keyA, Store: store, MaxSessionsPerUser: 2}, runtime.ErrCookieConfig, "MaxSessionsPerUser"},
		{"MaxSessionsPerUser negative", runtime.Config{SecretKey: keyA, Store: store, UserKey: "name", MaxSessionsPerUser: -1}, runtime.ErrCookieConfig, "MaxSessionsPerUser"},
		{"MaxSessionsPerUser and RecordDevices", runtime.Config{SecretKey: keyA, Store: store, UserKey: "name", MaxSessionsPerUser: 3, RecordDevices: true}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			si, err := runtime.New(tt.cfg, testsession.Codec)
			if tt.want == nil {
				if err != nil || si == nil {
					t.Fatalf("New = %v, %v; want it accepted", si, err)
				}
				return
			}
			if si != nil {
				t.Errorf("New returned an Interface with an error")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v; want errors.Is %v", err, tt.want)
			}
			var ce *runtime.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %T; want a *runtime.ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("Field = %q; want %q", ce.Field, tt.field)
			}
			if ce.Hint == "" || !strings.Contains(err.Error(), "Config."+tt.field) {
				t.Errorf("message %q has no hint or does not name Config.%s", err, tt.field)
			}
		})
	}
}

// Every well-known example key is refused outside development, whatever its
// case and surrounding spaces; the same text with anything else added is
// only judged by its length.
func TestConfigExampleSecrets(t *testing.T) {
	examples := []string{
		"your_secret_key", "your-secret-key", "super-secret-key", "super_secret_key",
		"very-secret", "something-very-secret", "secret-key", "secret_key", "secret",
		"changeme", "change-me", "dev", "development", "mysecretkey", "my-secret-key",
		"your_secret_key_here", "replace-me", "insecure",
	}
	for _, ex := range examples {
		for _, variant := range []string{ex, strings.ToUpper(ex), " " + ex + "\t\n", "  " + strings.ToUpper(ex[:1]) + ex[1:] + "  "} {
			_, err := runtime.New(runtime.Config{SecretKey: []byte(variant)}, testsession.Codec)
			if !errors.Is(err, runtime.ErrWeakSecretKey) {
				t.Errorf("SecretKey %q: err = %v; want ErrWeakSecretKey", variant, err)
			}
			if !strings.Contains(err.Error(), "well-known example") {
				t.Errorf("SecretKey %q: %v; want the example-key hint", variant, err)
			}
			_, err = runtime.New(runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{[]byte(variant)}}, testsession.Codec)
			var ce *runtime.ConfigError
			if !errors.As(err, &ce) || ce.Err != runtime.ErrWeakSecretKey || ce.Field != "SecretKeyFallbacks[0]" {
				t.Errorf("fallback %q: err = %v; want ErrWeakSecretKey on SecretKeyFallbacks[0]", variant, err)
			}
			if _, err := runtime.New(runtime.Config{SecretKey: []byte(variant), Development: true}, testsession.Codec); err != nil {
				t.Errorf("SecretKey %q in development: %v", variant, err)
			}
		}
		// Padded to 32 bytes with other text it is no longer the example:
		// accepted on length alone.
		padded := ex + "-Qm4Zt8Wc1Rv6Ky3Hn0Pb5Jd9Xf2Lg7Es"
		if _, err := runtime.New(runtime.Config{SecretKey: []byte(padded)}, testsession.Codec); err != nil {
			t.Errorf("SecretKey %q: %v; only exact example values are refused", padded, err)
		}
	}
}

// The accessors report the defaulted, validated configuration.
func TestConfigDefaults(t *testing.T) {
	si := newIface(t, runtime.Config{})
	if got := si.CookieName(nil); got != "session" {
		t.Errorf("CookieName = %q", got)
	}
	if got := si.CookiePath(nil); got != "/" {
		t.Errorf("CookiePath = %q", got)
	}
	if got := si.CookieDomain(nil); got != "" {
		t.Errorf("CookieDomain = %q", got)
	}
	if !si.CookieHTTPOnly(nil) || !si.CookieSecure(nil) || si.CookiePartitioned(nil) {
		t.Errorf("HttpOnly %v Secure %v Partitioned %v; want true true false", si.CookieHTTPOnly(nil), si.CookieSecure(nil), si.CookiePartitioned(nil))
	}
	if got := si.CookieSameSite(nil); got != http.SameSiteLaxMode {
		t.Errorf("CookieSameSite = %v; want Lax", got)
	}

	dev := newIface(t, runtime.Config{Development: true})
	if dev.CookieSecure(nil) {
		t.Error("Development: cookie is Secure")
	}
	insecure := newIface(t, runtime.Config{DisableSecure: true, DisableHTTPOnly: true})
	if insecure.CookieSecure(nil) || insecure.CookieHTTPOnly(nil) {
		t.Error("DisableSecure/DisableHTTPOnly ignored")
	}
	part := newIface(t, runtime.Config{Development: true, Partitioned: true})
	if !part.CookieSecure(nil) || !part.CookiePartitioned(nil) {
		t.Error("Partitioned does not force Secure")
	}
	root := newIface(t, runtime.Config{ApplicationRoot: "/foo"})
	if got := root.CookiePath(nil); got != "/foo" {
		t.Errorf("ApplicationRoot /foo: CookiePath = %q", got)
	}
	both := newIface(t, runtime.Config{ApplicationRoot: "/foo", CookiePath: "/bar"})
	if got := both.CookiePath(nil); got != "/bar" {
		t.Errorf("CookiePath /bar under /foo: CookiePath = %q", got)
	}
}
