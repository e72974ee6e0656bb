package runtime_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
)

// fetch sends GET path to srv without a jar and returns the response with
// its body read.
func fetch(t *testing.T, srv string, path string, cookies ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.Header.Add("Cookie", c)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", path, err)
	}
	return resp, string(body)
}

// opened returns the name field of the session the response's cookie holds.
func opened(t *testing.T, si *runtime.Interface[testsession.TestSession], resp *http.Response) string {
	t.Helper()
	c := sessionCookie(t, resp.Header, "session")
	if c == nil {
		t.Fatalf("no Set-Cookie in the response (status %d, headers %v)", resp.StatusCode, resp.Header)
	}
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	s, _ := si.OpenSession(r)
	if s.IsNew() {
		t.Fatalf("the cookie sent does not open")
	}
	return s.Name()
}

// The session is saved whatever way the handler starts its response.
func TestWriterSavesBeforeFirstByte(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	file := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(file, []byte("from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		h      func(w http.ResponseWriter, r *http.Request)
		status int
		body   string
	}{
		{"WriteHeader then Write", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "created")
		}, http.StatusCreated, "created"},
		{"Write only", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello")
		}, http.StatusOK, "hello"},
		{"never writes", func(w http.ResponseWriter, r *http.Request) {}, http.StatusOK, ""},
		{"WriteHeader only", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, http.StatusNoContent, ""},
		{"ReadFrom through io.Copy", func(w http.ResponseWriter, r *http.Request) {
			if _, ok := w.(io.ReaderFrom); !ok {
				t.Error("the writer is not an io.ReaderFrom")
			}
			// Hide WriterTo so that io.Copy takes the ReadFrom path.
			io.Copy(w, struct{ io.Reader }{strings.NewReader("copied")})
		}, http.StatusOK, "copied"},
		{"ReadFrom of a file", func(w http.ResponseWriter, r *http.Request) {
			f, err := os.Open(file)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			w.(io.ReaderFrom).ReadFrom(f)
		}, http.StatusOK, "from a file"},
		{"io.Copy of a WriterTo", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, strings.NewReader("via WriteTo"))
		}, http.StatusOK, "via WriteTo"},
		{"ResponseController.Flush", func(w http.ResponseWriter, r *http.Request) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
			io.WriteString(w, "flushed")
		}, http.StatusOK, "flushed"},
		{"http.Flusher", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			io.WriteString(w, "flushed")
		}, http.StatusOK, "flushed"},
		{"ServeContent", func(w http.ResponseWriter, r *http.Request) {
			http.ServeContent(w, r, "x.txt", time.Time{}, strings.NewReader("served"))
		}, http.StatusOK, "served"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				runtime.From[testsession.TestSession](r.Context()).SetName("alice")
				tt.h(w, r)
			}))
			resp, body := fetch(t, srv.URL, "/")
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("%d %q; want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if got := opened(t, si, resp); got != "alice" {
				t.Errorf("cookie holds %q", got)
			}
			if got := resp.Header.Get("Vary"); got != "Cookie" {
				t.Errorf("Vary %q", got)
			}
		})
	}
}

// A Flush before any write sends the headers: the cookie must be in them,
// and the client sees them while the handler is still blocked.
func TestWriterFlushSendsCookie(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	release := make(chan struct{})
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From[testsession.TestSession](r.Context()).SetName("alice")
		w.(http.Flusher).Flush() // before any byte of the body
		<-release
		io.WriteString(w, "part one;")
		// Too late to change the cookie: the headers are gone.
		runtime.From[testsession.TestSession](r.Context()).SetName("bob")
		io.WriteString(w, "part two")
	}))
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The headers arrived while the handler is still blocked.
	if got := opened(t, si, resp); got != "alice" {
		t.Errorf("cookie holds %q", got)
	}
	close(release)
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "part one;part two" {
		t.Errorf("body %q", body)
	}
	if n := len(resp.Header.Values("Set-Cookie")); n != 1 {
		t.Errorf("%d Set-Cookie headers", n)
	}
}

// http.ResponseController reaches the real writer through Unwrap.
func TestWriterResponseController(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	errc := make(chan error, 4)
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From[testsession.TestSession](r.Context()).SetName("alice")
		rc := http.NewResponseController(w)
		errc <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
		errc <- rc.SetReadDeadline(time.Now().Add(time.Minute))
		errc <- rc.EnableFullDuplex()
		errc <- rc.Flush()
		io.WriteString(w, "ok")
	}))
	resp, body := fetch(t, srv.URL, "/")
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("ResponseController: %v", err)
		}
	}
	if body != "ok" || opened(t, si, resp) != "alice" {
		t.Errorf("body %q", body)
	}
}

// A 103 Early Hints response goes out before the final one and does not
// consume the save: a change made after it is in the final cookie.
func TestWriterEarlyHints(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testsession.TestSession](r.Context())
		s.SetName("early")
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		s.SetName("final")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "done")
	}))
	var mu sync.Mutex
	var hints []http.Header
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		mu.Lock()
		defer mu.Unlock()
		if code == http.StatusEarlyHints {
			hints = append(hints, http.Header(h))
		}
		return nil
	}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	mu.Lock()
	defer mu.Unlock()
	if len(hints) != 1 || hints[0].Get("Link") == "" {
		t.Fatalf("103 responses: %v; want one with Link", hints)
	}
	if hints[0].Values("Set-Cookie") != nil {
		t.Errorf("the 103 carried Set-Cookie %q", hints[0].Values("Set-Cookie"))
	}
	if resp.StatusCode != http.StatusOK || string(body) != "done" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if got := opened(t, si, resp); got != "final" {
		t.Errorf("cookie holds %q; want the value set after the 103", got)
	}
}

// Once the headers are gone, later changes are not saved (and nothing
// panics or writes a second Set-Cookie).
func TestWriterChangesAfterCommit(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testsession.TestSession](r.Context())
		s.SetName("first")
		io.WriteString(w, "a")
		s.SetName("second")
		w.WriteHeader(http.StatusTeapot) // superfluous
		io.WriteString(w, "b")
	}))
	resp, body := fetch(t, srv.URL, "/")
	if resp.StatusCode != http.StatusOK || body != "ab" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if got := opened(t, si, resp); got != "first" {
		t.Errorf("cookie holds %q", got)
	}
}

// When the save fails the response is a 500 without Set-Cookie, OnError is
// told, and every later write by the handler fails with ErrSessionNotSaved.
func TestWriterFailedSave(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	type result struct {
		write, readFrom, copyErr error
		n                        int
	}
	results := make(chan result, 1)
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From[testsession.TestSession](r.Context()).SetName(strings.Repeat("x", 5000))
		w.Header().Set("X-Handler", "yes")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		var res result
		res.n, res.write = w.Write([]byte("secret handler output"))
		_, res.readFrom = w.(io.ReaderFrom).ReadFrom(strings.NewReader("more"))
		_, res.copyErr = io.Copy(w, strings.NewReader("and more"))
		w.(http.Flusher).Flush()
		w.WriteHeader(http.StatusAccepted)
		results <- res
	}))
	resp, body := fetch(t, srv.URL, "/")
	res := <-results
	if resp.StatusCode != http.StatusInternalServerError || body != "Internal Server Error\n" {
		t.Errorf("%d %q; want the 500 only", resp.StatusCode, body)
	}
	if resp.Header.Values("Set-Cookie") != nil || resp.Header.Get("X-Handler") != "" {
		t.Errorf("headers %v; want the handler's headers and any cookie dropped", resp.Header)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q; want no-store: the 500 depends on the session", got)
	}
	if !errors.Is(res.write, runtime.ErrSessionNotSaved) || res.n != 0 {
		t.Errorf("Write = %d, %v; want 0, ErrSessionNotSaved", res.n, res.write)
	}
	if !errors.Is(res.readFrom, runtime.ErrSessionNotSaved) || !errors.Is(res.copyErr, runtime.ErrSessionNotSaved) {
		t.Errorf("ReadFrom %v, io.Copy %v; want ErrSessionNotSaved", res.readFrom, res.copyErr)
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieTooLarge) {
		t.Errorf("OnError %v; want one ErrCookieTooLarge", errs)
	}
}

// Hijacking hands the connection over: nothing can be saved, and a change
// made to the session before it is reported as lost, not dropped silently.
func TestWriterHijackDropsChangesSilently(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From[testsession.TestSession](r.Context()).SetName("alice")
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nraw ok")
		buf.Flush()
	}))
	resp, body := fetch(t, srv.URL, "/")
	if body != "raw ok" || resp.Header.Values("Set-Cookie") != nil {
		t.Errorf("%q, Set-Cookie %q", body, resp.Header.Values("Set-Cookie"))
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrSessionHijacked) {
		t.Errorf("OnError %v; want one ErrSessionHijacked", errs)
	}
	// A hijack that leaves the session alone reports nothing.
	srv = newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nraw ok")
		buf.Flush()
	}))
	fetch(t, srv.URL, "/")
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("OnError %v", errs)
	}
}

// plainWriter is a ResponseWriter with no optional interface at all.
type plainWriter struct {
	h    http.Header
	code int
	body strings.Builder
}

func (w *plainWriter) Header() http.Header { return w.h }
func (w *plainWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return w.body.Write(b)
}
func (w *plainWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// flushWriter adds http.Flusher to plainWriter.
type flushWriter struct{ *plainWriter }

func (flushWriter) Flush() {}

// A Hijack that fails (HTTP/2, or a writer without it) leaves the response
// to the handler, and the session is still saved.
func TestWriterFailedHijackStillSaves(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	h := si.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From[testsession.TestSession](r.Context()).SetName("alice")
		if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijack: %v; want ErrNotSupported", err)
		}
		io.WriteString(w, "not hijacked")
	}))
	w := &plainWriter{h: http.Header{}}
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.body.String() != "not hijacked" || !strings.HasPrefix(w.h.Get("Set-Cookie"), "session=") {
		t.Errorf("body %q, Set-Cookie %q: the session was not saved after a failed Hijack", w.body.String(), w.h.Get("Set-Cookie"))
	}
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("OnError %v", errs)
	}
}

// The writer the handler gets claims Flusher and Hijacker only when the
// writer under it has them, and ResponseController's errors come through.
func TestWriterCapabilitiesPassThrough(t *testing.T) {
	si := newIface(t, runtime.Config{})
	for _, tc := range []struct {
		name          string
		w             http.ResponseWriter
		flush, hijack bool
	}{
		{"plain", &plainWriter{h: http.Header{}}, false, false},
		{"flusher", flushWriter{&plainWriter{h: http.Header{}}}, true, false},
		{"recorder", httptest.NewRecorder(), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := si.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, ok := w.(http.Flusher); ok != tc.flush {
					t.Errorf("http.Flusher: %v; the writer under it: %v", ok, tc.flush)
				}
				if _, ok := w.(http.Hijacker); ok != tc.hijack {
					t.Errorf("http.Hijacker: %v; the writer under it: %v", ok, tc.hijack)
				}
				err := http.NewResponseController(w).Flush()
				if tc.flush && err != nil {
					t.Errorf("ResponseController.Flush: %v", err)
				}
				if !tc.flush && !errors.Is(err, http.ErrNotSupported) {
					t.Errorf("ResponseController.Flush: %v; want ErrNotSupported", err)
				}
			}))
			h.ServeHTTP(tc.w, httptest.NewRequest("GET", "/", nil))
		})
	}
	// A real HTTP/1 server's writer has both.
	srv := newServer(t, si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, f := w.(http.Flusher)
		_, hj := w.(http.Hijacker)
		if !f || !hj {
			t.Errorf("over HTTP/1: Flusher %v, Hijacker %v; want both", f, hj)
		}
	}))
	fetch(t, srv.URL, "/")
}
