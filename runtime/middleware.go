package runtime

import (
	"context"
	"errors"
	"net/http"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// Middleware serves next with the request's session: it opens the session
// before next runs, puts it in the request's context (read it with the
// generated TFrom), runs the hooks, and saves the session just before the
// first byte of the response: when next calls WriteHeader, Write, Flush or
// ReadFrom, or when it returns without writing. So the cookie is always
// set, and never after the headers are gone.
//
// Its shape is func(http.Handler) http.Handler: mux wrapping in net/http,
// r.Use(si.Middleware) in chi.
//
// If the session cannot be opened or saved (a cookie over MaxCookieSize, a
// store that does not answer, a record changed by a concurrent request),
// the error goes to Config.OnError, Config.ErrorHandler answers in place of
// next (by default a 500, 503 or 409), and what next writes afterwards is
// discarded: no 2xx goes out that the session did not earn. A write to a
// null session is reported to Config.OnError too.
func (si *Interface[S]) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lc := si.Begin(w, r)
		next.ServeHTTP(lc.ResponseWriter(), lc.Request())
		lc.End()
	})
}

// Lifecycle is one request's session under an Interface, in the three
// steps Middleware takes, for adapters to frameworks that drive a request
// through their own writer (gin, echo):
//
//	lc := si.Begin(w, r)           // opens the session
//	// hand lc.Request() and lc.ResponseWriter() to the rest of the chain
//	lc.End()                       // after the handler returned
//
// Every byte of the response must go through lc.ResponseWriter(), which
// saves the session just before the first one; a framework whose context
// holds its own writer wraps that writer around it. A Lifecycle belongs to
// its request: it is not safe for concurrent use.
type Lifecycle[S any] struct {
	w       responseWriter
	si      *Interface[S]
	ctx     sessionimpl.WithSession[S]
	session S
	r       *http.Request
	opener  opener[S]
}

// Begin opens the session of r and returns its Lifecycle. A session that
// cannot be opened (a store that does not answer) is not an error here: it
// is reported to Config.OnError, and the response is answered in place of
// the handler's when the session is saved (Middleware's 503).
func (si *Interface[S]) Begin(w http.ResponseWriter, r *http.Request) *Lifecycle[S] {
	// One allocation holds everything this request needs from the
	// middleware: the writer, the context, the session.
	lc := &Lifecycle[S]{si: si}
	lc.w = responseWriter{ResponseWriter: w, saver: lc}
	lc.ctx = sessionimpl.WithSession[S]{Context: r.Context(), S: &lc.session}
	lc.r = r.WithContext(&lc.ctx)
	if si.storage != nil && si.storage.lazy() {
		// Opened on first use: a request that never touches its session
		// costs the store nothing.
		lc.opener.lc = lc
		si.meta(&lc.session).Loader = &lc.opener
	} else {
		si.openInto(lc.r, &lc.session)
	}
	return lc
}

// opener opens a Lifecycle's session on its first use.
type opener[S any] struct{ lc *Lifecycle[S] }

// LoadSession opens the session (sessionimpl.Loader).
func (o *opener[S]) LoadSession() { o.lc.si.openInto(o.lc.r, &o.lc.session) }

// Request returns the request with the session in its context.
func (lc *Lifecycle[S]) Request() *http.Request { return lc.r }

// ResponseWriter returns the writer that saves the session just before the
// first byte of the response. It is an http.Flusher or an http.Hijacker
// only when the writer given to Begin is, and it unwraps to it for
// http.ResponseController.
func (lc *Lifecycle[S]) ResponseWriter() http.ResponseWriter { return lc.w.forHandler() }

// Session returns the request's session.
func (lc *Lifecycle[S]) Session() *S { return &lc.session }

// End finishes the request: it saves the session if nothing was written
// yet, and reports to Config.OnError a write to a null session or a change
// made after the response began.
func (lc *Lifecycle[S]) End() {
	lc.w.commit()
	m := lc.si.meta(&lc.session)
	if m.Err != nil {
		lc.si.report(lc.r, m.Err) // a write to a null session
	} else if m.Has(sessionimpl.StatusLate) {
		lc.si.report(lc.r, ErrWriteAfterSave)
	}
}

// save runs the hooks and saves the session, just before the first byte.
func (lc *Lifecycle[S]) save() error {
	w, r, s := lc.w.ResponseWriter, lc.r, &lc.session
	for _, h := range lc.si.hooks {
		h(w.Header(), r, s)
	}
	err := lc.si.SaveSession(w, r, s)
	m := lc.si.meta(s)
	if err != nil && err != m.LoadErr {
		// A store that failed to load the session was reported then: one
		// failure, one report.
		lc.si.report(r, err)
	}
	m.Status |= sessionimpl.StatusSaved
	return err
}

// answerError answers in place of the handler, whose response could not
// carry the session: with Config.ErrorHandler, or the default.
func (lc *Lifecycle[S]) answerError(w http.ResponseWriter, err error) {
	lc.si.answerError(w, lc.r, err)
}

func (si *Interface[S]) answerError(w http.ResponseWriter, r *http.Request, err error) {
	if h := si.cfg.ErrorHandler; h != nil {
		h(w, r, err)
		return
	}
	DefaultErrorHandler(w, r, err)
}

// DefaultErrorHandler is the Config.ErrorHandler used when none is set: 503
// Service Unavailable when the store could not be reached, 409 Conflict
// when the session changed under a concurrent request (or was ended by a
// logout) while this one ran, 500 otherwise; the status text as the body,
// nothing of the error; Cache-Control: no-store.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrStoreUnavailable):
		code = http.StatusServiceUnavailable
	case errors.Is(err, ErrConflict):
		code = http.StatusConflict
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(code), code)
}

// hijacked reports a session changed before its connection was hijacked,
// and makes later changes count as late.
func (lc *Lifecycle[S]) hijacked() {
	m := lc.si.meta(&lc.session)
	if m.Has(sessionimpl.StatusModified) {
		lc.si.report(lc.r, ErrSessionHijacked)
	}
	m.Status |= sessionimpl.StatusSaved
}

// From returns the session of type S in ctx: the one Middleware (or
// Begin) opened for the request, or one put there by NewContext; nil if
// there is none.
func From[S any](ctx context.Context) *S { return sessionimpl.From[S](ctx) }

// NewContext returns a copy of ctx carrying s, for handlers and tests that
// open sessions without the middleware.
func NewContext[S any](ctx context.Context, s *S) context.Context {
	return sessionimpl.NewContext(ctx, s)
}
