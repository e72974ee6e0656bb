package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen"
	"github.com/sessiongen/sessiongen/testdata/flask/pyflask"
)

// The keys of the live test: Flask takes them as text, as this side does.
const (
	interopKeyA = "interop-key-A-7f3a9c0e5b2d4816-flask-and-go"
	interopKeyB = "interop-key-B-c41e8a2f6d9b3075-flask-and-go"
)

// TestFlaskInterop shares one login between this example and the Flask
// sessions tutorial (testdata/flask/app.py) running in real Flask 3.1: two
// servers on two loopback ports of one host, 127.0.0.1, so that one
// browser's cookie jar sends both the same session cookie (cookies are per
// host, not per port), both with CookieFormat "flask", the same secret key,
// cookie name and path.
func TestFlaskInterop(t *testing.T) {
	pyflask.Python(t)
	py := pyflask.StartApp(t, interopKeyA)
	goSrv := startFlaskFormat(t, interopKeyA)
	b := newBrowser(t)

	// Log in on Flask: Go shows the name, and the flash Flask set, once.
	b.post(py.URL+"/login", url.Values{"username": {"alice <admin>"}})
	b.expect(goSrv.URL+"/", `<p class="flash message">You were logged in</p>`, "Logged in as alice &lt;admin&gt;")
	b.expect(goSrv.URL+"/", "Logged in as alice &lt;admin&gt;")
	b.refuse(py.URL+"/", "You were logged in")

	// Count: Go twice, Flask once, Flask sees 3; then Flask once, Go twice,
	// Go sees 6.
	b.expect(goSrv.URL+"/counter", "Number of visits: 1")
	b.expect(goSrv.URL+"/counter", "Number of visits: 2")
	b.expect(py.URL+"/counter", "Number of visits: 3")
	b.expect(py.URL+"/counter", "Number of visits: 4")
	b.expect(goSrv.URL+"/counter", "Number of visits: 5")
	b.expect(goSrv.URL+"/counter", "Number of visits: 6")

	// Log out on Go: Flask sees no one, and shows Go's flash, once.
	b.post(goSrv.URL+"/logout", nil)
	b.expect(py.URL+"/", `<p class="flash message">You were logged out</p>`, "You are not logged in")
	b.expect(py.URL+"/", "You are not logged in")
	b.refuse(goSrv.URL+"/", "You were logged out")

	// Log in on Go: Flask shows the name and Go's flash, once.
	b.post(goSrv.URL+"/login", url.Values{"username": {"bob"}})
	b.expect(py.URL+"/", `<p class="flash message">You were logged in</p>`, "Logged in as bob")
	b.expect(goSrv.URL+"/", "Logged in as bob")
	b.refuse(goSrv.URL+"/", "flash")

	// Key rotation, on both sides: B signs, A is the fallback. The cookie
	// signed with A still opens on both.
	signedWithA := b.cookie(py.URL)
	py.Stop()
	py = pyflask.StartApp(t, interopKeyB, interopKeyA)
	goSrv.Close()
	goSrv = startFlaskFormat(t, interopKeyB, interopKeyA)
	b.expect(py.URL+"/", "Logged in as bob")
	b.expect(goSrv.URL+"/", "Logged in as bob")
	// Neither re-signed it: nothing changed.
	if got := b.cookie(py.URL); got != signedWithA {
		t.Fatalf("the cookie changed without a save")
	}
	// The next save, on Go, signs with B: it opens on a Flask that knows B
	// alone. (Go's logout cleared the session, visits too.)
	b.expect(goSrv.URL+"/counter", "Number of visits: 1")
	onlyB := pyflask.StartApp(t, interopKeyB)
	b.expect(onlyB.URL+"/", "Logged in as bob")
	// And a save on Flask signs with B too: it opens on a Go that knows B
	// alone.
	b.setCookie(py.URL, signedWithA)
	b.expect(onlyB.URL+"/", "You are not logged in")
	b.expect(py.URL+"/counter", "Number of visits: 1")
	goOnlyB := startFlaskFormat(t, interopKeyB)
	b.expect(goOnlyB.URL+"/", "Logged in as bob")
	// A cookie signed with A alone is refused by both once A is gone.
	b.setCookie(py.URL, signedWithA)
	b.expect(goOnlyB.URL+"/", "You are not logged in")
	b.expect(onlyB.URL+"/", "You are not logged in")
}

// startFlaskFormat serves examples/login through newHandler in the Flask
// cookie format, over plain HTTP on 127.0.0.1.
func startFlaskFormat(t *testing.T, key string, fallbacks ...string) *httptest.Server {
	t.Helper()
	cfg := VisitorConfig{SecretKey: []byte(key), CookieFormat: sessiongen.CookieFormatFlask, DisableSecure: true}
	for _, k := range fallbacks {
		cfg.SecretKeyFallbacks = append(cfg.SecretKeyFallbacks, []byte(k))
	}
	h, err := newHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the Go server is at %s, not on 127.0.0.1 as app.py is", srv.URL)
	}
	return srv
}

// browser is a client with a cookie jar that does not follow redirects,
// so that a flash set by a POST stays in the session until a GET shows it.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// expect GETs rawURL and wants each of parts in the body, in order.
func (b *browser) expect(rawURL string, parts ...string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	code, body := b.do(req)
	rest := body
	for _, p := range parts {
		i := strings.Index(rest, p)
		if code != http.StatusOK || i < 0 {
			b.t.Fatalf("GET %s: %d %q; want %q in it, in order %q", rawURL, code, body, p, parts)
		}
		rest = rest[i+len(p):]
	}
}

// refuse GETs rawURL and wants no text in the body.
func (b *browser) refuse(rawURL, text string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	if code, body := b.do(req); code != http.StatusOK || strings.Contains(body, text) {
		b.t.Fatalf("GET %s: %d %q; want no %q", rawURL, code, body, text)
	}
}

// post POSTs the form and wants the 303 both apps answer with.
func (b *browser) post(rawURL string, form url.Values) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, body := b.do(req); code != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %d %q; want 303", rawURL, code, body)
	}
}

// cookie returns the session cookie the jar holds for rawURL's host.
func (b *browser) cookie(rawURL string) string {
	b.t.Helper()
	u, _ := url.Parse(rawURL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	b.t.Fatalf("no session cookie for %s", rawURL)
	return ""
}

// setCookie puts value in the jar as the session cookie of rawURL's host.
func (b *browser) setCookie(rawURL, value string) {
	u, _ := url.Parse(rawURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: value, Path: "/"}})
}
