package redisstore_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/redistest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// client returns a client of a fresh server, closed in t.Cleanup.
func client(t *testing.T) *redis.Client {
	t.Helper()
	addr, _ := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	c := client(t) // one server for every subtest: the suite's keys are fresh
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return redisstore.New(c, redisstore.Options{})
	})
}

func TestConformanceCluster(t *testing.T) {
	start := time.Now()
	addrs := redistest.StartCluster(t)
	t.Logf("a cluster of 3 masters up in %v", time.Since(start).Round(time.Millisecond))
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return redisstore.New(c, redisstore.Options{})
	})
	// The records and the indexes went to every master: the suite did
	// cross slots and nodes.
	var mu sync.Mutex
	var sizes []int64
	err := c.ForEachMaster(context.Background(), func(ctx context.Context, node *redis.Client) error {
		n, err := node.DBSize(ctx).Result()
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range sizes {
		if n == 0 {
			t.Errorf("keys per master %v: one master got none", sizes)
		}
	}
}

func key(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "test:" + hex.EncodeToString(b)
}

func indexKey(prefix, user string) string {
	sum := sha256.Sum256([]byte(user))
	return prefix + hex.EncodeToString(sum[:])
}

// Whatever is found under a key, nothing panics, and what is not a record
// as Commit writes it is not found, and is never continued or touched.
func TestHostileContents(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	s := redisstore.New(c, redisstore.Options{})
	// hash writes a hash with a valid exp an hour away (unless fields name
	// another: HSET keeps the last), and a TTL of an hour.
	later := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	hash := func(k string, fields ...any) {
		t.Helper()
		if err := c.HSet(ctx, k, append([]any{"exp", later}, fields...)...).Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.Expire(ctx, k, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]func(k string){
		"a string":                 func(k string) { c.Set(ctx, k, "garbage", time.Hour) },
		"a list":                   func(k string) { c.RPush(ctx, k, "1", "2") },
		"a set":                    func(k string) { c.SAdd(ctx, k, "version", "data") },
		"a stream":                 func(k string) { c.XAdd(ctx, &redis.XAddArgs{Stream: k, Values: []string{"version", "1"}}) },
		"a non-numeric version":    func(k string) { hash(k, "version", "abc", "data", "x") },
		"an empty version":         func(k string) { hash(k, "version", "", "data", "x") },
		"a negative version":       func(k string) { hash(k, "version", "-1", "data", "x") },
		"a fractional version":     func(k string) { hash(k, "version", "1.5", "data", "x") },
		"a version 0":              func(k string) { hash(k, "version", "0", "data", "x") },
		"a version with a 0":       func(k string) { hash(k, "version", "01", "data", "x") },
		"a version with a sign":    func(k string) { hash(k, "version", "+1", "data", "x") },
		"a version with spaces":    func(k string) { hash(k, "version", " 1", "data", "x") },
		"a version of 2^64":        func(k string) { hash(k, "version", "18446744073709551616", "data", "x") },
		"a huge version":           func(k string) { hash(k, "version", strings.Repeat("9", 1000), "data", "x") },
		"no version":               func(k string) { hash(k, "data", "x", "user", "alice") },
		"no data":                  func(k string) { hash(k, "version", "1", "user", "alice") },
		"no expiry":                func(k string) { c.HSet(ctx, k, "version", "1", "data", "x") },
		"no exp":                   func(k string) { hash(k, "version", "1", "data", "x"); c.HDel(ctx, k, "exp") },
		"an empty exp":             func(k string) { hash(k, "version", "1", "data", "x", "exp", "") },
		"an exp in the past":       func(k string) { hash(k, "version", "1", "data", "x", "exp", "1000") },
		"an exp of 0":              func(k string) { hash(k, "version", "1", "data", "x", "exp", "0") },
		"an exp with a 0":          func(k string) { hash(k, "version", "1", "data", "x", "exp", "0"+later) },
		"an exp with a sign":       func(k string) { hash(k, "version", "1", "data", "x", "exp", "+"+later) },
		"a negative exp":           func(k string) { hash(k, "version", "1", "data", "x", "exp", "-"+later) },
		"a fractional exp":         func(k string) { hash(k, "version", "1", "data", "x", "exp", later+".5") },
		"an exp in hex":            func(k string) { hash(k, "version", "1", "data", "x", "exp", "0x7fffffffffff") },
		"an exp of 16 digits":      func(k string) { hash(k, "version", "1", "data", "x", "exp", "1"+later+"000") },
		"an exp in binary":         func(k string) { hash(k, "version", "1", "data", "x", "exp", "\x00\x01") },
		"only unknown fields":      func(k string) { hash(k, "foo", "bar") },
		"a version in binary":      func(k string) { hash(k, "version", "\x00\x01", "data", "x") },
		"a version as a huge blob": func(k string) { hash(k, "version", strings.Repeat("1", 1<<20), "data", "x") },
	}
	for name, write := range cases {
		t.Run(name, func(t *testing.T) {
			k := key(t)
			write(k)
			before, _ := c.Dump(ctx, k).Result()
			if r, err := s.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Find: %+v, %v; want ErrNotFound", r, err)
			}
			if err := s.Touch(ctx, k, 1, time.Now().Add(time.Hour)); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Touch: %v; want ErrNotFound", err)
			}
			for _, prev := range []uint64{1, 2, math.MaxUint64} {
				r := runtime.Record{Data: []byte("mine"), Version: prev + 1, Expires: time.Now().Add(time.Hour), User: "alice"}
				if prev == math.MaxUint64 {
					r.Version = prev
				}
				if err := s.Commit(ctx, k, prev, r); err == nil {
					t.Errorf("Commit from %d over it succeeded", prev)
				} else if prev != math.MaxUint64 && !errors.Is(err, runtime.ErrConflict) {
					t.Errorf("Commit from %d: %v; want ErrConflict", prev, err)
				}
			}
			// The key exists: a new record cannot be created over it.
			if err := s.Commit(ctx, k, 0, runtime.Record{Data: []byte("new"), Version: 1, Expires: time.Now().Add(time.Hour)}); !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("Commit from 0: %v; want ErrConflict", err)
			}
			if after, _ := c.Dump(ctx, k).Result(); after != before {
				t.Errorf("the contents changed")
			}
			// Listed in an index, it is not deleted as a record of that user
			// unless it names the user, and nothing panics.
			user := "user-" + key(t)
			c.SAdd(ctx, indexKey("sessiongen:user:", user), k)
			if n, err := s.DeleteUser(ctx, user); err != nil || n != 0 {
				t.Errorf("DeleteUser: %d, %v; want 0, nil", n, err)
			}
			if err := s.Delete(ctx, k); err != nil {
				t.Errorf("Delete: %v", err)
			}
		})
	}

	t.Run("the largest version", func(t *testing.T) {
		k := key(t)
		hash(k, "version", "18446744073709551615", "data", "x", "user", "")
		r, err := s.Find(ctx, k)
		if err != nil || r.Version != math.MaxUint64 {
			t.Fatalf("Find: %+v, %v; want version 2^64-1", r, err)
		}
		if err := s.Touch(ctx, k, math.MaxUint64, time.Now().Add(time.Hour)); err != nil {
			t.Errorf("Touch: %v", err)
		}
		if err := s.Touch(ctx, k, math.MaxUint64-1, time.Now().Add(time.Hour)); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("Touch at 2^64-2 (equal as doubles): %v; want ErrConflict", err)
		}
		// Its successor would be 0: refused, nothing written.
		if err := s.Commit(ctx, k, math.MaxUint64, runtime.Record{Data: []byte("y"), Version: 0, Expires: time.Now().Add(time.Hour)}); err == nil {
			t.Errorf("Commit of a version 0 succeeded")
		}
	})

	t.Run("a garbage ixp", func(t *testing.T) {
		k := key(t)
		hash(k, "version", "3", "data", "x", "user", "alice", "ixp", "not a number")
		if err := s.Touch(ctx, k, 3, time.Now().Add(time.Hour)); err != nil {
			t.Errorf("Touch: %v", err)
		}
		if r, err := s.Find(ctx, k); err != nil || r.Version != 3 || r.User != "alice" {
			t.Errorf("Find: %+v, %v", r, err)
		}
	})

	t.Run("an index that is not a set", func(t *testing.T) {
		user := "mallory-" + key(t)
		idx := indexKey("sessiongen:user:", user)
		c.Set(ctx, idx, "garbage", time.Hour)
		k := key(t)
		err := s.Commit(ctx, k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Hour), User: user})
		if err == nil {
			t.Errorf("Commit indexed a record under a string")
		} else if errors.Is(err, runtime.ErrStoreUnavailable) || errors.Is(err, runtime.ErrConflict) {
			t.Errorf("Commit: %v; want a plain error (the server refused the index)", err)
		}
		if n, err := s.DeleteUser(ctx, user); err != nil || n != 0 {
			t.Errorf("DeleteUser: %d, %v; want 0, nil", n, err)
		}
		if n, _ := c.Exists(ctx, idx).Result(); n != 0 {
			t.Errorf("the garbage index is still there")
		}
		// Since the index write failed, the next Touch indexes the record.
		if err := s.Touch(ctx, k, 1, time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Touch: %v", err)
		}
		if ok, _ := c.SIsMember(ctx, idx, k).Result(); !ok {
			t.Errorf("Touch did not index the record again")
		}
		if n, err := s.DeleteUser(ctx, user); err != nil || n != 1 {
			t.Errorf("DeleteUser: %d, %v; want 1, nil", n, err)
		}
	})

	t.Run("an index listing garbage and other users", func(t *testing.T) {
		user, other := "eve-"+key(t), "bob-"+key(t)
		theirs := key(t)
		if err := s.Commit(ctx, theirs, 0, runtime.Record{Data: []byte("bob's"), Version: 1, Expires: time.Now().Add(time.Hour), User: other}); err != nil {
			t.Fatal(err)
		}
		str := key(t)
		c.Set(ctx, str, "x", time.Hour)
		idx := indexKey("sessiongen:user:", user)
		c.SAdd(ctx, idx, theirs, str, "", "\x00\r\n", key(t), strings.Repeat("k", 10000))
		if n, err := s.DeleteUser(ctx, user); err != nil || n != 0 {
			t.Errorf("DeleteUser: %d, %v; want 0, nil", n, err)
		}
		if _, err := s.Find(ctx, theirs); err != nil {
			t.Errorf("another user's record was deleted: %v", err)
		}
		if n, _ := c.Exists(ctx, str).Result(); n != 1 {
			t.Errorf("a key that was not a record was deleted")
		}
		if n, _ := c.Exists(ctx, idx).Result(); n != 0 {
			t.Errorf("the index is still there")
		}
	})
}

// The index key holds no user name and outlives the records it lists,
// Touch included: a session kept alive only by touches past the index's
// first expiry is still deleted by DeleteUser.
func TestIndexOutlivesRecords(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	const grace = 300 * time.Millisecond
	s := redisstore.New(c, redisstore.Options{IndexPrefix: "app:idx:", IndexGrace: grace})
	user := "alice@example.com"
	idx := indexKey("app:idx:", user)
	k := key(t)
	if err := s.Commit(ctx, k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(200 * time.Millisecond), User: user}); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, kk := range keys {
		if strings.Contains(kk, "alice") {
			t.Errorf("key %q holds the user name", kk)
		}
	}
	if ttl := c.PTTL(ctx, idx).Val(); ttl < 400*time.Millisecond {
		t.Errorf("index TTL %v; want at least the record's 200ms + the grace %v", ttl, grace)
	}
	// Touches move the record's expiry well past the index's.
	for range 3 {
		time.Sleep(150 * time.Millisecond)
		if err := s.Touch(ctx, k, 1, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if rttl, ittl := c.PTTL(ctx, k).Val(), c.PTTL(ctx, idx).Val(); ittl < rttl {
		t.Errorf("index TTL %v < record TTL %v", ittl, rttl)
	}
	time.Sleep(600 * time.Millisecond) // past the index's first expiry
	if n, err := s.DeleteUser(ctx, user); err != nil || n != 1 {
		t.Errorf("DeleteUser: %d, %v; want the touched record", n, err)
	}
	// A shorter-lived commit never shortens the index.
	long, short := key(t), key(t)
	if err := s.Commit(ctx, long, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Hour), User: user}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, short, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Second), User: user}); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, idx).Val(); ttl < 59*time.Minute {
		t.Errorf("index TTL %v after a short commit; want the long record's hour", ttl)
	}
}

// A session committed while DeleteUser runs is not unindexed by it: only
// the keys it deleted leave the index.
func TestDeleteUserLeavesNewKeysIndexed(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	s := redisstore.New(c, redisstore.Options{DeleteBatch: 2})
	user := "bob"
	var ks []string
	for range 5 {
		k := key(t)
		ks = append(ks, k)
		if err := s.Commit(ctx, k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Hour), User: user}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteUser(ctx, user); err != nil || n != 5 {
		t.Fatalf("DeleteUser: %d, %v; want 5 (in batches of 2)", n, err)
	}
	if n := c.Exists(ctx, ks...).Val(); n != 0 {
		t.Errorf("%d records left", n)
	}
	// Simulated: the index lists a key DeleteUser did not read.
	idx := indexKey("sessiongen:user:", user)
	k := key(t)
	if err := s.Commit(ctx, k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Hour), User: user}); err != nil {
		t.Fatal(err)
	}
	if ok := c.SIsMember(ctx, idx, k).Val(); !ok {
		t.Errorf("the new session is not indexed")
	}
}

// With the server gone, every method fails fast with an error matching
// runtime.ErrStoreUnavailable and the client's own error, and closing the
// client leaves no goroutine behind.
func TestServerDown(t *testing.T) {
	ctx := context.Background()
	addr, stop := redistest.Start(t)
	redis.SetLogger(quiet{}) // go-redis logs each failed dial
	before := goruntime.NumGoroutine()
	c := redis.NewClient(&redis.Options{
		Addr:            addr,
		DialTimeout:     200 * time.Millisecond,
		ReadTimeout:     200 * time.Millisecond,
		WriteTimeout:    200 * time.Millisecond,
		PoolTimeout:     300 * time.Millisecond,
		MaxRetries:      1,
		MinRetryBackoff: 10 * time.Millisecond,
		MaxRetryBackoff: 20 * time.Millisecond,
		DialerRetries:   1,
	})
	s := redisstore.New(c, redisstore.Options{})
	k := key(t)
	if err := s.Commit(ctx, k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Hour), User: "carol"}); err != nil {
		t.Fatal(err)
	}
	stop()

	const bound = 3 * time.Second
	ops := map[string]func() error{
		"Find": func() error { _, err := s.Find(ctx, k); return err },
		"Commit": func() error {
			return s.Commit(ctx, k, 1, runtime.Record{Data: []byte("y"), Version: 2, Expires: time.Now().Add(time.Hour), User: "carol"})
		},
		"Touch":      func() error { return s.Touch(ctx, k, 1, time.Now().Add(time.Hour)) },
		"Delete":     func() error { return s.Delete(ctx, k) },
		"DeleteUser": func() error { _, err := s.DeleteUser(ctx, "carol"); return err },
	}
	for round := range 2 { // the second time the pool holds no connection at all
		for name, op := range ops {
			start := time.Now()
			err := op()
			took := time.Since(start)
			if !errors.Is(err, runtime.ErrStoreUnavailable) {
				t.Errorf("%s: %v; want ErrStoreUnavailable", name, err)
			}
			if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, redis.ErrPoolTimeout) {
				var ne interface{ Timeout() bool }
				if !errors.As(err, &ne) {
					t.Errorf("%s: %v does not match the client's own error", name, err)
				}
			}
			if took > bound {
				t.Errorf("%s took %v; want under %v", name, took, bound)
			}
			if round == 0 {
				t.Logf("%s: %v after %v", name, err, took.Round(time.Millisecond))
			}
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// A closed client: still an ErrStoreUnavailable, no panic.
	if _, err := s.Find(ctx, k); !errors.Is(err, runtime.ErrStoreUnavailable) || !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Find on a closed client: %v; want ErrStoreUnavailable and redis.ErrClosed", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for goruntime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close; %d before the client\n%s", n, before, buf[:goruntime.Stack(buf, true)])
	}
}

// A context that ends while the client waits for a silent server comes
// back as the context's error. go-redis honours a context's deadline while
// it waits when ContextTimeoutEnabled is set, and a cancellation only
// before it sends: after that, the ReadTimeout bounds the wait.
func TestContextEndsWhileWaiting(t *testing.T) {
	addr, _ := redistest.Start(t)
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ReadTimeout:           300 * time.Millisecond,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	})
	t.Cleanup(func() { c.Close() })
	s := redisstore.New(c, redisstore.Options{})
	k := key(t)
	if err := s.Commit(context.Background(), k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pause := func() {
		t.Helper()
		// The server holds every command of every client for a while.
		if err := c.Do(context.Background(), "client", "pause", 2000, "all").Err(); err != nil {
			t.Fatal(err)
		}
	}
	pause()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := s.Find(ctx, k)
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Find canceled while waiting: %v; want context.Canceled", err)
	}
	if errors.Is(err, runtime.ErrStoreUnavailable) {
		t.Errorf("Find canceled while waiting: %v; a canceled request is not an unavailable store", err)
	}
	if took > time.Second {
		t.Errorf("Find returned after %v; want the read timeout", took)
	}
	t.Logf("canceled after 100ms, Find returned after %v: %v", took.Round(time.Millisecond), err)

	dctx, dcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer dcancel()
	start = time.Now()
	err = s.Touch(dctx, k, 1, time.Now().Add(time.Hour))
	took = time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, runtime.ErrStoreUnavailable) {
		t.Errorf("Touch past its deadline: %v; want DeadlineExceeded and ErrStoreUnavailable", err)
	}
	if took > 250*time.Millisecond {
		t.Errorf("Touch returned after %v; want its 100ms deadline", took)
	}
	t.Logf("with a 100ms deadline, Touch returned after %v: %v", took.Round(time.Millisecond), err)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// counter counts the network exchanges of a client: one per command
// processed alone, one per pipeline.
type counter struct {
	n     atomic.Int64
	mu    sync.Mutex
	names []string
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd.Name())
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var names []string
		for _, cmd := range cmds {
			names = append(names, cmd.Name())
		}
		c.add("pipeline[" + strings.Join(names, " ") + "]")
		return next(ctx, cmds)
	}
}

func (c *counter) add(name string) {
	c.n.Add(1)
	c.mu.Lock()
	c.names = append(c.names, name)
	c.mu.Unlock()
}

// count returns how many exchanges f made, and what they were.
func (c *counter) count(f func()) (int64, []string) {
	c.mu.Lock()
	c.names = nil
	c.mu.Unlock()
	before := c.n.Load()
	f()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n.Load() - before, c.names
}

func TestOneRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	var cnt counter
	c.AddHook(&cnt)
	s := redisstore.New(c, redisstore.Options{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	k := key(t)
	exp := time.Now().Add(time.Hour)
	// The first Commit and Touch may send the scripts' source once.
	n, names := cnt.count(func() {
		must(s.Commit(ctx, k, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: exp, User: "dave"}))
	})
	t.Logf("first Commit: %d exchanges %v", n, names)
	n, names = cnt.count(func() { must(s.Touch(ctx, k, 1, exp)) })
	t.Logf("first Touch: %d exchanges %v", n, names)

	for _, tc := range []struct {
		name string
		op   func()
		want int64
	}{
		{"Find", func() {
			r, err := s.Find(ctx, k)
			must(err)
			if r.Version != 1 {
				t.Errorf("version %d", r.Version)
			}
		}, 1},
		{"Commit with a user", func() {
			must(s.Commit(ctx, k, 1, runtime.Record{Data: []byte("y"), Version: 2, Expires: exp, User: "dave"}))
		}, 1},
		{"Commit without a user", func() {
			must(s.Commit(ctx, key(t), 0, runtime.Record{Data: []byte("y"), Version: 1, Expires: exp}))
		}, 1},
		{"Commit that conflicts", func() {
			if err := s.Commit(ctx, k, 1, runtime.Record{Data: []byte("z"), Version: 2, Expires: exp, User: "dave"}); !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("Commit: %v; want ErrConflict", err)
			}
		}, 1},
		{"Touch", func() { must(s.Touch(ctx, k, 2, exp.Add(time.Minute))) }, 1},
		{"Touch of a missing record", func() {
			if err := s.Touch(ctx, key(t), 1, exp); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Touch: %v", err)
			}
		}, 1},
		{"Find of a missing record", func() {
			if _, err := s.Find(ctx, key(t)); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Find: %v", err)
			}
		}, 1},
		{"Delete", func() { must(s.Delete(ctx, key(t))) }, 1},
		// Past the index's expiry (the commit's + a day): the index is
		// extended in a second exchange.
		{"Touch past the index's expiry", func() { must(s.Touch(ctx, k, 2, exp.Add(48*time.Hour))) }, 2},
		{"Touch after that", func() { must(s.Touch(ctx, k, 2, exp.Add(48*time.Hour))) }, 1},
	} {
		n, names := cnt.count(tc.op)
		if n != tc.want {
			t.Errorf("%s: %d exchanges %v; want %d", tc.name, n, names, tc.want)
		} else {
			t.Logf("%s: %v", tc.name, names)
		}
	}

	// After SCRIPT FLUSH (a restart, a failover), each method still works:
	// EVALSHA falls back to EVAL once.
	must(c.ScriptFlush(ctx).Err())
	must(s.Commit(ctx, k, 2, runtime.Record{Data: []byte("w"), Version: 3, Expires: exp, User: "dave"}))
	must(c.ScriptFlush(ctx).Err())
	must(s.Touch(ctx, k, 3, exp))
	must(c.ScriptFlush(ctx).Err())
	if n, err := s.DeleteUser(ctx, "dave"); err != nil || n != 1 {
		t.Errorf("DeleteUser after SCRIPT FLUSH: %d, %v", n, err)
	}
}

func ExampleNew() {
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{"127.0.0.1:6379"}, // several addresses: a Cluster; with MasterName: Sentinel
	})
	defer client.Close()
	store := redisstore.New(client, redisstore.Options{IndexPrefix: "myapp:sessions:user:"})
	var _ runtime.Store = store
	fmt.Println("ok")
	// Output: ok
}

// A client with go-redis's client-side cache on (RESP3 tracking) never
// gives the store a stale read: its invalidations arrive after the write
// that caused them, so a Find or DeleteUser answered from it would see a
// record another instance has just replaced or deleted (a logout undone
// for a moment, a Commit refused as a conflict). Before Find and
// DeleteUser bypassed it, 999 of 1000 reads here were stale.
func TestClientSideCacheNeverServesAStaleRecord(t *testing.T) {
	ctx := context.Background()
	addr, _ := redistest.Start(t)
	cached := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, ClientSideCacheConfig: &redis.ClientSideCacheConfig{}})
	other := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { cached.Close(); other.Close() })
	a, b := redisstore.New(cached, redisstore.Options{}), redisstore.New(other, redisstore.Options{})
	k, exp := key(t), time.Now().Add(time.Hour)
	rec := func(v uint64) runtime.Record {
		return runtime.Record{Data: []byte(strconv.FormatUint(v, 10)), Version: v, Expires: exp, User: "carol"}
	}
	if err := a.Commit(ctx, k, 0, rec(1)); err != nil {
		t.Fatal(err)
	}
	stale := 0
	for v := uint64(1); v <= 1000; v++ {
		if r, err := a.Find(ctx, k); err != nil || r.Version != v {
			stale++
		}
		// Another instance writes the next version, or this one does.
		s := b
		if v%2 == 0 {
			s = a
		}
		if err := s.Commit(ctx, k, v, rec(v+1)); err != nil {
			t.Fatalf("Commit of version %d: %v", v+1, err)
		}
	}
	if stale > 0 {
		t.Errorf("%d of 1000 Finds returned a version that had been replaced", stale)
	}
	// A logout in another instance is seen at once.
	if _, err := a.Find(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if r, err := a.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Find after another instance's Delete: %+v, %v; want ErrNotFound", r, err)
	}
	// "Log out everywhere" sees a session indexed a moment ago.
	if n, err := a.DeleteUser(ctx, "carol"); err != nil || n != 0 {
		t.Fatalf("DeleteUser: %d, %v", n, err)
	}
	k2 := key(t)
	if err := b.Commit(ctx, k2, 0, rec(1)); err != nil {
		t.Fatal(err)
	}
	if n, err := a.DeleteUser(ctx, "carol"); err != nil || n != 1 {
		t.Errorf("DeleteUser after another instance indexed a session: %d, %v; want 1", n, err)
	}
}
