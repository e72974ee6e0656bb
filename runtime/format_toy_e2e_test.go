package runtime_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/flasktest"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// The toy format (format_toy_test.go) was added as a third format is: a row
// registered in the table, a signer and an encoding, no core file touched.
// Sessions of a generated type go through it end to end: the environment
// names it, the middleware saves and opens it, the core's one date rule
// applies its skew, the verified cache holds it, and config validation asks
// its row.
func TestToyFormatEndToEnd(t *testing.T) {
	if f, err := runtime.ParseCookieFormat(" TOY "); err != nil || f != "toy" {
		t.Fatalf("ParseCookieFormat(TOY) = %q, %v", f, err)
	}
	t.Setenv(runtime.EnvSecretKey, "toy-key-0123456789abcdef0123456789abcdef")
	t.Setenv(runtime.EnvCookieFormat, "toy")
	cfg, err := runtime.ConfigFromEnv()
	if err != nil || cfg.CookieFormat != "toy" {
		t.Fatalf("ConfigFromEnv: %+v, %v", cfg.CookieFormat, err)
	}
	var (
		mu   sync.Mutex
		errs []error
	)
	cfg.OnError = func(_ *http.Request, err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	now := time.Unix(1_900_000_000, 0)
	cfg.Now = func() time.Time { return now }
	si, err := flasktest.NewFlaskManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := flasktest.FlaskFrom(r.Context())
		if r.URL.Path == "/set" {
			s.SetValue("v1")
			s.SetA(3)
			s.Flash("hello")
			s.SetPermanent(true)
		}
		_, _ = w.Write([]byte(s.Value()))
	})
	serve := func(path, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", "session="+cookie)
		}
		w := httptest.NewRecorder()
		si.Middleware(app).ServeHTTP(w, r)
		return w
	}
	cookieOf := func(w *httptest.ResponseRecorder) string {
		for _, c := range w.Result().Cookies() {
			if c.Name == "session" {
				return c.Value
			}
		}
		return ""
	}
	value := cookieOf(serve("/set", ""))
	if !regexp.MustCompile(`^[0-9a-f]{16}~[A-Za-z0-9_-]+~[0-9a-f]{128}$`).MatchString(value) {
		t.Fatalf("the cookie %q is not in the toy format", value)
	}
	for range 3 { // verified, admitted, then found in the cache
		if got := serve("/get", value).Body.String(); got != "v1" {
			t.Fatalf("reopened: %q; want v1", got)
		}
	}
	if st := si.VerifiedCacheStats(); st.Hits == 0 {
		t.Errorf("the verified cache holds no toy cookie: %+v", st)
	}

	// Tampered: the request goes on with a fresh session, and says why.
	tampered := value[:len(value)-1] + string("01"[value[len(value)-1]&1])
	if got := serve("/get", tampered).Body.String(); got != "" {
		t.Errorf("a tampered cookie opened: %q", got)
	}
	// Dated ahead: the core's rule with the toy row's skew of 2 s.
	for _, c := range []struct {
		ahead time.Duration
		opens bool
	}{{2 * time.Second, true}, {3 * time.Second, false}} {
		now = time.Unix(1_900_000_000, 0).Add(c.ahead)
		ahead := cookieOf(serve("/set", ""))
		now = time.Unix(1_900_000_000, 0)
		mu.Lock()
		errs = nil
		mu.Unlock()
		got := serve("/get", ahead).Body.String()
		mu.Lock()
		expired := len(errs) == 1 && errors.Is(errs[0], runtime.ErrCookieExpired)
		mu.Unlock()
		if (got == "v1") != c.opens || (!c.opens && !expired) {
			t.Errorf("dated %v ahead: opened %q, errors %v; want opens=%v", c.ahead, got, errs, c.opens)
		}
	}
	// The row's check runs at start-up.
	store := memstore.New(memstore.Options{})
	defer store.Close()
	cfg.Store = store
	var ce *runtime.ConfigError
	if _, err := flasktest.NewFlaskManager(cfg); !errors.As(err, &ce) || ce.Field != "Store" {
		t.Errorf("toy format with a Store: %v; want the row's ConfigError on Store", err)
	}
}
