package auth_test

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/sessiongen/sessiongen"
	"github.com/sessiongen/sessiongen/examples/auth"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// NewAccountManager checks the whole configuration once, at start-up: a
// missing, short or well-known key is refused there, not on the first
// request. Given a good key, every other setting defaults to the safe
// choice.
func ExampleNewAccountManager() {
	_, err := auth.NewAccountManager(auth.AccountConfig{SecretKey: []byte("changeme")})
	fmt.Println("weak key refused:", errors.Is(err, sessiongen.ErrWeakSecretKey))

	sessions, err := auth.NewAccountManager(auth.AccountConfig{
		SecretKey: []byte("KNzE5xhYAuQf5T3N6HAnOHc6eyU8dC4e"), // 32 random bytes or more, from your secret store
	})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	fmt.Println("cookie:", sessions.CookieName(r))
	fmt.Println("HttpOnly:", sessions.CookieHTTPOnly(r), "Secure:", sessions.CookieSecure(r))
	fmt.Println("SameSite=Lax:", sessions.CookieSameSite(r) == http.SameSiteLaxMode)
	// Output:
	// weak key refused: true
	// cookie: session
	// HttpOnly: true Secure: true
	// SameSite=Lax: true
}

// AccountConfigFromEnv reads the SESSION_* variables, named after Flask's
// settings; docs/configuration.md lists them all. Here the
// example sets them itself; in production the platform does. A key given
// as "base64:..." is decoded, so any random bytes fit in a variable
// (openssl rand -base64 32).
func ExampleAccountConfigFromEnv() {
	os.Setenv("SESSION_SECRET_KEY", "base64:etAZfgvUZShfcB+261BqyIUFv5VpGbmWc3e0eNLrk5s=")
	defer os.Unsetenv("SESSION_SECRET_KEY")
	os.Setenv("SESSION_COOKIE_NAME", "__Host-session")
	defer os.Unsetenv("SESSION_COOKIE_NAME")
	os.Setenv("SESSION_LIFETIME", "168h") // PERMANENT_SESSION_LIFETIME: a week
	defer os.Unsetenv("SESSION_LIFETIME")

	cfg, err := auth.AccountConfigFromEnv()
	if err != nil {
		log.Fatal(err) // a malformed variable, named
	}
	sessions, err := auth.NewAccountManager(cfg) // validates what was read
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(cfg.SecretKey), "key bytes")
	fmt.Println(sessions.CookieName(httptest.NewRequest("GET", "/", nil)), cfg.Lifetime)
	// Output:
	// 32 key bytes
	// __Host-session 168h0m0s
}

// Middleware opens each request's session before the handler runs and
// saves it just before the response's first byte, so no handler calls
// Save. Install it around a net/http mux as here; in chi, it is one line:
// r.Use(sessions.Middleware).
func ExampleAccountManager_Middleware() {
	sessions, err := auth.NewAccountManager(auth.AccountConfig{
		SecretKey: []byte("KNzE5xhYAuQf5T3N6HAnOHc6eyU8dC4e"),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		s := auth.AccountFrom(r.Context()) // typed: no casts
		s.SetName("alice")                 // marks the session modified
		fmt.Fprintf(w, "hello, %s\n", s.Name())
	})
	handler := sessions.Middleware(mux) // http.ListenAndServe(addr, handler)

	w := httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest("GET", "/hello", nil))
	fmt.Print(w.Body)
	fmt.Println("cookie set:", len(w.Result().Cookies()) == 1)
	// Output:
	// hello, alice
	// cookie set: true
}

// Login regenerates the session (a new ID: one planted or seen before is
// worth nothing) and logout destroys it. With a Store (here memstore; in
// production, redisstore for several instances) the cookie carries only a
// signed ID and Destroy deletes the record, so a cookie copied before
// logout opens nothing. With signed cookies alone, that copy would stay
// valid until it expired.
func Example_loginLogout() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	sessions, err := auth.NewAccountManager(auth.AccountConfig{
		SecretKey: []byte("KNzE5xhYAuQf5T3N6HAnOHc6eyU8dC4e"),
		Store:     store,
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the password ...
		if err := sessions.Regenerate(r.Context()); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s := auth.AccountFrom(r.Context())
		s.SetUserID(42)
		s.SetName(r.PostFormValue("name"))
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Destroy(r.Context()); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := auth.AccountFrom(r.Context())
		if !s.HasUserID() {
			fmt.Fprintln(w, "not logged in")
			return
		}
		fmt.Fprintf(w, "logged in as %s (#%d)\n", s.Name(), s.UserID())
	})
	handler := sessions.Middleware(mux)

	// serve sends r with the cookie c (nil: none), as a browser would.
	serve := func(r *http.Request, c *http.Cookie) *httptest.ResponseRecorder {
		if c != nil {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w
	}
	login := httptest.NewRequest("POST", "/login", strings.NewReader("name=alice"))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cookie := serve(login, nil).Result().Cookies()[0]
	fmt.Print(serve(httptest.NewRequest("GET", "/", nil), cookie).Body)

	logout := serve(httptest.NewRequest("POST", "/logout", nil), cookie)
	fmt.Println("cookie deleted:", logout.Result().Cookies()[0].MaxAge < 0)
	// The browser forgets the cookie; a copy taken before logout is refused.
	fmt.Print(serve(httptest.NewRequest("GET", "/", nil), cookie).Body)
	// Output:
	// logged in as alice (#42)
	// cookie deleted: true
	// not logged in
}

// A flash message is stored in the session by one request and shown once
// by a later one, as Flask's flash and get_flashed_messages: Flashes
// returns the messages and removes them from the session.
func Example_flashes() {
	sessions, err := auth.NewAccountManager(auth.AccountConfig{
		SecretKey: []byte("KNzE5xhYAuQf5T3N6HAnOHc6eyU8dC4e"),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /settings", func(w http.ResponseWriter, r *http.Request) {
		s := auth.AccountFrom(r.Context())
		s.SetName(r.PostFormValue("name"))
		s.FlashCategory("success", "Your name is now "+s.Name())
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := auth.AccountFrom(r.Context())
		for _, f := range s.Flashes() {
			fmt.Fprintf(w, "[%s] %s\n", f.Category, f.Message)
		}
		fmt.Fprintf(w, "Hello, %s\n", s.Name())
	})
	handler := sessions.Middleware(mux)

	// serve sends r with the cookie c, as a browser would, and returns
	// the response's body and its new cookie.
	serve := func(r *http.Request, c *http.Cookie) (string, *http.Cookie) {
		if c != nil {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if set := w.Result().Cookies(); len(set) > 0 {
			c = set[0]
		}
		return w.Body.String(), c
	}
	form := httptest.NewRequest("POST", "/settings", strings.NewReader("name=Alice"))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, cookie := serve(form, nil)
	page, cookie := serve(httptest.NewRequest("GET", "/", nil), cookie)
	fmt.Print(page)
	fmt.Println("-- reload")
	page, _ = serve(httptest.NewRequest("GET", "/", nil), cookie)
	fmt.Print(page)
	// Output:
	// [success] Your name is now Alice
	// Hello, Alice
	// -- reload
	// Hello, Alice
}

// Rotating the secret key: the new key signs, the old one moves to
// SecretKeyFallbacks (SESSION_SECRET_KEY_FALLBACKS), and every browser
// stays logged in. A cookie signed with the old key opens, and is re-signed
// with the new key the next time it is saved: here at once, as a permanent
// session is saved on every request. After Lifetime, drop the fallback.
func Example_keyRotation() {
	oldKey := []byte("EormGMiyaGBapiyFZBFcstv9MYyObRq6")
	newKey := []byte("Z3gXMoiQT7svWuNvGsKaZ06cPmPp2LJb")

	// Before the rotation: alice logged in and her browser kept the cookie.
	before, err := auth.NewAccountManager(auth.AccountConfig{SecretKey: oldKey})
	if err != nil {
		log.Fatal(err)
	}
	var s auth.AccountSession
	s.SetName("alice")
	s.SetPermanent(true) // "remember me"
	oldCookie, err := before.Cookie(nil, &s)
	if err != nil {
		log.Fatal(err)
	}

	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := auth.AccountFrom(r.Context()); s.HasName() {
			fmt.Fprintln(w, "logged in as", s.Name())
			return
		}
		fmt.Fprintln(w, "not logged in")
	})
	// visit sends c to an interface with these keys and returns the body
	// and the cookie the response set (nil if none).
	visit := func(key []byte, fallbacks [][]byte, c *http.Cookie) (string, *http.Cookie) {
		sessions, err := auth.NewAccountManager(auth.AccountConfig{SecretKey: key, SecretKeyFallbacks: fallbacks})
		if err != nil {
			log.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(c)
		w := httptest.NewRecorder()
		sessions.Middleware(whoami).ServeHTTP(w, r)
		if set := w.Result().Cookies(); len(set) > 0 {
			return w.Body.String(), set[0]
		}
		return w.Body.String(), nil
	}

	// After: the new key, with the old one as a fallback.
	body, newCookie := visit(newKey, [][]byte{oldKey}, oldCookie)
	fmt.Print("old cookie, old key as fallback: ", body)
	fmt.Println("re-signed:", newCookie != nil)
	// Later, with the fallback dropped: the re-signed cookie still opens.
	body, _ = visit(newKey, nil, newCookie)
	fmt.Print("new cookie, new key alone: ", body)
	body, _ = visit(newKey, nil, oldCookie)
	fmt.Print("old cookie, new key alone: ", body)
	// Output:
	// old cookie, old key as fallback: logged in as alice
	// re-signed: true
	// new cookie, new key alone: logged in as alice
	// old cookie, new key alone: not logged in
}

// An override of one of Flask's per-request decisions, as a subclass of
// Flask's SessionInterface overrides get_cookie_domain: an AccountPolicy
// shares the login with every subdomain of example.test and leaves the
// cookie host-only elsewhere (examples/subdomain is this app). The policy
// is fixed when the interface is built, so Middleware, Begin and
// OpenSession/SaveSession all honour it.
func Example_policy() {
	sharedDomain := func(r *http.Request, configured string) string {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if host == "example.test" || strings.HasSuffix(host, ".example.test") {
			return "example.test"
		}
		return configured // host-only, unless SESSION_COOKIE_DOMAIN says otherwise
	}
	sessions, err := auth.NewAccountManager(
		auth.AccountConfig{SecretKey: []byte("KNzE5xhYAuQf5T3N6HAnOHc6eyU8dC4e")},
		auth.WithAccountPolicy(auth.AccountPolicy{CookieDomain: sharedDomain}),
	)
	if err != nil {
		log.Fatal(err)
	}
	login := sessions.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.AccountFrom(r.Context()).SetUserID(42)
	}))
	for _, url := range []string{"https://shop.example.test/login", "http://localhost:8080/login"} {
		w := httptest.NewRecorder()
		login.ServeHTTP(w, httptest.NewRequest("POST", url, nil))
		if domain := w.Result().Cookies()[0].Domain; domain != "" {
			fmt.Println(url, "Domain="+domain)
		} else {
			fmt.Println(url, "host-only")
		}
	}
	// Output:
	// https://shop.example.test/login Domain=example.test
	// http://localhost:8080/login host-only
}

// Handler tests, in two ways (in a _test.go file, each would be a
// TestXxx with t.Errorf in place of the prints). Alone: NewAccountContext
// gives the handler a session, as the middleware would, and the test reads
// what the handler left in it; nothing is saved. End to end: the
// interface's Cookie method returns the cookie that carries a given
// session (Flask's session_transaction), for a request through the
// middleware or a client's cookie jar.
func Example_handlerTest() {
	// rename is the handler under test.
	rename := func(w http.ResponseWriter, r *http.Request) {
		s := auth.AccountFrom(r.Context())
		if !s.HasUserID() {
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		s.SetName(r.URL.Query().Get("name"))
		fmt.Fprintf(w, "#%d is now %s\n", s.UserID(), s.Name())
	}

	// Alone, with a session in the request's context.
	var s auth.AccountSession // a zero session is empty and ready to use
	s.SetUserID(7)
	r := httptest.NewRequest("POST", "/rename?name=bob", nil)
	w := httptest.NewRecorder()
	rename(w, r.WithContext(auth.NewAccountContext(r.Context(), &s)))
	fmt.Print(w.Body)
	fmt.Println("session name:", s.Name())

	// End to end, through the middleware, from the cookie that carries s.
	sessions, err := auth.NewAccountManager(auth.AccountConfig{
		SecretKey: []byte("KNzE5xhYAuQf5T3N6HAnOHc6eyU8dC4e"), // the app's keys
	})
	if err != nil {
		log.Fatal(err)
	}
	cookie, err := sessions.Cookie(nil, &s)
	if err != nil {
		log.Fatal(err)
	}
	r = httptest.NewRequest("POST", "/rename?name=carol", nil)
	r.AddCookie(cookie)
	w = httptest.NewRecorder()
	sessions.Middleware(http.HandlerFunc(rename)).ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body)
	fmt.Println("cookie set:", len(w.Result().Cookies()) == 1)
	// Output:
	// #7 is now bob
	// session name: bob
	// 200 #7 is now carol
	// cookie set: true
}
