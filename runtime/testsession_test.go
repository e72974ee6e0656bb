package runtime_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// testSession is written the way sessiongen generates a session type: a
// State, the fields, a presence bit per field, and the codec methods.
type testSession struct {
	state sessionimpl.State
	name  string // key "name"
	count int    // key "count"
	has   [2]bool
}

func (s *testSession) Name() string {
	s.state.Access()
	return s.name
}

func (s *testSession) SetName(v string) {
	if s.state.Modify() {
		s.name, s.has[0] = v, true
	}
}

func (s *testSession) Count() int {
	s.state.Access()
	return s.count
}

func (s *testSession) HasCount() bool {
	s.state.Access()
	return s.has[1]
}

func (s *testSession) SetCount(v int) {
	if s.state.Modify() {
		s.count, s.has[1] = v, true
	}
}

func (s *testSession) DeleteCount() {
	s.state.Access()
	if s.has[1] && s.state.Modify() {
		s.count, s.has[1] = 0, false
	}
}

func (s *testSession) DeleteName() {
	s.state.Access()
	if s.has[0] && s.state.Modify() {
		s.name, s.has[0] = "", false
	}
}

func (s *testSession) Clear() {
	if !s.state.Modify() {
		return
	}
	s.state.Clear()
	s.name, s.count, s.has = "", 0, [2]bool{}
}

func (s *testSession) encode(e *wire.Encoder) error {
	if s.has[0] {
		e.String("name", s.name)
	}
	if s.has[1] {
		e.Int("count", int64(s.count))
	}
	return nil
}

func (s *testSession) decodeEntry(key []byte, d *wire.Decoder) error {
	switch string(key) {
	case "name":
		v, err := wire.ReadString[string](d)
		if err != nil {
			return err
		}
		s.name, s.has[0] = v, true
	case "count":
		v, err := wire.ReadInt[int](d)
		if err != nil {
			return err
		}
		s.count, s.has[1] = v, true
	}
	return nil
}

func (s *testSession) encodeFlask(e *flaskjson.Encoder) error {
	if s.has[0] {
		e.String("name", s.name)
	}
	if s.has[1] {
		e.Int("count", int64(s.count))
	}
	return nil
}

func (s *testSession) decodeFlaskMember(key string, v flaskjson.Value) error {
	switch key {
	case "name":
		x, err := flaskjson.ReadString[string](v)
		if err != nil {
			return err
		}
		s.name, s.has[0] = x, true
	case "count":
		x, err := flaskjson.ReadInt[int](v)
		if err != nil {
			return err
		}
		s.count, s.has[1] = x, true
	}
	return nil
}

func (s *testSession) empty() bool { return s.has == [2]bool{} }

func (s *testSession) copyFrom(src *testSession) {
	s.name, s.count, s.has = src.name, src.count, src.has
}

var testCodec = sessionimpl.Codec[testSession]{
	State:             func(s *testSession) *sessionimpl.State { return &s.state },
	Empty:             (*testSession).empty,
	Encode:            (*testSession).encode,
	DecodeEntry:       (*testSession).decodeEntry,
	EncodeFlask:       (*testSession).encodeFlask,
	DecodeFlaskMember: (*testSession).decodeFlaskMember,
	Copy:              (*testSession).copyFrom,
}

// Keys of at least 32 bytes, none a well-known example.
var (
	keyA = []byte("key-A-0123456789abcdef0123456789abcdef")
	keyB = []byte("key-B-fedcba9876543210fedcba9876543210")
	keyC = []byte("key-C-00112233445566778899aabbccddeeff")
)

// newIface builds an Interface for testSession; a nil SecretKey becomes keyA.
func newIface(t testing.TB, cfg runtime.Config, opts ...runtime.Option[testSession]) *runtime.Interface[testSession] {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = keyA
	}
	si, err := runtime.New(cfg, testCodec, opts...)
	if err != nil {
		t.Fatalf("runtime.New: %v", err)
	}
	return si
}

// errLog collects what OnError is told; it is safe for concurrent use.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) onError(_ *http.Request, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errLog) take() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := l.errs
	l.errs = nil
	return errs
}

// testApp is the application behind the middleware in most tests.
//
//	/set?name=N&count=C  stores the given fields
//	/get                 reads both fields
//	/inc                 count++
//	/nothing             touches nothing
//	/clear               Clear()
//	/delete              deletes both fields
//	/permanent?v=true    SetPermanent(v)
//
// Every route answers "name=N count=C new=B" computed without touching the
// session more than the route says (the body is built from the raw fields).
func testApp() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, s *testSession) {
		fmt.Fprintf(w, "name=%s count=%d new=%v", s.name, s.count, s.state.IsNew())
	}
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testSession](r.Context())
		if r.URL.Query().Has("name") {
			s.SetName(r.URL.Query().Get("name"))
		}
		if c := r.URL.Query().Get("count"); c != "" {
			n, _ := strconv.Atoi(c)
			s.SetCount(n)
		}
		reply(w, s)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testSession](r.Context())
		_, _ = s.Name(), s.Count()
		reply(w, s)
	})
	mux.HandleFunc("/inc", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testSession](r.Context())
		s.SetCount(s.Count() + 1)
		reply(w, s)
	})
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {
		reply(w, runtime.From[testSession](r.Context()))
	})
	mux.HandleFunc("/clear", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testSession](r.Context())
		s.Clear()
		reply(w, s)
	})
	mux.HandleFunc("/delete", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testSession](r.Context())
		s.DeleteName()
		s.DeleteCount()
		reply(w, s)
	})
	mux.HandleFunc("/permanent", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testSession](r.Context())
		s.state.SetPermanent(r.URL.Query().Get("v") == "true")
		reply(w, s)
	})
	return mux
}

// serve runs a request through the middleware in process and returns the
// recorded response.
func serve(si *runtime.Interface[testSession], h http.Handler, target string, cookies ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.Header.Add("Cookie", c)
	}
	w := httptest.NewRecorder()
	si.Middleware(h).ServeHTTP(w, r)
	return w
}

// sessionCookie returns the one Set-Cookie of resp for name, or nil.
func sessionCookie(t testing.TB, h http.Header, name string) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("unparsable Set-Cookie %q: %v", line, err)
		}
		if c.Name == name {
			if found != nil {
				t.Fatalf("two Set-Cookie headers for %q: %q", name, h.Values("Set-Cookie"))
			}
			found = c
		}
	}
	return found
}

// issue returns a cookie value that si signs for a session with the given
// name field, by running /set through the middleware.
func issue(t testing.TB, si *runtime.Interface[testSession], name string) string {
	t.Helper()
	w := serve(si, testApp(), "/set?name="+name)
	c := sessionCookie(t, w.Header(), si.CookieName(nil))
	if c == nil || c.Value == "" {
		t.Fatalf("/set sent no session cookie: %q", w.Header().Values("Set-Cookie"))
	}
	return c.Value
}

// payload builds a payload as the runtime writes it: version 1, flags, then
// the entries that fill writes.
func payload(flags byte, fill func(e *wire.Encoder)) []byte {
	var e wire.Encoder
	e.Raw(1, flags)
	if fill != nil {
		fill(&e)
	}
	return append([]byte(nil), e.Data()...)
}

// forge builds a cookie value in securecookie's format (no encryption) with
// the given timestamp text:
// base64url(date|base64url(payload)|HMAC-SHA256(key, name|date|base64url(payload))).
func forge(key []byte, name, date string, p []byte) string {
	b64 := base64.URLEncoding.EncodeToString(p)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(name + "|" + date + "|" + b64))
	signed := append([]byte(date+"|"+b64+"|"), mac.Sum(nil)...)
	return base64.URLEncoding.EncodeToString(signed)
}

// checkNoLeak fails if any error OnError was told holds the cookie value.
func checkNoLeak(t testing.TB, errs []error, value string) {
	t.Helper()
	if value == "" {
		return
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), value) {
			t.Errorf("OnError was told the cookie value: %v", err)
		}
	}
}
