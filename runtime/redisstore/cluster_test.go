package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/redistest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// testCluster is a Cluster of three masters, each behind a stallProxy.
type testCluster struct {
	addrs   []string
	proxies map[string]*stallProxy // by the node's address
}

// client returns a client of the cluster through the proxies, with a
// ReadTimeout of 150ms and retries.
func (tc *testCluster) client(t *testing.T) *redis.ClusterClient {
	c := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 tc.addrs,
		ContextTimeoutEnabled: true,
		ReadTimeout:           150 * time.Millisecond,
		MaxRetries:            2,
		MinRetryBackoff:       time.Millisecond,
		MaxRetryBackoff:       2 * time.Millisecond,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if p := tc.proxies[addr]; p != nil {
				addr = p.addr
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	})
	t.Cleanup(func() { c.Close() })
	if err := redisstore.LoadScripts(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// node returns the address of the master of key.
func node(t *testing.T, c *redis.ClusterClient, key string) string {
	t.Helper()
	n, err := c.MasterForKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return n.Options().Addr
}

// elsewhere returns a key made by mk whose master is not that of key.
func elsewhere(t *testing.T, c *redis.ClusterClient, key string, mk func() string) string {
	t.Helper()
	for {
		if k := mk(); node(t, c, k) != node(t, c, key) {
			return k
		}
	}
}

// The store in a Cluster of three masters: hash slots as Redis computes
// them, the round trips of each operation and each step of a Commit
// across slots, go-redis's retries of each step, DeleteUser between the
// steps, a crash between them, and keys the runtime would not make.
func TestCluster(t *testing.T) {
	ctx := context.Background()
	tc := &testCluster{addrs: redistest.StartCluster(t), proxies: map[string]*stallProxy{}}
	for _, a := range tc.addrs {
		tc.proxies[a] = startProxy(t, a, 500*time.Millisecond)
	}
	exp := time.Now().Add(time.Hour)

	t.Run("HashSlot", func(t *testing.T) {
		c := tc.client(t)
		keys := []string{"", "foo", "{", "}", "{}", "}{", "{}x", "x{}", "{}{a}", "{a}", "{a}{b}", "a{b}c", "a{b", "a}b{c}",
			"{{a}}", "{a{b}}", "user{1000}.following", "\xff{\x00}", "sessiongen:session:00ff",
			"app:Visitor:session:{0123456789abcdef}:user", "app:Visitor:session:{0123456789abcdef}:user:epoch"}
		for range 200 {
			keys = append(keys, string([]byte(randHex(t, 6))[:6])+"{"+randHex(t, 3)+"}", randHex(t, 20))
		}
		for _, k := range keys {
			want, err := c.ClusterKeySlot(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if got := redisstore.HashSlot(k); int64(got) != want {
				t.Errorf("HashSlot(%q) = %d; Redis says %d", k, got, want)
			}
		}
	})

	t.Run("RoundTrips", func(t *testing.T) {
		c := tc.client(t)
		var cnt counter
		c.AddHook(&cnt)
		s := newStore(t, c, redisstore.Options{})
		nm := newNames(t)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		u, v := nm.user("frank"), nm.user("grace")
		anon := nm.record(t, runtime.User{})
		must(s.Commit(ctx, commit(t, anon, 0, "anonymous", exp, "")))
		var k, renewed, other, out, old, moved, apart string
		legacy := writeLegacy(t, c, "sessiongen:user:", u.Name, 1, exp)
		pin := func(name string, op func(), want ...string) {
			t.Helper()
			n, names := cnt.count(op)
			if n != int64(len(want)) || !slices.Equal(names, want) {
				t.Errorf("%s: %d exchanges %q; want %q", name, n, names, want)
			} else {
				t.Logf("%s: %d: %v", name, n, names)
			}
		}
		pin("Find", func() { _, err := s.Find(ctx, anon); must(err) }, "pipeline[hmget "+anon+"]")
		k = nm.record(t, u)
		pin("Commit of a login, across slots, with a user", func() {
			cm := commit(t, k, 0, "logged in", exp, u.Index)
			cm.Replaces, cm.ReplacesVersion = anon, 1
			must(s.Commit(ctx, cm))
		}, "pipeline[get "+u.Index+":epoch]", "evalsha "+anon, "evalsha "+k)
		pin("Commit continuing a record", func() { must(s.Commit(ctx, commit(t, k, 1, "v2", exp, u.Index))) }, "evalsha "+k)
		renewed = nm.record(t, u)
		pin("Commit renewing a record in its slot (Regenerate)", func() {
			cm := commit(t, renewed, 0, "renewed", exp, u.Index)
			cm.Replaces, cm.ReplacesVersion = k, 2
			must(s.Commit(ctx, cm))
		}, "evalsha "+renewed)
		other = nm.record(t, v)
		pin("Commit of a change of user, across slots", func() {
			cm := commit(t, other, 0, "someone else", exp, v.Index)
			cm.Replaces, cm.ReplacesVersion = renewed, 1
			must(s.Commit(ctx, cm))
		}, "pipeline[get "+v.Index+":epoch]", "evalsha "+renewed, "evalsha "+other)
		out = nm.record(t, runtime.User{})
		pin("Commit of a logout, across slots, without a user", func() {
			cm := commit(t, out, 0, "logged out", exp, "")
			cm.Replaces, cm.ReplacesVersion = other, 1
			must(s.Commit(ctx, cm))
		}, "evalsha "+other, "evalsha "+out)
		moved = nm.record(t, u)
		pin("Commit moving a record of the previous layout", func() {
			cm := commit(t, moved, 0, "moved", exp, u.Index)
			cm.Replaces, cm.ReplacesVersion = legacy, 1
			must(s.Commit(ctx, cm))
		}, "pipeline[get "+u.Index+":epoch]", "evalsha "+legacy, "evalsha "+moved)
		pin("Touch", func() { must(s.Touch(ctx, out, 1, exp.Add(time.Minute))) }, "evalsha "+out)
		pin("Touch past the index's expiry", func() { must(s.Touch(ctx, moved, 1, exp.Add(48*time.Hour))) }, "evalsha "+moved)
		old = writeLegacy(t, c, "sessiongen:user:", u.Name, 1, exp)
		pin("Touch of the previous layout past its index's expiry", func() { must(s.Touch(ctx, old, 1, exp.Add(48*time.Hour))) },
			"evalsha "+old, "evalsha "+legacyIndexKey("sessiongen:user:", u.Name))
		pin("Delete", func() { must(s.Delete(ctx, out, 0)) }, "del "+out)
		pin("Delete at a version", func() { must(s.Delete(ctx, old, 1)) }, "evalsha "+old)
		apart = elsewhere(t, c, u.Index, func() string { return "apart:" + randHex(t, 32) })
		pin("Commit of a record apart from its index", func() {
			must(s.Commit(ctx, commit(t, apart, 0, "apart", exp, u.Index)))
		}, "pipeline[get "+u.Index+":epoch]", "evalsha "+apart, "evalsha "+u.Index)
		// The index by name lists two keys of the previous layout (gone
		// now), in an order of its own; then the script on the index, and
		// the record apart from it.
		legacyIdx := legacyIndexKey("sessiongen:user:", u.Name)
		n, names := cnt.count(func() {
			n, err := s.DeleteUser(ctx, u)
			if err != nil || n != 2 {
				t.Errorf("DeleteUser: %d, %v; want 2 (moved and apart)", n, err)
			}
		})
		if n != 5 || names[0] != "pipeline[smembers "+legacyIdx+"]" || !strings.HasPrefix(names[1], "pipeline[evalsha sessiongen:session:") ||
			names[2] != "srem "+legacyIdx || names[3] != "evalsha "+u.Index || names[4] != "pipeline[evalsha "+apart+"]" {
			t.Errorf("DeleteUser: %d exchanges %q", n, names)
		} else {
			t.Logf("DeleteUser: %d: %v", n, names)
		}
	})

	t.Run("Retries", func(t *testing.T) {
		c := tc.client(t)
		s := newStore(t, c, redisstore.Options{})
		nm := newNames(t)
		u := nm.user("heidi")
		var target string
		armOn(c, func() *stallProxy { return tc.proxies[node(t, c, target)] }, &target)
		for _, step := range []struct {
			name    string
			noToken bool
			apart   bool
			on      func(cm runtime.Commit) string // the key of the step held
		}{
			{"step 2, the replaced record", false, false, func(cm runtime.Commit) string { return cm.Replaces }},
			{"step 3, the record", false, false, func(cm runtime.Commit) string { return cm.Key }},
			{"step 4, the index apart", false, true, func(cm runtime.Commit) string { return cm.Record.User }},
			{"step 2 without a token (the old behaviour)", true, false, func(cm runtime.Commit) string { return cm.Replaces }},
		} {
			t.Run(step.name, func(t *testing.T) {
				k := nm.record(t, u)
				if step.apart {
					k = elsewhere(t, c, u.Index, func() string { return "apart:" + randHex(t, 32) })
				}
				anon := elsewhere(t, c, k, func() string { return nm.record(t, runtime.User{}) })
				mustCommit(t, s, commit(t, anon, 0, "anonymous", exp, ""))
				cm := commit(t, k, 0, "logged in", exp, u.Index)
				cm.Replaces, cm.ReplacesVersion = anon, 1
				if step.noToken {
					cm.Token = ""
				}
				p := tc.proxies[node(t, c, step.on(cm))]
				held := p.held.Load()
				target = step.on(cm)
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				start := time.Now()
				err := s.Commit(cctx, cm)
				target = ""
				t.Logf("Commit: %v after %v", err, time.Since(start).Round(time.Millisecond))
				if p.held.Load() != held+1 {
					t.Fatalf("the reply was not withheld")
				}
				if step.noToken {
					if !errors.Is(err, runtime.ErrConflict) {
						t.Errorf("Commit: %v; want the old behaviour's ErrConflict", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Commit with a step retried by the client: %v", err)
				}
				if r, err := s.Find(ctx, k); err != nil || r.User != u.Index {
					t.Errorf("Find: %+v, %v", r, err)
				}
				if _, err := s.Find(ctx, anon); !errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("the replaced record: %v; want ErrNotFound", err)
				}
				if ok := c.SIsMember(ctx, u.Index, k).Val(); !ok {
					t.Errorf("the record is not indexed")
				}
			})
		}
	})

	t.Run("DeleteUserBetweenSteps", func(t *testing.T) {
		c := tc.client(t)
		s := newStore(t, c, redisstore.Options{})
		admin := newStore(t, tc.client(t), redisstore.Options{})
		nm := newNames(t)
		var (
			before  string       // the first key of the script DeleteUser runs before
			u       runtime.User // whose sessions it ends
			deleted int          // what it returned
		)
		c.AddHook(hook{process: func(ctx context.Context, cmd redis.Cmder, next redis.ProcessHook) error {
			if cmd.Name() == "evalsha" && firstKey(cmd) == before {
				before = ""
				n, err := admin.DeleteUser(ctx, u)
				if err != nil {
					t.Errorf("DeleteUser: %v", err)
				}
				deleted = n
			}
			return next(ctx, cmd)
		}})
		for _, sc := range []struct {
			name        string
			legacy      bool // the replaced record is of the previous layout, else anonymous
			apart       bool // the record is apart from its index
			step        int  // DeleteUser runs before this step
			wantDeleted int
		}{
			{"login, before step 2", false, false, 2, 0},
			{"login, before step 3", false, false, 3, 0},
			{"move from the previous layout, before step 2", true, false, 2, 1},
			{"move from the previous layout, before step 3", true, false, 3, 0},
			{"login apart from the index, before step 4", false, true, 4, 0},
		} {
			t.Run(sc.name, func(t *testing.T) {
				u = nm.user("ivan-" + randHex(t, 4))
				k := nm.record(t, u)
				if sc.apart {
					k = elsewhere(t, c, u.Index, func() string { return "apart:" + randHex(t, 32) })
				}
				var r string
				if sc.legacy {
					r = writeLegacy(t, c, "sessiongen:user:", u.Name, 1, exp)
				} else {
					r = elsewhere(t, c, k, func() string { return nm.record(t, runtime.User{}) })
					mustCommit(t, s, commit(t, r, 0, "anonymous", exp, ""))
				}
				cm := commit(t, k, 0, "logged in", exp, u.Index)
				cm.Replaces, cm.ReplacesVersion = r, 1
				before = map[int]string{2: r, 3: k, 4: u.Index}[sc.step]
				deleted = -1
				err := s.Commit(ctx, cm)
				if deleted != sc.wantDeleted {
					t.Errorf("DeleteUser deleted %d; want %d", deleted, sc.wantDeleted)
				}
				if !errors.Is(err, runtime.ErrConflict) {
					t.Errorf("Commit: %v; want ErrConflict", err)
				}
				for _, k := range []string{k, r} {
					if _, err := s.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
						t.Errorf("%s: %v; want ErrNotFound", k, err)
					}
				}
				if n := c.Exists(ctx, k).Val(); n != 0 {
					t.Errorf("the record is there")
				}
			})
		}
	})

	t.Run("CrashBetweenSteps", func(t *testing.T) {
		c := tc.client(t)
		s := newStore(t, c, redisstore.Options{})
		nm := newNames(t)
		u := nm.user("judy")
		k := nm.record(t, u)
		r := elsewhere(t, c, k, func() string { return nm.record(t, runtime.User{}) })
		mustCommit(t, s, commit(t, r, 0, "anonymous", exp, ""))
		crash := errors.New("the process died")
		c.AddHook(hook{process: func(ctx context.Context, cmd redis.Cmder, next redis.ProcessHook) error {
			if cmd.Name() == "evalsha" && firstKey(cmd) == k {
				return crash
			}
			return next(ctx, cmd)
		}})
		cm := commit(t, k, 0, "logged in", exp, u.Index)
		cm.Replaces, cm.ReplacesVersion = r, 1
		if err := s.Commit(ctx, cm); !errors.Is(err, crash) {
			t.Fatalf("Commit: %v", err)
		}
		// The session is lost, and stays lost: its tombstone is no record.
		if _, err := s.Find(ctx, r); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Find: %v", err)
		}
		if err := s.Touch(ctx, r, 1, exp); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Touch: %v", err)
		}
		if err := s.Commit(ctx, commit(t, r, 1, "continued", exp, "")); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("Commit continuing it: %v", err)
		}
		again := commit(t, nm.record(t, u), 0, "again", exp, u.Index)
		again.Replaces, again.ReplacesVersion = r, 1
		if err := s.Commit(ctx, again); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("another Commit replacing it: %v", err)
		}
		if err := s.Delete(ctx, r, 1); err != nil {
			t.Errorf("Delete: %v", err)
		}
		if n, err := s.DeleteUser(ctx, u); err != nil || n != 0 {
			t.Errorf("DeleteUser: %d, %v", n, err)
		}
		if h := c.HGetAll(ctx, r).Val(); h["moved"] != cm.Token || h["version"] != "" || h["data"] != "" || h["crt"] == "" {
			t.Errorf("the tombstone is %v", h)
		}
		if ttl := c.PTTL(ctx, r).Val(); ttl <= 0 || ttl > time.Minute {
			t.Errorf("the tombstone lives %v; want a minute", ttl)
		}
		if n := c.Exists(ctx, k).Val(); n != 0 {
			t.Errorf("the successor is there")
		}
	})

	t.Run("Hostile", func(t *testing.T) {
		c := tc.client(t)
		s := newStore(t, c, redisstore.Options{})
		nm := newNames(t)
		for i, garbage := range []func(k string){
			func(k string) { c.HSet(ctx, k, "version", "1") },
			func(k string) { c.Set(ctx, k, "not a number", time.Hour) },
		} {
			u := nm.user(fmt.Sprint("mallory", i))
			garbage(u.Index + ":epoch")
			r := elsewhere(t, c, u.Index, func() string { return nm.record(t, runtime.User{}) })
			mustCommit(t, s, commit(t, r, 0, "anonymous", exp, ""))
			k := nm.record(t, u)
			cm := commit(t, k, 0, "logged in", exp, u.Index)
			cm.Replaces, cm.ReplacesVersion = r, 1
			mustCommit(t, s, cm)
			if n, err := s.DeleteUser(ctx, u); err != nil || n != 1 {
				t.Errorf("DeleteUser: %d, %v; want 1", n, err)
			}
		}
	})
}
