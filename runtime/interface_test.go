package runtime_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// client is an http.Client with a real cookie jar, bound to one server.
type client struct {
	t   testing.TB
	srv *httptest.Server
	c   *http.Client
}

func newClient(t testing.TB, srv *httptest.Server) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	c.Jar = jar
	return &client{t: t, srv: srv, c: c}
}

// get requests path and returns the response (body read and closed) and
// its body.
func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.c.Get(c.srv.URL + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp, string(body)
}

// jarValue returns the session cookie the jar holds for the server.
func (c *client) jarValue(name string) string {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func newServer(t testing.TB, si *runtime.Interface[testsession.TestSession], h http.Handler) *httptest.Server {
	srv := httptest.NewServer(si.Middleware(h))
	t.Cleanup(srv.Close)
	return srv
}

func TestMiddlewareRoundTrip(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	c := newClient(t, newServer(t, si, testApp()))

	// Nothing touched, no cookie: no Set-Cookie, no Vary.
	resp, body := c.get("/nothing")
	if body != "name= count=0 new=true" {
		t.Errorf("/nothing: %q", body)
	}
	if resp.Header.Values("Set-Cookie") != nil || resp.Header.Values("Vary") != nil || resp.Header.Get("Cache-Control") != "" {
		t.Errorf("/nothing: headers %v; want no Set-Cookie, Vary or Cache-Control", resp.Header)
	}

	// A read of an empty new session: Vary, no cookie.
	resp, _ = c.get("/get")
	if resp.Header.Values("Set-Cookie") != nil {
		t.Errorf("/get on a new session set a cookie: %q", resp.Header.Values("Set-Cookie"))
	}
	if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
		t.Errorf("/get: Vary = %q; want [Cookie]", got)
	}

	resp, body = c.get("/set?name=alice&count=7")
	if body != "name=alice count=7 new=true" {
		t.Errorf("/set: %q", body)
	}
	if sc := sessionCookie(t, resp.Header, "session"); sc == nil {
		t.Fatalf("/set: no Set-Cookie")
	}
	if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
		t.Errorf("/set: Vary = %q; want [Cookie]", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "private" {
		t.Errorf("/set: Cache-Control = %q; want private", got)
	}
	first := c.jarValue("session")

	// Read-only request with the cookie: Vary, no Set-Cookie (not permanent).
	resp, body = c.get("/get")
	if body != "name=alice count=7 new=false" {
		t.Errorf("/get: %q", body)
	}
	if resp.Header.Values("Set-Cookie") != nil {
		t.Errorf("read-only /get sent Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
	}
	if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
		t.Errorf("/get: Vary = %q; want [Cookie]", got)
	}
	if resp.Header.Get("Cache-Control") != "" {
		t.Errorf("/get: Cache-Control %q without Set-Cookie", resp.Header.Get("Cache-Control"))
	}

	// Untouched with the cookie: nothing at all.
	resp, body = c.get("/nothing")
	if body != "name=alice count=7 new=false" {
		t.Errorf("/nothing: %q", body)
	}
	if resp.Header.Values("Set-Cookie") != nil || resp.Header.Values("Vary") != nil {
		t.Errorf("/nothing with a cookie: headers %v", resp.Header)
	}

	c.get("/inc")
	_, body = c.get("/get")
	if body != "name=alice count=8 new=false" {
		t.Errorf("after /inc: %q", body)
	}
	if c.jarValue("session") == first {
		t.Error("the cookie did not change after /inc")
	}

	// Deleting every field deletes the cookie; the jar forgets it.
	resp, _ = c.get("/delete")
	if sc := sessionCookie(t, resp.Header, "session"); sc == nil || sc.MaxAge != -1 || sc.Value != "" {
		t.Errorf("/delete: Set-Cookie %q; want a deletion", resp.Header.Values("Set-Cookie"))
	}
	if v := c.jarValue("session"); v != "" {
		t.Errorf("the jar still holds the cookie after deletion: %q", v)
	}
	_, body = c.get("/get")
	if body != "name= count=0 new=true" {
		t.Errorf("after /delete: %q", body)
	}
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("OnError called: %v", errs)
	}
}

// Encrypted cookies round-trip, and the stored text is not visible in them.
func TestMiddlewareEncrypted(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true, EncryptionKey: []byte("0123456789abcdef")})
	c := newClient(t, newServer(t, si, testApp()))
	c.get("/set?name=visible-marker")
	raw, err := base64.URLEncoding.DecodeString(c.jarValue("session"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(string(raw), "|", 3)
	inner, _ := base64.URLEncoding.DecodeString(parts[1])
	if strings.Contains(string(inner), "visible-marker") {
		t.Error("encrypted cookie shows its payload")
	}
	if _, body := c.get("/get"); body != "name=visible-marker count=0 new=false" {
		t.Errorf("/get: %q", body)
	}
	// The plain signed cookie does show it (base64, not encrypted).
	plain := newIface(t, runtime.Config{Development: true})
	raw, _ = base64.URLEncoding.DecodeString(issue(t, plain, "visible-marker"))
	parts = strings.SplitN(string(raw), "|", 3)
	inner, _ = base64.URLEncoding.DecodeString(parts[1])
	if !strings.Contains(string(inner), "visible-marker") {
		t.Error("signed cookie: payload not where expected (test helper broken?)")
	}
}

func TestOpenRejectsBadCookies(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	good := issue(t, si, "alice")
	log.take()

	otherKey := issue(t, newIface(t, runtime.Config{SecretKey: keyB, Development: true}), "alice")
	otherName := issue(t, newIface(t, runtime.Config{CookieName: "other", Development: true}), "alice")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name  string
		value string
		want  error // nil: no error reported
	}{
		{"flipped char in the middle", flip(good, len(good)/2), runtime.ErrCookieInvalid},
		{"flipped first char (timestamp)", flip(good, 0), runtime.ErrCookieInvalid},
		{"flipped char near the end (MAC)", flip(good, len(good)-8), runtime.ErrCookieInvalid},
		{"truncated", good[:len(good)-10], runtime.ErrCookieInvalid},
		{"truncated to half", good[:len(good)/2], runtime.ErrCookieInvalid},
		{"trailing bytes", good + "AAAA", runtime.ErrCookieInvalid},
		{"signed with another key", otherKey, runtime.ErrCookieInvalid},
		{"made for another cookie name", otherName, runtime.ErrCookieInvalid},
		{"garbage", "not-a-real-cookie-value_QQQ", runtime.ErrCookieInvalid},
		{"base64 without MAC separators", base64.URLEncoding.EncodeToString([]byte("no separators here at all")), runtime.ErrCookieInvalid},
		{"oversize", strings.Repeat("A", 5000), runtime.ErrCookieTooLarge},
		{"just over MaxCookieSize", strings.Repeat("A", runtime.MaxCookieSize-len("session")+1), runtime.ErrCookieTooLarge},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(si, testApp(), "/get", "session="+tt.value)
			if w.Code != http.StatusOK {
				t.Errorf("status %d; want 200", w.Code)
			}
			if got := w.Body.String(); got != "name= count=0 new=true" {
				t.Errorf("body %q; want a fresh empty session", got)
			}
			if w.Header().Values("Set-Cookie") != nil {
				t.Errorf("Set-Cookie %q; a bad cookie is not deleted", w.Header().Values("Set-Cookie"))
			}
			errs := log.take()
			checkNoLeak(t, errs, tt.value)
			if tt.want == nil {
				if len(errs) != 0 {
					t.Errorf("OnError: %v; want no call", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("OnError called %d times (%v); want once", len(errs), errs)
			}
			if !errors.Is(errs[0], tt.want) {
				t.Errorf("OnError(%v); want errors.Is %v", errs[0], tt.want)
			}
			var ce *runtime.CookieError
			if !errors.As(errs[0], &ce) || ce.Name != "session" || ce.Size != len(tt.value) {
				t.Errorf("OnError(%#v); want a *CookieError for session of %d bytes", errs[0], len(tt.value))
			}
		})
	}

	// Through a real server and client: the same for a tampered cookie.
	srv := newServer(t, si, testApp())
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/get", nil)
	req.Header.Set("Cookie", "session="+flip(good, len(good)/2))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "name= count=0 new=true" {
		t.Errorf("server: %d %q", resp.StatusCode, body)
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieInvalid) {
		t.Errorf("server: OnError %v", errs)
	}
}

// When several cookies carry the session's name, the one that verifies is
// used, whatever the order.
func TestOpenDuplicateCookies(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	good := issue(t, si, "good")
	bad := issue(t, newIface(t, runtime.Config{SecretKey: keyB, Development: true}), "evil")
	log.take()
	for _, header := range []string{
		"session=" + bad + "; session=" + good,
		"session=" + good + "; session=" + bad,
		"session=; session=" + good,
		"session=garbage; other=1; session=" + good,
	} {
		w := serve(si, testApp(), "/get", header)
		if got := w.Body.String(); got != "name=good count=0 new=false" {
			t.Errorf("Cookie: %.40s...: body %q; want the good session", header, got)
		}
		for _, err := range log.take() {
			if !errors.Is(err, runtime.ErrCookieInvalid) {
				t.Errorf("OnError(%v)", err)
			}
		}
	}
	// In two Cookie header lines too.
	w := serve(si, testApp(), "/get", "session="+bad, "session="+good)
	if got := w.Body.String(); got != "name=good count=0 new=false" {
		t.Errorf("two Cookie lines: %q", got)
	}
}

func TestSecretKeyFallbacks(t *testing.T) {
	onlyA := newIface(t, runtime.Config{SecretKey: keyA, Development: true})
	onlyB := newIface(t, runtime.Config{SecretKey: keyB, Development: true})
	bWithA := newIface(t, runtime.Config{SecretKey: keyB, SecretKeyFallbacks: [][]byte{keyC, keyA}, Development: true})
	c := newClient(t, newServer(t, bWithA, testApp()))
	u, _ := url.Parse(c.srv.URL)

	underA := issue(t, onlyA, "alice")
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: underA}})

	// Flask's test: another key alone sees nothing.
	if w := serve(onlyB, testApp(), "/get", "session="+underA); w.Body.String() != "name= count=0 new=true" {
		t.Errorf("key B alone opened a key-A cookie: %q", w.Body.String())
	}

	// B with fallback A opens it; a read-only request does not re-sign.
	resp, body := c.get("/get")
	if body != "name=alice count=0 new=false" {
		t.Fatalf("fallback: %q", body)
	}
	if resp.Header.Values("Set-Cookie") != nil {
		t.Errorf("read-only request re-signed the cookie: %q", resp.Header.Values("Set-Cookie"))
	}

	// The next save signs with B only.
	c.get("/inc")
	resigned := c.jarValue("session")
	if resigned == underA {
		t.Fatal("no new cookie after /inc")
	}
	if w := serve(onlyB, testApp(), "/get", "session="+resigned); w.Body.String() != "name=alice count=1 new=false" {
		t.Errorf("re-signed cookie under B alone: %q", w.Body.String())
	}
	if w := serve(onlyA, testApp(), "/get", "session="+resigned); w.Body.String() != "name= count=0 new=true" {
		t.Errorf("re-signed cookie still opens under A: %q", w.Body.String())
	}

	// A permanent session opened with a fallback key is re-signed by the
	// refresh of any request.
	permA := forge(keyA, macName, strconv.FormatInt(time.Now().Unix(), 10), payload(3, func(e *wire.Encoder) { e.String("name", "perm") }))
	w := serve(bWithA, testApp(), "/nothing", "session="+permA)
	sc := sessionCookie(t, w.Header(), "session")
	if sc == nil {
		t.Fatal("permanent fallback session not refreshed")
	}
	if w := serve(onlyB, testApp(), "/get", "session="+sc.Value); w.Body.String() != "name=perm count=0 new=false" {
		t.Errorf("refreshed cookie under B alone: %q", w.Body.String())
	}
}

// Cookies dated at the edges of Lifetime, and with malformed timestamps, all
// carrying a valid MAC.
func TestOpenExpiry(t *testing.T) {
	var log errLog
	const lifetime = time.Hour
	si := newIface(t, runtime.Config{Lifetime: lifetime, OnError: log.onError})
	p := payload(0, func(e *wire.Encoder) { e.String("name", "alice") })
	secs := int64(lifetime / time.Second)

	// The forging helper agrees with securecookie itself.
	sc := securecookie.New(keyA, nil).SetSerializer(securecookie.NopEncoder{})
	var got []byte
	if err := sc.Decode("session", forge(keyA, "session", strconv.FormatInt(time.Now().Unix(), 10), p), &got); err != nil || string(got) != string(p) {
		t.Fatalf("securecookie rejects forge's output: %v", err)
	}

	tests := []struct {
		name string
		date func(now int64) string
		want error // nil: opens
	}{
		{"now", func(n int64) string { return fmt.Sprint(n) }, nil},
		{"age Lifetime-1s", func(n int64) string { return fmt.Sprint(n - secs + 1) }, nil},
		{"age Lifetime+1s", func(n int64) string { return fmt.Sprint(n - secs - 1) }, runtime.ErrCookieExpired},
		{"a day old", func(n int64) string { return fmt.Sprint(n - 86400) }, runtime.ErrCookieExpired},
		{"2s in the future (clock skew)", func(n int64) string { return fmt.Sprint(n + 2) }, nil},
		{"60s in the future", func(n int64) string { return fmt.Sprint(n + 60) }, runtime.ErrCookieExpired},
		{"a year in the future", func(n int64) string { return fmt.Sprint(n + 365*86400) }, runtime.ErrCookieExpired},
		{"zero", func(int64) string { return "0" }, runtime.ErrCookieExpired},
		{"negative", func(int64) string { return "-5" }, runtime.ErrCookieExpired},
		{"non-numeric", func(int64) string { return "yesterday" }, runtime.ErrCookieInvalid},
		{"empty", func(int64) string { return "" }, runtime.ErrCookieInvalid},
		{"huge", func(int64) string { return "99999999999999999999999" }, runtime.ErrCookieInvalid},
		{"hex", func(n int64) string { return fmt.Sprintf("0x%x", n) }, runtime.ErrCookieInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value := forge(keyA, macName, tt.date(time.Now().Unix()), p)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: value})
			s, err := si.OpenSession(r)
			if err != nil {
				t.Fatalf("OpenSession: %v", err)
			}
			errs := log.take()
			checkNoLeak(t, errs, value)
			if tt.want == nil {
				if s.IsNew() || s.Name() != "alice" || len(errs) != 0 {
					t.Errorf("IsNew %v, name %q, OnError %v; want the stored session", s.IsNew(), s.Name(), errs)
				}
				return
			}
			if !s.IsNew() || s.Name() != "" {
				t.Errorf("IsNew %v, name %q; want a fresh session", s.IsNew(), s.Name())
			}
			if len(errs) != 1 || !errors.Is(errs[0], tt.want) {
				t.Errorf("OnError %v; want one error matching %v", errs, tt.want)
			}
		})
	}

	// An expired cookie under a fallback key is reported as expired too.
	fb := newIface(t, runtime.Config{SecretKey: keyB, SecretKeyFallbacks: [][]byte{keyA}, Lifetime: lifetime, OnError: log.onError})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: forge(keyA, macName, fmt.Sprint(time.Now().Unix()-secs-1), p)})
	if s, _ := fb.OpenSession(r); !s.IsNew() {
		t.Error("expired fallback cookie opened")
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieExpired) {
		t.Errorf("expired fallback cookie: OnError %v", errs)
	}
}

// Payloads that verify but cannot be read give a fresh session (ErrPayload);
// a field whose value no longer fits is dropped alone (*FieldError).
func TestOpenPayload(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	now := strconv.FormatInt(time.Now().Unix(), 10)
	open := func(p []byte) (*testsession.TestSession, []error) {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: forge(keyA, macName, now, p)})
		s, err := si.OpenSession(r)
		if err != nil {
			t.Fatalf("OpenSession: %v", err)
		}
		return s, log.take()
	}
	name := func(e *wire.Encoder) { e.String("name", "alice") }

	for _, tt := range []struct {
		name string
		p    []byte
	}{
		{"empty payload", nil},
		{"version only", []byte{1}},
		{"version 2", append([]byte{2, 0}, payload(0, name)[2:]...)},
		{"version 0", append([]byte{0, 0}, payload(0, name)[2:]...)},
		{"unknown flag bit", payload(4, name)},
		{"truncated entry", payload(0, name)[:6]},
		{"unknown wire type", payload(0, func(e *wire.Encoder) { e.Key("name", wire.Type(42)) })},
		{"length past the end", payload(0, func(e *wire.Encoder) { e.Key("name", wire.TypeBytes); e.UintValue(1 << 40) })},
	} {
		s, errs := open(tt.p)
		if !s.IsNew() || s.Name() != "" || s.HasName() || s.HasCount() || s.Permanent() {
			t.Errorf("%s: session %+v; want a fresh one", tt.name, s)
		}
		if len(errs) != 1 || !errors.Is(errs[0], runtime.ErrPayload) {
			t.Errorf("%s: OnError %v; want ErrPayload", tt.name, errs)
		}
	}

	// A count stored as a string: count dropped, name kept.
	s, errs := open(payload(3, func(e *wire.Encoder) {
		e.String("count", "seven")
		e.String("name", "alice")
		e.Int("removed-field", 5)
	}))
	if s.IsNew() || s.Name() != "alice" || s.HasCount() || !s.Permanent() {
		t.Errorf("mismatch: session %+v; want name kept, count dropped, permanent", s)
	}
	var fe *runtime.FieldError
	if len(errs) != 1 || !errors.As(errs[0], &fe) || fe.Key != "count" || !errors.Is(errs[0], wire.ErrMismatch) {
		t.Errorf("mismatch: OnError %v; want a *FieldError for count matching wire.ErrMismatch", errs)
	}

	// Only the permanent flag, set to false: not empty, not new (Flask keeps
	// a session holding only "_permanent").
	s, errs = open(payload(1, nil))
	if s.IsNew() || s.Permanent() || len(errs) != 0 {
		t.Errorf("flags only: IsNew %v Permanent %v errs %v", s.IsNew(), s.Permanent(), errs)
	}
}

// Eight clients, each with its own jar, count independently.
func TestConcurrentClients(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	srv := newServer(t, si, testApp())
	const clients, rounds = 8, 15
	var wg sync.WaitGroup
	errc := make(chan error, clients*rounds)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Transport: srv.Client().Transport}
			name := fmt.Sprintf("client%d", i)
			if _, err := c.Get(srv.URL + "/set?name=" + name + "&count=" + strconv.Itoa(i*1000)); err != nil {
				errc <- err
				return
			}
			for n := 1; n <= rounds; n++ {
				resp, err := c.Get(srv.URL + "/inc")
				if err != nil {
					errc <- err
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := fmt.Sprintf("name=%s count=%d new=false", name, i*1000+n)
				if string(body) != want {
					errc <- fmt.Errorf("client %d round %d: %q; want %q", i, n, body, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("OnError: %v", errs)
	}
}

// A cookie remembered as verified still expires: the cache saves the
// verification, never the age check. The same holds with the cache off.
func TestVerifiedCookieExpires(t *testing.T) {
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("VerifiedCacheSize=%d", size), func(t *testing.T) {
			var log errLog
			now := time.Now()
			si := newIface(t, runtime.Config{
				Lifetime: time.Hour, VerifiedCacheSize: size, OnError: log.onError,
				Now: func() time.Time { return now },
			})
			value := issue(t, si, "alice")
			for range 3 { // remembered at the second, read from memory at the third
				if got := serve(si, testApp(), "/get", "session="+value).Body.String(); got != "name=alice count=0 new=false" {
					t.Fatalf("fresh cookie: %q", got)
				}
			}
			now = now.Add(time.Hour + time.Second)
			if got := serve(si, testApp(), "/get", "session="+value).Body.String(); got != "name= count=0 new=true" {
				t.Errorf("expired cookie: %q; want a fresh session", got)
			}
			if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieExpired) {
				t.Errorf("OnError %v; want ErrCookieExpired", errs)
			}
		})
	}
}

// A value with a byte net/http refuses in cookies is ignored as net/http
// ignores it, even when base64 would skip that byte and the MAC would
// verify; and even after the clean value was remembered.
func TestOpenIgnoresInvalidCookieBytes(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{Development: true, OnError: log.onError})
	value := issue(t, si, "alice")
	if got := serve(si, testApp(), "/get", "session="+value).Body.String(); got != "name=alice count=0 new=false" {
		t.Fatalf("clean cookie: %q", got)
	}
	for _, bad := range []string{
		value[:10] + "\r" + value[10:],
		value[:10] + "\n" + value[10:],
		value + "\x7f",
	} {
		r := httptest.NewRequest(http.MethodGet, "/get", nil)
		r.Header.Set("Cookie", "session="+bad)
		if len(r.Cookies()) != 0 {
			t.Fatalf("net/http parses %q", bad)
		}
		w := httptest.NewRecorder()
		si.Middleware(testApp()).ServeHTTP(w, r)
		if got := w.Body.String(); got != "name= count=0 new=true" {
			t.Errorf("%q: body %q; want a fresh session", bad, got)
		}
		if errs := log.take(); len(errs) != 0 {
			t.Errorf("%q: OnError %v; net/http would not have seen the cookie", bad, errs)
		}
	}
}

// The middleware's context is the request's context plus the session: the
// parent's values, deadline and cancellation pass through it, and contexts
// derived from it still carry the session.
func TestMiddlewareContext(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "parent value"))
	deadline := time.Now().Add(time.Hour)
	parent, cancelDeadline := context.WithDeadline(parent, deadline)
	defer cancelDeadline()

	var checked bool
	h := si.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s := runtime.From[testsession.TestSession](ctx)
		if s == nil {
			t.Fatal("no session in the request's context")
		}
		derived, stop := context.WithTimeout(ctx, time.Minute)
		defer stop()
		if runtime.From[testsession.TestSession](derived) != s {
			t.Error("a derived context lost the session")
		}
		if got := derived.Value(key{}); got != "parent value" {
			t.Errorf("parent's value: %v", got)
		}
		if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
			t.Errorf("deadline %v %v; want the parent's", d, ok)
		}
		if !strings.Contains(fmt.Sprint(ctx), "sessiongen") {
			t.Errorf("context prints as %v", ctx)
		}
		cancel()
		select {
		case <-derived.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("cancelling the parent did not reach a derived context")
		}
		if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(context.Cause(derived), context.Canceled) {
			t.Errorf("Err %v, Cause %v; want context.Canceled", ctx.Err(), context.Cause(derived))
		}
		checked = true
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(parent)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if !checked {
		t.Fatal("handler did not run")
	}
}

// A cookie opened from the verified cache gives the same session as when
// it was verified: fields, presence, the permanent flag and flashes; and
// the request that opens it owns its copy.
func TestVerifiedCookieOpensTheSame(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	w := serve(si, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testsession.TestSession](r.Context())
		s.SetName("alice")
		s.SetPermanent(true)
		s.FlashCategory("warning", "check your email")
	}), "/")
	c := sessionCookie(t, w.Header(), "session")
	type seen struct {
		name          string
		has           [2]bool
		permanent     bool
		isNew, access bool
		flashes       string
	}
	var first seen
	for i := range 5 { // verified, verified and remembered, then from memory
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(c)
		s, err := si.OpenSession(r)
		if err != nil {
			t.Fatal(err)
		}
		p := peek(s)
		got := seen{name: p.Name(), has: [2]bool{p.HasName(), p.HasCount()}, permanent: s.Permanent(), isNew: s.IsNew(), access: s.Accessed()}
		flashes := s.Flashes()
		got.flashes = fmt.Sprint(flashes)
		// Scribble over what this request got: no later request may see it.
		for j := range flashes {
			flashes[j].Message = "scribbled"
		}
		s.SetName("mallory")
		s.Clear()
		if i == 0 {
			first = got
			if got.name != "alice" || !got.permanent || got.isNew || got.flashes != "[{warning check your email}]" {
				t.Fatalf("opened %+v", got)
			}
			continue
		}
		if got != first {
			t.Errorf("open %d: %+v; the first gave %+v", i+1, got, first)
		}
	}
	if errs := log.take(); len(errs) != 0 {
		t.Errorf("OnError %v", errs)
	}
}

// A cookie that lost a field is not remembered: every request sending it
// reports the loss.
func TestDroppedFieldReportedEveryTime(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	value := forge(keyA, macName, strconv.FormatInt(time.Now().Unix(), 10), payload(0, func(e *wire.Encoder) {
		e.String("count", "seven")
		e.String("name", "alice")
	}))
	for i := range 4 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: value})
		s, _ := si.OpenSession(r)
		var fe *runtime.FieldError
		if errs := log.take(); s.Name() != "alice" || len(errs) != 1 || !errors.As(errs[0], &fe) {
			t.Errorf("open %d: name %q, OnError %v; want alice and one *FieldError", i+1, s.Name(), errs)
		}
	}
}
