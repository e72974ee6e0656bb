// Package ginsession serves gin requests with sessiongen sessions: gin
// middleware, generic over the session type, that opens each request's
// session, hands it to the handlers in the request's context, and saves
// it just before the first byte of the response, as the net/http
// middleware of the generated interface does.
//
// With a session type generated in package app,
//
//	//go:generate go tool sessiongen -type=Visitor
//
// the generated interface installs on the engine or on a route group, and
// handlers read the session with the generated VisitorFrom:
//
//	sessions, err := app.NewVisitorManager(cfg) // an *app.VisitorManager
//	if err != nil {
//		log.Fatal(err)
//	}
//	r := gin.New()
//	r.Use(ginsession.Middleware(sessions)) // or g.Use(...) on a group
//	r.GET("/counter", func(c *gin.Context) {
//		s := app.VisitorFrom(c.Request.Context())
//		s.SetVisits(s.Visits() + 1)
//		c.String(http.StatusOK, "Visits: %d\n", s.Visits())
//	})
//
// gin needs this package because its handlers write through c.Writer,
// gin's own writer, not through the http.ResponseWriter that a net/http
// middleware hands on. Running the generated Middleware with a handler
// that calls c.Next() compiles and serves, but in every response with a
// body gin sends the headers around the session's writer: the cookie is
// not set and the session's changes are lost, with no error. Middleware
// here opens the session with the interface's Begin, puts in c.Writer a
// writer that sends every byte through the Lifecycle's writer, and calls
// End after the rest of the chain.
//
// This package is a Go module of its own, so that gin stays out of
// sessiongen's go.mod.
package ginsession

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/runtime"
)

// Manager is what Middleware needs of the session manager sessiongen
// generates for the session type S: for S = app.VisitorSession, the
// *app.VisitorManager that app.NewVisitorManager returns (S is then
// inferred). Its Begin starts one request's session.
type Manager[S any] interface {
	Begin(w http.ResponseWriter, r *http.Request) *runtime.Lifecycle[S]
}

// Middleware returns gin middleware that serves each request with its
// session of type S, on the engine (r.Use) or on a route group (g.Use).
// S is the session struct that sessiongen generated (app.VisitorSession
// for -type=Visitor), and m the generated interface for it: an
// *app.VisitorManager, which is a *runtime.Interface[app.VisitorSession],
// so S is inferred: ginsession.Middleware(sessions). Handlers read the
// session from the request's context, with the generated VisitorFrom or
// runtime.From[S].
// The constraint on S is any: a Manager[S] is built only from the code
// sessiongen generates for S, so every S it is built for serves.
//
// The session is saved just before the first byte of the response: when
// a handler writes (c.String, c.JSON, c.Data, c.Stream, c.Writer.Write,
// Flush...), or, for a response without a body (a redirect, c.Status),
// when the chain returns, before gin sends the headers. gin's WriteHeader
// (and so c.Status) only records the status, so the session can still
// change after it, until the first byte. If the session cannot be saved,
// the interface's Config.ErrorHandler answers in place of the handler (by
// default a 500, 503 or 409) and the handler's output is dropped, as with
// the net/http middleware. A panic that leaves the middleware leaves the
// session unsaved: a recovery installed before it (gin.Default's) answers
// without the cookie; one installed after it answers through the
// session's writer, as any handler does.
//
// What it cannot serve it refuses with a panic that says why, rather than
// lose the session's changes in silence: a nil m (at once); a route that
// runs the middleware twice (on the engine and on a group, or under an
// engine also wrapped in m.Middleware); a request re-entered with
// engine.HandleContext, which resets c.Writer; a response sent before the
// middleware ran, or past its writer while the chain ran.
func Middleware[S any](m Manager[S]) gin.HandlerFunc {
	if v := reflect.ValueOf(m); m == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		panic("ginsession.Middleware: the session interface is nil")
	}
	typ := fmt.Sprintf("%T", *new(S))
	return func(c *gin.Context) {
		if runtime.From[S](c.Request.Context()) != nil {
			panic("ginsession.Middleware: this request already has a " + typ + " session: the middleware runs twice " +
				"on this route (installed on the engine and on a group, or the engine is also wrapped in the " +
				"interface's Middleware), or the request was re-entered with engine.HandleContext, which the " +
				"session cannot follow; install it once, and redirect instead of calling HandleContext")
		}
		if c.Writer.Written() {
			panic("ginsession.Middleware: the response was sent before the middleware ran, so no change to the " +
				typ + " session could reach its cookie: install it before any middleware that writes")
		}
		lc := m.Begin(c.Writer, c.Request)
		gw := c.Writer
		w := &writer{ResponseWriter: gw, session: lc.ResponseWriter()}
		c.Writer, c.Request = w, lc.Request()
		defer func() { c.Writer = gw }() // on a panic too: never leave gin a finished session's writer
		c.Next()
		if !w.used && gw.Written() && used(lc.Session()) {
			// The headers left without passing through w: something wrote
			// to a writer it kept from before, or HandleContext reset
			// c.Writer (and gin sent the headers at its end).
			panic("ginsession.Middleware: the response was sent past the session's writer (c.Writer was " +
				"replaced while the handler ran, as engine.HandleContext does), so the " + typ + " session's " +
				"cookie and Vary: Cookie are lost: write through c.Writer, and redirect instead of calling HandleContext")
		}
		lc.End()
	}
}

// used reports whether the request read or changed s, so that its
// response needs the session's headers. The generated session types
// answer; any other is taken as used.
func used(s any) bool {
	t, ok := s.(interface {
		Modified() bool
		Accessed() bool
	})
	return !ok || t.Modified() || t.Accessed()
}

// writer is gin's writer with every byte of the response routed through
// the session's writer (the Lifecycle's), which saves the session just
// before the first one and then writes to gin's writer, so gin's status,
// size and Written stay true. WriteHeader only records the status, as
// gin's does: the session can still change until the first byte, or
// until gin sends the headers of a response without a body
// (WriteHeaderNow).
type writer struct {
	gin.ResponseWriter                     // gin's: Header, WriteHeader, Status, Size, Written, CloseNotify, Pusher
	session            http.ResponseWriter // the Lifecycle's, over gin's
	used               bool                // something went out through session
}

// WriteHeaderNow saves the session, then sends the recorded status and the
// headers.
func (w *writer) WriteHeaderNow() {
	if w.Written() {
		return
	}
	w.used = true
	w.session.WriteHeader(w.Status()) // saves; gin's writer records the same status again
	w.ResponseWriter.WriteHeaderNow()
}

// Write saves the session before the first byte, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	w.used = true
	return w.session.Write(b)
}

// WriteString saves the session before the first byte, then writes s.
func (w *writer) WriteString(s string) (int, error) {
	w.used = true
	return io.WriteString(w.session, s)
}

// Flush saves the session, then flushes.
func (w *writer) Flush() {
	w.used = true
	w.session.(http.Flusher).Flush() // gin's writer is a Flusher, so the session's is
}

// Hijack hands the connection over; a session changed before is reported
// lost to Config.OnError, as the net/http middleware does.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.used = true
	return w.session.(http.Hijacker).Hijack() // gin's writer is a Hijacker, so the session's is
}

// Unwrap returns the session's writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.session }
