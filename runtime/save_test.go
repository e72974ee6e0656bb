package runtime_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
)

var fixedNow = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

func nowFixed() time.Time { return fixedNow }

// setCookieLine returns the single Set-Cookie line of h, failing otherwise.
func setCookieLine(t testing.TB, h http.Header) string {
	t.Helper()
	lines := h.Values("Set-Cookie")
	if len(lines) != 1 {
		t.Fatalf("Set-Cookie %q; want one line", lines)
	}
	return lines[0]
}

func hasAttr(line, attr string) bool {
	for _, a := range strings.Split(line, ";") {
		if strings.EqualFold(strings.TrimSpace(a), attr) {
			return true
		}
	}
	return false
}

func attrPrefix(line, prefix string) bool {
	for _, a := range strings.Split(line, ";") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a)), strings.ToLower(prefix)) {
			return true
		}
	}
	return false
}

func TestSaveDefaultAttributes(t *testing.T) {
	si := newIface(t, runtime.Config{})
	w := serve(si, testApp(), "https://example.com/set?name=alice")
	line := setCookieLine(t, w.Header())
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Secure"} {
		if !hasAttr(line, attr) {
			t.Errorf("Set-Cookie %q lacks %s", line, attr)
		}
	}
	for _, attr := range []string{"Expires=", "Max-Age=", "Domain=", "Partitioned"} {
		if attrPrefix(line, attr) {
			t.Errorf("Set-Cookie %q has %s; want a host-only browser-session cookie", line, attr)
		}
	}

	dev := newIface(t, runtime.Config{Development: true})
	line = setCookieLine(t, serve(dev, testApp(), "/set?name=alice").Header())
	if hasAttr(line, "Secure") {
		t.Errorf("Development: Set-Cookie %q is Secure", line)
	}
}

// Flask's test_session_using_session_settings: every attribute, on the
// cookie and on its deletion.
func TestSaveCustomAttributesAndDelete(t *testing.T) {
	si := newIface(t, runtime.Config{
		CookieName:      "__Secure-sid",
		CookieDomain:    "example.com",
		CookiePath:      "/app",
		DisableHTTPOnly: true,
		SameSite:        http.SameSiteStrictMode,
		Partitioned:     true,
		Now:             nowFixed,
	})
	w := serve(si, testApp(), "https://www.example.com/set?name=alice")
	c := sessionCookie(t, w.Header(), "__Secure-sid")
	if c == nil {
		t.Fatal("no cookie")
	}
	check := func(what string, c *http.Cookie) {
		t.Helper()
		if c.Domain != "example.com" || c.Path != "/app" || !c.Secure || c.HttpOnly || c.SameSite != http.SameSiteStrictMode || !c.Partitioned {
			t.Errorf("%s: cookie %+v; want Domain example.com, Path /app, Secure, not HttpOnly, Strict, Partitioned", what, c)
		}
	}
	check("set", c)

	w = serve(si, testApp(), "https://www.example.com/clear", "__Secure-sid="+c.Value)
	line := setCookieLine(t, w.Header())
	del, err := http.ParseSetCookie(line)
	if err != nil {
		t.Fatal(err)
	}
	check("delete", del)
	if del.Value != "" || del.MaxAge != -1 || !del.Expires.Equal(time.Unix(0, 0)) {
		t.Errorf("delete: %q; want an empty value, Max-Age=0 and Expires in 1970", line)
	}
	if !hasAttr(line, "Max-Age=0") || !hasAttr(line, "Expires=Thu, 01 Jan 1970 00:00:00 GMT") {
		t.Errorf("delete: %q", line)
	}
	if got := w.Header().Values("Vary"); !slices.Equal(got, []string{"Cookie"}) {
		t.Errorf("delete: Vary %q; want [Cookie]", got)
	}
	if got := w.Header().Get("Cache-Control"); got != "private" {
		t.Errorf("delete: Cache-Control %q; want private", got)
	}
}

// Flask's test_session_path and test_session_using_application_root.
func TestSavePathFromApplicationRoot(t *testing.T) {
	si := newIface(t, runtime.Config{ApplicationRoot: "/foo"})
	c := sessionCookie(t, serve(si, testApp(), "https://example.com/set?name=a").Header(), "session")
	if c == nil || c.Path != "/foo" {
		t.Errorf("cookie %+v; want Path=/foo", c)
	}
}

func TestSaveSameSiteModes(t *testing.T) {
	for _, tt := range []struct {
		mode http.SameSite
		want string // the attribute, or "" for none
	}{
		{0, "SameSite=Lax"},
		{http.SameSiteLaxMode, "SameSite=Lax"},
		{http.SameSiteStrictMode, "SameSite=Strict"},
		{http.SameSiteNoneMode, "SameSite=None"},
		{http.SameSiteDefaultMode, ""},
	} {
		si := newIface(t, runtime.Config{SameSite: tt.mode})
		line := setCookieLine(t, serve(si, testApp(), "https://example.com/set?name=a").Header())
		if tt.want == "" {
			if attrPrefix(line, "SameSite") {
				t.Errorf("mode %v: %q has a SameSite attribute", tt.mode, line)
			}
		} else if !hasAttr(line, tt.want) {
			t.Errorf("mode %v: %q lacks %s", tt.mode, line, tt.want)
		}
	}
}

// Flask's test_session_expiration and test_session_cookie_setting.
func TestSavePermanent(t *testing.T) {
	for _, refresh := range []bool{true, false} {
		t.Run(fmt.Sprintf("refresh=%v", refresh), func(t *testing.T) {
			si := newIface(t, runtime.Config{Now: nowFixed, DisableRefreshEachRequest: !refresh})
			w := serve(si, testApp(), "https://example.com/permanent?v=true")
			c := sessionCookie(t, w.Header(), "session")
			if c == nil {
				t.Fatal("no cookie for a permanent session")
			}
			if want := fixedNow.Add(runtime.DefaultLifetime); !c.Expires.Equal(want) {
				t.Errorf("Expires %v; want %v (Now + 31 days)", c.Expires, want)
			}
			if c.MaxAge != 0 {
				t.Errorf("Max-Age %d; Flask sends Expires only", c.MaxAge)
			}
			// Read-only, and untouched, requests.
			for _, path := range []string{"/get", "/nothing"} {
				w := serve(si, testApp(), "https://example.com"+path, "session="+c.Value)
				again := sessionCookie(t, w.Header(), "session")
				if refresh {
					if again == nil || !again.Expires.Equal(fixedNow.Add(runtime.DefaultLifetime)) {
						t.Errorf("%s: Set-Cookie %q; want the permanent cookie refreshed", path, w.Header().Values("Set-Cookie"))
					}
				} else if again != nil {
					t.Errorf("%s: Set-Cookie %q with DisableRefreshEachRequest", path, w.Header().Values("Set-Cookie"))
				}
				// test_session_refresh_vary: a refresh of an untouched
				// session still says Vary: Cookie.
				wantVary := path == "/get" || refresh
				if got := w.Header().Values("Vary"); wantVary != slices.Equal(got, []string{"Cookie"}) {
					t.Errorf("%s: Vary %q; want Cookie: %v", path, got, wantVary)
				}
			}
		})
	}

	// Not permanent: no Expires, and no refresh on a read.
	si := newIface(t, runtime.Config{Now: nowFixed})
	w := serve(si, testApp(), "https://example.com/permanent?v=false")
	c := sessionCookie(t, w.Header(), "session")
	if c == nil {
		t.Fatal("a session holding only permanent=false was not saved")
	}
	if !c.Expires.IsZero() || c.MaxAge != 0 {
		t.Errorf("non-permanent cookie %+v has an expiry", c)
	}
	w = serve(si, testApp(), "https://example.com/get", "session="+c.Value)
	if w.Body.String() != "name= count=0 new=false" || w.Header().Values("Set-Cookie") != nil {
		t.Errorf("permanent=false session: body %q, Set-Cookie %q", w.Body.String(), w.Header().Values("Set-Cookie"))
	}
}

func TestExpirationTimeAndShouldSetCookie(t *testing.T) {
	si := newIface(t, runtime.Config{Now: nowFixed, Lifetime: time.Hour})
	noRefresh := newIface(t, runtime.Config{Now: nowFixed, DisableRefreshEachRequest: true})
	for _, tt := range []struct {
		name                        string
		prep                        func(s *testsession.TestSession)
		withRefresh, withoutRefresh bool
		permanent                   bool
	}{
		{"untouched", func(*testsession.TestSession) {}, false, false, false},
		{"read", func(s *testsession.TestSession) { s.Name() }, false, false, false},
		{"modified", func(s *testsession.TestSession) { s.SetName("x") }, true, true, false},
		{"permanent", func(s *testsession.TestSession) { s.SetPermanent(true) }, true, true, true},
		{"permanent from cookie", nil, true, false, true},
	} {
		s := new(testsession.TestSession)
		if tt.prep != nil {
			tt.prep(s)
		} else {
			// A permanent session as opened from a cookie: not modified.
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: issuePermanent(t, si)})
			s, _ = si.OpenSession(r)
			if s.Modified() {
				t.Fatal("opened session is modified")
			}
		}
		if got := si.ShouldSetCookie(nil, s); got != tt.withRefresh {
			t.Errorf("%s: ShouldSetCookie = %v; want %v", tt.name, got, tt.withRefresh)
		}
		if got := noRefresh.ShouldSetCookie(nil, s); got != tt.withoutRefresh {
			t.Errorf("%s: ShouldSetCookie without refresh = %v; want %v", tt.name, got, tt.withoutRefresh)
		}
		exp := si.ExpirationTime(nil, s)
		if tt.permanent != !exp.IsZero() || (tt.permanent && !exp.Equal(fixedNow.Add(time.Hour))) {
			t.Errorf("%s: ExpirationTime = %v", tt.name, exp)
		}
	}
}

func issuePermanent(t testing.TB, si *runtime.Interface[testsession.TestSession]) string {
	t.Helper()
	c := sessionCookie(t, serve(si, testApp(), "https://example.com/permanent?v=true").Header(), "session")
	if c == nil {
		t.Fatal("no cookie")
	}
	return c.Value
}

func TestSaveDeletesEmptiedSession(t *testing.T) {
	si := newIface(t, runtime.Config{})
	withBoth := issue(t, si, "alice")
	countOnly := sessionCookie(t, serve(si, testApp(), "https://example.com/set?count=3").Header(), "session").Value

	for _, tt := range []struct {
		name, path, cookie string
		deleted            bool
	}{
		{"Clear", "/clear", withBoth, true},
		{"delete every field", "/delete", withBoth, true},
		{"delete the last field", "/delete", countOnly, true},
		// Flask: clear() on an empty session still marks it modified, and an
		// empty modified session deletes the cookie.
		{"Clear without a cookie", "/clear", "", true},
		{"delete absent fields without a cookie", "/delete", "", false},
		{"read without a cookie", "/get", "", false},
		{"nothing without a cookie", "/nothing", "", false},
	} {
		var cookies []string
		if tt.cookie != "" {
			cookies = append(cookies, "session="+tt.cookie)
		}
		w := serve(si, testApp(), "https://example.com"+tt.path, cookies...)
		lines := w.Header().Values("Set-Cookie")
		if !tt.deleted {
			if lines != nil {
				t.Errorf("%s: Set-Cookie %q; want none", tt.name, lines)
			}
			continue
		}
		line := setCookieLine(t, w.Header())
		c, _ := http.ParseSetCookie(line)
		if c.Name != "session" || c.Value != "" || c.MaxAge != -1 || c.Expires.Year() != 1970 ||
			!c.Secure || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("%s: %q; want a deletion with the cookie's attributes", tt.name, line)
		}
		if got := w.Header().Values("Vary"); !slices.Equal(got, []string{"Cookie"}) {
			t.Errorf("%s: Vary %q", tt.name, got)
		}
	}
}

// Flask's test_session_vary_cookie: exactly one Cookie in Vary, appended
// to what the handler put there; none when the session is untouched.
func TestSaveVary(t *testing.T) {
	si := newIface(t, runtime.Config{})
	cookie := "session=" + issuePermanent(t, si)
	touch := map[string]func(s *testsession.TestSession){
		"set":     func(s *testsession.TestSession) { s.SetName("x") },
		"get":     func(s *testsession.TestSession) { s.Name() },
		"has":     func(s *testsession.TestSession) { s.HasCount() },
		"clear":   func(s *testsession.TestSession) { s.Clear() },
		"set+get": func(s *testsession.TestSession) { s.SetName("x"); s.Name() },
		"refresh": func(*testsession.TestSession) {}, // permanent session, refreshed
		"perm":    func(s *testsession.TestSession) { s.Permanent() },
		"setperm": func(s *testsession.TestSession) { s.SetPermanent(false) },
		"delete":  func(s *testsession.TestSession) { s.DeleteCount() },
		"untouch": nil,
	}
	for name, f := range touch {
		for _, tt := range []struct {
			preset []string
			want   []string
		}{
			{nil, []string{"Cookie"}},
			// Appended to the last line, as Flask does: one Vary header.
			{[]string{"Accept-Encoding"}, []string{"Accept-Encoding, Cookie"}},
			{[]string{"Accept-Encoding, Accept-Language"}, []string{"Accept-Encoding, Accept-Language, Cookie"}},
			{[]string{"Accept-Encoding", "Accept-Language"}, []string{"Accept-Encoding", "Accept-Language, Cookie"}},
			{[]string{"Accept-Encoding, cookie"}, []string{"Accept-Encoding, cookie"}},
			{[]string{"Accept-Encoding", "Cookie"}, []string{"Accept-Encoding", "Cookie"}},
			{[]string{"*"}, []string{"*"}},
		} {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, v := range tt.preset {
					w.Header().Add("Vary", v)
				}
				if f != nil {
					f(runtime.From[testsession.TestSession](r.Context()))
				}
			})
			var w *httptest.ResponseRecorder
			want := tt.want
			if f == nil {
				// Untouched, without a cookie: Vary is left as it was.
				w = serve(si, h, "https://example.com/")
				want = tt.preset
			} else {
				w = serve(si, h, "https://example.com/", cookie)
			}
			if got := w.Header().Values("Vary"); !slices.Equal(got, want) {
				t.Errorf("%s with Vary %q: Vary %q; want %q", name, tt.preset, got, want)
			}
		}
	}
}

func TestSaveCacheControl(t *testing.T) {
	si := newIface(t, runtime.Config{})
	for _, tt := range []struct {
		name, preset, path, want string
	}{
		{"set", "", "/set?name=a", "private"},
		{"set, handler chose no-store", "no-store", "/set?name=a", "no-store"},
		{"set, handler chose public", "public, max-age=60", "/set?name=a", "public, max-age=60"},
		{"read only", "", "/get", ""},
		{"clear (deletes)", "", "/clear", "private"},
	} {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tt.preset != "" {
				w.Header().Set("Cache-Control", tt.preset)
			}
			testApp().ServeHTTP(w, r)
		})
		w := serve(si, h, "https://example.com"+tt.path)
		if got := w.Header().Values("Cache-Control"); strings.Join(got, "|") != tt.want {
			t.Errorf("%s: Cache-Control %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestSaveTooLarge(t *testing.T) {
	si := newIface(t, runtime.Config{})
	r := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
	s, _ := si.OpenSession(r)
	s.SetName(strings.Repeat("x", 5000))
	w := httptest.NewRecorder()
	err := si.SaveSession(w, r, s)
	if !errors.Is(err, runtime.ErrCookieTooLarge) {
		t.Fatalf("SaveSession = %v; want ErrCookieTooLarge", err)
	}
	var ce *runtime.CookieError
	if !errors.As(err, &ce) || ce.Name != "session" || ce.Size <= runtime.MaxCookieSize-len("session") {
		t.Errorf("SaveSession = %#v; want a *CookieError with the value's size", err)
	}
	if w.Header().Values("Set-Cookie") != nil {
		t.Errorf("Set-Cookie %q for an oversize cookie", w.Header().Values("Set-Cookie"))
	}

	// The boundary: every cookie that is sent has name+value <= MaxCookieSize
	// and opens again; the first that would not fit is refused.
	saveLen := func(max, n int) (int, error) {
		si := newIface(t, runtime.Config{MaxCookieSize: max})
		s, _ := si.OpenSession(r)
		s.SetName(strings.Repeat("y", n))
		w := httptest.NewRecorder()
		if err := si.SaveSession(w, r, s); err != nil {
			return 0, err
		}
		c := sessionCookie(t, w.Header(), "session")
		rr := httptest.NewRequest(http.MethodGet, "/", nil)
		rr.AddCookie(c)
		if got, _ := si.OpenSession(rr); got.Name() != strings.Repeat("y", n) {
			t.Fatalf("max %d, n=%d: a cookie that was sent does not open", max, n)
		}
		return len(c.Name) + len(c.Value), nil
	}
	for n := 0; ; n++ {
		l, err := saveLen(300, n)
		if err != nil {
			if !errors.Is(err, runtime.ErrCookieTooLarge) || n == 0 {
				t.Fatalf("n=%d: %v", n, err)
			}
			break
		}
		if l > 300 {
			t.Fatalf("n=%d: sent %d bytes > 300", n, l)
		}
	}
	// Exactly at the limit is sent; one byte over is not.
	exact, err := saveLen(runtime.MaxCookieSize, 100)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := saveLen(exact, 100); err != nil || l != exact {
		t.Errorf("a cookie of exactly MaxCookieSize=%d: %d, %v", exact, l, err)
	}
	if _, err := saveLen(exact-1, 100); !errors.Is(err, runtime.ErrCookieTooLarge) {
		t.Errorf("a cookie one byte over MaxCookieSize: %v", err)
	}

	// Through the middleware: a 500, no cookie, OnError told.
	var log errLog
	mw := newIface(t, runtime.Config{OnError: log.onError})
	w = serve(mw, testApp(), "https://example.com/set?name="+strings.Repeat("z", 5000))
	if w.Code != http.StatusInternalServerError || w.Header().Values("Set-Cookie") != nil {
		t.Errorf("middleware: %d, Set-Cookie %q; want a 500 without cookie", w.Code, w.Header().Values("Set-Cookie"))
	}
	if strings.Contains(w.Body.String(), "zzz") {
		t.Error("the handler's output leaked into the 500")
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieTooLarge) {
		t.Errorf("OnError %v; want one ErrCookieTooLarge", errs)
	}
}

// Flask saves the session of error responses too: a handler that sets the
// session and then fails still sends Set-Cookie with its 500.
func TestSaveOnErrorResponse(t *testing.T) {
	si := newIface(t, runtime.Config{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From[testsession.TestSession](r.Context()).SetName("alice")
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	w := serve(si, h, "https://example.com/")
	if w.Code != http.StatusInternalServerError || sessionCookie(t, w.Header(), "session") == nil {
		t.Errorf("%d, Set-Cookie %q; want a 500 with the cookie", w.Code, w.Header().Values("Set-Cookie"))
	}
}

// SaveSession and OpenSession work without the middleware, for handlers
// that manage the session themselves; From finds what NewContext stored.
func TestOpenSaveWithoutMiddleware(t *testing.T) {
	si := newIface(t, runtime.Config{})
	r := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
	if runtime.From[testsession.TestSession](r.Context()) != nil {
		t.Error("From without a session is not nil")
	}
	s, err := si.OpenSession(r)
	if err != nil || !s.IsNew() || s.Accessed() || s.Modified() {
		t.Fatalf("OpenSession: %+v, %v", s, err)
	}
	if runtime.From[testsession.TestSession](runtime.NewContext(r.Context(), s)) != s {
		t.Error("From(NewContext(s)) != s")
	}
	s.SetName("alice")
	s.SetCount(3)
	w := httptest.NewRecorder()
	if err := si.SaveSession(w, r, s); err != nil {
		t.Fatal(err)
	}
	r2 := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
	r2.AddCookie(sessionCookie(t, w.Header(), "session"))
	s2, _ := si.OpenSession(r2)
	if s2.IsNew() || s2.Accessed() || s2.Modified() || s2.Name() != "alice" || s2.Count() != 3 {
		t.Errorf("reopened: %+v", s2)
	}
}
