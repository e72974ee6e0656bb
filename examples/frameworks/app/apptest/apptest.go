// Package apptest is the test suite every framework example passes: the
// app of package app, driven over real HTTP by a client with a cookie
// jar, as a browser would.
package apptest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
)

// secret is the tests' signing key: 32 random-looking bytes.
var secret = []byte("k3Qz9vTm7WpX2bLr5YhN8cJd4FsG6aUe")

// Reports collects what a VisitorManager reports to Config.OnError.
type Reports struct {
	mu   sync.Mutex
	errs []error
}

// OnError is the Config.OnError that collects.
func (r *Reports) OnError(_ *http.Request, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// Errs returns what was reported so far.
func (r *Reports) Errs() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// Config returns the tests' configuration: the test key, plain HTTP (no
// Secure cookies), and reports collected in rep.
func Config(rep *Reports) app.VisitorConfig {
	return app.VisitorConfig{SecretKey: secret, DisableSecure: true, OnError: rep.OnError}
}

// Sessions returns a VisitorManager built with Config. Anything it
// reports fails t when the test ends (after its servers closed).
func Sessions(t testing.TB) *app.VisitorManager {
	t.Helper()
	rep := new(Reports)
	si, err := app.NewVisitorManager(Config(rep))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, err := range rep.Errs() {
			t.Errorf("reported to OnError: %v", err)
		}
	})
	return si
}

// Serve serves h over HTTP until the test ends.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// Browser is an HTTP client with a cookie jar, bound to one server.
type Browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser(t testing.TB, srv *httptest.Server) *Browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *srv.Client() // a copy: the server's client is shared
	c.Jar = jar
	return &Browser{t: t, base: srv.URL, c: &c}
}

// Response is what a request got: the last response after redirects,
// its body, and the Set-Cookie lines of every response on the way.
type Response struct {
	*http.Response
	Body       string
	SetCookies []string
}

// Get fetches path.
func (b *Browser) Get(path string) Response {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// Post posts form to path.
func (b *Browser) Post(path string, form url.Values) Response {
	b.t.Helper()
	return b.do(http.MethodPost, path, form)
}

func (b *Browser) do(method, path string, form url.Values) Response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	var setCookies []string
	c := *b.c
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		setCookies = append(setCookies, req.Response.Header.Values("Set-Cookie")...)
		return nil
	}
	resp, err := c.Do(req)
	if err != nil {
		// A panicking handler shows here: the server drops the connection.
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	if resp.StatusCode >= 500 {
		b.t.Fatalf("%s %s: %s: %q", method, path, resp.Status, data)
	}
	setCookies = append(setCookies, resp.Header.Values("Set-Cookie")...)
	return Response{resp, string(data), setCookies}
}

// Run runs the app's scenarios against the handler newHandler returns for
// sessions. Each scenario gets its own server and browsers.
func Run(t *testing.T, newHandler func(*app.VisitorManager) http.Handler) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			srv := Serve(t, newHandler(Sessions(t)))
			sc.run(t, srv)
		})
	}
}

var scenarios = []struct {
	name string
	run  func(t *testing.T, srv *httptest.Server)
}{
	{"CounterCountsPerBrowser", func(t *testing.T, srv *httptest.Server) {
		a, b := NewBrowser(t, srv), NewBrowser(t, srv)
		for i := 1; i <= 3; i++ {
			resp := a.Get("/counter")
			if want := "Visits: " + strconv.Itoa(i) + "\n"; resp.Body != want {
				t.Fatalf("visit %d: %q; want %q", i, resp.Body, want)
			}
			if len(resp.SetCookies) != 1 || !strings.HasPrefix(resp.SetCookies[0], "session=") {
				t.Fatalf("visit %d: Set-Cookie %q; want one session cookie", i, resp.SetCookies)
			}
		}
		if resp := b.Get("/counter"); resp.Body != "Visits: 1\n" {
			t.Fatalf("another browser: %q; want its own count", resp.Body)
		}
	}},
	{"LoginIsKept", func(t *testing.T, srv *httptest.Server) {
		b := NewBrowser(t, srv)
		if resp := b.Get("/"); resp.Body != "You are not logged in\n" {
			t.Fatalf("before login: %q", resp.Body)
		}
		if resp := b.Get("/login"); !strings.Contains(resp.Body, `name="username"`) {
			t.Fatalf("login form: %q", resp.Body)
		}
		resp := b.Post("/login", url.Values{"username": {"alice"}})
		if resp.Request.URL.Path != "/" || resp.Body != "Logged in as alice\n" {
			t.Fatalf("after login: at %s, %q", resp.Request.URL.Path, resp.Body)
		}
		if len(resp.SetCookies) != 1 {
			t.Fatalf("login: Set-Cookie %q; want one", resp.SetCookies)
		}
		for i := range 2 {
			if resp := b.Get("/"); resp.Body != "Logged in as alice\n" {
				t.Fatalf("request %d after login: %q", i+1, resp.Body)
			}
		}
		if resp := b.Post("/login", url.Values{"username": {""}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("empty username: %s; want 400", resp.Status)
		}
		if resp := b.Get("/"); resp.Body != "Logged in as alice\n" {
			t.Fatalf("a refused login logged alice out: %q", resp.Body)
		}
	}},
	{"LogoutEndsIt", func(t *testing.T, srv *httptest.Server) {
		b := NewBrowser(t, srv)
		b.Post("/login", url.Values{"username": {"alice"}})
		b.Get("/counter")
		if resp := b.Get("/counter"); resp.Body != "Visits: 2\n" {
			t.Fatalf("counter before logout: %q", resp.Body)
		}
		resp := b.Post("/logout", nil)
		if resp.Request.URL.Path != "/" || resp.Body != "You are not logged in\n" {
			t.Fatalf("after logout: at %s, %q", resp.Request.URL.Path, resp.Body)
		}
		if len(resp.SetCookies) != 1 || !strings.Contains(resp.SetCookies[0], "Max-Age=0") {
			t.Fatalf("logout: Set-Cookie %q; want the cookie deleted", resp.SetCookies)
		}
		if resp := b.Get("/"); resp.Body != "You are not logged in\n" {
			t.Fatalf("after logout: %q", resp.Body)
		}
		if resp := b.Get("/counter"); resp.Body != "Visits: 1\n" {
			t.Fatalf("counter after logout: %q; want it restarted", resp.Body)
		}
	}},
	{"ReadingSetsNoCookie", func(t *testing.T, srv *httptest.Server) {
		b := NewBrowser(t, srv)
		b.Get("/counter")
		resp := b.Get("/")
		if len(resp.SetCookies) != 0 || resp.Header.Get("Vary") != "Cookie" {
			t.Fatalf("GET /: Set-Cookie %q, Vary %q; want none and Cookie", resp.SetCookies, resp.Header.Get("Vary"))
		}
	}},
}
