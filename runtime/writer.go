package runtime

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter runs save once, just before the first byte of the response
// leaves: on WriteHeader (other than 1xx), Write, Flush or ReadFrom, or from
// the middleware when the handler returns without writing. Unwrap keeps
// http.ResponseController working through it.
//
// Handlers get it through [responseWriter.forHandler], which claims
// http.Flusher and http.Hijacker only when the writer under it has them.
// It always has ReadFrom: copying through it is io.Copy into the writer
// under it, which takes that writer's own fast path if it has one.
type responseWriter struct {
	http.ResponseWriter
	saver interface {
		save() error                                  // runs the hooks and saves the session
		answerError(w http.ResponseWriter, err error) // answers in place of a handler whose session was not saved
		hijacked()                                    // the connection was taken over
	}
	committed bool
	failed    bool // save failed: the response is a 500 and the handler's output is dropped
}

// forHandler returns w as the handler sees it, with the optional
// interfaces of the writer under it. The wrappers hold one pointer, so
// making them allocates nothing.
func (w *responseWriter) forHandler() http.ResponseWriter {
	_, flusher := w.ResponseWriter.(http.Flusher)
	_, hijacker := w.ResponseWriter.(http.Hijacker)
	switch {
	case flusher && hijacker:
		return flushHijackWriter{w}
	case flusher:
		return flushWriter{w}
	case hijacker:
		return hijackWriter{w}
	}
	return w
}

type flushWriter struct{ *responseWriter }

// Flush saves the session, then flushes what was written.
func (w flushWriter) Flush() { w.flush() }

type hijackWriter struct{ *responseWriter }

// Hijack hands the connection over (see responseWriter.hijack).
func (w hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

type flushHijackWriter struct{ *responseWriter }

// Flush saves the session, then flushes what was written.
func (w flushHijackWriter) Flush() { w.flush() }

// Hijack hands the connection over (see responseWriter.hijack).
func (w flushHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

// commit saves the session unless that already happened. If saving fails,
// the error handler answers in place of the handler, with none of the
// handler's headers.
func (w *responseWriter) commit() {
	if w.committed {
		return
	}
	w.committed = true
	if err := w.saver.save(); err != nil {
		w.failed = true
		h := w.ResponseWriter.Header()
		for k := range h {
			delete(h, k)
		}
		w.saver.answerError(w.ResponseWriter, err)
	}
}

// WriteHeader saves the session, then sends the status line and headers.
// Informational (1xx) responses pass through: the final response still
// comes, and the session is saved before it.
func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.commit()
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write saves the session if no byte was written yet, then writes b.
func (w *responseWriter) Write(b []byte) (int, error) {
	w.commit()
	if w.failed {
		return 0, ErrSessionNotSaved
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom saves the session, then copies src to the response, keeping the
// underlying writer's fast path (sendfile) when it has one.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	w.commit()
	if w.failed {
		return 0, ErrSessionNotSaved
	}
	return io.Copy(w.ResponseWriter, src)
}

func (w *responseWriter) flush() {
	w.commit()
	w.ResponseWriter.(http.Flusher).Flush()
}

// FlushError saves the session, then flushes what was written, returning
// the writer's error: http.ErrNotSupported when it cannot flush.
// http.ResponseController.Flush calls it.
func (w *responseWriter) FlushError() error {
	w.commit()
	if w.failed {
		return ErrSessionNotSaved
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// hijack hands the connection over. No response follows, so the session
// cannot be saved: a change made to it before is reported as lost
// (ErrSessionHijacked), and so is one made after. A Hijack that fails
// leaves the response, and the session's save, to come as usual.
func (w *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return conn, rw, err
	}
	if !w.committed {
		w.committed = true
		w.saver.hijacked()
	}
	return conn, rw, nil
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
