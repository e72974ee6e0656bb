package runtime_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sessiongen/sessiongen/internal/redistest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// countingStore counts the calls a Store gets, and can be made to fail.
type countingStore struct {
	runtime.Store
	finds, commits, touches, deletes atomic.Int64
	down                             atomic.Bool
}

var errDown = fmt.Errorf("test store: %w: connection refused", runtime.ErrStoreUnavailable)

func (c *countingStore) Find(ctx context.Context, key string) (runtime.Record, error) {
	c.finds.Add(1)
	if c.down.Load() {
		return runtime.Record{}, errDown
	}
	return c.Store.Find(ctx, key)
}

func (c *countingStore) Commit(ctx context.Context, op runtime.Commit) error {
	c.commits.Add(1)
	if c.down.Load() {
		return errDown
	}
	return c.Store.Commit(ctx, op)
}

func (c *countingStore) Touch(ctx context.Context, key string, v uint64, exp time.Time) error {
	c.touches.Add(1)
	if c.down.Load() {
		return errDown
	}
	return c.Store.Touch(ctx, key, v, exp)
}

func (c *countingStore) Delete(ctx context.Context, key string, version uint64) error {
	c.deletes.Add(1)
	if c.down.Load() {
		return errDown
	}
	return c.Store.Delete(ctx, key, version)
}

func (c *countingStore) calls() string {
	return fmt.Sprintf("find %d commit %d touch %d delete %d", c.finds.Load(), c.commits.Load(), c.touches.Load(), c.deletes.Load())
}

func (c *countingStore) reset() {
	c.finds.Store(0)
	c.commits.Store(0)
	c.touches.Store(0)
	c.deletes.Store(0)
}

// newStoreIface returns an Interface keeping sessions in a memstore behind
// a countingStore, with the clock at *now when now is not nil.
func newStoreIface(t *testing.T, cfg runtime.Config, now *time.Time, opts ...runtime.Option[testsession.TestSession]) (*runtime.Interface[testsession.TestSession], *countingStore) {
	t.Helper()
	var clock func() time.Time
	if now != nil {
		clock = func() time.Time { return *now }
	}
	ms := memstore.New(memstore.Options{Now: clock})
	t.Cleanup(func() { ms.Close() })
	cs := &countingStore{Store: ms}
	cfg.Store, cfg.Now = cs, clock
	return newIface(t, cfg, opts...), cs
}

// eachStore runs test against an Interface on memstore and one on a real
// redis-server started for the test (skipped without redis-server, failing
// when CI is set), each behind a countingStore.
func eachStore(t *testing.T, cfg runtime.Config, test func(t *testing.T, si *runtime.Interface[testsession.TestSession], cs *countingStore)) {
	t.Run("memstore", func(t *testing.T) {
		si, cs := newStoreIface(t, cfg, nil)
		test(t, si, cs)
	})
	t.Run("redisstore", func(t *testing.T) {
		addr, _ := redistest.Start(t)
		client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { client.Close() })
		cs := &countingStore{Store: mustRedisStore(t, client)}
		c := cfg
		c.Store = cs
		test(t, newIface(t, c), cs)
	})
}

// mustRedisStore returns a redisstore.Store on client.
func mustRedisStore(t testing.TB, client redis.UniversalClient) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// storeApp is testApp with the routes of server-side sessions:
//
//	/login?name=N  Regenerate, then stores the name
//	/logout        Destroy
//	/static        does not look at the session at all
func storeApp(si *runtime.Interface[testsession.TestSession]) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", testApp())
	mux.HandleFunc("/static", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "static") })
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := si.Regenerate(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		runtime.From[testsession.TestSession](r.Context()).SetName(r.URL.Query().Get("name"))
		fmt.Fprint(w, "logged in")
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := si.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprint(w, "logged out")
	})
	return mux
}

// The cookie carries a signed 256-bit ID and nothing of the data; the
// store's key is the SHA-256 of the ID, not the ID.
func TestStoreCookieCarriesOnlyAnID(t *testing.T) {
	eachStore(t, runtime.Config{}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], cs *countingStore) {
		w := serve(si, storeApp(si), "/set?name=alice-secret-name")
		c := sessionCookie(t, w.Header(), "session")
		if c == nil {
			t.Fatal("no cookie")
		}
		raw, err := base64.URLEncoding.DecodeString(c.Value)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.SplitN(string(raw), "|", 3)
		id, err := base64.URLEncoding.DecodeString(parts[1])
		if err != nil || len(id) != 1+32 {
			t.Fatalf("the cookie's payload is %d bytes (%v); want a layout byte and a 32-byte ID", len(id), err)
		}
		if strings.Contains(string(raw), "alice") {
			t.Error("the cookie carries session data")
		}
		if w := serve(si, storeApp(si), "/get", "session="+c.Value); !strings.Contains(w.Body.String(), "name=alice-secret-name") {
			t.Errorf("the session did not come back: %s (%s)", w.Body.String(), cs.calls())
		}
	})
}

// A request that never touches its session costs the store nothing; one
// that reads costs one Find; one that writes, one Find and one Commit.
func TestStoreRoundTrips(t *testing.T) {
	eachStore(t, runtime.Config{}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], cs *countingStore) {
		cookie := "session=" + issue(t, si, "alice")
		for _, tc := range []struct {
			path, want string
		}{
			{"/static", "find 0 commit 0 touch 0 delete 0"},
			{"/get", "find 1 commit 0 touch 0 delete 0"},
			{"/inc", "find 1 commit 1 touch 0 delete 0"},
		} {
			cs.reset()
			serve(si, storeApp(si), tc.path, cookie)
			if got := cs.calls(); got != tc.want {
				t.Errorf("%s: %s; want %s", tc.path, got, tc.want)
			}
		}
		cs.reset()
		serve(si, storeApp(si), "/static") // no cookie at all
		if got := cs.calls(); got != "find 0 commit 0 touch 0 delete 0" {
			t.Errorf("a first visit that touches nothing: %s", got)
		}
	})
}

// Regenerate at login: the ID before differs from the ID after, and the old
// one no longer loads (session fixation).
func TestStoreFixation(t *testing.T) {
	eachStore(t, runtime.Config{}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], _ *countingStore) {
		h := storeApp(si)
		planted := sessionCookie(t, serve(si, h, "/set?count=7").Header(), "session").Value
		w := serve(si, h, "/login?name=alice", "session="+planted)
		after := sessionCookie(t, w.Header(), "session")
		if after == nil || after.Value == planted {
			t.Fatalf("login kept the ID: %q", w.Header().Values("Set-Cookie"))
		}
		if w := serve(si, h, "/get", "session="+after.Value); !strings.Contains(w.Body.String(), "name=alice count=7") {
			t.Errorf("data lost by Regenerate: %s", w.Body.String())
		}
		if w := serve(si, h, "/get", "session="+planted); !strings.Contains(w.Body.String(), "name= count=0 new=true") {
			t.Errorf("the ID from before login still loads: %s", w.Body.String())
		}
	})
}

// Strict mode: an ID the store does not know (forged IDs never get this
// far: they do not verify) gets a new session under a new ID, never the
// one it sent.
func TestStoreStrictUnknownID(t *testing.T) {
	eachStore(t, runtime.Config{}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], _ *countingStore) {
		h := storeApp(si)
		old := sessionCookie(t, serve(si, h, "/set?name=a").Header(), "session").Value
		serve(si, h, "/logout", "session="+old) // the record is gone; the cookie is valid
		w := serve(si, h, "/set?name=b", "session="+old)
		c := sessionCookie(t, w.Header(), "session")
		if !strings.Contains(w.Body.String(), "new=true") || c == nil || c.Value == old {
			t.Fatalf("an unknown ID was adopted: %s, cookie %v", w.Body.String(), c)
		}
		if !strings.Contains(serve(si, h, "/get", "session="+c.Value).Body.String(), "name=b") {
			t.Error("the new session did not load")
		}
	})
}

// Logout ends the session for good: a copy of the cookie taken before opens
// nothing, and a slow request that loaded the session before the logout
// cannot bring it back when it saves.
func TestStoreLogoutRace(t *testing.T) {
	var log errLog
	eachStore(t, runtime.Config{OnError: log.onError}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], _ *countingStore) {
		loaded, release := make(chan struct{}), make(chan struct{})
		mux := http.NewServeMux()
		mux.Handle("/", storeApp(si))
		mux.HandleFunc("/slow-inc", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.From[testsession.TestSession](r.Context())
			n := s.Count()
			loaded <- struct{}{}
			<-release
			s.SetCount(n + 1)
			fmt.Fprint(w, "counted")
		})
		cookie := "session=" + sessionCookie(t, serve(si, mux, "/login?name=alice").Header(), "session").Value
		slow := make(chan *httptest.ResponseRecorder)
		go func() { slow <- serve(si, mux, "/slow-inc", cookie) }()
		<-loaded
		if w := serve(si, mux, "/logout", cookie); w.Code != 200 {
			t.Fatalf("logout: %d %s", w.Code, w.Body.String())
		}
		close(release)
		w := <-slow
		if w.Code != http.StatusConflict || w.Header().Get("Set-Cookie") != "" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("the slow request: %d, Set-Cookie %q, Cache-Control %q; want a 409 with no cookie, no-store",
				w.Code, w.Header().Get("Set-Cookie"), w.Header().Get("Cache-Control"))
		}
		if w := serve(si, mux, "/get", cookie); !strings.Contains(w.Body.String(), "name= count=0 new=true") {
			t.Errorf("after logout and the slow request: %s; the logout was undone", w.Body.String())
		}
		errs := log.take()
		if !slicesContainsErr(errs, runtime.ErrConflict) {
			t.Errorf("OnError %v; want the conflict reported", errs)
		}
	})
}

func slicesContainsErr(errs []error, target error) bool {
	for _, err := range errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// DestroyAll ends every session of one user and no other.
func TestStoreDestroyAll(t *testing.T) {
	eachStore(t, runtime.Config{UserKey: "name"}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], _ *countingStore) {
		h := storeApp(si)
		var alice []string
		for range 3 {
			alice = append(alice, sessionCookie(t, serve(si, h, "/login?name=alice").Header(), "session").Value)
		}
		bob := sessionCookie(t, serve(si, h, "/login?name=bob").Header(), "session").Value
		n, err := si.DestroyAll(context.Background(), "alice")
		if err != nil || n != 3 {
			t.Fatalf("DestroyAll = %d, %v; want 3", n, err)
		}
		for _, c := range alice {
			if w := serve(si, h, "/get", "session="+c); !strings.Contains(w.Body.String(), "name= ") {
				t.Errorf("one of alice's sessions survived: %s", w.Body.String())
			}
		}
		if w := serve(si, h, "/get", "session="+bob); !strings.Contains(w.Body.String(), "name=bob") {
			t.Errorf("bob's session ended too: %s", w.Body.String())
		}
		if _, err := newIface(t, runtime.Config{}).DestroyAll(context.Background(), "alice"); !errors.Is(err, runtime.ErrNoStore) {
			t.Errorf("DestroyAll on cookie sessions: %v; want ErrNoStore", err)
		}
	})
}

// Idle timeout and absolute lifetime, both enforced by the server: a
// session used every minute lives on past IdleTimeout but dies at
// AbsoluteLifetime; one left alone dies after IdleTimeout; and reads move
// the expiry at most once per TouchInterval.
func TestStoreIdleAndAbsoluteTimeouts(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	si, cs := newStoreIface(t, runtime.Config{IdleTimeout: 10 * time.Minute, AbsoluteLifetime: time.Hour, TouchInterval: time.Minute}, &now)
	h := storeApp(si)
	cookie := "session=" + sessionCookie(t, serve(si, h, "/login?name=alice").Header(), "session").Value
	cs.reset()
	for minute := 1; minute < 60; minute++ {
		for tick := range 6 { // a read every 10 seconds
			now = now.Add(10 * time.Second)
			w := serve(si, h, "/get", cookie)
			if !strings.Contains(w.Body.String(), "name=alice") {
				t.Fatalf("minute %d: lost early: %s", minute, w.Body.String())
			}
			_ = tick
		}
	}
	if got := cs.touches.Load(); got < 50 || got > 60 {
		t.Errorf("%d refreshes for 59 minutes of reads every 10 s; want about one a minute", got)
	}
	if cs.commits.Load() != 0 {
		t.Errorf("%d commits for reads: the data was rewritten", cs.commits.Load())
	}
	now = now.Add(70 * time.Second) // an hour and a bit after creation
	if w := serve(si, h, "/get", cookie); !strings.Contains(w.Body.String(), "name= ") {
		t.Errorf("the session outlived AbsoluteLifetime: %s", w.Body.String())
	}

	// Idle: a new session left alone for longer than IdleTimeout.
	cookie = "session=" + sessionCookie(t, serve(si, h, "/login?name=bob").Header(), "session").Value
	now = now.Add(9 * time.Minute)
	if w := serve(si, h, "/get", cookie); !strings.Contains(w.Body.String(), "name=bob") {
		t.Fatalf("lost before IdleTimeout: %s", w.Body.String())
	}
	now = now.Add(10*time.Minute + time.Second)
	if w := serve(si, h, "/get", cookie); !strings.Contains(w.Body.String(), "name= ") {
		t.Errorf("the session outlived IdleTimeout: %s", w.Body.String())
	}
}

// A store that does not answer: the error handler's 503 with no-store and
// nothing of the error, OnError told, no cookie, and the handler's output
// discarded; when it answers again, so do sessions.
func TestStoreUnavailable(t *testing.T) {
	var log errLog
	si, cs := newStoreIface(t, runtime.Config{OnError: log.onError}, nil)
	h := storeApp(si)
	cookie := "session=" + issue(t, si, "alice")
	cs.down.Store(true)
	for _, path := range []string{"/get", "/inc", "/set?name=x"} {
		w := serve(si, h, path, cookie)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Cache-Control") != "no-store" ||
			w.Header().Get("Set-Cookie") != "" || strings.Contains(w.Body.String(), "refused") || strings.Contains(w.Body.String(), "name=") {
			t.Errorf("%s with the store down: %d %q, headers %v", path, w.Code, w.Body.String(), w.Header())
		}
		if errs := log.take(); !slicesContainsErr(errs, runtime.ErrStoreUnavailable) {
			t.Errorf("%s: OnError %v", path, errs)
		}
	}
	// A request that does not touch the session does not notice.
	if w := serve(si, h, "/static", cookie); w.Code != 200 {
		t.Errorf("/static with the store down: %d", w.Code)
	}
	cs.down.Store(false)
	if w := serve(si, h, "/get", cookie); !strings.Contains(w.Body.String(), "name=alice") {
		t.Errorf("after the store came back: %d %s", w.Code, w.Body.String())
	}
	// A custom handler answers instead.
	si2, cs2 := newStoreIface(t, runtime.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "try later", http.StatusTeapot)
	}}, nil)
	cs2.down.Store(true)
	if w := serve(si2, storeApp(si2), "/set?name=x"); w.Code != http.StatusTeapot || !strings.Contains(w.Body.String(), "try later") {
		t.Errorf("custom ErrorHandler: %d %q", w.Code, w.Body.String())
	}
}

// Many clients at once, each with its own sessions, sequential requests per
// session: every per-session counter is exact, and nothing of another
// session changes.
func TestStoreConcurrentClients(t *testing.T) {
	eachStore(t, runtime.Config{}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], _ *countingStore) {
		runConcurrentClients(t, si, storeApp(si), 16, 500, 50)
	})
}

// runConcurrentClients drives clients goroutines, requests each, over
// sessions sessions (client i owns sessions i, i+clients, ...), through h,
// and checks every session's counter.
func runConcurrentClients(t *testing.T, si *runtime.Interface[testsession.TestSession], h http.Handler, clients, requests, sessions int) {
	t.Helper()
	cookies := make([]string, sessions)
	for i := range cookies {
		cookies[i] = "session=" + sessionCookie(t, serve(si, h, fmt.Sprintf("/set?name=s%d&count=0", i)).Header(), "session").Value
	}
	counts := make([]int, sessions)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []int
			for s := c; s < sessions; s += clients {
				mine = append(mine, s)
			}
			for i := range requests {
				s := mine[i%len(mine)]
				w := serve(si, h, "/inc", cookies[s])
				if w.Code != 200 || !strings.Contains(w.Body.String(), fmt.Sprintf("name=s%d ", s)) {
					t.Errorf("session %d: %d %s", s, w.Code, w.Body.String())
					return
				}
				counts[s]++
				if c := sessionCookie(t, w.Header(), "session"); c != nil {
					cookies[s] = "session=" + c.Value
				}
			}
		}()
	}
	wg.Wait()
	for s, want := range counts {
		w := serve(si, h, "/get", cookies[s])
		if !strings.Contains(w.Body.String(), fmt.Sprintf("name=s%d count=%d ", s, want)) {
			t.Errorf("session %d: %s; want count=%d", s, w.Body.String(), want)
		}
	}
}

// A redis-server that stops answering in the middle of a run of requests:
// those requests get the error handler's 503, none panics, no goroutine is
// left behind, and when it answers again the next requests succeed with
// the sessions saved before intact. Then the same with the server killed
// and restarted empty: sessions are gone, and new ones work.
func TestRedisDownAndBack(t *testing.T) {
	addr, stop := redistest.Start(t)
	before := goruntime.NumGoroutine()
	client := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond, MaxRetries: -1, ContextTimeoutEnabled: true})
	var log errLog
	si := newIface(t, runtime.Config{Store: mustRedisStore(t, client), OnError: log.onError})
	h := storeApp(si)
	cookies := make([]string, 5)
	for i := range cookies {
		cookies[i] = "session=" + sessionCookie(t, serve(si, h, fmt.Sprintf("/set?name=u%d&count=%d", i, i)).Header(), "session").Value
	}
	run := func(wantCode int) {
		t.Helper()
		var wg sync.WaitGroup
		for i, c := range cookies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := serve(si, h, "/get", c)
				if w.Code != wantCode {
					t.Errorf("session %d: %d %q; want %d", i, w.Code, w.Body.String(), wantCode)
				}
				if wantCode == 200 && !strings.Contains(w.Body.String(), fmt.Sprintf("name=u%d count=%d ", i, i)) {
					t.Errorf("session %d: %s; the data did not survive", i, w.Body.String())
				}
			}()
		}
		wg.Wait()
	}
	run(200)
	resume := redistest.Pause(t, addr)
	run(http.StatusServiceUnavailable)
	if errs := log.take(); len(errs) < len(cookies) || !slicesContainsErr(errs, runtime.ErrStoreUnavailable) {
		t.Errorf("OnError told %d errors (%v); want each unavailable store reported", len(errs), errs)
	}
	resume()
	run(200)

	stop()
	run(http.StatusServiceUnavailable)
	log.take()
	redistest.Restart(t, addr)
	for i, c := range cookies {
		w := serve(si, h, "/get", c)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "new=true") {
			t.Errorf("session %d after a restart without its data: %d %s; want a fresh session", i, w.Code, w.Body.String())
		}
	}
	if w := serve(si, h, "/set?name=again"); w.Code != 200 || sessionCookie(t, w.Header(), "session") == nil {
		t.Errorf("a new session after the restart: %d", w.Code)
	}
	client.Close()
	deadline := time.Now().Add(2 * time.Second)
	for goruntime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the client closed; %d before", n, before)
	}
}

// Two requests of one browser change its session at once: the first to
// save wins; the other's save is refused (409), so its changes are not
// applied on top of a version it never saw; another session is untouched.
func TestStoreConcurrentChangesFirstSaveWins(t *testing.T) {
	var log errLog
	eachStore(t, runtime.Config{OnError: log.onError}, func(t *testing.T, si *runtime.Interface[testsession.TestSession], _ *countingStore) {
		loaded := make(chan struct{})
		release := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
		mux := http.NewServeMux()
		mux.Handle("/", storeApp(si))
		mux.HandleFunc("/slow-set", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.From[testsession.TestSession](r.Context())
			n := s.Count()
			loaded <- struct{}{}
			<-release[r.URL.Query().Get("who")]
			s.SetCount(n + 1)
			s.SetName(r.URL.Query().Get("who"))
		})
		cookie := "session=" + sessionCookie(t, serve(si, mux, "/set?name=start&count=10").Header(), "session").Value
		other := "session=" + sessionCookie(t, serve(si, mux, "/set?name=other&count=99").Header(), "session").Value
		done := map[string]chan *httptest.ResponseRecorder{"a": make(chan *httptest.ResponseRecorder), "b": make(chan *httptest.ResponseRecorder)}
		for who := range done {
			go func() { done[who] <- serve(si, mux, "/slow-set?who="+who, cookie) }()
		}
		<-loaded
		<-loaded
		close(release["a"])
		first := <-done["a"]
		close(release["b"])
		second := <-done["b"]
		if first.Code != 200 || second.Code != http.StatusConflict || second.Header().Get("Set-Cookie") != "" {
			t.Fatalf("first %d, second %d (Set-Cookie %q); want 200 then 409 without a cookie", first.Code, second.Code, second.Header().Get("Set-Cookie"))
		}
		if w := serve(si, mux, "/get", cookie); !strings.Contains(w.Body.String(), "name=a count=11") {
			t.Errorf("the session after both: %s; want the first save's", w.Body.String())
		}
		if w := serve(si, mux, "/get", other); !strings.Contains(w.Body.String(), "name=other count=99") {
			t.Errorf("another session changed: %s", w.Body.String())
		}
		if !slicesContainsErr(log.take(), runtime.ErrConflict) {
			t.Error("the refused save was not reported")
		}
	})
}

// A server-side session's cookie verified before is found in the verified
// cache (the ID it carries, not the session: the record is read from the
// store on every request), under the cache's rules: a destroyed session's
// cookie still opens nothing, and the cookie's age is checked on every hit.
func TestStoreRemembersVerifiedIDs(t *testing.T) {
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("VerifiedCacheSize=%d", size), func(t *testing.T) {
			var log errLog
			now := time.Now()
			si, cs := newStoreIface(t, runtime.Config{
				Lifetime: time.Hour, IdleTimeout: 3 * time.Hour, VerifiedCacheSize: size, OnError: log.onError,
			}, &now)
			h := storeApp(si)
			value := sessionCookie(t, serve(si, h, "/set?name=alice").Header(), "session").Value
			for range 4 { // remembered at the second, found at the third
				cs.reset()
				if got := serve(si, h, "/get", "session="+value).Body.String(); got != "name=alice count=0 new=false" {
					t.Fatalf("/get: %q", got)
				}
				if got := cs.calls(); got != "find 1 commit 0 touch 0 delete 0" {
					t.Errorf("/get: %s; want one Find, cache or not", got)
				}
			}
			st := si.VerifiedCacheStats()
			if size == 0 && (st.Hits < 2 || st.Entries != 1) {
				t.Errorf("stats %+v; want the ID remembered and found", st)
			}
			if size < 0 && st != (runtime.VerifiedCacheStats{}) {
				t.Errorf("stats %+v with the cache off", st)
			}

			// Past Lifetime the cookie is expired, remembered or not, though
			// its record is alive for hours yet.
			later := now.Add(time.Hour + time.Second)
			now = later
			if got := serve(si, h, "/get", "session="+value).Body.String(); got != "name= count=0 new=true" {
				t.Errorf("a cookie past Lifetime: %q; want a fresh session", got)
			}
			if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieExpired) {
				t.Errorf("OnError %v; want ErrCookieExpired", errs)
			}

			// After logout the remembered cookie finds no record, each time,
			// and never gets its old ID back.
			now = later.Add(-time.Hour)
			serve(si, h, "/logout", "session="+value)
			for range 3 {
				w := serve(si, h, "/set?name=mallory", "session="+value)
				c := sessionCookie(t, w.Header(), "session")
				if !strings.Contains(w.Body.String(), "new=true") || c == nil || c.Value == value {
					t.Fatalf("a destroyed session's cookie: %s, cookie %v", w.Body.String(), c)
				}
			}
		})
	}
}
