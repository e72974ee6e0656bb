package runtime_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

const flaskNullMessage = "The session is unavailable because no secret key was set.  Set the secret_key on the application to something unique and secret."

// Flask's test_missing_session: a null session reads as empty, refuses
// writes with Flask's message, and is never saved.
func TestNullSession(t *testing.T) {
	si := newIface(t, runtime.Config{})
	s := si.MakeNullSession()
	if !si.IsNullSession(s) || !state(s).IsNull() || !s.IsNew() {
		t.Fatalf("MakeNullSession: null %v new %v", state(s).IsNull(), s.IsNew())
	}
	if s.Accessed() || s.Modified() || s.Err() != nil {
		t.Errorf("fresh null session: accessed %v modified %v err %v", s.Accessed(), s.Modified(), s.Err())
	}
	if s.Name() != "" || s.Count() != 0 || s.HasCount() || s.Permanent() {
		t.Error("a null session does not read as empty")
	}
	if s.Err() != nil {
		t.Errorf("reads recorded %v", s.Err())
	}

	for name, write := range map[string]func(*testsession.TestSession){
		"set":          func(s *testsession.TestSession) { s.SetName("x") },
		"clear":        func(s *testsession.TestSession) { s.Clear() },
		"setpermanent": func(s *testsession.TestSession) { s.SetPermanent(true) },
		"modify":       func(s *testsession.TestSession) { state(s).Modify() },
		// Flask raises on any removal from a null session, of a key held
		// or not: the generated Delete does too.
		"delete absent": func(s *testsession.TestSession) { s.DeleteCount() },
	} {
		s := si.MakeNullSession()
		write(s)
		if !errors.Is(s.Err(), runtime.ErrNullSession) || s.Err().Error() != flaskNullMessage {
			t.Errorf("%s: Err = %v; want Flask's message", name, s.Err())
		}
		if s.Modified() || s.Name() != "" || s.HasName() || s.HasCount() || s.Permanent() {
			t.Errorf("%s: the null session changed", name)
		}
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if err := si.SaveSession(w, r, s); err != nil {
			t.Errorf("%s: SaveSession = %v", name, err)
		}
		if len(w.Header()) != 0 {
			t.Errorf("%s: SaveSession of a null session wrote headers %v", name, w.Header())
		}
	}
	if si.IsNullSession(new(testsession.TestSession)) {
		t.Error("IsNullSession of an ordinary session")
	}
	if runtime.ErrNullSession.Error() != flaskNullMessage {
		t.Errorf("ErrNullSession = %q", runtime.ErrNullSession)
	}
}

// Flask's test_session_accessed, on the State flags.
func TestStateFlags(t *testing.T) {
	type flags struct{ accessed, modified, permanent bool }
	tests := []struct {
		name string
		do   func(s *testsession.TestSession)
		want flags
	}{
		{"nothing", func(*testsession.TestSession) {}, flags{}},
		{"read", func(s *testsession.TestSession) { s.Name() }, flags{accessed: true}},
		{"has", func(s *testsession.TestSession) { s.HasCount() }, flags{accessed: true}},
		{"write", func(s *testsession.TestSession) { s.SetName("a") }, flags{accessed: true, modified: true}},
		{"delete absent", func(s *testsession.TestSession) { s.DeleteCount() }, flags{accessed: true}},
		{"clear empty", func(s *testsession.TestSession) { s.Clear() }, flags{accessed: true, modified: true}},
		{"read Permanent", func(s *testsession.TestSession) { s.Permanent() }, flags{accessed: true}},
		{"SetPermanent(true)", func(s *testsession.TestSession) { s.SetPermanent(true) }, flags{true, true, true}},
		{"SetPermanent(false)", func(s *testsession.TestSession) { s.SetPermanent(false) }, flags{accessed: true, modified: true}},
		{"SetPermanent true then false", func(s *testsession.TestSession) { s.SetPermanent(true); s.SetPermanent(false) }, flags{accessed: true, modified: true}},
		{"permanent then Clear", func(s *testsession.TestSession) { s.SetPermanent(true); s.Clear() }, flags{accessed: true, modified: true}},
		{"Access", func(s *testsession.TestSession) { state(s).Access() }, flags{accessed: true}},
	}
	for _, tt := range tests {
		s := new(testsession.TestSession)
		tt.do(s)
		// Flags are read without Permanent(), which itself counts as access.
		got := flags{s.Accessed(), s.Modified(), false}
		got.permanent = s.Permanent()
		if got != tt.want {
			t.Errorf("%s: %+v; want %+v", tt.name, got, tt.want)
		}
		if s.IsNew() || state(s).IsNull() || s.Err() != nil {
			t.Errorf("%s: IsNew %v IsNull %v Err %v on a zero State", tt.name, s.IsNew(), state(s).IsNull(), s.Err())
		}
	}

	var st sessionimpl.State
	if st.Accessed() || st.Modified() {
		t.Error("zero State is accessed or modified")
	}
	st.Permanent()
	if !st.Accessed() || st.Modified() {
		t.Error("Permanent() does not count as an access, or counts as a write")
	}
	if !st.Modify() || !st.Modified() {
		t.Error("Modify on an ordinary State")
	}
}

// The flags of sessions opened by the Interface: new without a cookie,
// not new with one; none accessed or modified until used. SetPermanent(false)
// alone keeps an otherwise empty session (Flask stores "_permanent": false).
func TestOpenedSessionFlags(t *testing.T) {
	si := newIface(t, runtime.Config{})
	open := func(cookie string) *testsession.TestSession {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
		}
		s, err := si.OpenSession(r)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open("")
	if !s.IsNew() || s.Accessed() || s.Modified() || state(s).IsNull() {
		t.Errorf("no cookie: new %v accessed %v modified %v", s.IsNew(), s.Accessed(), s.Modified())
	}
	s = open(issue(t, si, "alice"))
	if s.IsNew() || s.Accessed() || s.Modified() {
		t.Errorf("cookie: new %v accessed %v modified %v", s.IsNew(), s.Accessed(), s.Modified())
	}
	if s.Name() != "alice" || !s.Accessed() || s.Modified() {
		t.Error("read of an opened session")
	}

	s = open("")
	s.SetPermanent(false)
	w := httptest.NewRecorder()
	if err := si.SaveSession(w, httptest.NewRequest(http.MethodGet, "/", nil), s); err != nil {
		t.Fatal(err)
	}
	c := sessionCookie(t, w.Header(), "session")
	if c == nil {
		t.Fatal("a session holding only permanent=false was not saved")
	}
	s = open(c.Value)
	if s.IsNew() || s.Permanent() {
		t.Errorf("reopened: new %v permanent %v", s.IsNew(), s.Permanent())
	}
}
