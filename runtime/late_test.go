package runtime_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
)

// A change made after the response began cannot reach the cookie: it is
// reported, not silently lost; a change made before is not reported.
func TestWriteAfterSaveIsReported(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler func(w http.ResponseWriter, s *testsession.TestSession)
		late    bool
	}{
		{"before the body", func(w http.ResponseWriter, s *testsession.TestSession) { s.SetName("a"); io.WriteString(w, "ok") }, false},
		{"after the body", func(w http.ResponseWriter, s *testsession.TestSession) { io.WriteString(w, "ok"); s.SetName("a") }, true},
		{"after WriteHeader", func(w http.ResponseWriter, s *testsession.TestSession) { w.WriteHeader(204); s.SetCount(1) }, true},
		{"read after the body", func(w http.ResponseWriter, s *testsession.TestSession) { io.WriteString(w, "ok"); s.Name() }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var log errLog
			si := newIface(t, runtime.Config{OnError: log.onError})
			serve(si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.handler(w, runtime.From[testsession.TestSession](r.Context()))
			}), "https://example.com/")
			errs := log.take()
			reported := len(errs) == 1 && errors.Is(errs[0], runtime.ErrWriteAfterSave)
			if reported != tt.late || (!tt.late && len(errs) > 0) {
				t.Errorf("OnError got %v; want ErrWriteAfterSave reported: %v", errs, tt.late)
			}
		})
	}
}
