// Package echosession serves echo requests with sessiongen sessions: echo
// middleware, generic over the session type, that opens each request's
// session, hands it to the handlers in the request's context, and saves
// it just before the first byte of the response, as the net/http
// middleware of the generated interface does.
//
// With a session type generated in package app,
//
//	//go:generate go tool sessiongen -type=Visitor
//
// the generated interface installs on the server or on a group, and
// handlers read the session with the generated VisitorFrom:
//
//	sessions, err := app.NewVisitorManager(cfg) // an *app.VisitorManager
//	if err != nil {
//		log.Fatal(err)
//	}
//	e := echo.New()
//	e.Use(echosession.Middleware(sessions)) // or e.Group("/app", echosession.Middleware(sessions))
//	e.GET("/counter", func(c echo.Context) error {
//		s := app.VisitorFrom(c.Request().Context())
//		s.SetVisits(s.Visits() + 1)
//		return c.String(http.StatusOK, fmt.Sprintf("Visits: %d\n", s.Visits()))
//	})
//
// echo.WrapMiddleware(sessions.Middleware) serves too, as this package's
// tests show for every way of writing a response; Middleware adds what a
// wrapped net/http middleware cannot: it puts echo's own Response back
// when the chain returns or panics (so a recovery installed before it
// answers a panic without saving the half-changed session, where the
// wrapped one saves it with the 500), and it refuses with a panic to open
// a second session for a request that has one (installed on the server
// and on a group, say), which the wrapped one does in silence.
//
// This package is a Go module of its own, so that echo stays out of
// sessiongen's go.mod.
package echosession

import (
	"fmt"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/sessiongen/sessiongen/runtime"
)

// Manager is what Middleware needs of the session manager sessiongen
// generates for the session type S: for S = app.VisitorSession, the
// *app.VisitorManager that app.NewVisitorManager returns (S is then
// inferred). Its Begin starts one request's session.
type Manager[S any] interface {
	Begin(w http.ResponseWriter, r *http.Request) *runtime.Lifecycle[S]
}

// Middleware returns echo middleware that serves each request with its
// session of type S, on the server (e.Use, or e.Pre) or on a group
// (e.Group(prefix, mw) or g.Use). S is the session struct that sessiongen
// generated (app.VisitorSession for -type=Visitor), and m the generated
// interface for it: an *app.VisitorManager, which is a
// *runtime.Interface[app.VisitorSession], so S is inferred:
// echosession.Middleware(sessions). Handlers read the session from the
// request's context, with the generated VisitorFrom or runtime.From[S].
// The constraint on S is any: a Manager[S] is built only from the code
// sessiongen generates for S, so every S it is built for serves.
//
// While the rest of the chain runs, c.Response() is a Response over the
// session's writer, which is itself over echo's Response: the session is
// saved just before the first byte, when a handler writes (c.String,
// c.JSON, c.Stream, c.File...), calls c.Response().WriteHeader (echo sends
// the headers there, so a change after it is too late, and reported to
// Config.OnError as runtime.ErrWriteAfterSave) or flushes; for a response
// without a body, when the chain returns. The Before hooks that handlers
// register on c.Response() run before the session is saved, so their
// changes reach the cookie. If the session cannot be saved, the
// interface's Config.ErrorHandler answers in place of the handler (by
// default a 500, 503 or 409) and the handler's output is dropped, as with
// the net/http middleware.
//
// When the chain returns an error, the session is saved first, then the
// error goes on to echo (and its HTTPErrorHandler): the error's response
// carries the cookie, and the changes made before the error are kept, as
// when a net/http handler answers with http.Error. A handler that must not
// keep a change returns its error before making it. The HTTPErrorHandler
// runs after the middleware returned: a change it makes to the session is
// lost, and nothing is left to report it. If the session could not be
// saved, the response is the ErrorHandler's, already sent: echo's default
// HTTPErrorHandler sees it committed and writes nothing more.
//
// A panic that leaves the middleware leaves the session unsaved, with
// echo's Response put back: a recovery installed before it
// (middleware.Recover on e.Use ahead of this one) answers without the
// cookie. One installed after it answers through the session's writer, as
// any handler does, so the changes made before the panic are saved.
//
// What it cannot serve it refuses with a panic that says why: a nil m (at
// once); a request that already has a session of type S (the middleware
// installed twice on a route, the net/http middleware ahead of it, as
// m.Middleware around the server or echo.WrapMiddleware(m.Middleware) on
// it, or a request handed back to e.ServeHTTP with the session's
// context); a response sent before the middleware ran.
func Middleware[S any](m Manager[S]) echo.MiddlewareFunc {
	if v := reflect.ValueOf(m); m == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		panic("echosession.Middleware: the session interface is nil")
	}
	typ := fmt.Sprintf("%T", *new(S))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if runtime.From[S](c.Request().Context()) != nil {
				panic("echosession.Middleware: this request already has a " + typ + " session: the middleware runs " +
					"twice on this route (installed on the server and on a group, or the server is also wrapped " +
					"in the interface's Middleware), or the request was served again with its session's context; " +
					"install it once")
			}
			res := c.Response()
			if res.Committed {
				panic("echosession.Middleware: the response was sent before the middleware ran, so no change to the " +
					typ + " session could reach its cookie: install it before any middleware that writes")
			}
			// The session's writer goes over echo's Response, so that
			// what it sends (the ErrorHandler's answer included) marks
			// that Response committed for the middleware before this one
			// and for echo's HTTPErrorHandler.
			lc := m.Begin(res, c.Request())
			c.SetRequest(lc.Request())
			c.SetResponse(echo.NewResponse(lc.ResponseWriter(), c.Echo()))
			defer c.SetResponse(res) // on a panic too: never leave echo a finished session's writer
			err := next(c)
			lc.End()
			return err
		}
	}
}
