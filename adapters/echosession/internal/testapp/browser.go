package testapp

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// secret is the tests' signing key: 32 random-looking bytes.
var secret = []byte("Vb7qL2xN9cRt4WmZ8hKs3GdP6yFj5aEu")

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
func Config(rep *Reports) VisitorConfig {
	return VisitorConfig{SecretKey: secret, DisableSecure: true, OnError: rep.OnError}
}

// Sessions returns a VisitorManager built with Config. Anything it
// reports fails t when the test ends (after its servers closed).
func Sessions(t testing.TB) *VisitorManager {
	t.Helper()
	rep := new(Reports)
	si, err := NewVisitorManager(Config(rep))
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

// Response is what a request got: the last response after redirects, its
// body, and the Set-Cookie lines of every response on the way.
type Response struct {
	*http.Response
	Body       string
	SetCookies []string
}

// Get fetches path.
func (b *Browser) Get(path string) Response {
	b.t.Helper()
	return b.Do(http.MethodGet, path, nil)
}

// Post posts form to path.
func (b *Browser) Post(path string, form url.Values) Response {
	b.t.Helper()
	return b.Do(http.MethodPost, path, form)
}

// Do sends a request with the given method, and form as its body unless
// it is nil, following redirects. A failed request or a response that
// cannot be read fails the test.
func (b *Browser) Do(method, path string, form url.Values) Response {
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
	setCookies = append(setCookies, resp.Header.Values("Set-Cookie")...)
	return Response{resp, string(data), setCookies}
}
