package runtime_test

import (
	"context"
	cryptotls "crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// Middleware has the shape routers take: r.Use(si.Middleware) in chi,
// e.Use(echo.WrapMiddleware(si.Middleware)) in echo. (It took hooks as a
// second parameter, which chi's Use does not accept.)
func TestMiddlewareIsStandardShape(t *testing.T) {
	si := newIface(t, runtime.Config{})
	use := func(mw ...func(http.Handler) http.Handler) {} // chi.Router.Use's signature
	use(si.Middleware)
	var mw func(http.Handler) http.Handler = si.Middleware
	w := httptest.NewRecorder()
	mw(testApp()).ServeHTTP(w, httptest.NewRequest("GET", "/set?name=a", nil))
	if sessionCookie(t, w.Header(), "session") == nil {
		t.Error("no cookie through the method value")
	}
}

// An override is part of the Interface: every way of serving a request
// honours it. (An override made by embedding *Interface and redefining
// CookieDomain was ignored by the promoted Middleware method.)
func TestPolicyHonouredByEveryServingPath(t *testing.T) {
	si := newIface(t, runtime.Config{}, runtime.WithPolicy(runtime.Policy[testsession.TestSession]{
		CookieDomain: func(r *http.Request, configured string) string {
			if strings.HasSuffix(r.Host, "example.test") {
				return "example.test"
			}
			return configured
		},
	}))
	paths := map[string]func(w http.ResponseWriter, r *http.Request){
		"Middleware": func(w http.ResponseWriter, r *http.Request) {
			si.Middleware(testApp()).ServeHTTP(w, r)
		},
		"Begin/End": func(w http.ResponseWriter, r *http.Request) {
			lc := si.Begin(w, r)
			testApp().ServeHTTP(lc.ResponseWriter(), lc.Request())
			lc.End()
		},
		"OpenSession/SaveSession": func(w http.ResponseWriter, r *http.Request) {
			s, err := si.OpenSession(r)
			if err != nil {
				t.Fatal(err)
			}
			s.SetName("a")
			if err := si.SaveSession(w, r, s); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, serve := range paths {
		for host, want := range map[string]string{"shop.example.test": "example.test", "other.test": ""} {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/set?name=a", nil)
			r.Host = host
			serve(w, r)
			c := sessionCookie(t, w.Header(), "session")
			if c == nil {
				t.Fatalf("%s on %s: no cookie", name, host)
			}
			if c.Domain != want {
				t.Errorf("%s on %s: Domain %q; want %q", name, host, c.Domain, want)
			}
		}
	}
}

// Every method of Flask's SessionInterface answers with the policy, so what
// a handler asks is what the cookie gets.
func TestPolicyMethods(t *testing.T) {
	si := newIface(t, runtime.Config{}, runtime.WithPolicy(runtime.Policy[testsession.TestSession]{
		CookieName:        func(*http.Request, string) string { return "sid" },
		CookiePath:        func(*http.Request, string) string { return "/app" },
		CookieHTTPOnly:    func(*http.Request, bool) bool { return false },
		CookieSecure:      func(*http.Request, bool) bool { return false },
		CookieSameSite:    func(*http.Request, http.SameSite) http.SameSite { return http.SameSiteStrictMode },
		CookiePartitioned: func(*http.Request, bool) bool { return false },
		ShouldSetCookie:   func(_ *http.Request, _ *testsession.TestSession, computed bool) bool { return true },
	}))
	r := httptest.NewRequest("GET", "/", nil)
	if si.CookieName(r) != "sid" || si.CookiePath(r) != "/app" || si.CookieHTTPOnly(r) || si.CookieSecure(r) ||
		si.CookieSameSite(r) != http.SameSiteStrictMode || si.CookiePartitioned(r) {
		t.Fatal("the methods do not answer with the policy")
	}
	// ShouldSetCookie forced on: even a read-only request sends the cookie.
	w := httptest.NewRecorder()
	si.Middleware(testApp()).ServeHTTP(w, httptest.NewRequest("GET", "/set?name=a", nil))
	c := sessionCookie(t, w.Header(), "sid")
	if c == nil || c.Path != "/app" || c.HttpOnly || c.Secure || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %+v", c)
	}
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/get", nil)
	r.Header.Set("Cookie", "sid="+c.Value)
	si.Middleware(testApp()).ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), "name=a") || sessionCookie(t, w.Header(), "sid") == nil {
		t.Errorf("read-only request: %s, Set-Cookie %q", w.Body.String(), w.Header().Values("Set-Cookie"))
	}
}

// Hooks are given when the Interface is built and run before every save.
func TestWithAfterRequest(t *testing.T) {
	var order []string
	si := newIface(t, runtime.Config{},
		runtime.WithAfterRequest(func(h http.Header, r *http.Request, s *testsession.TestSession) {
			order = append(order, "first")
			s.SetCount(s.Count() + 10)
		}),
		runtime.WithAfterRequest(func(h http.Header, r *http.Request, s *testsession.TestSession) {
			order = append(order, "second")
			h.Set("X-Hooked", "yes")
		}))
	w := serve(si, testApp(), "/set?name=a&count=1")
	if fmt.Sprint(order) != "[first second]" || w.Header().Get("X-Hooked") != "yes" {
		t.Errorf("hooks ran %v, header %q", order, w.Header().Get("X-Hooked"))
	}
	c := sessionCookie(t, w.Header(), "session")
	w = serve(si, testApp(), "/nothing", "session="+c.Value)
	if !strings.Contains(w.Body.String(), "count=11") {
		t.Errorf("the hook's change was not saved: %s", w.Body.String())
	}
}

// A session used on a route without the middleware panics with a message
// that says what to do, not a nil pointer dereference in generated code.
func TestMustFromWithoutMiddleware(t *testing.T) {
	defer func() {
		msg := fmt.Sprint(recover())
		for _, want := range []string{"VisitorFrom", "no Visitor session", "VisitorManager's Middleware", "r.Use(sessions.Middleware)"} {
			if !strings.Contains(msg, want) {
				t.Errorf("panic %q does not say %q", msg, want)
			}
		}
	}()
	sessionimpl.MustFrom[testsession.TestSession](httptest.NewRequest("GET", "/", nil).Context(), "Visitor")
	t.Error("no panic")
}

// Begin's lifecycle is what Middleware does: a framework that writes
// through its own writer wraps lc.ResponseWriter(), and the cookie is set
// before its first byte.
func TestLifecycleForFrameworks(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	w := httptest.NewRecorder()
	lc := si.Begin(w, httptest.NewRequest("GET", "/", nil))
	if runtime.From[testsession.TestSession](lc.Request().Context()) != lc.Session() {
		t.Fatal("the request's context does not carry the lifecycle's session")
	}
	lc.Session().SetName("bob")
	lc.ResponseWriter().WriteHeader(http.StatusTeapot) // the framework's first write
	lc.Session().SetName("late")
	lc.End()
	if w.Code != http.StatusTeapot || sessionCookie(t, w.Header(), "session") == nil {
		t.Errorf("status %d, Set-Cookie %q", w.Code, w.Header().Values("Set-Cookie"))
	}
	if errs := log.take(); len(errs) != 1 || errs[0] != runtime.ErrWriteAfterSave {
		t.Errorf("OnError %v; want the late write", errs)
	}
}

// A Secure cookie set over plain HTTP for another machine never comes back:
// say so once, instead of letting sessions silently not persist.
func TestInsecureTransportWarnedOnce(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError}) // Secure by default
	// served: as a net/http Server hands a request over (its context holds
	// the connection's local address); in process otherwise.
	served := true
	req := func(remote string, tls bool, proto string) {
		r := httptest.NewRequest("GET", "/set?name=a", nil)
		if served {
			local := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 8080}
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
		}
		r.RemoteAddr = remote
		if tls {
			r.TLS = &cryptotls.ConnectionState{}
		}
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		si.Middleware(testApp()).ServeHTTP(httptest.NewRecorder(), r)
	}
	for _, quiet := range []struct {
		remote string
		tls    bool
		proto  string
	}{
		{"127.0.0.1:5000", false, ""},
		{"[::1]:5000", false, ""},
		{"10.1.2.3:5000", true, ""},
		{"10.0.0.2:5000", false, "https"},
	} {
		req(quiet.remote, quiet.tls, quiet.proto)
		if errs := log.take(); len(errs) != 0 {
			t.Errorf("%+v: warned %v", quiet, errs)
		}
	}
	// A request made in process (httptest.NewRequest, served by no
	// Server) came over no transport: nothing to judge, whatever its
	// RemoteAddr.
	served = false
	req("10.1.2.3:5000", false, "")
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("in process: warned %v", errs)
	}
	served = true
	req("192.0.2.1:1234", false, "") // a real host may have any address, httptest's included
	req("10.1.2.3:5000", false, "")
	req("172.16.0.9:5000", false, "")
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrInsecureTransport) {
		t.Errorf("plain HTTP from another machine, twice: %v; want one ErrInsecureTransport", errs)
	}
	// With Secure off, nothing to warn about.
	si = newIface(t, runtime.Config{OnError: log.onError, DisableSecure: true})
	req("10.1.2.3:5000", false, "")
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("DisableSecure: warned %v", errs)
	}
}

// Interface.Cookie mints the cookie of a given session for an end-to-end
// test, as Flask's session_transaction does; it opens as that session.
func TestCookieForTests(t *testing.T) {
	for name, si := range map[string]*runtime.Interface[testsession.TestSession]{
		"cookie": newIface(t, runtime.Config{}),
	} {
		var s testsession.TestSession
		s.SetName("alice")
		s.SetCount(41)
		c, err := si.Cookie(nil, &s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !c.HttpOnly || !c.Secure || c.Path != "/" {
			t.Errorf("%s: attributes %+v", name, c)
		}
		w := serve(si, testApp(), "/inc", c.Name+"="+c.Value)
		if !strings.Contains(w.Body.String(), "name=alice count=42") {
			t.Errorf("%s: the minted cookie opened as %s", name, w.Body.String())
		}
		var empty testsession.TestSession
		if _, err := si.Cookie(nil, &empty); err == nil {
			t.Errorf("%s: an empty session minted a cookie", name)
		}
	}
	si, _ := newStoreIface(t, runtime.Config{}, nil)
	var s testsession.TestSession
	s.SetName("bob")
	c, err := si.Cookie(nil, &s)
	if err != nil {
		t.Fatal(err)
	}
	if w := serve(si, storeApp(si), "/get", c.Name+"="+c.Value); !strings.Contains(w.Body.String(), "name=bob") {
		t.Errorf("store: the minted cookie opened as %s", w.Body.String())
	}
}
