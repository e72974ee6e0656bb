package echosession_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/sessiongen/sessiongen/adapters/echosession"
	"github.com/sessiongen/sessiongen/adapters/echosession/internal/testapp"
	"github.com/sessiongen/sessiongen/runtime"
)

// session returns the request's session.
func session(c echo.Context) *testapp.VisitorSession {
	return testapp.VisitorFrom(c.Request().Context())
}

// newEcho returns a server that logs nothing.
func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	return e
}

// routes are the pages of the login example: who is logged in, login and
// logout (each a POST answered with a redirect), and a counter.
func routes(g router) {
	g.GET("/", func(c echo.Context) error {
		return c.String(http.StatusOK, testapp.Index(session(c)))
	})
	g.POST("/login", func(c echo.Context) error {
		if err := testapp.Login(session(c), c.FormValue("username")); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return c.Redirect(http.StatusSeeOther, "/")
	})
	g.POST("/logout", func(c echo.Context) error {
		testapp.Logout(session(c))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	g.GET("/counter", func(c echo.Context) error {
		return c.String(http.StatusOK, testapp.Count(session(c)))
	})
}

// router is what routes are added to: the server or a group.
type router interface {
	GET(string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route
	POST(string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route
	Add(string, string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route
}

// installs are the ways of installing session middleware, all of which
// must work: on the server, before routing, and on a group only.
var installs = []struct {
	name    string
	install func(e *echo.Echo, mw echo.MiddlewareFunc) router
}{
	{"Server", func(e *echo.Echo, mw echo.MiddlewareFunc) router { e.Use(mw); return e }},
	{"Pre", func(e *echo.Echo, mw echo.MiddlewareFunc) router { e.Pre(mw); return e }},
	{"Group", func(e *echo.Echo, mw echo.MiddlewareFunc) router { return e.Group("", mw) }},
}

// adapters are this package's Middleware and the net/http middleware
// wrapped by echo.WrapMiddleware, which serves too: most tests run on
// both, and those where they differ say how.
var adapters = []struct {
	name string
	mw   func(*testapp.VisitorManager) echo.MiddlewareFunc
}{
	{"Middleware", func(m *testapp.VisitorManager) echo.MiddlewareFunc { return echosession.Middleware(m) }},
	{"WrapMiddleware", wrapped},
}

// wrapped is the generated net/http middleware, wrapped by echo.
func wrapped(si *testapp.VisitorManager) echo.MiddlewareFunc {
	return echo.WrapMiddleware(si.Middleware)
}

// The login example's flows, through real HTTP and a cookie jar: a count
// per browser, a login kept across requests and through a refused one (a
// 400 from echo's HTTPErrorHandler), a logout that deletes the cookie,
// and reads that set none.
func TestFlows(t *testing.T) {
	for _, ad := range adapters {
		for _, in := range installs {
			t.Run(ad.name+"/"+in.name, func(t *testing.T) {
				serve := func(t *testing.T) *httptest.Server {
					e := newEcho()
					routes(in.install(e, ad.mw(testapp.Sessions(t))))
					return testapp.Serve(t, e)
				}
				t.Run("Counter", func(t *testing.T) {
					srv := serve(t)
					a, b := testapp.NewBrowser(t, srv), testapp.NewBrowser(t, srv)
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
				})
				t.Run("Login", func(t *testing.T) {
					b := testapp.NewBrowser(t, serve(t))
					if resp := b.Get("/"); resp.Body != "You are not logged in\n" {
						t.Fatalf("before login: %q", resp.Body)
					}
					resp := b.Post("/login", url.Values{"username": {"alice"}})
					if resp.Request.URL.Path != "/" || resp.Body != "Logged in as alice\n" || len(resp.SetCookies) != 1 {
						t.Fatalf("after login: at %s, %q, Set-Cookie %q", resp.Request.URL.Path, resp.Body, resp.SetCookies)
					}
					if resp := b.Get("/"); resp.Body != "Logged in as alice\n" {
						t.Fatalf("after login: %q", resp.Body)
					}
					if resp := b.Post("/login", url.Values{"username": {""}}); resp.StatusCode != http.StatusBadRequest {
						t.Fatalf("empty username: %s; want 400", resp.Status)
					}
					if resp := b.Get("/"); resp.Body != "Logged in as alice\n" {
						t.Fatalf("a refused login logged alice out: %q", resp.Body)
					}
				})
				t.Run("Logout", func(t *testing.T) {
					b := testapp.NewBrowser(t, serve(t))
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
					if resp := b.Get("/counter"); resp.Body != "Visits: 1\n" {
						t.Fatalf("counter after logout: %q; want it restarted", resp.Body)
					}
				})
				t.Run("ReadingSetsNoCookie", func(t *testing.T) {
					b := testapp.NewBrowser(t, serve(t))
					b.Get("/counter")
					resp := b.Get("/")
					if len(resp.SetCookies) != 0 || resp.Header.Get("Vary") != "Cookie" {
						t.Fatalf("GET /: Set-Cookie %q, Vary %q; want none and Cookie", resp.SetCookies, resp.Header.Get("Vary"))
					}
				})
			})
		}
	}
}

// Every way an echo handler can answer, after a change to the session,
// carries the cookie and keeps the change: the session is saved before
// echo's Response sends the headers, or when the chain returns. An error
// returned to echo is answered by its HTTPErrorHandler with the cookie
// too: the session was saved when the chain returned.
func TestEveryWayOfWritingSaves(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hello.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		method string
		handle echo.HandlerFunc
		status int
	}{
		{"String", "GET", func(c echo.Context) error { return c.String(http.StatusOK, "hello") }, 200},
		{"HTML", "GET", func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>hello</p>") }, 200},
		{"JSON", "GET", func(c echo.Context) error { return c.JSON(http.StatusCreated, map[string]string{"hello": "world"}) }, 201},
		{"Blob", "GET", func(c echo.Context) error { return c.Blob(http.StatusOK, "text/plain", []byte("hello")) }, 200},
		{"Stream", "GET", func(c echo.Context) error {
			return c.Stream(http.StatusOK, "text/plain", strings.NewReader("hello"))
		}, 200},
		{"File", "GET", func(c echo.Context) error { return c.File(file) }, 200},
		{"Attachment", "GET", func(c echo.Context) error { return c.Attachment(file, "hello.txt") }, 200},
		{"HEAD", "HEAD", func(c echo.Context) error { return c.String(http.StatusOK, "hello") }, 200},
		{"NoContent", "GET", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }, 204},
		{"RedirectGET", "GET", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/done") }, 200},
		{"RedirectPOST", "POST", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/done") }, 200},
		{"Nothing", "GET", func(c echo.Context) error { return nil }, 200},
		{"WriteHeader", "GET", func(c echo.Context) error { c.Response().WriteHeader(http.StatusAccepted); return nil }, 202},
		{"Write", "GET", func(c echo.Context) error { _, err := c.Response().Write([]byte("hello")); return err }, 200},
		{"Flush", "GET", func(c echo.Context) error { c.Response().Flush(); return nil }, 200},
		{"ResponseController", "GET", func(c echo.Context) error {
			return http.NewResponseController(c.Response()).Flush()
		}, 200},
		{"EventStream", "GET", func(c echo.Context) error {
			c.Response().Header().Set("Content-Type", "text/event-stream")
			for i := range 3 {
				if _, err := fmt.Fprintf(c.Response(), "data: %d\n\n", i); err != nil {
					return err
				}
				c.Response().Flush()
			}
			return nil
		}, 200},
		{"BeforeHook", "GET", nil, 200}, // see below
		{"HTTPError", "GET", func(c echo.Context) error { return echo.NewHTTPError(http.StatusForbidden, "no") }, 403},
		{"HTTPErrorHEAD", "HEAD", func(c echo.Context) error { return echo.NewHTTPError(http.StatusForbidden, "no") }, 403},
		{"Error", "GET", func(c echo.Context) error { return errors.New("failed") }, 500},
		{"ErrorAfterWriting", "GET", func(c echo.Context) error {
			c.String(http.StatusOK, "hello")
			return errors.New("failed")
		}, 200},
	} {
		for _, ad := range adapters {
			for _, in := range installs {
				t.Run(tc.name+"/"+ad.name+"/"+in.name, func(t *testing.T) {
					e := newEcho()
					g := in.install(e, ad.mw(testapp.Sessions(t)))
					handle := func(c echo.Context) error {
						testapp.Login(session(c), "bob")
						return tc.handle(c)
					}
					if tc.handle == nil {
						// A Response hook registered by the handler runs before the
						// session is saved: its change reaches the cookie.
						handle = func(c echo.Context) error {
							c.Response().Before(func() { testapp.Login(session(c), "bob") })
							return c.String(http.StatusOK, "hello")
						}
					}
					g.Add(tc.method, "/do", handle)
					g.GET("/done", func(c echo.Context) error { return c.String(http.StatusOK, "done") })
					g.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, testapp.Index(session(c))) })
					b := testapp.NewBrowser(t, testapp.Serve(t, e))
					var form url.Values
					if tc.method == "POST" {
						form = url.Values{}
					}
					resp := b.Do(tc.method, "/do", form)
					if resp.StatusCode != tc.status || len(resp.SetCookies) != 1 {
						t.Errorf("%s, Set-Cookie %q; want %d and one cookie", resp.Status, resp.SetCookies, tc.status)
					}
					if resp := b.Get("/"); resp.Body != "Logged in as bob\n" {
						t.Errorf("next request: %q; want the login kept", resp.Body)
					}
				})
			}
		}
	}
}

// The cookie leaves with the headers, before the first byte of the body:
// a client has it while the handler, having flushed its first line, is
// still running. A change after that byte is too late for the cookie, and
// is reported.
func TestSavedBeforeTheFirstByte(t *testing.T) {
	for _, ad := range adapters {
		t.Run(ad.name, func(t *testing.T) {
			rep := new(testapp.Reports)
			si, err := testapp.NewVisitorManager(testapp.Config(rep))
			if err != nil {
				t.Fatal(err)
			}
			release := make(chan struct{})
			e := newEcho()
			e.Use(ad.mw(si))
			e.GET("/stream", func(c echo.Context) error {
				testapp.Login(session(c), "bob")
				io.WriteString(c.Response(), "first\n")
				c.Response().Flush()
				<-release
				testapp.Login(session(c), "eve") // too late: the cookie left with the headers
				_, err := io.WriteString(c.Response(), "second\n")
				return err
			})
			routes(e)
			srv := testapp.Serve(t, e)
			var once sync.Once
			t.Cleanup(func() { once.Do(func() { close(release) }) }) // before srv.Close, which waits for the handler

			resp, err := srv.Client().Get(srv.URL + "/stream")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			// The handler is blocked: the headers came with the first line.
			if len(resp.Cookies()) != 1 {
				t.Fatalf("headers before the handler returned: Set-Cookie %v; want the session cookie", resp.Cookies())
			}
			once.Do(func() { close(release) })
			body, err := io.ReadAll(resp.Body)
			if err != nil || string(body) != "first\nsecond\n" {
				t.Fatalf("body %q, %v", body, err)
			}
			if page := get(t, srv, "/", resp.Cookies()); page != "Logged in as bob\n" {
				t.Errorf("next request: %q; want bob, as the cookie was before the late change", page)
			}
			if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrWriteAfterSave) {
				t.Errorf("reported %v; want ErrWriteAfterSave", errs)
			}
		})
	}
}

// get fetches path from srv with cookies, and returns the body.
func get(t *testing.T, srv *httptest.Server, path string, cookies []*http.Cookie) string {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// echo's WriteHeader sends the headers at once (gin's only records the
// status): a change after it is too late, and reported. A change made by
// the HTTPErrorHandler is too late as well, since it runs after the
// middleware returned, and then nothing is left to report it: it is lost
// in silence, as the package documents.
func TestLateChanges(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(e *echo.Echo)
		handle   echo.HandlerFunc
		reported bool
	}{
		{"AfterWriteHeader", nil, func(c echo.Context) error {
			c.Response().WriteHeader(http.StatusCreated)
			testapp.Login(session(c), "eve")
			return nil
		}, true},
		{"InTheHTTPErrorHandler", func(e *echo.Echo) {
			e.HTTPErrorHandler = func(err error, c echo.Context) {
				testapp.Login(session(c), "eve")
				e.DefaultHTTPErrorHandler(err, c)
			}
		}, func(c echo.Context) error { return echo.NewHTTPError(http.StatusForbidden, "no") }, false},
	} {
		for _, ad := range adapters {
			t.Run(tc.name+"/"+ad.name, func(t *testing.T) {
				rep := new(testapp.Reports)
				si, err := testapp.NewVisitorManager(testapp.Config(rep))
				if err != nil {
					t.Fatal(err)
				}
				e := newEcho()
				if tc.setup != nil {
					tc.setup(e)
				}
				e.Use(ad.mw(si))
				e.GET("/do", tc.handle)
				routes(e)
				b := testapp.NewBrowser(t, testapp.Serve(t, e))
				if resp := b.Get("/do"); len(resp.SetCookies) != 0 {
					t.Errorf("Set-Cookie %q; want none", resp.SetCookies)
				}
				if resp := b.Get("/"); resp.Body != "You are not logged in\n" {
					t.Errorf("next request: %q; want the late change lost", resp.Body)
				}
				errs := rep.Errs()
				if tc.reported && (len(errs) != 1 || !errors.Is(errs[0], runtime.ErrWriteAfterSave)) {
					t.Errorf("reported %v; want ErrWriteAfterSave", errs)
				}
				if !tc.reported && len(errs) != 0 {
					t.Errorf("reported %v; want nothing", errs)
				}
			})
		}
	}
}

// A session too large for its cookie turns the response into a 500 with
// Cache-Control: no-store, reported to OnError, whether the handler wrote
// a body, only a status, or returned an error for echo's HTTPErrorHandler,
// which then writes nothing more; the handler's response never leaves.
func TestCookieTooLargeIs500(t *testing.T) {
	long := strings.Repeat("a", 100)
	for _, tc := range []struct {
		name   string
		handle echo.HandlerFunc
	}{
		{"String", func(c echo.Context) error { testapp.Login(session(c), long); return c.String(http.StatusOK, "hello") }},
		{"Redirect", func(c echo.Context) error {
			testapp.Login(session(c), long)
			return c.Redirect(http.StatusSeeOther, "/")
		}},
		{"Flush", func(c echo.Context) error {
			testapp.Login(session(c), long)
			c.Response().Flush()
			return c.String(http.StatusOK, "hello")
		}},
		{"HTTPError", func(c echo.Context) error {
			testapp.Login(session(c), long)
			return echo.NewHTTPError(http.StatusBadRequest, "hello")
		}},
	} {
		for _, ad := range adapters {
			for _, in := range installs {
				t.Run(tc.name+"/"+ad.name+"/"+in.name, func(t *testing.T) {
					rep := new(testapp.Reports)
					cfg := testapp.Config(rep)
					cfg.MaxCookieSize = 100
					si, err := testapp.NewVisitorManager(cfg)
					if err != nil {
						t.Fatal(err)
					}
					e := newEcho()
					in.install(e, ad.mw(si)).POST("/do", tc.handle)
					srv := testapp.Serve(t, e)
					resp, err := srv.Client().Post(srv.URL+"/do", "text/plain", nil)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Cache-Control") != "no-store" ||
						resp.Header.Get("Location") != "" || len(resp.Cookies()) != 0 || string(body) != "Internal Server Error\n" {
						t.Errorf("%s, headers %v, body %q; want a bare 500 with no-store", resp.Status, resp.Header, body)
					}
					if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieTooLarge) {
						t.Errorf("reported %v; want ErrCookieTooLarge", errs)
					}
				})
			}
		}
	}
}

// A panic that leaves Middleware leaves the session unsaved: a recovery
// installed before it answers a 500 without the cookie. Wrapped by
// echo.WrapMiddleware, the net/http middleware leaves its writer in the
// context, so that recovery's 500 goes through it and saves the
// half-changed session. A recovery installed after either answers through
// the session's writer, like any handler, and the changes made before
// the panic are saved.
func TestPanics(t *testing.T) {
	recovery := middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true})
	for _, tc := range []struct {
		name    string
		adapter func(*testapp.VisitorManager) echo.MiddlewareFunc
		before  bool // the recovery is installed before the sessions
		saved   bool
	}{
		{"RecoveryBefore/Middleware", func(m *testapp.VisitorManager) echo.MiddlewareFunc { return echosession.Middleware(m) }, true, false},
		{"RecoveryBefore/WrapMiddleware", wrapped, true, true},
		{"RecoveryAfter/Middleware", func(m *testapp.VisitorManager) echo.MiddlewareFunc { return echosession.Middleware(m) }, false, true},
		{"RecoveryAfter/WrapMiddleware", wrapped, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEcho()
			if tc.before {
				e.Use(recovery, tc.adapter(testapp.Sessions(t)))
			} else {
				e.Use(tc.adapter(testapp.Sessions(t)), recovery)
			}
			routes(e)
			e.GET("/panic", func(c echo.Context) error {
				testapp.Count(session(c))
				panic("boom")
			})
			b := testapp.NewBrowser(t, testapp.Serve(t, e))
			b.Get("/counter")
			resp := b.Get("/panic")
			if resp.StatusCode != http.StatusInternalServerError || (len(resp.SetCookies) == 1) != tc.saved {
				t.Fatalf("%s, Set-Cookie %q; want a 500, with the cookie: %v", resp.Status, resp.SetCookies, tc.saved)
			}
			want := "Visits: 2\n"
			if tc.saved {
				want = "Visits: 3\n"
			}
			if resp := b.Get("/counter"); resp.Body != want {
				t.Fatalf("after the panic: %q; want %q", resp.Body, want)
			}
		})
	}
}

// What Middleware cannot serve it refuses with a panic that says so.
func TestRefusesWhatItCannotServe(t *testing.T) {
	count := func(c echo.Context) error { return c.String(http.StatusOK, testapp.Count(session(c))) }
	for _, tc := range []struct {
		name  string
		setup func(e *echo.Echo, si *testapp.VisitorManager) http.Handler
		want  string // in the panic
	}{
		{"InstalledTwice", func(e *echo.Echo, si *testapp.VisitorManager) http.Handler {
			e.Use(echosession.Middleware(si))
			e.Group("", echosession.Middleware(si)).GET("/do", count)
			return e
		}, "runs twice"},
		{"UnderWrapMiddleware", func(e *echo.Echo, si *testapp.VisitorManager) http.Handler {
			e.Use(echo.WrapMiddleware(si.Middleware), echosession.Middleware(si))
			e.GET("/do", count)
			return e
		}, "runs twice"},
		{"UnderTheInterfacesMiddleware", func(e *echo.Echo, si *testapp.VisitorManager) http.Handler {
			e.Use(echosession.Middleware(si))
			e.GET("/do", count)
			return si.Middleware(e)
		}, "runs twice"},
		{"ServedAgain", func(e *echo.Echo, si *testapp.VisitorManager) http.Handler {
			e.Use(echosession.Middleware(si))
			e.GET("/do", func(c echo.Context) error {
				c.Request().URL.Path = "/counter"
				e.ServeHTTP(c.Response(), c.Request())
				return nil
			})
			e.GET("/counter", count)
			return e
		}, "served again"},
		{"WrittenBefore", func(e *echo.Echo, si *testapp.VisitorManager) http.Handler {
			e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error { c.Response().WriteHeader(http.StatusOK); return next(c) }
			})
			e.Group("", echosession.Middleware(si)).GET("/do", count)
			return e
		}, "sent before the middleware ran"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.setup(newEcho(), testapp.Sessions(t))
			msg := panicOf(func() {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/do", nil))
			})
			if !strings.HasPrefix(msg, "echosession.Middleware: ") || !strings.Contains(msg, tc.want) {
				t.Fatalf("panic %q; want one about %q", msg, tc.want)
			}
		})
	}
	if msg := panicOf(func() { echosession.Middleware[testapp.VisitorSession](nil) }); !strings.Contains(msg, "nil") {
		t.Errorf("Middleware(nil): panic %q; want one at setup", msg)
	}
}

// panicOf returns what f panics with, as a string; "" if it returns.
func panicOf(f func()) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprint(p)
		}
	}()
	f()
	return ""
}

// What Middleware refuses, echo.WrapMiddleware does in silence: installed
// on the server and again on a group, it opens a second session for the
// group's routes. A change that a middleware between the two makes to the
// first, and the handler's to the second, each set the cookie: the
// response carries two Set-Cookie lines for one cookie, and the browser
// keeps the last, losing the handler's change.
func TestWrapMiddlewareTwiceLosesChanges(t *testing.T) {
	e := newEcho()
	si := testapp.Sessions(t)
	e.Use(wrapped(si))
	login := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { testapp.Login(session(c), "bob"); return next(c) }
	}
	g := e.Group("", login, wrapped(si))
	routes(g)
	b := testapp.NewBrowser(t, testapp.Serve(t, e))
	resp := b.Get("/counter")
	if resp.Body != "Visits: 1\n" || len(resp.SetCookies) != 2 {
		t.Fatalf("first visit: %q, Set-Cookie %q; want a count and two cookies", resp.Body, resp.SetCookies)
	}
	if resp := b.Get("/counter"); resp.Body != "Visits: 1\n" {
		t.Fatalf("second visit: %q; want the first visit lost", resp.Body)
	}
}

// A handler that changes the session and then hijacks the connection
// loses the change, and the middleware has it reported, as the net/http
// middleware does.
func TestHijackReportsLostChange(t *testing.T) {
	for _, ad := range adapters {
		t.Run(ad.name, func(t *testing.T) {
			rep := new(testapp.Reports)
			si, err := testapp.NewVisitorManager(testapp.Config(rep))
			if err != nil {
				t.Fatal(err)
			}
			e := newEcho()
			e.Use(ad.mw(si))
			e.GET("/do", func(c echo.Context) error {
				testapp.Login(session(c), "bob")
				conn, rw, err := c.Response().Hijack()
				if err != nil {
					return err
				}
				defer conn.Close()
				rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
				return rw.Flush()
			})
			srv := testapp.Serve(t, e)
			resp, err := srv.Client().Get(srv.URL + "/do")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(resp.Cookies()) != 0 {
				t.Errorf("Set-Cookie on a hijacked connection: %v", resp.Cookies())
			}
			if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrSessionHijacked) {
				t.Errorf("reported %v; want ErrSessionHijacked", errs)
			}
		})
	}
}
