package ginsession_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/adapters/ginsession"
	"github.com/sessiongen/sessiongen/adapters/ginsession/internal/testapp"
	"github.com/sessiongen/sessiongen/runtime"
)

func init() { gin.SetMode(gin.TestMode) } // no route listing on stdout

// session returns the request's session.
func session(c *gin.Context) *testapp.VisitorSession {
	return testapp.VisitorFrom(c.Request.Context())
}

// routes are the pages of the login example: who is logged in, login and
// logout (each a POST answered with a redirect), and a counter.
func routes(r gin.IRoutes) {
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", testapp.Index(session(c)))
	})
	r.POST("/login", func(c *gin.Context) {
		if err := testapp.Login(session(c), c.PostForm("username")); err != nil {
			c.String(http.StatusBadRequest, "%s\n", err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/logout", func(c *gin.Context) {
		testapp.Logout(session(c))
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/counter", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", testapp.Count(session(c)))
	})
}

// installs are the two ways of installing the middleware, both of which
// must work: on the engine, and on a route group only.
var installs = []struct {
	name    string
	install func(r *gin.Engine, h gin.HandlerFunc) gin.IRoutes
}{
	{"Engine", func(r *gin.Engine, h gin.HandlerFunc) gin.IRoutes { r.Use(h); return r }},
	{"Group", func(r *gin.Engine, h gin.HandlerFunc) gin.IRoutes { g := r.Group("/"); g.Use(h); return g }},
}

// serveApp serves routes with the middleware installed as install says,
// for a browser.
func serveApp(t *testing.T, install func(*gin.Engine, gin.HandlerFunc) gin.IRoutes, si *testapp.VisitorManager) *testapp.Browser {
	r := gin.New()
	routes(install(r, ginsession.Middleware(si)))
	return testapp.NewBrowser(t, testapp.Serve(t, r))
}

// The login example's flows, through real HTTP and a cookie jar: a count
// per browser, a login kept across requests and through a refused one, a
// logout that deletes the cookie, and reads that set none.
func TestFlows(t *testing.T) {
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			t.Run("Counter", func(t *testing.T) {
				r := gin.New()
				routes(in.install(r, ginsession.Middleware(testapp.Sessions(t))))
				ts := testapp.Serve(t, r)
				a, b := testapp.NewBrowser(t, ts), testapp.NewBrowser(t, ts)
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
				b := serveApp(t, in.install, testapp.Sessions(t))
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
				b := serveApp(t, in.install, testapp.Sessions(t))
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
				b := serveApp(t, in.install, testapp.Sessions(t))
				b.Get("/counter")
				resp := b.Get("/")
				if len(resp.SetCookies) != 0 || resp.Header.Get("Vary") != "Cookie" {
					t.Fatalf("GET /: Set-Cookie %q, Vary %q; want none and Cookie", resp.SetCookies, resp.Header.Get("Vary"))
				}
			})
		})
	}
}

// naive is the obvious gin adapter: run the net/http middleware with a
// handler that continues gin's chain. It compiles and serves, but gin's
// handlers write through c.Writer, gin's writer over the one the server
// gave, never through the middleware's writer: in a response with a body
// the headers leave without the cookie, and the save that comes after
// them is lost without an error. (A response without a body, such as the
// redirect after a POST, keeps its changes: gin sends its headers after
// the middleware has returned.)
func naive(si *testapp.VisitorManager) gin.HandlerFunc {
	return func(c *gin.Context) {
		si.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
	}
}

// TestNaiveAdapterLosesChanges is the bug this package exists for: the
// naive adapter, installed on a group, counts 1, 1, 1 with no Set-Cookie
// and nothing reported to OnError; Middleware, installed the same way,
// counts 1, 2, 3.
func TestNaiveAdapterLosesChanges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		adapter func(*testapp.VisitorManager) gin.HandlerFunc
		want    []string // the three visits
		cookie  bool     // whether each response sets the cookie
	}{
		{"Naive", naive, []string{"Visits: 1\n", "Visits: 1\n", "Visits: 1\n"}, false},
		{"Middleware", func(m *testapp.VisitorManager) gin.HandlerFunc { return ginsession.Middleware(m) }, []string{"Visits: 1\n", "Visits: 2\n", "Visits: 3\n"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := new(testapp.Reports)
			si, err := testapp.NewVisitorManager(testapp.Config(rep))
			if err != nil {
				t.Fatal(err)
			}
			r := gin.New()
			g := r.Group("/")
			g.Use(tc.adapter(si))
			routes(g)
			b := testapp.NewBrowser(t, testapp.Serve(t, r))
			for i, want := range tc.want {
				resp := b.Get("/counter")
				if resp.Body != want {
					t.Errorf("visit %d: %q; want %q", i+1, resp.Body, want)
				}
				if got := len(resp.SetCookies) == 1; got != tc.cookie {
					t.Errorf("visit %d: Set-Cookie %q; want a cookie: %v", i+1, resp.SetCookies, tc.cookie)
				}
			}
			if errs := rep.Errs(); len(errs) != 0 {
				t.Errorf("reported: %v; want nothing", errs)
			}
		})
	}
}

// Every way a gin handler can answer, after a change to the session,
// carries the cookie: the session is saved before gin's first byte, or
// before the headers gin sends at the end of a response without a body.
func TestEveryWayOfWritingSaves(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		handle func(c *gin.Context)
	}{
		{"String", "GET", func(c *gin.Context) { c.String(http.StatusOK, "hello") }},
		{"Data", "GET", func(c *gin.Context) { c.Data(http.StatusCreated, "text/plain", []byte("hello")) }},
		{"JSON", "GET", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"hello": "world"}) }},
		{"HEAD", "HEAD", func(c *gin.Context) { c.String(http.StatusOK, "hello") }},
		{"RedirectGET", "GET", func(c *gin.Context) { c.Redirect(http.StatusFound, "/done") }},
		{"RedirectPOST", "POST", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/done") }},
		{"StatusOnly", "GET", func(c *gin.Context) { c.Status(http.StatusNoContent) }},
		{"Nothing", "GET", func(c *gin.Context) {}},
		{"AbortWithStatus", "GET", func(c *gin.Context) { c.AbortWithStatus(http.StatusUnauthorized) }},
		{"AbortWithError", "GET", func(c *gin.Context) { c.AbortWithError(http.StatusBadRequest, errors.New("no")) }},
		{"WriteHeaderNow", "GET", func(c *gin.Context) { c.Status(http.StatusAccepted); c.Writer.WriteHeaderNow() }},
		{"WriteString", "GET", func(c *gin.Context) { c.Writer.WriteString("hello") }},
		{"Write", "GET", func(c *gin.Context) { c.Writer.Write([]byte("hello")) }},
		{"Flush", "GET", func(c *gin.Context) { c.Writer.Flush(); c.Writer.WriteString("hello") }},
		{"ResponseController", "GET", func(c *gin.Context) {
			if err := http.NewResponseController(c.Writer).Flush(); err != nil {
				c.Error(err)
			}
		}},
		{"Stream", "GET", func(c *gin.Context) {
			n := 0
			c.Stream(func(w io.Writer) bool { n++; fmt.Fprintf(w, "%d\n", n); return n < 3 })
		}},
		{"SSEvent", "GET", func(c *gin.Context) { c.SSEvent("message", "hello") }},
		{"StatusThenChange", "GET", nil}, // see below
	} {
		for _, in := range installs {
			t.Run(tc.name+"/"+in.name, func(t *testing.T) {
				r := gin.New()
				g := in.install(r, ginsession.Middleware(testapp.Sessions(t)))
				handle := func(c *gin.Context) {
					testapp.Login(session(c), "bob")
					tc.handle(c)
				}
				if tc.handle == nil {
					// gin's WriteHeader only records the status: a change after it
					// still reaches the cookie.
					handle = func(c *gin.Context) {
						c.Status(http.StatusCreated)
						testapp.Login(session(c), "bob")
						c.Writer.WriteString("hello")
					}
				}
				g.Handle(tc.method, "/do", handle)
				g.GET("/done", func(c *gin.Context) { c.String(http.StatusOK, "done") })
				g.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "%s", testapp.Index(session(c))) })
				b := testapp.NewBrowser(t, testapp.Serve(t, r))
				var form url.Values
				if tc.method == "POST" {
					form = url.Values{}
				}
				if resp := b.Do(tc.method, "/do", form); len(resp.SetCookies) != 1 {
					t.Errorf("Set-Cookie %q; want one", resp.SetCookies)
				}
				if resp := b.Get("/"); resp.Body != "Logged in as bob\n" {
					t.Errorf("next request: %q; want the login kept", resp.Body)
				}
			})
		}
	}
}

// The cookie leaves with the headers, before the first byte of the body:
// a client has it while the handler, having flushed its first line, is
// still running. A change after that byte is too late for the cookie, and
// is reported.
func TestSavedBeforeTheFirstByte(t *testing.T) {
	rep := new(testapp.Reports)
	si, err := testapp.NewVisitorManager(testapp.Config(rep))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	r := gin.New()
	r.Use(ginsession.Middleware(si))
	r.GET("/stream", func(c *gin.Context) {
		testapp.Login(session(c), "bob")
		c.Stream(func(w io.Writer) bool { io.WriteString(w, "first\n"); return false }) // flushes
		<-release
		testapp.Login(session(c), "eve") // too late: the cookie left with the headers
		c.Writer.WriteString("second\n")
	})
	routes(r)
	srv := testapp.Serve(t, r)
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
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.AddCookie(resp.Cookies()[0])
	next, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(next.Body)
	next.Body.Close()
	if string(page) != "Logged in as bob\n" {
		t.Errorf("next request: %q; want bob, as the cookie was before the late change", page)
	}
	if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrWriteAfterSave) {
		t.Errorf("reported %v; want ErrWriteAfterSave", errs)
	}
}

// A HEAD route answers with the cookie and no body; its change is kept.
func TestHEAD(t *testing.T) {
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			r := gin.New()
			g := in.install(r, ginsession.Middleware(testapp.Sessions(t)))
			routes(g)
			g.HEAD("/counter", func(c *gin.Context) { c.String(http.StatusOK, "%s", testapp.Count(session(c))) })
			b := testapp.NewBrowser(t, testapp.Serve(t, r))
			resp := b.Do(http.MethodHead, "/counter", nil)
			if resp.StatusCode != http.StatusOK || resp.Body != "" || len(resp.SetCookies) != 1 {
				t.Fatalf("HEAD: %s, body %q, Set-Cookie %q; want 200, no body, the cookie", resp.Status, resp.Body, resp.SetCookies)
			}
			if resp := b.Get("/counter"); resp.Body != "Visits: 2\n" {
				t.Fatalf("GET after HEAD: %q; want the HEAD's visit counted", resp.Body)
			}
		})
	}
}

// A panic that leaves the middleware leaves the session unsaved: a
// recovery installed before it answers a 500 without the cookie. One
// installed after it answers through the session's writer, like any
// handler, so the changes made before the panic are saved.
func TestPanics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(r *gin.Engine, sessions gin.HandlerFunc) gin.IRoutes
		saved bool
	}{
		{"RecoveryBefore", func(r *gin.Engine, sessions gin.HandlerFunc) gin.IRoutes {
			r.Use(gin.RecoveryWithWriter(io.Discard), sessions)
			return r
		}, false},
		{"RecoveryAfter", func(r *gin.Engine, sessions gin.HandlerFunc) gin.IRoutes {
			r.Use(sessions, gin.RecoveryWithWriter(io.Discard))
			return r
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gin.New()
			g := tc.setup(r, ginsession.Middleware(testapp.Sessions(t)))
			routes(g)
			g.GET("/panic", func(c *gin.Context) {
				testapp.Count(session(c))
				panic("boom")
			})
			b := testapp.NewBrowser(t, testapp.Serve(t, r))
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

// What the middleware cannot serve it refuses with a panic that says so,
// where the session's changes would otherwise be lost in silence.
func TestRefusesWhatItCannotServe(t *testing.T) {
	count := func(c *gin.Context) { c.String(http.StatusOK, "%s", testapp.Count(session(c))) }
	for _, tc := range []struct {
		name  string
		setup func(r *gin.Engine, si *testapp.VisitorManager) http.Handler
		want  string // in the panic
	}{
		{"InstalledTwice", func(r *gin.Engine, si *testapp.VisitorManager) http.Handler {
			r.Use(ginsession.Middleware(si))
			g := r.Group("/")
			g.Use(ginsession.Middleware(si))
			g.GET("/do", count)
			return r
		}, "runs twice"},
		{"UnderTheInterfacesMiddleware", func(r *gin.Engine, si *testapp.VisitorManager) http.Handler {
			r.Use(ginsession.Middleware(si))
			r.GET("/do", count)
			return si.Middleware(r)
		}, "runs twice"},
		{"HandleContextIntoTheGroup", func(r *gin.Engine, si *testapp.VisitorManager) http.Handler {
			g := r.Group("/")
			g.Use(ginsession.Middleware(si))
			g.GET("/do", func(c *gin.Context) {
				testapp.Count(session(c))
				c.Request.URL.Path = "/counter"
				r.HandleContext(c)
			})
			g.GET("/counter", count)
			return r
		}, "HandleContext"},
		{"HandleContextOutOfTheGroup", func(r *gin.Engine, si *testapp.VisitorManager) http.Handler {
			g := r.Group("/")
			g.Use(ginsession.Middleware(si))
			g.GET("/do", func(c *gin.Context) {
				testapp.Count(session(c))
				c.Request.URL.Path = "/plain"
				r.HandleContext(c)
			})
			r.GET("/plain", func(c *gin.Context) { c.String(http.StatusOK, "plain") })
			return r
		}, "sent past the session's writer"},
		{"WrittenBefore", func(r *gin.Engine, si *testapp.VisitorManager) http.Handler {
			r.Use(func(c *gin.Context) { c.Writer.WriteHeaderNow() })
			g := r.Group("/")
			g.Use(ginsession.Middleware(si))
			g.GET("/do", count)
			return r
		}, "sent before the middleware ran"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.setup(gin.New(), testapp.Sessions(t))
			msg := panicOf(func() {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/do", nil))
			})
			if !strings.HasPrefix(msg, "ginsession.Middleware: ") || !strings.Contains(msg, tc.want) {
				t.Fatalf("panic %q; want one about %q", msg, tc.want)
			}
			if strings.Contains(msg, "Visitor") && !strings.Contains(msg, "testapp.VisitorSession") {
				t.Errorf("panic %q names the session type other than as its Go type", msg)
			}
		})
	}
	if msg := panicOf(func() { ginsession.Middleware[testapp.VisitorSession](nil) }); !strings.Contains(msg, "nil") {
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

// A session too large for its cookie turns the response into a 500 with
// Cache-Control: no-store, reported to OnError, whether the handler wrote
// a body or only a status; the handler's response never leaves.
func TestCookieTooLargeIs500(t *testing.T) {
	long := strings.Repeat("a", 100)
	for _, tc := range []struct {
		name   string
		handle func(c *gin.Context)
	}{
		{"String", func(c *gin.Context) { testapp.Login(session(c), long); c.String(http.StatusOK, "hello") }},
		{"Redirect", func(c *gin.Context) { testapp.Login(session(c), long); c.Redirect(http.StatusSeeOther, "/") }},
	} {
		for _, in := range installs {
			t.Run(tc.name+"/"+in.name, func(t *testing.T) {
				rep := new(testapp.Reports)
				cfg := testapp.Config(rep)
				cfg.MaxCookieSize = 100
				si, err := testapp.NewVisitorManager(cfg)
				if err != nil {
					t.Fatal(err)
				}
				r := gin.New()
				in.install(r, ginsession.Middleware(si)).POST("/do", tc.handle)
				srv := testapp.Serve(t, r)
				resp, err := srv.Client().Post(srv.URL+"/do", "text/plain", nil)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Cache-Control") != "no-store" ||
					resp.Header.Get("Location") != "" || len(resp.Cookies()) != 0 || strings.Contains(string(body), "hello") {
					t.Errorf("%s, headers %v, body %q; want a bare 500 with no-store", resp.Status, resp.Header, body)
				}
				if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieTooLarge) {
					t.Errorf("reported %v; want ErrCookieTooLarge", errs)
				}
			})
		}
	}
}

// A handler that changes the session and then hijacks the connection
// loses the change, and the middleware has it reported, as the net/http
// middleware does.
func TestHijackReportsLostChange(t *testing.T) {
	rep := new(testapp.Reports)
	si, err := testapp.NewVisitorManager(testapp.Config(rep))
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	g := r.Group("/")
	g.Use(ginsession.Middleware(si))
	g.GET("/do", func(c *gin.Context) {
		testapp.Login(session(c), "bob")
		conn, rw, err := c.Writer.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		rw.Flush()
	})
	srv := testapp.Serve(t, r)
	resp, err := srv.Client().Get(srv.URL + "/do")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) != 0 {
		t.Errorf("Set-Cookie on a hijacked connection: %v", resp.Cookies())
	}
	// The loss is reported at the Hijack, before the response was written.
	if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrSessionHijacked) {
		t.Errorf("reported %v; want ErrSessionHijacked", errs)
	}
}
