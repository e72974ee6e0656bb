package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/redistest"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-login-example-test")

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := newHandler(VisitorConfig{SecretKey: testSecret, DisableSecure: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// get fetches path and returns the response (body read) and the body.
func get(t *testing.T, c *http.Client, rawURL string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestCounterCountsPerBrowser(t *testing.T) {
	srv := newTestServer(t)
	a, b := newClient(t), newClient(t)
	for i, want := range []string{"1", "2", "3"} {
		if _, body := get(t, a, srv.URL+"/counter"); body != "Number of visits: "+want+"\n" {
			t.Fatalf("visit %d of browser a: %q", i+1, body)
		}
	}
	if _, body := get(t, b, srv.URL+"/counter"); body != "Number of visits: 1\n" {
		t.Fatalf("browser b shares a's counter: %q", body)
	}
}

func TestLoginLogout(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t)
	if _, body := get(t, c, srv.URL+"/"); !strings.HasPrefix(body, "You are not logged in") {
		t.Fatalf("before login: %q", body)
	}
	if _, body := get(t, c, srv.URL+"/login"); !strings.Contains(body, `name="username"`) {
		t.Fatalf("login form: %q", body)
	}
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"alice <admin>"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	const loggedIn = `<p class="flash message">You were logged in</p>` + "\n"
	if resp.Request.URL.Path != "/" || string(body) != loggedIn+"Logged in as alice &lt;admin&gt; <form method=\"post\" action=\"/logout\"><button>log out</button></form>\n"+
		"<form method=\"post\" action=\"/remember\"><button>remember this browser</button></form>\n"+
		"<p>Your devices are listed when sessions are kept on the server (-store memory, redis or postgres).</p>\n" {
		t.Fatalf("after login: redirected to %s, %q", resp.Request.URL.Path, body)
	}
	// The flash was shown once; the login stays.
	if _, body := get(t, c, srv.URL+"/"); !strings.HasPrefix(body, "Logged in as alice") {
		t.Fatalf("login not remembered, or the flash shown twice: %q", body)
	}
	resp, body2 := post(t, c, srv.URL+"/logout", nil, nil)
	if resp.Request.URL.Path != "/" || body2 != `<p class="flash message">You were logged out</p>`+"\nYou are not logged in <a href=\"/login\">log in</a>\n" {
		t.Fatalf("after logout: %s %q", resp.Request.URL.Path, body2)
	}
	if _, body := get(t, c, srv.URL+"/"); !strings.HasPrefix(body, "You are not logged in") {
		t.Fatalf("logout forgotten, or the flash shown twice: %q", body)
	}
}

func TestCookieAttributes(t *testing.T) {
	srv := newTestServer(t)
	resp, _ := get(t, http.DefaultClient, srv.URL+"/counter")
	sc := resp.Header.Values("Set-Cookie")
	if len(sc) != 1 {
		t.Fatalf("Set-Cookie %q; want one", sc)
	}
	for _, attr := range []string{"session=", "; HttpOnly", "; SameSite=Lax", "; Path=/"} {
		if !strings.Contains(sc[0], attr) {
			t.Errorf("Set-Cookie %q lacks %q", sc[0], attr)
		}
	}
	if strings.Contains(sc[0], "Expires") || strings.Contains(sc[0], "Max-Age") {
		t.Errorf("a non-permanent session got a persistent cookie: %q", sc[0])
	}
	if v := resp.Header.Get("Vary"); v != "Cookie" {
		t.Errorf("Vary = %q; want Cookie", v)
	}
}

// POST /remember makes the session permanent: the cookie gets an Expires
// 31 days out, and is refreshed on later requests. It changes the session,
// so a GET (a link, an image, a prefetch on any page) cannot: 405.
func TestRemember(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if resp, _ := get(t, c, srv.URL+"/remember"); resp.StatusCode != http.StatusMethodNotAllowed || len(resp.Cookies()) != 0 {
		t.Fatalf("GET /remember: %d, Set-Cookie %q; want 405 and no cookie", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	resp, _ := post(t, c, srv.URL+"/remember", nil, nil)
	set := resp.Cookies()
	if len(set) != 1 || set[0].Expires.IsZero() {
		t.Fatalf("Set-Cookie %v; want a cookie with Expires", resp.Header.Values("Set-Cookie"))
	}
	if d := time.Until(set[0].Expires); d < 30*24*time.Hour || d > 31*24*time.Hour+time.Minute {
		t.Errorf("Expires in %v; want 31 days", d)
	}
	_, body := get(t, c, srv.URL+"/")
	if !strings.Contains(body, "This browser will be remembered") {
		t.Errorf("no flash after /remember: %q", body)
	}
	resp, _ = get(t, c, srv.URL+"/login")
	if len(resp.Cookies()) != 1 || resp.Cookies()[0].Expires.IsZero() {
		t.Errorf("a permanent session is not refreshed on a request that does not touch it: %q", resp.Header.Values("Set-Cookie"))
	}
}

// A request that only reads the session gets Vary: Cookie and no
// Set-Cookie; one that does not touch it gets neither.
func TestReadOnlyRequest(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t)
	get(t, c, srv.URL+"/counter")
	resp, body := get(t, c, srv.URL+"/")
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("read-only request got Set-Cookie %q", sc)
	}
	if v := resp.Header.Get("Vary"); v != "Cookie" {
		t.Errorf("read-only request: Vary = %q; want Cookie", v)
	}
	if !strings.HasPrefix(body, "You are not logged in") {
		t.Errorf("body %q", body)
	}
	resp, _ = get(t, c, srv.URL+"/login")
	if len(resp.Header.Values("Set-Cookie")) != 0 || resp.Header.Get("Vary") != "" {
		t.Errorf("untouched session: Set-Cookie %q, Vary %q", resp.Header.Values("Set-Cookie"), resp.Header.Get("Vary"))
	}
}

// A tampered, truncated, or foreign cookie yields a fresh session and a 200.
func TestBadCookiesGiveFreshSession(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t)
	get(t, c, srv.URL+"/counter")
	get(t, c, srv.URL+"/counter")
	u, _ := url.Parse(srv.URL)
	good := c.Jar.Cookies(u)[0].Value

	flip := []byte(good)
	flip[len(flip)/2] ^= 1
	other, err := newHandler(VisitorConfig{SecretKey: []byte("another-secret-key-of-thirty-two-bytes!!"), DisableSecure: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	other.ServeHTTP(rec, httptest.NewRequest("GET", "/counter", nil))
	foreign := rec.Result().Cookies()[0].Value

	for name, value := range map[string]string{
		"tampered":  string(flip),
		"truncated": good[:len(good)-5],
		"half":      good[:len(good)/2],
		"foreign":   foreign,
		"garbage":   "not-a-session",
		"huge":      strings.Repeat("A", 5000),
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/counter", nil)
			req.AddCookie(&http.Cookie{Name: "session", Value: value})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "Number of visits: 1\n" {
				t.Fatalf("status %d, body %q; want 200 and a fresh count", resp.StatusCode, body)
			}
		})
	}
}

// The example as a user runs it: built, started with -addr, and answering.
func TestRunsAsAProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	app := startExample(t, buildExample(t), nil)
	// The warning is written before the listening line, to stderr.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(app.stderr.String(), "SESSION_SECRET_KEY is not set"); {
		if time.Now().After(deadline) {
			t.Errorf("no warning about the random key: %q", app.stderr.String())
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := newClient(t)
	for _, want := range []string{"1", "2", "3"} {
		if _, body := get(t, c, app.base+"/counter"); body != "Number of visits: "+want+"\n" {
			t.Fatalf("got %q; want %s visits", body, want)
		}
	}
	if err := app.stop(); err != nil {
		t.Errorf("the app did not exit cleanly on an interrupt: %v", err)
	}
}

// A handler served without the middleware that uses the session panics
// with a message naming the middleware, not a nil pointer dereference
// inside visitor_session.go.
func TestSessionWithoutMiddleware(t *testing.T) {
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, "VisitorFrom") || !strings.Contains(msg, "VisitorManager's Middleware") {
			t.Errorf("panic %q does not say which middleware to install", msg)
		}
	}()
	VisitorFrom(httptest.NewRequest("GET", "/", nil).Context()).SetVisits(1)
	t.Error("no panic")
}

// The same app with each -store: login and the counter work alike; with a
// server-side store, logout ends the session for good, so a cookie copied
// before logout opens nothing, while a signed cookie (no server record)
// replays until it expires, as the README and docs/security.md warn.
func TestStoreModes(t *testing.T) {
	for _, store := range []string{"cookie", "memory", "redis", "postgres"} {
		t.Run(store, func(t *testing.T) {
			srv := serve(t, storeOptions(t, store))
			c := newClient(t)
			if _, body := get(t, c, srv.URL+"/counter"); body != "Number of visits: 1\n" {
				t.Fatalf("counter: %q", body)
			}
			planted, _ := url.Parse(srv.URL)
			before := c.Jar.Cookies(planted)
			resp, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"alice"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			after := c.Jar.Cookies(planted)
			if store != "cookie" && (len(before) != 1 || len(after) != 1 || before[0].Value == after[0].Value) {
				t.Errorf("login did not regenerate the session ID")
			}
			if _, body := get(t, c, srv.URL+"/"); !strings.Contains(body, "Logged in as alice") {
				t.Fatalf("after login: %q", body)
			}
			copied := after[0].Value
			if _, body := post(t, c, srv.URL+"/logout", nil, nil); !strings.Contains(body, "You were logged out") {
				t.Fatalf("logout: %q", body)
			}
			thief := newClient(t)
			thief.Jar.SetCookies(planted, []*http.Cookie{{Name: "session", Value: copied}})
			_, body := get(t, thief, srv.URL+"/")
			if store == "cookie" {
				if !strings.Contains(body, "Logged in as alice") {
					t.Errorf("a copied signed cookie no longer replays: %q; update docs/security.md and the README's CSRF section", body)
				}
				return
			}
			if !strings.Contains(body, "You are not logged in") {
				t.Errorf("a cookie copied before logout still opens the session: %q", body)
			}
		})
	}
}

// storeOptions returns the options of -store store, with the Redis or
// PostgreSQL server it needs started for the test.
func storeOptions(t *testing.T, store string) options {
	t.Helper()
	opts := options{store: store}
	switch store {
	case "redis":
		opts.redisAddr, _ = redistest.Start(t)
	case "postgres":
		pg := pgtest.Start(t)
		opts.postgresURL = pg.ConnString(pg.CreateDatabase(t))
	}
	return opts
}

// serve serves the app configured as run configures it with opts (the
// store set up by useStore) on a test server; both are closed at the
// test's end.
func serve(t *testing.T, opts options) *httptest.Server {
	t.Helper()
	cfg := VisitorConfig{SecretKey: testSecret, DisableSecure: true}
	closeStore, err := useStore(context.Background(), &cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	h, err := newHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close) // before the store's: cleanups run last first
	return srv
}

// A server-side session is opened on first use; Delete and Pop as the first
// use must still see the stored field (they read its presence directly).
func TestStoreDeleteAndPopFirstThing(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	sessions, err := NewVisitorManager(VisitorConfig{SecretKey: testSecret, DisableSecure: true, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		s := VisitorFrom(r.Context())
		s.SetUsername("alice")
		s.SetVisits(3)
	})
	mux.HandleFunc("/pop", func(w http.ResponseWriter, r *http.Request) {
		v, ok := VisitorFrom(r.Context()).PopVisits()
		fmt.Fprint(w, v, ok)
	})
	mux.HandleFunc("/delete", func(w http.ResponseWriter, r *http.Request) {
		VisitorFrom(r.Context()).DeleteUsername()
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		s := VisitorFrom(r.Context())
		fmt.Fprint(w, s.HasUsername(), s.HasVisits())
	})
	srv := httptest.NewServer(sessions.Middleware(mux))
	defer srv.Close()
	c := newClient(t)
	get(t, c, srv.URL+"/set")
	if _, body := get(t, c, srv.URL+"/pop"); body != "3 true" {
		t.Errorf("Pop as the first use: %q; want 3 true", body)
	}
	get(t, c, srv.URL+"/delete")
	if _, body := get(t, c, srv.URL+"/get"); body != "false false" {
		t.Errorf("after Pop and Delete as first uses: %q; want both gone", body)
	}
}

// post sends a form to rawURL with the extra headers, and returns the
// response (body read) and the body. Redirects are followed.
func post(t *testing.T, c *http.Client, rawURL string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// A page elsewhere can post a form to the app. SameSite=Lax keeps the
// session cookie off a cross-site POST, but not off one from the same site
// (another subdomain or port), and a forged login needs no cookie at all
// (it logs the browser into the attacker's account). So login and logout
// refuse what a browser marks as cross-origin: Sec-Fetch-Site, or from an
// older browser an Origin that is not the app's.
func TestCrossOriginPostsRefused(t *testing.T) {
	srv := newTestServer(t)
	u, _ := url.Parse(srv.URL)
	crossOrigin := map[string]http.Header{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
		"Sec-Fetch-Site same-site":  {"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://other." + u.Hostname() + ".nip.io"}},
		"Origin of another site":    {"Origin": {"https://evil.example"}},
		"Origin of another port":    {"Origin": {"http://" + u.Hostname() + ":1"}},
	}
	sameOrigin := map[string]http.Header{
		"Sec-Fetch-Site same-origin": {"Sec-Fetch-Site": {"same-origin"}, "Origin": {srv.URL}},
		"Origin of the app":          {"Origin": {srv.URL}},
		"no browser headers":         {},
	}
	for name, h := range crossOrigin {
		t.Run("refused/"+name, func(t *testing.T) {
			c := newClient(t)
			if resp, body := post(t, c, srv.URL+"/login", url.Values{"username": {"mallory"}}, h); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-origin login: status %d, %q; want 403", resp.StatusCode, body)
			}
			if _, body := get(t, c, srv.URL+"/"); !strings.HasPrefix(body, "You are not logged in") {
				t.Fatalf("a refused cross-origin login logged the browser in: %q", body)
			}
			post(t, c, srv.URL+"/login", url.Values{"username": {"alice"}}, nil)
			get(t, c, srv.URL+"/") // the flash
			if resp, body := post(t, c, srv.URL+"/logout", nil, h); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-origin logout: status %d, %q; want 403", resp.StatusCode, body)
			}
			if _, body := get(t, c, srv.URL+"/"); !strings.HasPrefix(body, "Logged in as alice") {
				t.Fatalf("a refused cross-origin logout logged the browser out: %q", body)
			}
		})
	}
	for name, h := range sameOrigin {
		t.Run("allowed/"+name, func(t *testing.T) {
			c := newClient(t)
			resp, body := post(t, c, srv.URL+"/login", url.Values{"username": {"alice"}}, h)
			if resp.StatusCode != 200 || !strings.Contains(body, "Logged in as alice") {
				t.Fatalf("same-origin login: status %d, %q", resp.StatusCode, body)
			}
			resp, body = post(t, c, srv.URL+"/logout", nil, h)
			if resp.StatusCode != 200 || !strings.Contains(body, "You are not logged in") {
				t.Fatalf("same-origin logout: status %d, %q", resp.StatusCode, body)
			}
		})
	}
}

// Logout changes state, so it is a POST: a link or an image on any page
// cannot log the browser out, and GET /logout says which method to use.
func TestLogoutIsAPost(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t)
	post(t, c, srv.URL+"/login", url.Values{"username": {"alice"}}, nil)
	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, srv.URL+"/logout", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Errorf("%s /logout: status %d, Allow %q; want 405 and Allow: POST", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	_, body := get(t, c, srv.URL+"/")
	if !strings.Contains(body, "Logged in as alice") {
		t.Fatalf("GET /logout logged the browser out: %q", body)
	}
	if !strings.Contains(body, `<form method="post" action="/logout">`) {
		t.Errorf("the index page has no logout form: %q", body)
	}
}

// HEAD is a safe method (link checkers and previews send it, and
// CrossOriginProtection lets it through from anywhere): it does not count
// a visit.
func TestHeadCounterDoesNotCount(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t)
	for range 3 {
		resp, err := c.Head(srv.URL + "/counter")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("HEAD /counter: status %d", resp.StatusCode)
		}
	}
	if _, body := get(t, c, srv.URL+"/counter"); body != "Number of visits: 1\n" {
		t.Fatalf("after three HEADs, GET /counter says %q; want 1 visit", body)
	}
}
