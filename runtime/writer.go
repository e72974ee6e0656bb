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
type responseWriter struct {
	http.ResponseWriter
	saver     interface{ save() error } // the request being served
	committed bool
	failed    bool // save failed: the response is a 500 and the handler's output is dropped
}

// commit saves the session unless that already happened. If saving fails,
// it sends a 500 in place of the handler's response, with none of the
// handler's headers and Cache-Control: no-store.
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
		// The error depends on this request's session: no cache may keep it.
		h.Set("Cache-Control", "no-store")
		http.Error(w.ResponseWriter, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
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

// Flush saves the session, then flushes what was written, if the underlying
// writer can.
func (w *responseWriter) Flush() {
	w.commit()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over; no response follows, so there is
// nothing to save the session into.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.committed = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
