package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/storetest/internal/harness"
)

// RunHTTP runs the contracts of server-side sessions as an application
// sees them: real HTTP requests, several at once, to an application served
// through a runtime.Interface on the store newStore returns (wrapped in a
// Recorder that forces each interleaving). Each contract is a promise the
// runtime makes on any Store that passes Run; a store passes RunHTTP too.
func RunHTTP(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, a *app)
	}{
		{"RegenerateAfterDestroyAllStaysEnded", testRegenerateAfterDestroyAll},
		{"RegenerateAfterLogoutStaysEnded", testRegenerateAfterLogout},
		{"ConcurrentRegeneratesDoNotFork", testConcurrentRegenerates},
		{"ReadsOfAPermanentSessionNeverConflict", testPermanentReads},
		{"ClearThenLoginGetsANewID", testClearLogin},
		{"LoginWithoutRegenerateGetsANewID", testLoginNewID},
		{"EmptyingDoesNotLoseANewerChange", testEmptyingConflicts},
		{"DeadCookieIsDeletedOnce", testDeadCookie},
		{"DeadCookieDeletionRacesALogin", testDeadCookieRacesLogin},
		{"EveryStoreCallHasTheDeadline", testDeadlines},
		{"AStoreThatHangsFailsFastAndOnce", testHang},
		{"AppsAreNamespaced", testNamespaces},
		{"DisjointWritesMerge", testDisjointWrites},
		{"CounterIsSerializable", testCounter},
		{"ConcurrentAppendsBothLand", testAppends},
		{"AppendAfterAReadConflicts", testReadThenAppend},
		{"ConcurrentMapKeyChangesBothLand", testMapKeys},
		{"ConcurrentFlashesAreKept", testFlashes},
		{"RandomInterleavingsAreSerializable", testRandomInterleavings},
		{"WriteRacingDestroyStaysDestroyed", testWriteRacingDestroy},
		{"WriteRacingRegenerateAnswers409", testWriteRacingRegenerate},
		{"WriteRacingEmptyingAnswers409", testWriteRacingEmptying},
		{"FailPolicyRefusesAnyConcurrentChange", testFailPolicy},
		{"LastWriterWinsPolicyNeverRefuses", testLastWriterWinsPolicy},
		{"DevicesListedAndEnded", testDevicesHTTP},
		{"LoginKeepsTheDevice", testLoginKeepsDevice},
		{"MaxSessionsPerUserUnderConcurrentLogins", testMaxSessionsConcurrent},
		{"MaxSessionsPerUserEndsTheLeastRecentlyUsed", testMaxSessionsLRU},
		{"DestroyOthersRacingRegenerates", testDestroyOthersRacing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, newApp(t, newStore(t), "session"))
		})
	}
}

// storeTimeout is the harness's Config.StoreTimeout.
const storeTimeout = 2 * time.Second

// app is the application the contracts serve: routes that read and write
// a harness.Session, through a SessionInterface on a Recorder.
type app struct {
	si     *harness.SessionManager
	rec    *Recorder
	srv    *httptest.Server
	cookie string // the cookie's name

	mu      sync.Mutex
	errs    []error
	loaded  chan struct{} // a held handler has loaded its session
	release chan struct{} // closed: held handlers go on
}

func newApp(t *testing.T, s runtime.Store, cookie string) *app {
	t.Helper()
	return newAppOn(t, NewRecorder(s), cookie)
}

func newAppOn(t *testing.T, rec *Recorder, cookie string) *app {
	t.Helper()
	return newAppWith(t, rec, cookie, nil)
}

// newAppWith is newAppOn with the Config changed by tune (nil: as is).
func newAppWith(t *testing.T, rec *Recorder, cookie string, tune func(*harness.SessionConfig)) *app {
	t.Helper()
	a := &app{rec: rec, cookie: cookie, loaded: make(chan struct{}, 64), release: make(chan struct{})}
	cfg := harness.SessionConfig{
		SecretKey:     []byte("storetest: a 32-byte key or longer, not a real one"),
		CookieName:    cookie,
		Store:         rec,
		UserKey:       "user",
		StoreTimeout:  storeTimeout,
		DisableSecure: true,
		OnError: func(r *http.Request, err error) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.errs = append(a.errs, err)
		},
	}
	if tune != nil {
		tune(&cfg)
	}
	si, err := harness.NewSessionManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.si = si
	mux := http.NewServeMux()
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		body := fmt.Sprintf("user=%s count=%d theme=%s new=%v", s.User(), s.Count(), s.Theme(), s.IsNew())
		a.hold(r)
		fmt.Fprint(w, body)
	})
	mux.HandleFunc("/inc", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		n := s.Count()
		a.hold(r)
		s.SetCount(n + 1)
		fmt.Fprintf(w, "count=%d", n+1)
	})
	mux.HandleFunc("/permanent", func(w http.ResponseWriter, r *http.Request) {
		harness.SessionFrom(r.Context()).SetPermanent(true)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.Count()
		a.hold(r)
		s.SetUser(r.URL.Query().Get("user"))
	})
	mux.HandleFunc("/clear-login", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.Clear()
		s.SetUser(r.URL.Query().Get("user"))
	})
	mux.HandleFunc("/regenerate", func(w http.ResponseWriter, r *http.Request) {
		harness.SessionFrom(r.Context()).Count()
		a.hold(r)
		if err := a.si.Regenerate(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.si.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.Count()
		a.hold(r)
		s.Clear()
	})
	a.mergeRoutes(mux)
	a.deviceRoutes(mux)
	a.srv = httptest.NewServer(si.Middleware(mux))
	// A request that never answers fails its contract instead of hanging
	// the suite (a store without a deadline does that).
	a.srv.Client().Timeout = 10 * time.Second
	t.Cleanup(a.srv.Close)
	return a
}

// hold makes a request with ?hold=1 wait, its session loaded, until the
// test releases it.
func (a *app) hold(r *http.Request) {
	if r.URL.Query().Get("hold") == "" {
		return
	}
	a.mu.Lock()
	release := a.release
	a.mu.Unlock()
	a.loaded <- struct{}{}
	<-release
}

// releaseHeld lets held requests go on, and arms a new hold.
func (a *app) releaseHeld() {
	a.mu.Lock()
	defer a.mu.Unlock()
	close(a.release)
	a.release = make(chan struct{})
}

func (a *app) takeErrs() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	errs := a.errs
	a.errs = nil
	return errs
}

// response is what a request got back.
type response struct {
	code   int
	body   string
	cookie *http.Cookie // the session cookie set, nil if none
}

// get sends a GET of path with the session cookie value (none if empty).
func (a *app) get(t *testing.T, path, value string) response {
	t.Helper()
	return a.getWith(t, path, value, nil)
}

// getWith is get with the request's headers header (nil: none) added.
func (a *app) getWith(t *testing.T, path, value string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		t.Error(err)
		return response{}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if value != "" {
		req.AddCookie(&http.Cookie{Name: a.cookie, Value: value})
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		t.Error(err)
		return response{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := response{code: res.StatusCode, body: string(b)}
	for _, c := range res.Cookies() {
		if c.Name == a.cookie {
			out.cookie = c
		}
	}
	return out
}

// login returns the cookie of a new session of user.
func (a *app) login(t *testing.T, user string) string {
	t.Helper()
	r := a.get(t, "/login?user="+url.QueryEscape(user), "")
	if r.code != 200 || r.cookie == nil || r.cookie.Value == "" {
		t.Fatalf("login: %d %q, cookie %v", r.code, r.body, r.cookie)
	}
	return r.cookie.Value
}

// inBackground sends the request in a goroutine; the channel gets its
// response.
func (a *app) inBackground(t *testing.T, path, value string) <-chan response {
	ch := make(chan response, 1)
	go func() { ch <- a.get(t, path, value) }()
	return ch
}

// A request of a user's session that loaded it before DestroyAll ended
// every session of the user, and then regenerates it, cannot bring it back
// under a new ID: it answers 409, and the user has no session left.
func testRegenerateAfterDestroyAll(t *testing.T, a *app) {
	for round := range 10 {
		user := fmt.Sprint("alice-", round)
		c := a.login(t, user)
		held := a.inBackground(t, "/regenerate?hold=1", c)
		<-a.loaded
		if _, err := a.si.DestroyAll(context.Background(), user); err != nil {
			t.Fatal(err)
		}
		a.releaseHeld()
		r := <-held
		if r.code != http.StatusConflict || (r.cookie != nil && r.cookie.Value != "") {
			t.Fatalf("round %d: the regenerating request got %d %q, cookie %v; want a 409 without a cookie", round, r.code, r.body, r.cookie)
		}
		if n, err := a.si.DestroyAll(context.Background(), user); err != nil || n != 0 {
			t.Fatalf("round %d: a second DestroyAll ended %d sessions (%v): the first was undone", round, n, err)
		}
		if r := a.get(t, "/get", c); !strings.Contains(r.body, "user= ") {
			t.Fatalf("round %d: the old cookie opens %q", round, r.body)
		}
	}
}

// The same with a logout (Destroy) in another request.
func testRegenerateAfterLogout(t *testing.T, a *app) {
	c := a.login(t, "bob")
	held := a.inBackground(t, "/regenerate?hold=1", c)
	<-a.loaded
	if r := a.get(t, "/logout", c); r.code != 200 {
		t.Fatalf("logout: %d %q", r.code, r.body)
	}
	a.releaseHeld()
	if r := <-held; r.code != http.StatusConflict || (r.cookie != nil && r.cookie.Value != "") {
		t.Fatalf("the regenerating request got %d %q, cookie %v; want a 409 without a cookie", r.code, r.body, r.cookie)
	}
	if n, err := a.si.DestroyAll(context.Background(), "bob"); err != nil || n != 0 {
		t.Fatalf("a session of bob is live after his logout: %d (%v)", n, err)
	}
}

// Two requests that regenerate one session at once (both loaded it, both
// reach the store together) do not fork it into two sessions: one wins,
// the other answers 409, and only the winner's new cookie opens it.
func testConcurrentRegenerates(t *testing.T, a *app) {
	for round := range 10 {
		user := fmt.Sprint("carol-", round)
		c := a.login(t, user)
		a.rec.Hold("Commit", 2)
		r1, r2 := a.inBackground(t, "/regenerate", c), a.inBackground(t, "/regenerate", c)
		res := []response{<-r1, <-r2}
		var won []string
		for _, r := range res {
			switch r.code {
			case 200:
				if r.cookie == nil || r.cookie.Value == "" || r.cookie.Value == c {
					t.Fatalf("round %d: a 200 without a new cookie: %v", round, r.cookie)
				}
				won = append(won, r.cookie.Value)
			case http.StatusConflict:
			default:
				t.Fatalf("round %d: %d %q", round, r.code, r.body)
			}
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d of 2 concurrent regenerates won; want exactly 1", round, len(won))
		}
		if r := a.get(t, "/get", won[0]); !strings.Contains(r.body, "user="+user+" ") {
			t.Fatalf("round %d: the winner's cookie opens %q", round, r.body)
		}
		if n, _ := a.si.DestroyAll(context.Background(), user); n != 1 {
			t.Fatalf("round %d: the user has %d sessions; want 1 (no fork)", round, n)
		}
	}
}

// Reads of one permanent session at once (a page and its XHRs) never
// conflict: each refreshes the cookie with the same ID and none commits;
// the record's expiry moves at most once.
func testPermanentReads(t *testing.T, a *app) {
	c := a.login(t, "dave")
	if r := a.get(t, "/permanent", c); r.code != 200 {
		t.Fatalf("/permanent: %d", r.code)
	}
	const n = 16
	a.rec.Reset()
	var chans []<-chan response
	for range n {
		chans = append(chans, a.inBackground(t, "/get?hold=1", c))
	}
	for range n {
		<-a.loaded
	}
	a.releaseHeld()
	for i, ch := range chans {
		r := <-ch
		if r.code != 200 || !strings.Contains(r.body, "user=dave") {
			t.Errorf("read %d: %d %q", i, r.code, r.body)
		}
		if r.cookie == nil || r.cookie.Value == "" {
			t.Errorf("read %d: a permanent session's cookie was not refreshed", i)
		} else if r := a.get(t, "/get", r.cookie.Value); !strings.Contains(r.body, "user=dave") {
			t.Errorf("read %d: the refreshed cookie opens %q", i, r.body)
		}
	}
	if got := a.rec.Calls("Commit"); got != 0 {
		t.Errorf("%d reads made %d commits; want none", n, got)
	}
	if got := a.rec.Calls("Touch"); got > 1 {
		t.Errorf("%d reads made %d touches; want at most one", n, got)
	}
}

// A Flask-style login (clear the session, then set the user) with a Store
// moves the session to a new ID: an attacker who planted his own valid ID
// cookie in the victim's browser does not share the victim's login.
func testClearLogin(t *testing.T, a *app) {
	planted := a.get(t, "/inc", "")
	if planted.cookie == nil {
		t.Fatal("no cookie to plant")
	}
	r := a.get(t, "/clear-login?user=victim", planted.cookie.Value)
	if r.code != 200 || r.cookie == nil || r.cookie.Value == planted.cookie.Value {
		t.Fatalf("the login kept the planted ID: %d, cookie %v", r.code, r.cookie)
	}
	if got := a.get(t, "/get", planted.cookie.Value); !strings.Contains(got.body, "user= ") {
		t.Fatalf("the attacker's copy opens %q", got.body)
	}
	if got := a.get(t, "/get", r.cookie.Value); !strings.Contains(got.body, "user=victim count=0") {
		t.Fatalf("the victim's cookie opens %q", got.body)
	}
}

// Any save that changes the user moves the session to a new ID, even
// when the handler forgot Regenerate.
func testLoginNewID(t *testing.T, a *app) {
	planted := a.get(t, "/inc", "")
	r := a.get(t, "/login?user=erin", planted.cookie.Value)
	if r.code != 200 || r.cookie == nil || r.cookie.Value == planted.cookie.Value {
		t.Fatalf("the login kept the planted ID: %d, cookie %v", r.code, r.cookie)
	}
	if got := a.get(t, "/get", planted.cookie.Value); !strings.Contains(got.body, "user= count=0") {
		t.Fatalf("the planted cookie opens %q after the login", got.body)
	}
	if got := a.get(t, "/get", r.cookie.Value); !strings.Contains(got.body, "user=erin count=1") {
		t.Fatalf("the login lost the session's data: %q", got.body)
	}
	// And a logout by removing the user (not Destroy) moves it again.
	out := a.get(t, "/clear-login?user=", r.cookie.Value)
	if out.cookie != nil && out.cookie.Value == r.cookie.Value {
		t.Fatal("removing the user kept the ID")
	}
	if got := a.get(t, "/get", r.cookie.Value); !strings.Contains(got.body, "user= ") {
		t.Fatalf("the logged-in cookie still opens %q", got.body)
	}
}

// A request that empties a session another request changed after it was
// loaded answers 409 and leaves the newer change in place.
func testEmptyingConflicts(t *testing.T, a *app) {
	c := a.get(t, "/inc", "").cookie.Value
	held := a.inBackground(t, "/empty?hold=1", c)
	<-a.loaded
	if r := a.get(t, "/inc", c); r.code != 200 {
		t.Fatalf("the concurrent change: %d %q", r.code, r.body)
	}
	a.releaseHeld()
	if r := <-held; r.code != http.StatusConflict {
		t.Fatalf("emptying after a concurrent change: %d %q; want 409", r.code, r.body)
	}
	if r := a.get(t, "/get", c); !strings.Contains(r.body, "count=2") {
		t.Fatalf("the newer change was lost: %q", r.body)
	}
}

// A cookie whose session was ended elsewhere is deleted by the first
// response that sees it (reported once), so it is not sent, and
// reported, on every later request.
func testDeadCookie(t *testing.T, a *app) {
	c := a.login(t, "frank")
	if r := a.get(t, "/logout", c); r.code != 200 {
		t.Fatalf("logout: %d", r.code)
	}
	a.takeErrs()
	r := a.get(t, "/get", c)
	if r.code != 200 || !strings.Contains(r.body, "new=true") {
		t.Fatalf("a dead cookie: %d %q", r.code, r.body)
	}
	if r.cookie == nil || r.cookie.MaxAge >= 0 {
		t.Fatalf("a dead cookie was not deleted: %v", r.cookie)
	}
	errs := a.takeErrs()
	if len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieExpired) {
		t.Fatalf("reports: %v; want one ErrCookieExpired", errs)
	}
}

// The deletion of a dead cookie races a login in another tab: the browser
// keeps what the last response set. If the deletion answers last, the
// login's cookie is gone from the browser (the user signs in again); the
// login's session itself stays valid on the server until it idles out,
// and no session is ever mixed with another.
func testDeadCookieRacesLogin(t *testing.T, a *app) {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(a.srv.URL)
	c := a.login(t, "grace")
	a.get(t, "/logout", c)
	jar.SetCookies(u, []*http.Cookie{{Name: a.cookie, Value: c}})
	client := &http.Client{Jar: jar}
	get := func(path string) {
		res, err := client.Get(a.srv.URL + path)
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	done := make(chan struct{})
	go func() { defer close(done); get("/get?hold=1") }() // the tab with the dead cookie
	<-a.loaded
	get("/login?user=grace") // the other tab logs in, and answers first
	var login string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == a.cookie {
			login = ck.Value
		}
	}
	if login == "" || login == c {
		t.Fatalf("the login set no new cookie: %q", login)
	}
	a.releaseHeld()
	<-done
	for _, ck := range jar.Cookies(u) {
		if ck.Name == a.cookie {
			t.Fatalf("the browser kept %q after the deletion answered last", ck.Value)
		}
	}
	if r := a.get(t, "/get", login); !strings.Contains(r.body, "user=grace") {
		t.Fatalf("the login's session: %q", r.body)
	}
}

// Every call the runtime makes to the store carries a deadline of at most
// Config.StoreTimeout.
func testDeadlines(t *testing.T, a *app) {
	a.rec.Reset()
	c := a.login(t, "heidi")
	a.get(t, "/inc", c)
	a.get(t, "/get", c)
	r := a.get(t, "/regenerate", c)
	a.get(t, "/logout", r.cookie.Value)
	without, longest := a.rec.Deadlines()
	if len(without) > 0 {
		t.Errorf("calls without a deadline: %v", without)
	}
	if longest > storeTimeout {
		t.Errorf("a call had %v left; want at most StoreTimeout (%v)", longest, storeTimeout)
	}
}

// A store that does not answer fails the request at the store deadline
// with a 503, reported once; a request that does not touch the session is
// not affected.
func testHang(t *testing.T, a *app) {
	c := a.login(t, "ivan")
	a.takeErrs()
	a.rec.Hang("Find", true)
	defer a.rec.Hang("Find", false)
	r := a.get(t, "/get", c)
	if r.code != http.StatusServiceUnavailable {
		t.Fatalf("a hanging store: %d %q; want 503", r.code, r.body)
	}
	errs := a.takeErrs()
	if len(errs) != 1 || !errors.Is(errs[0], runtime.ErrStoreUnavailable) || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Fatalf("reports %v; want one, matching ErrStoreUnavailable and context.DeadlineExceeded", errs)
	}
}

// Two applications on one store (different session cookies, so different
// namespaces) never touch each other's users: DestroyAll in one leaves the
// other's sessions of the same user name.
func testNamespaces(t *testing.T, a *app) {
	b := newAppOn(t, a.rec, "other_session")
	ca, cb := a.login(t, "judy"), b.login(t, "judy")
	if n, err := a.si.DestroyAll(context.Background(), "judy"); err != nil || n != 1 {
		t.Fatalf("DestroyAll in the first app: %d, %v; want 1", n, err)
	}
	if r := b.get(t, "/get", cb); !strings.Contains(r.body, "user=judy") {
		t.Fatalf("the other app's session of the same user ended: %q", r.body)
	}
	if r := a.get(t, "/get", ca); !strings.Contains(r.body, "user= ") {
		t.Fatalf("the first app's session survived: %q", r.body)
	}
}
