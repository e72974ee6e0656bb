package runtime_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
)

// commandCounter counts the commands a go-redis client sends, by name,
// pipelined ones included, and the round trips (one per process or
// pipeline).
type commandCounter struct {
	mu         sync.Mutex
	commands   map[string]int
	roundTrips atomic.Int64
	setup      atomic.Int64 // commands of connection setup (HELLO, CLIENT)
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.roundTrips.Add(1)
		c.add(cmd.Name())
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.roundTrips.Add(1)
		for _, cmd := range cmds {
			c.add(cmd.Name())
		}
		return next(ctx, cmds)
	}
}

func (c *commandCounter) add(name string) {
	switch strings.ToLower(name) {
	case "hello", "client", "auth", "select", "ping":
		// A new connection's setup, not the store's work.
		c.setup.Add(1)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commands[strings.ToLower(name)]++
}

func (c *commandCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commands = map[string]int{}
	c.roundTrips.Store(0)
	c.setup.Store(0)
}

func (c *commandCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.commands {
		out[k] = v
	}
	return out
}

// serverCommands returns, from redis-server's INFO commandstats, how many
// times each command ran.
func serverCommands(t *testing.T, client *redis.Client) map[string]int {
	t.Helper()
	info, err := client.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		var calls int
		if _, err := fmt.Sscanf(rest, "calls=%d", &calls); err == nil {
			out[name] = calls
		}
	}
	return out
}

// Two hundred clients, each reading its permanent session with four
// requests at once (a page and its XHRs), round after round: every answer
// is a 200, and a read costs the store one Find (on Redis one HMGET, no
// script) and at most one touch per TouchInterval; none commits. Before,
// each read of a permanent session committed, and concurrent reads of one
// session answered 409 (70% of them on Redis).
func TestPermanentReadsUnderLoad(t *testing.T) {
	const clients, parallel, rounds = 200, 4, 5
	run := func(t *testing.T, si *runtime.Interface[testsession.TestSession], cs *countingStore, start func(), check func(reads int)) {
		srv := httptest.NewServer(si.Middleware(storeApp(si)))
		defer srv.Close()
		tr := &http.Transport{MaxIdleConnsPerHost: clients * parallel}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		get := func(path, cookie string) (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			res, err := client.Do(req)
			if err != nil {
				return nil, err
			}
			res.Body.Close()
			return res, nil
		}
		cookies := make([]string, clients)
		for i := range cookies {
			res, err := get(fmt.Sprintf("/login?name=user%d", i), "")
			if err != nil {
				t.Fatal(err)
			}
			c := sessionCookie(t, res.Header, "session")
			res, err = get("/permanent?v=true", "session="+c.Value)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("/permanent: %v %v", res, err)
			}
			cookies[i] = "session=" + sessionCookie(t, res.Header, "session").Value
		}
		cs.reset()
		if start != nil {
			start()
		}
		var bad atomic.Int64
		var codes sync.Map
		var wg sync.WaitGroup
		for i := range clients {
			for range parallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range rounds {
						res, err := get("/get", cookies[i])
						if err != nil {
							bad.Add(1)
							codes.Store(err.Error(), true)
							continue
						}
						if res.StatusCode != 200 {
							bad.Add(1)
							codes.Store(res.StatusCode, true)
						}
					}
				}()
			}
		}
		wg.Wait()
		reads := clients * parallel * rounds
		if n := bad.Load(); n > 0 {
			var seen []string
			codes.Range(func(k, _ any) bool { seen = append(seen, fmt.Sprint(k)); return true })
			t.Errorf("%d of %d reads answered other than 200: %v", n, reads, seen)
		}
		if got := cs.finds.Load(); got != int64(reads) {
			t.Errorf("%d reads made %d Finds; want one each", reads, got)
		}
		if got := cs.commits.Load(); got != 0 {
			t.Errorf("%d reads made %d Commits; want none", reads, got)
		}
		if got := cs.touches.Load(); got > clients {
			t.Errorf("%d reads made %d Touches; want at most one per session", reads, got)
		}
		if check != nil {
			check(reads)
		}
	}
	cfg := runtime.Config{TouchInterval: time.Minute, StoreTimeout: 5 * time.Second}
	t.Run("memstore", func(t *testing.T) {
		si, cs := newStoreIface(t, cfg, nil)
		run(t, si, cs, nil, nil)
	})
	t.Run("redisstore", func(t *testing.T) {
		addr, _ := redistest.Start(t)
		counter := &commandCounter{commands: map[string]int{}}
		client := redis.NewClient(&redis.Options{Addr: addr, PoolSize: clients * parallel, ContextTimeoutEnabled: true,
			ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
		client.AddHook(counter)
		t.Cleanup(func() { client.Close() })
		cs := &countingStore{Store: mustRedisStore(t, client)}
		c := cfg
		c.Store = cs
		si := newIface(t, c)
		var before map[string]int
		run(t, si, cs, func() {
			before = serverCommands(t, client)
			counter.reset()
		}, func(reads int) {
			after := serverCommands(t, client)
			sent := counter.snapshot()
			if got := sent["hmget"]; got != reads {
				t.Errorf("the client sent %d HMGETs for %d reads; want one each (all: %v)", got, reads, sent)
			}
			for name, n := range sent {
				if name != "hmget" && name != "evalsha" && name != "eval" && name != "hset" && name != "info" {
					t.Errorf("the client sent %d %s during reads (all: %v)", n, name, sent)
				}
			}
			if got := after["hmget"] - before["hmget"]; got < reads {
				t.Errorf("the server ran %d HMGETs for %d reads", got, reads)
			}
			if scripts := after["evalsha"] - before["evalsha"]; scripts > clients {
				t.Errorf("the server ran %d scripts for %d reads of %d sessions; want at most a touch each", scripts, reads, clients)
			}
			if rt := counter.roundTrips.Load() - counter.setup.Load(); rt > int64(reads+clients+1) {
				t.Errorf("%d round trips for %d reads", rt, reads)
			}
		})
	})
}

// VerifiedCacheStats may be read while requests are served (an app that
// exports them as metrics): -race found it wrote the cache's hash seed.
func TestVerifiedCacheStatsWhileServing(t *testing.T) {
	for _, store := range []bool{false, true} {
		t.Run(fmt.Sprint("store=", store), func(t *testing.T) {
			si := newIface(t, runtime.Config{})
			if store {
				si, _ = newStoreIface(t, runtime.Config{}, nil)
			}
			cookie := "session=" + issue(t, si, "alice")
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						_ = si.VerifiedCacheStats()
					}
				}
			}()
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 1000 {
						if w := serve(si, testApp(), "/get", cookie); !strings.Contains(w.Body.String(), "name=alice") {
							t.Errorf("%s", w.Body.String())
							return
						}
					}
				}()
			}
			time.Sleep(10 * time.Millisecond)
			close(stop)
			wg.Wait()
			if st := si.VerifiedCacheStats(); st.Hits == 0 {
				t.Errorf("stats %+v: no hits", st)
			}
		})
	}
}

// A store that fails is reported once per request, not at open and again
// at save.
func TestStoreFailureReportedOnce(t *testing.T) {
	var log errLog
	si, cs := newStoreIface(t, runtime.Config{OnError: log.onError}, nil)
	cookie := "session=" + issue(t, si, "alice")
	log.take()
	cs.down.Store(true)
	w := serve(si, storeApp(si), "/inc", cookie)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%d; want 503", w.Code)
	}
	if errs := log.take(); len(errs) != 1 {
		t.Errorf("OnError got %d reports for one failure: %v", len(errs), errs)
	}
}

// memstore's sessions without a user idle out after a day by default, not
// after the 31-day Lifetime; with a user, after Lifetime; an IdleTimeout
// that is set applies to both.
func TestAnonymousIdleTimeoutDefault(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		cfg        runtime.Config
		path       string
		alive, due time.Duration
	}{
		{runtime.Config{UserKey: "name"}, "/set?count=1", 23 * time.Hour, 25 * time.Hour},
		{runtime.Config{UserKey: "name"}, "/set?name=alice", 30 * 24 * time.Hour, 32 * 24 * time.Hour},
		{runtime.Config{}, "/set?name=alice", 23 * time.Hour, 25 * time.Hour}, // no UserKey: every session is anonymous
		{runtime.Config{UserKey: "name", IdleTimeout: 48 * time.Hour}, "/set?count=1", 47 * time.Hour, 49 * time.Hour},
	} {
		t.Run(fmt.Sprint(tc.path, tc.cfg.IdleTimeout, tc.cfg.UserKey), func(t *testing.T) {
			start := now
			clock := start
			ms := memstore.New(memstore.Options{Now: func() time.Time { return clock }})
			t.Cleanup(func() { ms.Close() })
			cfg := tc.cfg
			cfg.Store, cfg.Now = ms, func() time.Time { return clock }
			si := newIface(t, cfg)
			cookie := "session=" + sessionCookie(t, serve(si, testApp(), tc.path).Header(), "session").Value
			clock = start.Add(tc.alive)
			if w := serve(si, testApp(), "/get", cookie); strings.Contains(w.Body.String(), "new=true") {
				t.Errorf("gone after %v: %s", tc.alive, w.Body.String())
			}
			// The read above may have moved the expiry: measure from it.
			clock = clock.Add(tc.due)
			if w := serve(si, testApp(), "/get", cookie); !strings.Contains(w.Body.String(), "new=true") {
				t.Errorf("still there %v after the last use: %s", tc.due, w.Body.String())
			}
		})
	}
}

// Sessions saved by the release before namespaces (a bare ID in the cookie,
// the record under StoreKeyPrefix and the SHA-256 of the ID, indexed under
// the user's name) still open after the upgrade; DestroyAll still finds
// them through the old index; and the first save moves one to a new ID in
// the namespaced layout, replacing the old record.
func TestLegacyLayoutAfterUpgrade(t *testing.T) {
	addr, _ := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { client.Close() })
	si := newIface(t, runtime.Config{Store: mustRedisStore(t, client), UserKey: "name"})
	h := storeApp(si)
	ctx := context.Background()
	// The payload of a session of alice, as the old release wrote it too
	// (the wire payload has not changed).
	modern := sessionCookie(t, serve(si, h, "/set?name=alice&count=3").Header(), "session").Value
	var data string
	for _, k := range client.Keys(ctx, "sessiongen:session:*").Val() {
		if d := client.HGet(ctx, k, "data").Val(); d != "" {
			data = d
		}
	}
	if data == "" {
		t.Fatal("no record to copy")
	}
	if _, err := si.DestroyAll(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	legacy := func(i byte) (cookie, key string) {
		id := make([]byte, 32)
		id[0], id[31] = i, 0xAA
		value, key, err := runtime.LegacyIDCookie(si, id)
		if err != nil {
			t.Fatal(err)
		}
		exp := time.Now().Add(time.Hour).UnixMilli()
		// The old layout: version, data, user (the name), exp, and the
		// index a SET under "sessiongen:user:" and the SHA-256 of the name.
		client.HSet(ctx, key, "version", "4", "data", data, "user", "alice", "exp", fmt.Sprint(exp))
		client.PExpireAt(ctx, key, time.UnixMilli(exp))
		client.SAdd(ctx, "sessiongen:user:2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90", key)
		return "session=" + value, key
	}
	c1, k1 := legacy(1)
	if w := serve(si, h, "/get", c1); !strings.Contains(w.Body.String(), "name=alice count=3") {
		t.Fatalf("a legacy session after the upgrade: %s", w.Body.String())
	}
	// A write moves it to the namespaced layout under a new ID.
	w := serve(si, h, "/inc", c1)
	moved := sessionCookie(t, w.Header(), "session")
	if w.Code != 200 || moved == nil || "session="+moved.Value == c1 {
		t.Fatalf("the first save of a legacy session: %d, cookie %v", w.Code, moved)
	}
	if client.Exists(ctx, k1).Val() != 0 {
		t.Error("the legacy record survived its move")
	}
	if w := serve(si, h, "/get", "session="+moved.Value); !strings.Contains(w.Body.String(), "name=alice count=4") {
		t.Fatalf("the moved session: %s", w.Body.String())
	}
	// DestroyAll finds both the moved one (new index) and one never saved
	// since the upgrade (old index).
	c2, _ := legacy(2)
	if n, err := si.DestroyAll(ctx, "alice"); err != nil || n != 2 {
		t.Fatalf("DestroyAll after the upgrade = %d, %v; want 2", n, err)
	}
	for _, c := range []string{c2, "session=" + moved.Value, "session=" + modern} {
		if w := serve(si, h, "/get", c); !strings.Contains(w.Body.String(), "new=true") {
			t.Errorf("a session of alice survived DestroyAll: %s", w.Body.String())
		}
	}
}

// A hundred thousand cookieless requests that each write a new session
// (crawlers, one-page visits) through the middleware, on a memstore capped
// at a thousand records: the store never holds more, the sessions of
// logged-in users made before survive, and the newest anonymous session
// still opens. Before, each such request added a record that lived a
// month, without bound.
func TestMemstoreBoundUnderCookielessTraffic(t *testing.T) {
	ms := memstore.New(memstore.Options{MaxRecords: 1000})
	t.Cleanup(func() { ms.Close() })
	si := newIface(t, runtime.Config{Store: ms, UserKey: "name"})
	h := testApp()
	var users []string
	for i := range 100 {
		users = append(users, "session="+sessionCookie(t, serve(si, h, fmt.Sprintf("/set?name=user%d", i)).Header(), "session").Value)
	}
	var last string
	for i := range 100_000 {
		w := serve(si, h, "/set?count=1")
		if w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
		if n := ms.Len(); n > 1000 {
			t.Fatalf("after %d requests the store holds %d records; the cap is 1000", i+1, n)
		}
		if i == 99_999 {
			last = "session=" + sessionCookie(t, w.Header(), "session").Value
		}
	}
	for i, c := range users {
		if w := serve(si, h, "/get", c); !strings.Contains(w.Body.String(), fmt.Sprintf("name=user%d ", i)) {
			t.Fatalf("a logged-in session was evicted while anonymous ones were left: %s", w.Body.String())
		}
	}
	if w := serve(si, h, "/get", last); !strings.Contains(w.Body.String(), "count=1") {
		t.Fatalf("the newest anonymous session: %s", w.Body.String())
	}
	st := ms.Stats()
	t.Logf("held %d records, evicted %d (%d of logged-in users)", st.Records, st.Evicted, st.EvictedUsers)
	if st.EvictedUsers != 0 {
		t.Errorf("%d logged-in sessions evicted", st.EvictedUsers)
	}
}
