package flasktest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
)

// key is a secret long enough for production mode; tests that use Flask's
// own short keys ("0 key") run in development mode, as Flask's do.
var key = []byte("flask-tests-0123456789abcdef-0123456789")

// app is one Flask app of a test: a mux, a config, hooks, and the session of
// the last request, for the tests that inspect its flags afterwards.
type app struct {
	t      *testing.T
	cfg    FlaskConfig
	mux    *http.ServeMux
	hooks  []FlaskAfterRequest
	policy FlaskPolicy // overrides the default, for dynamic names

	mu   sync.Mutex
	last *FlaskSession
	errs []error
}

func newApp(t *testing.T) *app {
	t.Helper()
	a := &app{t: t, mux: http.NewServeMux(), cfg: FlaskConfig{SecretKey: key, DisableSecure: true}}
	a.cfg.OnError = func(_ *http.Request, err error) {
		a.mu.Lock()
		a.errs = append(a.errs, err)
		a.mu.Unlock()
	}
	return a
}

func (a *app) route(pattern string, h func(w http.ResponseWriter, r *http.Request, s *FlaskSession)) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h(w, r, FlaskFrom(r.Context()))
	})
}

// handler builds the app's handler with its current config.
func (a *app) handler() http.Handler {
	a.t.Helper()
	si, err := NewFlaskManager(a.cfg, WithFlaskPolicy(a.policy), WithFlaskAfterRequest(a.hooks...))
	if err != nil {
		a.t.Fatal(err)
	}
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.last = FlaskFrom(r.Context()) // FlaskFrom itself does not access the session
		a.mu.Unlock()
		a.mux.ServeHTTP(w, r)
	})
	return si.Middleware(record)
}

// client is Flask's test client: a server and a cookie jar.
type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func (a *app) client() *client {
	a.t.Helper()
	srv := httptest.NewServer(a.handler())
	a.t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	*http.Response
	text string
}

func (c *client) do(method, path string, form url.Values) response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return response{resp, string(b)}
}

func (c *client) get(path string) response { c.t.Helper(); return c.do("GET", path, nil) }

func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	return c.do("POST", path, form)
}

// vary returns the response's Vary tokens, lower-cased.
func (r response) vary() []string {
	var out []string
	for _, v := range r.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(f)))
		}
	}
	return out
}

func (r response) setCookie() string { return strings.ToLower(r.Header.Get("Set-Cookie")) }

func TestFlask_session_accessed(t *testing.T) {
	a := newApp(t)
	a.route("POST /{$}", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetValue(r.FormValue("value"))
		io.WriteString(w, "value set")
	})
	a.route("GET /{$}", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		if !s.HasValue() {
			io.WriteString(w, "None")
			return
		}
		io.WriteString(w, s.Value())
	})
	a.route("GET /nothing", func(http.ResponseWriter, *http.Request, *FlaskSession) {})
	c := a.client()
	check := func(rv response, text string, vary, accessed, modified bool) {
		t.Helper()
		if rv.text != text {
			t.Errorf("text %q; want %q", rv.text, text)
		}
		if got := slices.Contains(rv.vary(), "cookie"); got != vary {
			t.Errorf("cookie in Vary = %v; want %v", got, vary)
		}
		if a.last.Accessed() != accessed || a.last.Modified() != modified {
			t.Errorf("accessed %v, modified %v; want %v, %v", a.last.Accessed(), a.last.Modified(), accessed, modified)
		}
	}
	check(c.get("/nothing"), "", false, false, false)
	check(c.post("/", url.Values{"value": {"42"}}), "value set", true, true, true)
	check(c.get("/"), "42", true, true, false)
	check(c.get("/nothing"), "", false, false, false)
}

func testingRoute(a *app) {
	a.route("/", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetTesting(42)
		io.WriteString(w, "Hello World")
	})
}

func TestFlask_session_path(t *testing.T) {
	a := newApp(t)
	a.cfg.ApplicationRoot = "/foo"
	testingRoute(a)
	if rv := a.client().get("/"); !strings.Contains(rv.setCookie(), "path=/foo") {
		t.Errorf("Set-Cookie %q; want path=/foo", rv.setCookie())
	}
}

// Flask sets SCRIPT_NAME with a WSGI middleware; a Go app mounted under
// /bar says so with ApplicationRoot, and the cookie's path follows.
func TestFlask_session_using_application_root(t *testing.T) {
	a := newApp(t)
	a.cfg.ApplicationRoot = "/bar"
	testingRoute(a)
	if rv := a.client().get("/"); !strings.Contains(rv.setCookie(), "path=/bar") {
		t.Errorf("Set-Cookie %q; want path=/bar", rv.setCookie())
	}
}

func TestFlask_session_using_session_settings(t *testing.T) {
	a := newApp(t)
	a.cfg = FlaskConfig{
		SecretKey:       key,
		ApplicationRoot: "/test",
		CookieDomain:    ".example.com",
		DisableHTTPOnly: true,
		Partitioned:     true,
		SameSite:        http.SameSiteLaxMode,
		CookiePath:      "/",
	}
	testingRoute(a)
	a.route("/clear", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.PopTesting()
		io.WriteString(w, "Goodbye World")
	})
	h := a.handler()
	do := func(path string, cookie *http.Cookie) string {
		req := httptest.NewRequest("GET", "http://www.example.com:8080"+path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Header().Get("Set-Cookie")
	}
	set := do("/", nil)
	cookie := strings.ToLower(set)
	for _, want := range []string{"domain=example.com", "path=/", "secure", "samesite", "partitioned"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "httponly") {
		t.Errorf("Set-Cookie %q has httponly", cookie)
	}
	parsed, err := http.ParseSetCookie(set)
	if err != nil {
		t.Fatal(err)
	}
	cookie = strings.ToLower(do("/clear", &http.Cookie{Name: parsed.Name, Value: parsed.Value}))
	for _, want := range []string{"session=;", "domain=example.com", "path=/", "secure", "samesite", "partitioned", "max-age=0"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("deleting Set-Cookie %q lacks %q", cookie, want)
		}
	}
}

func TestFlask_session_using_samesite_attribute(t *testing.T) {
	// Flask raises ValueError at the first request; sessiongen refuses the
	// setting when the interface is made.
	if _, err := sessionruntime.ParseSameSite("invalid"); err == nil {
		t.Error("ParseSameSite accepted \"invalid\"")
	}
	if _, err := NewFlaskManager(FlaskConfig{SecretKey: key, SameSite: http.SameSite(42)}); !errors.Is(err, sessionruntime.ErrCookieConfig) {
		t.Errorf("SameSite(42): err %v; want ErrCookieConfig", err)
	}
	for _, tt := range []struct {
		mode       http.SameSite
		want, deny string
	}{
		{http.SameSiteDefaultMode, "", "samesite"},
		{http.SameSiteStrictMode, "samesite=strict", ""},
		{http.SameSiteLaxMode, "samesite=lax", ""},
	} {
		a := newApp(t)
		a.cfg.SameSite = tt.mode
		testingRoute(a)
		cookie := a.client().get("/").setCookie()
		if tt.want != "" && !strings.Contains(cookie, tt.want) {
			t.Errorf("SameSite %v: %q lacks %q", tt.mode, cookie, tt.want)
		}
		if tt.deny != "" && strings.Contains(cookie, tt.deny) {
			t.Errorf("SameSite %v: %q has %q", tt.mode, cookie, tt.deny)
		}
	}
}

func TestFlask_missing_session(t *testing.T) {
	// Without a secret key Flask uses a null session; sessiongen does too
	// when told so, and refuses to start otherwise.
	if _, err := NewFlaskManager(FlaskConfig{}); !errors.Is(err, sessionruntime.ErrNoSecretKey) {
		t.Fatalf("no key, no opt-in: err %v; want ErrNoSecretKey", err)
	}
	si, err := NewFlaskManager(FlaskConfig{AllowNullSession: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := si.OpenSession(httptest.NewRequest("GET", "/", nil))
	if err != nil || !si.IsNullSession(s) {
		t.Fatalf("OpenSession: %v, null %v", err, si.IsNullSession(s))
	}
	if s.HasFoo() || s.Foo() != 0 {
		t.Error("the null session is not empty")
	}
	for name, write := range map[string]func(){
		"set": func() { s.SetFoo(42) },
		"pop": func() { s.PopFoo() },
	} {
		*s = *si.MakeNullSession()
		write()
		if err := s.Err(); !errors.Is(err, sessionruntime.ErrNullSession) || !strings.Contains(err.Error(), "session is unavailable") {
			t.Errorf("%s: Err() = %v; want Flask's message", name, err)
		}
	}
	// Through the middleware: reads work, nothing is ever saved.
	a := newApp(t)
	a.cfg = FlaskConfig{AllowNullSession: true, OnError: a.cfg.OnError}
	a.route("/", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		fmt.Fprint(w, s.Foo())
		s.SetFoo(1)
	})
	rv := a.client().get("/")
	if rv.text != "0" || rv.Header.Get("Set-Cookie") != "" || rv.Header.Get("Vary") != "" {
		t.Errorf("null session response: %q, Set-Cookie %q, Vary %q", rv.text, rv.Header.Get("Set-Cookie"), rv.Header.Get("Vary"))
	}
	if len(a.errs) != 1 || !errors.Is(a.errs[0], sessionruntime.ErrNullSession) {
		t.Errorf("OnError got %v; want the null-session write reported", a.errs)
	}
}

func TestFlask_session_secret_key_fallbacks(t *testing.T) {
	a := newApp(t)
	a.route("POST /{$}", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { s.SetA(1) })
	a.route("GET /{$}", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		if s.HasA() {
			fmt.Fprintf(w, `{"a":%d}`, s.A())
			return
		}
		io.WriteString(w, "{}")
	})
	// Flask's keys are short: development mode accepts them, as Flask does.
	withKeys := func(secret string, fallbacks ...string) {
		a.cfg.Development = true
		a.cfg.SecretKey = []byte(secret)
		a.cfg.SecretKeyFallbacks = nil
		for _, f := range fallbacks {
			a.cfg.SecretKeyFallbacks = append(a.cfg.SecretKeyFallbacks, []byte(f))
		}
	}
	withKeys("0 key", "-1 key", "-2 key")
	c := a.client()
	c.post("/", nil)
	if got := c.get("/").text; got != `{"a":1}` {
		t.Fatalf("after set: %s", got)
	}
	jar := c.c.Jar
	reopen := func() *client {
		c := a.client()
		c.c.Jar = jar
		return c
	}
	withKeys("? key")
	if got := reopen().get("/").text; got != "{}" {
		t.Errorf("under an unrelated key: %s; want {}", got)
	}
	withKeys("+1 key", "0 key", "-1 key")
	if got := reopen().get("/").text; got != `{"a":1}` {
		t.Errorf("with the old key as a fallback: %s; want {\"a\":1}", got)
	}
}

func TestFlask_session_expiration(t *testing.T) {
	permanent := true
	a := newApp(t)
	a.route("/", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetCounter(42)
		s.SetPermanent(permanent)
	})
	a.route("/test", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		fmt.Fprint(w, s.Permanent())
	})
	c := a.client()
	rv := c.get("/")
	set, err := http.ParseSetCookie(rv.Header.Get("Set-Cookie"))
	if err != nil {
		t.Fatal(err)
	}
	expected := time.Now().UTC().Add(31 * 24 * time.Hour)
	if y, m, d := set.Expires.UTC().Date(); y != expected.Year() || m != expected.Month() || d != expected.Day() {
		t.Errorf("Expires %v; want the day of %v", set.Expires, expected)
	}
	if got := c.get("/test").text; got != "true" {
		t.Errorf("permanent read back as %q", got)
	}
	permanent = false
	rv = c.get("/")
	if sc := rv.Header.Get("Set-Cookie"); sc == "" || strings.Contains(strings.ToLower(sc), "expires") {
		t.Errorf("non-permanent Set-Cookie %q: want one, without Expires", sc)
	}
}

func TestFlask_session_stored_last(t *testing.T) {
	a := newApp(t)
	a.hooks = []FlaskAfterRequest{func(_ http.Header, _ *http.Request, s *FlaskSession) { s.SetFoo(42) }}
	a.route("/", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		if !s.HasFoo() {
			io.WriteString(w, "None")
			return
		}
		fmt.Fprint(w, s.Foo())
	})
	c := a.client()
	if got := c.get("/").text; got != "None" {
		t.Errorf("first: %q", got)
	}
	if got := c.get("/").text; got != "42" {
		t.Errorf("second: %q; want the after-request change saved", got)
	}
}

// Flask tags tuples, bytes, Markup, UUIDs and datetimes in its JSON so they
// come back with their types. sessiongen's fields are typed, so each comes
// back as its Go type without tags; the "tag-looking" values are plain
// strings and cannot be mistaken for tags.
func TestFlask_session_special_types(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	a := newApp(t)
	a.route("/", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetTuple([]int{1, 2, 3})
		s.SetBytes([]byte{0xff})
		s.SetMarkup("<html>")
		s.SetUUID("6f1d3c2e9a7b4f0e8c5d2a1b3c4d5e6f")
		s.SetDate(now)
		s.SetTTag(" t")
		s.SetDiTTag(" t__")
		s.SetDiTag(" di")
		w.WriteHeader(http.StatusNoContent)
	})
	var got *FlaskSession
	a.route("/read", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { got = s })
	c := a.client()
	c.get("/")
	c.get("/read")
	if !slices.Equal(got.Tuple(), []int{1, 2, 3}) || !bytes.Equal(got.Bytes(), []byte{0xff}) ||
		got.Markup() != "<html>" || got.UUID() != "6f1d3c2e9a7b4f0e8c5d2a1b3c4d5e6f" || !got.Date().Equal(now) ||
		got.TTag() != " t" || got.DiTTag() != " t__" || got.DiTag() != " di" {
		t.Errorf("read back %v %v %q %q %v %q %q %q", got.Tuple(), got.Bytes(), got.Markup(), got.UUID(), got.Date(), got.TTag(), got.DiTTag(), got.DiTag())
	}
}

func TestFlask_session_cookie_setting(t *testing.T) {
	for _, tt := range []struct {
		permanent, refresh, expectHeader bool
	}{
		{true, true, true},
		{true, false, false},
		{false, true, false},
		{false, false, false},
	} {
		a := newApp(t)
		a.cfg.DisableRefreshEachRequest = !tt.refresh
		a.route("/bump", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
			s.SetFoo(s.Foo() + 1)
			s.SetPermanent(tt.permanent)
			fmt.Fprint(w, s.Foo())
		})
		a.route("/read", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { fmt.Fprint(w, s.Foo()) })
		c := a.client()
		for i := 1; i <= 3; i++ {
			if got := c.get("/bump").text; got != strconv.Itoa(i) {
				t.Fatalf("%+v: bump %d gave %q", tt, i, got)
			}
		}
		rv := c.get("/read")
		if got := rv.Header.Get("Set-Cookie") != ""; got != tt.expectHeader || rv.text != "3" {
			t.Errorf("%+v: read sent Set-Cookie %v (want %v), text %q", tt, got, tt.expectHeader, rv.text)
		}
	}
}

func TestFlask_session_vary_cookie(t *testing.T) {
	a := newApp(t)
	a.route("/set", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { s.SetTest("test") })
	a.route("/get", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { io.WriteString(w, s.Test()) })
	a.route("/getitem", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		v, _ := s.Test(), s.HasTest()
		io.WriteString(w, v)
	})
	a.route("/setdefault", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		if !s.HasTest() {
			s.SetTest("default")
		}
		io.WriteString(w, s.Test())
	})
	a.route("/clear", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { s.Clear() })
	a.route("/vary-cookie-header-set", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		w.Header().Add("Vary", "Cookie")
		s.SetTest("test")
	})
	a.route("/vary-header-set", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		w.Header().Add("Vary", "Accept-Encoding, Accept-Language")
		s.SetTest("test")
	})
	a.route("/no-vary-header", func(http.ResponseWriter, *http.Request, *FlaskSession) {})
	c := a.client()
	expect := func(path, want string) {
		t.Helper()
		rv := c.get(path)
		got := rv.Header.Values("Vary")
		if want == "" {
			if len(got) != 0 {
				t.Errorf("%s: Vary %q; want none", path, got)
			}
			return
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: Vary %q; want exactly [%q]", path, got, want)
		}
	}
	expect("/set", "Cookie")
	expect("/get", "Cookie")
	expect("/getitem", "Cookie")
	expect("/setdefault", "Cookie")
	expect("/clear", "Cookie")
	expect("/vary-cookie-header-set", "Cookie")
	expect("/vary-header-set", "Accept-Encoding, Accept-Language, Cookie")
	expect("/no-vary-header", "")
}

func TestFlask_session_refresh_vary(t *testing.T) {
	a := newApp(t)
	a.route("/login", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetUserID(1)
		s.SetPermanent(true)
	})
	a.route("/ignored", func(http.ResponseWriter, *http.Request, *FlaskSession) {})
	c := a.client()
	if v := c.get("/login").Header.Get("Vary"); v != "Cookie" {
		t.Errorf("login: Vary %q", v)
	}
	// The refresh re-sends the cookie: its response varies on Cookie even
	// though the handler never touched the session (CVE-2023-30861).
	if v := c.get("/ignored").Header.Get("Vary"); v != "Cookie" {
		t.Errorf("ignored: Vary %q; want Cookie", v)
	}
}

func TestFlask_flashes(t *testing.T) {
	si, err := NewFlaskManager(FlaskConfig{SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
	if s.Modified() {
		t.Fatal("modified before any write")
	}
	s.Flash("Zap")
	s.Flash("Zip")
	if !s.Modified() {
		t.Error("a flash did not mark the session modified")
	}
	got := s.Flashes()
	want := []sessionruntime.Flash{{Category: "message", Message: "Zap"}, {Category: "message", Message: "Zip"}}
	if !slices.Equal(got, want) {
		t.Errorf("Flashes() = %v; want %v", got, want)
	}
}

func TestFlask_extended_flashing(t *testing.T) {
	a := newApp(t)
	a.route("/{$}", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.Flash("Hello World")
		s.FlashCategory("error", "Hello World")
		s.FlashCategory("warning", "<em>Testing</em>")
	})
	all := []sessionruntime.Flash{{Category: "message", Message: "Hello World"}, {Category: "error", Message: "Hello World"}, {Category: "warning", Message: "<em>Testing</em>"}}
	for path, want := range map[string][]sessionruntime.Flash{
		"/test/":                 all,
		"/test_with_categories/": all,
		"/test_filter/":          {{Category: "message", Message: "Hello World"}},
		"/test_filters/":         {{Category: "message", Message: "Hello World"}, {Category: "warning", Message: "<em>Testing</em>"}},
	} {
		filter := map[string][]string{"/test_filter/": {"message"}, "/test_filters/": {"message", "warning"}}[path]
		a.route(path, func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
			got := s.Flashes(filter...)
			if !slices.Equal(got, want) {
				t.Errorf("%s: Flashes(%q) = %v; want %v", path, filter, got, want)
			}
			// Later calls in the same request see the same messages.
			if again := s.Flashes(filter...); !slices.Equal(again, want) {
				t.Errorf("%s: second call = %v", path, again)
			}
		})
	}
	var left []sessionruntime.Flash
	a.route("/left", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) { left = s.Flashes() })
	for _, path := range []string{"/test/", "/test_with_categories/", "/test_filter/", "/test_filters/"} {
		c := a.client() // a new client each time, as in Flask's test
		c.get("/")
		c.get(path)
		// Shown once, filtered or not: the next request has none left.
		c.get("/left")
		if len(left) != 0 {
			t.Errorf("after %s: %v still stored", path, left)
		}
	}
}

// Flask only warns about a cookie over MAX_COOKIE_SIZE, which browsers
// then drop; sessiongen refuses to send it: the response is a 500 and the
// error reaches OnError, matching ErrCookieTooLarge.
func TestFlask_max_cookie_size(t *testing.T) {
	a := newApp(t)
	a.cfg.MaxCookieSize = 100
	a.route("/", func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetValue(strings.Repeat("bar", 100))
		w.WriteHeader(http.StatusNoContent)
	})
	rv := a.client().get("/")
	if rv.StatusCode != http.StatusInternalServerError || rv.Header.Get("Set-Cookie") != "" {
		t.Errorf("status %d, Set-Cookie %q; want a 500 and no cookie", rv.StatusCode, rv.Header.Get("Set-Cookie"))
	}
	if len(a.errs) != 1 || !errors.Is(a.errs[0], sessionruntime.ErrCookieTooLarge) {
		t.Errorf("OnError got %v; want one ErrCookieTooLarge", a.errs)
	}
}

// pathAware is Flask's PathAwareSessionInterface: the default interface
// with one method overridden, the cookie name chosen per request.
func pathAware(r *http.Request, configured string) string {
	if strings.HasSuffix(r.URL.Path, "dynamic_cookie") {
		return "dynamic_cookie_name"
	}
	return configured
}

func TestFlask_session_dynamic_cookie_name(t *testing.T) {
	a := newApp(t)
	a.policy.CookieName = pathAware
	set := func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		s.SetValue(r.FormValue("value"))
		io.WriteString(w, "value set")
	}
	get := func(w http.ResponseWriter, r *http.Request, s *FlaskSession) {
		if !s.HasValue() {
			io.WriteString(w, "None")
			return
		}
		io.WriteString(w, s.Value())
	}
	a.route("POST /set", set)
	a.route("GET /get", get)
	a.route("POST /set_dynamic_cookie", set)
	a.route("GET /get_dynamic_cookie", get)
	c := a.client()
	if got := c.post("/set", url.Values{"value": {"42"}}).text; got != "value set" {
		t.Fatal(got)
	}
	if got := c.post("/set_dynamic_cookie", url.Values{"value": {"616"}}).text; got != "value set" {
		t.Fatal(got)
	}
	if got := c.get("/get").text; got != "42" {
		t.Errorf("/get = %q; want 42", got)
	}
	if got := c.get("/get_dynamic_cookie").text; got != "616" {
		t.Errorf("/get_dynamic_cookie = %q; want 616", got)
	}
}
