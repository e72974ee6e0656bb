package runtime

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// What the Flask format accepts and refuses at start-up.
func TestFlaskFormatConfig(t *testing.T) {
	key := []byte("k3Xq9vL2mP7wR4tY8uB1nC6zD0aE5fGh") // 32 bytes, no pattern
	flask := func(c Config) Config { c.CookieFormat = CookieFormatFlask; return c }
	for _, c := range []struct {
		name  string
		cfg   Config
		want  error // nil: accepted
		field string
		hint  string // in the hint
	}{
		{"default format", Config{SecretKey: key}, nil, "", ""},
		{"wire", Config{SecretKey: key, CookieFormat: "wire"}, nil, "", ""},
		{"flask", flask(Config{SecretKey: key}), nil, "", ""},
		{"unknown format", Config{SecretKey: key, CookieFormat: "Flask "}, ErrCookieConfig, "CookieFormat", `use "wire"`},
		{"flask with EncryptionKey", flask(Config{SecretKey: key, EncryptionKey: []byte("0123456789abcdef")}), ErrEncryptionKey, "EncryptionKey", "Flask could not read"},
		{"flask with a Store", flask(Config{SecretKey: key, Store: nopStore{}}), ErrCookieConfig, "Store", "remove Store"},
		{"flask with AbsoluteLifetime", flask(Config{SecretKey: key, AbsoluteLifetime: time.Hour}), ErrCookieConfig, "AbsoluteLifetime", "no creation time"},
		// Flask apps often run with a short key: the rule stands, and the
		// hint says how to rotate on both sides.
		{"flask with a short key", flask(Config{SecretKey: []byte("a-flask-app-key")}), ErrWeakSecretKey, "SecretKey", "SECRET_KEY_FALLBACKS = [the old key]"},
		{"flask with a short fallback", flask(Config{SecretKey: key, SecretKeyFallbacks: [][]byte{[]byte("a-flask-app-key")}}), ErrWeakSecretKey, "SecretKeyFallbacks[0]", "cannot be a fallback here"},
		{"flask with Flask's tutorial key", flask(Config{SecretKey: []byte("dev")}), ErrWeakSecretKey, "SecretKey", "well-known"},
		{"flask, short key in development", flask(Config{SecretKey: []byte("dev"), SecretKeyFallbacks: [][]byte{[]byte("old")}, Development: true}), nil, "", ""},
		{"flask with a salt", flask(Config{SecretKey: key, Salt: "my-session"}), nil, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := validateConfig(c.cfg)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if c.cfg.CookieFormat == "" && s.CookieFormat != CookieFormatWire {
					t.Errorf("the default format is %q", s.CookieFormat)
				}
				return
			}
			var ce *ConfigError
			if !errors.Is(err, c.want) || !errors.As(err, &ce) || ce.Field != c.field || !strings.Contains(ce.Hint, c.hint) {
				t.Errorf("%v; want %v on %s with %q in the hint", err, c.want, c.field, c.hint)
			}
		})
	}
}

func TestCookieFormatFromEnv(t *testing.T) {
	for in, want := range map[string]CookieFormat{"": CookieFormatWire, "wire": CookieFormatWire, "flask": CookieFormatFlask, " Flask ": CookieFormatFlask, "WIRE": CookieFormatWire} {
		c, err := configFrom(func(k string) (string, bool) { return in, k == EnvCookieFormat })
		if err != nil || c.CookieFormat != want {
			t.Errorf("%s=%q: %q, %v; want %q", EnvCookieFormat, in, c.CookieFormat, err, want)
		}
	}
	for _, in := range []string{"itsdangerous", "json", "flask2"} {
		_, err := configFrom(func(k string) (string, bool) { return in, k == EnvCookieFormat })
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != EnvCookieFormat || !errors.Is(err, ErrCookieConfig) {
			t.Errorf("%s=%q: %v; want a ConfigError naming the variable", EnvCookieFormat, in, err)
		}
	}
}

// The Flask format's salt: Flask's "cookie-session" unless Config.Salt
// names another (a Flask app whose session interface overrides salt). The
// session type's name, which the wire format binds into its MAC, plays no
// part: a Flask cookie is Flask's.
func TestFlaskSignerSalt(t *testing.T) {
	key := "k3Xq9vL2mP7wR4tY8uB1nC6zD0aE5fGh"
	signer := func(salt string) *flaskSigner {
		s, err := validateConfig(Config{SecretKey: []byte(key), CookieFormat: CookieFormatFlask, Salt: salt})
		if err != nil {
			t.Fatal(err)
		}
		return flaskSignerFor(s)
	}
	// A scratch belongs to one Interface, so to one signer: one each.
	var sc, sc2 scratch
	v := itsdangerousSign(key, b64json(`{"a":1}`), flaskVectorTS)
	if _, _, err := signer("").open(&sc, "session", v); err != nil {
		t.Errorf("the default salt: %v", err)
	}
	if _, _, err := signer("other-salt").open(&sc2, "session", v); !errors.Is(err, ErrCookieInvalid) {
		t.Errorf("another salt opens Flask's cookie: %v", err)
	}
	if got := flaskSign(signer(""), &sc, `{"a":1}`, flaskVectorTime); got != v {
		t.Errorf("signed %s; want %s", got, v)
	}
}

// nopStore is a Store that holds nothing, for configurations that must be
// refused before one is used.
type nopStore struct{}

func (nopStore) Find(context.Context, string) (Record, error)           { return Record{}, ErrNotFound }
func (nopStore) Commit(context.Context, Commit) error                   { return nil }
func (nopStore) Touch(context.Context, string, uint64, time.Time) error { return nil }
func (nopStore) Delete(context.Context, string, uint64) error           { return nil }
func (nopStore) DeleteUser(context.Context, User) (int, error)          { return 0, nil }
func (nopStore) ListUser(context.Context, User) ([]UserRecord, error)   { return nil, nil }
