package ginapp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
	"github.com/sessiongen/sessiongen/examples/frameworks/app/apptest"
	sessionruntime "github.com/sessiongen/sessiongen/runtime"
)

func init() { gin.SetMode(gin.TestMode) } // no route listing on stdout

// installs are the two ways of installing Sessions, both of which must
// work.
var installs = []struct {
	name string
	new  func(*app.VisitorInterface) http.Handler
}{
	{"Engine", New},
	{"Group", newGrouped},
}

func TestApp(t *testing.T) {
	for _, install := range installs {
		t.Run(install.name, func(t *testing.T) { apptest.Run(t, install.new) })
	}
}

// naiveSessions is the obvious gin adapter: run the net/http middleware
// with a handler that continues gin's chain. It compiles and serves, but
// gin's handlers write through c.Writer, gin's writer over the one the
// server gave, never through the middleware's writer w: in a response
// with a body the headers leave without the cookie, and the save that
// comes after them is lost without an error. (A response without a body,
// such as the redirect after a POST, keeps its changes: gin sends its
// headers after the middleware has returned.)
func naiveSessions(si *app.VisitorInterface) gin.HandlerFunc {
	return func(c *gin.Context) {
		si.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
	}
}

// TestNaiveGinAdapterLosesChanges is the bug Sessions exists for: the
// naive adapter, installed on a group, counts 1, 1, 1 with no Set-Cookie
// and nothing reported to OnError; Sessions, installed the same way,
// counts 1, 2, 3.
func TestNaiveGinAdapterLosesChanges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		adapter func(*app.VisitorInterface) gin.HandlerFunc
		want    []string // the three visits
		cookie  bool     // whether each response sets the cookie
	}{
		{"Naive", naiveSessions, []string{"Visits: 1\n", "Visits: 1\n", "Visits: 1\n"}, false},
		{"Sessions", Sessions, []string{"Visits: 1\n", "Visits: 2\n", "Visits: 3\n"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := new(apptest.Reports)
			si, err := app.NewVisitorInterface(apptest.Config(rep))
			if err != nil {
				t.Fatal(err)
			}
			r := gin.New()
			g := r.Group("/")
			g.Use(tc.adapter(si))
			routes(g)
			b := apptest.NewBrowser(t, apptest.Serve(t, r))
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
		{"RedirectGET", "GET", func(c *gin.Context) { c.Redirect(http.StatusFound, "/done") }},
		{"RedirectPOST", "POST", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/done") }},
		{"StatusOnly", "GET", func(c *gin.Context) { c.Status(http.StatusNoContent) }},
		{"Nothing", "GET", func(c *gin.Context) {}},
		{"AbortWithStatus", "GET", func(c *gin.Context) { c.AbortWithStatus(http.StatusUnauthorized) }},
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
		for _, install := range []string{"Engine", "Group"} {
			t.Run(tc.name+"/"+install, func(t *testing.T) {
				r := gin.New()
				var g gin.IRoutes = r
				if install == "Group" {
					g = r.Group("/")
				}
				g.Use(Sessions(apptest.Sessions(t)))
				handle := func(c *gin.Context) {
					app.Login(session(c), "bob")
					tc.handle(c)
				}
				if tc.handle == nil {
					// gin's WriteHeader only records the status: a change after it
					// still reaches the cookie.
					handle = func(c *gin.Context) {
						c.Status(http.StatusCreated)
						app.Login(session(c), "bob")
						c.Writer.WriteString("hello")
					}
				}
				g.Handle(tc.method, "/do", handle)
				g.GET("/done", func(c *gin.Context) { c.String(http.StatusOK, "done") })
				g.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "%s", app.Index(session(c))) })
				b := apptest.NewBrowser(t, apptest.Serve(t, r))
				var resp apptest.Response
				if tc.method == "POST" {
					resp = b.Post("/do", url.Values{})
				} else {
					resp = b.Get("/do")
				}
				if len(resp.SetCookies) != 1 {
					t.Errorf("Set-Cookie %q; want one", resp.SetCookies)
				}
				if resp := b.Get("/"); resp.Body != "Logged in as bob\n" {
					t.Errorf("next request: %q; want the login kept", resp.Body)
				}
			})
		}
	}
}

// What Sessions cannot serve it refuses with a panic that says so, where
// the session's changes would otherwise be lost in silence.
func TestSessionsRefusesWhatItCannotServe(t *testing.T) {
	count := func(c *gin.Context) { c.String(http.StatusOK, "%s", app.Count(session(c))) }
	for _, tc := range []struct {
		name  string
		setup func(r *gin.Engine, si *app.VisitorInterface)
		want  string // in the panic
	}{
		{"InstalledTwice", func(r *gin.Engine, si *app.VisitorInterface) {
			r.Use(Sessions(si))
			g := r.Group("/")
			g.Use(Sessions(si))
			g.GET("/do", count)
		}, "Sessions runs twice"},
		{"HandleContextIntoTheGroup", func(r *gin.Engine, si *app.VisitorInterface) {
			g := r.Group("/")
			g.Use(Sessions(si))
			g.GET("/do", func(c *gin.Context) {
				app.Count(session(c))
				c.Request.URL.Path = "/counter"
				r.HandleContext(c)
			})
			g.GET("/counter", count)
		}, "HandleContext"},
		{"HandleContextOutOfTheGroup", func(r *gin.Engine, si *app.VisitorInterface) {
			g := r.Group("/")
			g.Use(Sessions(si))
			g.GET("/do", func(c *gin.Context) {
				app.Count(session(c))
				c.Request.URL.Path = "/plain"
				r.HandleContext(c)
			})
			r.GET("/plain", func(c *gin.Context) { c.String(http.StatusOK, "plain") })
		}, "sent past the session's writer"},
		{"WrittenBefore", func(r *gin.Engine, si *app.VisitorInterface) {
			r.Use(func(c *gin.Context) { c.Writer.WriteHeaderNow() })
			g := r.Group("/")
			g.Use(Sessions(si))
			g.GET("/do", count)
		}, "sent before Sessions ran"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gin.New()
			tc.setup(r, apptest.Sessions(t))
			msg := panicOf(func() {
				r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/do", nil))
			})
			if !strings.HasPrefix(msg, "ginapp.Sessions: ") || !strings.Contains(msg, tc.want) {
				t.Fatalf("panic %q; want one about %q", msg, tc.want)
			}
		})
	}
	if msg := panicOf(func() { Sessions(nil) }); !strings.Contains(msg, "nil") {
		t.Errorf("Sessions(nil): panic %q; want one at setup", msg)
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
		{"String", func(c *gin.Context) { app.Login(session(c), long); c.String(http.StatusOK, "hello") }},
		{"Redirect", func(c *gin.Context) { app.Login(session(c), long); c.Redirect(http.StatusSeeOther, "/") }},
	} {
		for _, install := range []string{"Engine", "Group"} {
			t.Run(tc.name+"/"+install, func(t *testing.T) {
				rep := new(apptest.Reports)
				cfg := apptest.Config(rep)
				cfg.MaxCookieSize = 100
				si, err := app.NewVisitorInterface(cfg)
				if err != nil {
					t.Fatal(err)
				}
				r := gin.New()
				var g gin.IRoutes = r
				if install == "Group" {
					g = r.Group("/")
				}
				g.Use(Sessions(si))
				g.POST("/do", tc.handle)
				srv := apptest.Serve(t, r)
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
				if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], sessionruntime.ErrCookieTooLarge) {
					t.Errorf("reported %v; want ErrCookieTooLarge", errs)
				}
			})
		}
	}
}

// A handler that changes the session and then hijacks the connection
// loses the change, and Sessions has it reported, as the net/http
// middleware does.
func TestHijackReportsLostChange(t *testing.T) {
	rep := new(apptest.Reports)
	si, err := app.NewVisitorInterface(apptest.Config(rep))
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	g := r.Group("/")
	g.Use(Sessions(si))
	g.GET("/do", func(c *gin.Context) {
		app.Login(session(c), "bob")
		conn, rw, err := c.Writer.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		rw.Flush()
	})
	srv := apptest.Serve(t, r)
	resp, err := srv.Client().Get(srv.URL + "/do")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) != 0 {
		t.Errorf("Set-Cookie on a hijacked connection: %v", resp.Cookies())
	}
	// The loss is reported at the Hijack, before the response was written.
	if errs := rep.Errs(); len(errs) != 1 || !errors.Is(errs[0], sessionruntime.ErrSessionHijacked) {
		t.Errorf("reported %v; want ErrSessionHijacked", errs)
	}
}
