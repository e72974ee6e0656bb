package ginapp

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
	sessionruntime "github.com/sessiongen/sessiongen/runtime"
)

// Sessions returns gin middleware that serves each request with its
// Visitor session, on the engine (r.Use) or on a route group (g.Use):
// handlers read it with app.VisitorFrom(c.Request.Context()).
//
// The session is saved just before the first byte of the response, which
// in gin leaves through c.Writer: Sessions opens the session with si.Begin
// and, while the rest of the chain runs, puts in c.Writer a wrapper of
// gin's writer that sends every byte through the Lifecycle's writer.
// Wrapping the handler in si.Middleware instead loses the changes of every
// response with a body: gin writes around the session's writer, the
// headers leave without the cookie, and no error says so
// (TestNaiveGinAdapterLosesChanges).
//
// What it cannot serve it refuses with a panic that says why, rather than
// lose the session's changes silently: a route that runs Sessions twice (on
// the engine and on a group); a request re-entered with engine.HandleContext,
// which resets c.Writer; a response sent before Sessions ran, or past its
// writer while the handler ran.
func Sessions(si *app.VisitorInterface) gin.HandlerFunc {
	if si == nil {
		panic("ginapp.Sessions: the VisitorInterface is nil")
	}
	return func(c *gin.Context) {
		if sessionruntime.From[app.VisitorSession](c.Request.Context()) != nil {
			panic("ginapp.Sessions: this request already has a Visitor session: Sessions runs twice on this route " +
				"(installed on the engine and on a group, or the engine is also wrapped in Middleware), " +
				"or the request was re-entered with engine.HandleContext, which the session cannot follow; " +
				"install Sessions once, and redirect instead of calling HandleContext")
		}
		if c.Writer.Written() {
			panic("ginapp.Sessions: the response was sent before Sessions ran, so no change to the session " +
				"could reach its cookie: install Sessions before any middleware that writes")
		}
		lc := si.Begin(c.Writer, c.Request)
		gw := c.Writer
		w := &writer{ResponseWriter: gw, session: lc.ResponseWriter()}
		c.Writer, c.Request = w, lc.Request()
		defer func() { c.Writer = gw }() // on a panic too: never leave gin a finished session's writer
		c.Next()
		if !w.used && gw.Written() {
			// The headers left without passing through w: a handler wrote
			// to a writer it kept from before, or HandleContext reset
			// c.Writer (and gin sent the headers at its end).
			if s := lc.Session(); s.Modified() || s.Accessed() {
				panic("ginapp.Sessions: the response was sent past the session's writer (c.Writer was replaced " +
					"while the handler ran, as engine.HandleContext does), so the session's cookie and " +
					"Vary: Cookie are lost: write through c.Writer, and redirect instead of calling HandleContext")
			}
		}
		lc.End()
	}
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
