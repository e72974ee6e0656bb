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
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// newStore returns a Store on c, failing the test if New refuses it.
func newStore(t testing.TB, c redis.UniversalClient, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	c := client(t) // one server for every subtest: the suite's keys are fresh
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return newStore(t, c, redisstore.Options{})
	})
}

func TestConformanceCluster(t *testing.T) {
	start := time.Now()
	addrs := redistest.StartCluster(t)
	t.Logf("a cluster of 3 masters up in %v", time.Since(start).Round(time.Millisecond))
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return newStore(t, c, redisstore.Options{})
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

// On a redis.Ring of two servers keys are together only with one hash
// tag: a user's keys go to one server, and a login moves a session from
// one server to the other as across Cluster slots.
func TestConformanceRing(t *testing.T) {
	a, _ := redistest.Start(t)
	b, _ := redistest.Start(t)
	c := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": a, "b": b}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return newStore(t, c, redisstore.Options{})
	})
	var sizes []int64
	for _, addr := range []string{a, b} {
		node := redis.NewClient(&redis.Options{Addr: addr})
		sizes = append(sizes, node.DBSize(context.Background()).Val())
		node.Close()
	}
	if sizes[0] == 0 || sizes[1] == 0 {
		t.Errorf("keys per server %v: one server got none", sizes)
	}
}

// New refuses every go-redis client that would ignore the deadline of a
// store operation, and says what to set.
func TestNewRefusesClientWithoutContextTimeout(t *testing.T) {
	addr := "127.0.0.1:1" // nothing is dialed
	for _, tc := range []struct {
		name     string
		off, on  func() redis.UniversalClient
		accepted bool
	}{
		{"Client", func() redis.UniversalClient { return redis.NewClient(&redis.Options{Addr: addr}) },
			func() redis.UniversalClient {
				return redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
			}, false},
		{"FailoverClient", func() redis.UniversalClient {
			return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{addr}})
		}, func() redis.UniversalClient {
			return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{addr}, ContextTimeoutEnabled: true})
		}, false},
		{"ClusterClient", func() redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
		}, func() redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true})
		}, false},
		{"Ring", func() redis.UniversalClient {
			return redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}})
		}, func() redis.UniversalClient {
			return redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}, ContextTimeoutEnabled: true})
		}, false},
		{"UniversalClient of several addresses", func() redis.UniversalClient {
			return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr, addr}})
		}, func() redis.UniversalClient {
			return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr, addr}, ContextTimeoutEnabled: true})
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off := tc.off()
			defer off.Close()
			s, err := redisstore.New(off, redisstore.Options{})
			if !errors.Is(err, redisstore.ErrContextTimeoutDisabled) || s != nil {
				t.Errorf("New: %v, %v; want ErrContextTimeoutDisabled", s, err)
			} else if !strings.Contains(err.Error(), "ContextTimeoutEnabled: true") {
				t.Errorf("New: %v does not say what to set", err)
			}
			on := tc.on()
			defer on.Close()
			if _, err := redisstore.New(on, redisstore.Options{}); err != nil {
				t.Errorf("New with ContextTimeoutEnabled: %v", err)
			}
		})
	}
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Errorf("New(nil) succeeded")
	}
}

func randHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func key(t testing.TB) string {
	t.Helper()
	return "test:" + randHex(t, 16)
}

// token returns a fresh Commit.Token.
func token(t testing.TB) string { return randHex(t, 16) }

// names makes keys as the runtime makes them, in a namespace of its own.
type names struct{ ns string }

func newNames(t testing.TB) names { return names{ns: "test:" + randHex(t, 4) + ":app:"} }

// user returns how the runtime names the user name in this namespace: the
// index under the user's tag, and the name.
func (n names) user(name string) runtime.User {
	sum := sha256.Sum256([]byte(n.ns + "\x00" + name))
	return runtime.User{Index: n.ns + "{" + hex.EncodeToString(sum[:8]) + "}:user", Name: name}
}

// record returns a fresh key of a record of u, anonymous if u.Index is "".
func (n names) record(t testing.TB, u runtime.User) string {
	if u.Index == "" {
		return n.ns + randHex(t, 32)
	}
	return strings.TrimSuffix(u.Index, "user") + randHex(t, 32)
}

// legacyIndexKey is the key of a user's index in the previous layout.
func legacyIndexKey(prefix, user string) string {
	sum := sha256.Sum256([]byte(user))
	return prefix + hex.EncodeToString(sum[:])
}

// writeLegacy writes a record of the user name and indexes it as the
// previous release's Commit did, command for command, and returns its key.
func writeLegacy(t testing.TB, c redis.UniversalClient, indexPrefix, name string, version uint64, expires time.Time) string {
	t.Helper()
	ctx := context.Background()
	k := "sessiongen:session:" + randHex(t, 32)
	exp, ixp := expires.UnixMilli(), expires.Add(24*time.Hour).UnixMilli()
	idx := legacyIndexKey(indexPrefix, name)
	for _, cmd := range []redis.Cmder{
		c.HSet(ctx, k, "version", strconv.FormatUint(version, 10), "data", "from the previous release", "user", name, "exp", exp, "ixp", ixp),
		c.PExpireAt(ctx, k, time.UnixMilli(exp)),
		c.SAdd(ctx, idx, k),
		c.Do(ctx, "pexpireat", idx, ixp, "nx"),
		c.Do(ctx, "pexpireat", idx, ixp, "gt"),
	} {
		if err := cmd.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// commit returns a Commit of data under k at version prev+1, with a fresh
// token.
func commit(t testing.TB, k string, prev uint64, data string, expires time.Time, user string) runtime.Commit {
	return runtime.Commit{Key: k, Prev: prev, Token: token(t),
		Record: runtime.Record{Data: []byte(data), Version: prev + 1, Expires: expires, User: user}}
}

func mustCommit(t testing.TB, s runtime.Store, c runtime.Commit) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("Commit(%s: %d -> %d, replaces %q): %v", c.Key, c.Prev, c.Record.Version, c.Replaces, err)
	}
}

// Whatever is found under a key, nothing panics, and what is not a record
// as Commit writes it is not found, and is never continued, replaced,
// touched or deleted as a record.
func TestHostileContents(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	s := newStore(t, c, redisstore.Options{})
	nm := newNames(t)
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
		"a string":                  func(k string) { c.Set(ctx, k, "garbage", time.Hour) },
		"a counter (as an epoch)":   func(k string) { c.Set(ctx, k, "3", time.Hour) },
		"a list":                    func(k string) { c.RPush(ctx, k, "1", "2") },
		"a set":                     func(k string) { c.SAdd(ctx, k, "version", "data") },
		"a stream":                  func(k string) { c.XAdd(ctx, &redis.XAddArgs{Stream: k, Values: []string{"version", "1"}}) },
		"a tombstone":               func(k string) { c.HSet(ctx, k, "moved", "a token"); c.PExpire(ctx, k, time.Minute) },
		"a tombstone of DeleteUser": func(k string) { c.HSet(ctx, k, "ended", "1"); c.PExpire(ctx, k, time.Minute) },
		"a non-numeric version":     func(k string) { hash(k, "version", "abc", "data", "x") },
		"an empty version":          func(k string) { hash(k, "version", "", "data", "x") },
		"a negative version":        func(k string) { hash(k, "version", "-1", "data", "x") },
		"a fractional version":      func(k string) { hash(k, "version", "1.5", "data", "x") },
		"a version 0":               func(k string) { hash(k, "version", "0", "data", "x") },
		"a version with a 0":        func(k string) { hash(k, "version", "01", "data", "x") },
		"a version with a sign":     func(k string) { hash(k, "version", "+1", "data", "x") },
		"a version with spaces":     func(k string) { hash(k, "version", " 1", "data", "x") },
		"a version of 2^64":         func(k string) { hash(k, "version", "18446744073709551616", "data", "x") },
		"a huge version":            func(k string) { hash(k, "version", strings.Repeat("9", 1000), "data", "x") },
		"no version":                func(k string) { hash(k, "data", "x", "user", "alice") },
		"no data":                   func(k string) { hash(k, "version", "1", "user", "alice") },
		"no expiry":                 func(k string) { c.HSet(ctx, k, "version", "1", "data", "x") },
		"no exp":                    func(k string) { hash(k, "version", "1", "data", "x"); c.HDel(ctx, k, "exp") },
		"an empty exp":              func(k string) { hash(k, "version", "1", "data", "x", "exp", "") },
		"an exp in the past":        func(k string) { hash(k, "version", "1", "data", "x", "exp", "1000") },
		"an exp of 0":               func(k string) { hash(k, "version", "1", "data", "x", "exp", "0") },
		"an exp with a 0":           func(k string) { hash(k, "version", "1", "data", "x", "exp", "0"+later) },
		"an exp with a sign":        func(k string) { hash(k, "version", "1", "data", "x", "exp", "+"+later) },
		"a negative exp":            func(k string) { hash(k, "version", "1", "data", "x", "exp", "-"+later) },
		"a fractional exp":          func(k string) { hash(k, "version", "1", "data", "x", "exp", later+".5") },
		"an exp in hex":             func(k string) { hash(k, "version", "1", "data", "x", "exp", "0x7fffffffffff") },
		"an exp of 16 digits":       func(k string) { hash(k, "version", "1", "data", "x", "exp", "1"+later+"000") },
		"an exp in binary":          func(k string) { hash(k, "version", "1", "data", "x", "exp", "\x00\x01") },
		"only unknown fields":       func(k string) { hash(k, "foo", "bar") },
		"a version in binary":       func(k string) { hash(k, "version", "\x00\x01", "data", "x") },
		"a version as a huge blob":  func(k string) { hash(k, "version", strings.Repeat("1", 1<<20), "data", "x") },
	}
	for name, write := range cases {
		t.Run(name, func(t *testing.T) {
			u := nm.user("user-" + key(t))
			k := nm.record(t, u)
			write(k)
			before, _ := c.Dump(ctx, k).Result()
			if r, err := s.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Find: %+v, %v; want ErrNotFound", r, err)
			}
			if err := s.Touch(ctx, k, 1, time.Now().Add(time.Hour)); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Touch: %v; want ErrNotFound", err)
			}
			for _, prev := range []uint64{1, 2, math.MaxUint64} {
				cm := commit(t, k, prev, "mine", time.Now().Add(time.Hour), u.Index)
				if prev == math.MaxUint64 {
					cm.Record.Version = prev
				}
				if err := s.Commit(ctx, cm); err == nil {
					t.Errorf("Commit from %d over it succeeded", prev)
				} else if prev != math.MaxUint64 && !errors.Is(err, runtime.ErrConflict) {
					t.Errorf("Commit from %d: %v; want ErrConflict", prev, err)
				}
			}
			// The key exists: a new record cannot be created over it.
			if err := s.Commit(ctx, commit(t, k, 0, "new", time.Now().Add(time.Hour), "")); !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("Commit from 0: %v; want ErrConflict", err)
			}
			// It is no record a new one may replace.
			for _, v := range []uint64{1, 2} {
				successor := nm.record(t, u)
				cm := commit(t, successor, 0, "successor", time.Now().Add(time.Hour), u.Index)
				cm.Replaces, cm.ReplacesVersion = k, v
				if err := s.Commit(ctx, cm); !errors.Is(err, runtime.ErrConflict) {
					t.Errorf("Commit replacing it at version %d: %v; want ErrConflict", v, err)
				}
				if n := c.Exists(ctx, successor).Val(); n != 0 {
					t.Errorf("the successor was written")
				}
			}
			// It is no record a conditional Delete removes.
			if err := s.Delete(ctx, k, 1); err != nil {
				t.Errorf("Delete(version 1): %v; want nil (no record there)", err)
			}
			if after, _ := c.Dump(ctx, k).Result(); after != before {
				t.Errorf("the contents changed")
			}
			// Listed in an index, it is not deleted as a record of that user
			// unless it names the user, and nothing panics.
			c.SAdd(ctx, u.Index, k)
			c.SAdd(ctx, legacyIndexKey("sessiongen:user:", u.Name), k)
			if n, err := s.DeleteUser(ctx, u); err != nil || n != 0 {
				t.Errorf("DeleteUser: %d, %v; want 0, nil", n, err)
			}
			if err := s.Delete(ctx, k, 0); err != nil {
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
		if err := s.Delete(ctx, k, math.MaxUint64-1); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("Delete at 2^64-2: %v; want ErrConflict", err)
		}
		// Its successor would be 0: refused, nothing written.
		cm := commit(t, k, math.MaxUint64, "y", time.Now().Add(time.Hour), "")
		if err := s.Commit(ctx, cm); err == nil {
			t.Errorf("Commit of a version 0 succeeded")
		}
		if err := s.Delete(ctx, k, math.MaxUint64); err != nil {
			t.Errorf("Delete at 2^64-1: %v", err)
		}
	})

	t.Run("a record with fields of its own", func(t *testing.T) {
		u := nm.user("zoe")
		k := nm.record(t, u)
		mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
		c.HSet(ctx, k, "foo", "bar", "moved", "a token", "ended", "1")
		if r, err := s.Find(ctx, k); err != nil || r.Version != 1 || string(r.Data) != "x" {
			t.Errorf("Find: %+v, %v", r, err)
		}
		if err := s.Touch(ctx, k, 1, time.Now().Add(2*time.Hour)); err != nil {
			t.Errorf("Touch: %v", err)
		}
		mustCommit(t, s, commit(t, k, 1, "y", time.Now().Add(time.Hour), u.Index))
		if n, err := s.DeleteUser(ctx, u); err != nil || n != 1 {
			t.Errorf("DeleteUser: %d, %v; want 1", n, err)
		}
	})

	t.Run("a garbage ixp", func(t *testing.T) {
		// Of the previous layout (no tok): its index is extended by name.
		k := key(t)
		hash(k, "version", "3", "data", "x", "user", "alice", "ixp", "not a number")
		if err := s.Touch(ctx, k, 3, time.Now().Add(time.Hour)); err != nil {
			t.Errorf("Touch: %v", err)
		}
		if r, err := s.Find(ctx, k); err != nil || r.Version != 3 || r.User != "alice" {
			t.Errorf("Find: %+v, %v", r, err)
		}
		if ok, _ := c.SIsMember(ctx, legacyIndexKey("sessiongen:user:", "alice"), k).Result(); !ok {
			t.Errorf("Touch did not index the record of the previous layout under its name")
		}
		// Of this layout.
		u := nm.user("alice")
		k = nm.record(t, u)
		hash(k, "version", "3", "data", "x", "user", u.Index, "ixp", "not a number", "tok", "t")
		if err := s.Touch(ctx, k, 3, time.Now().Add(time.Hour)); err != nil {
			t.Errorf("Touch: %v", err)
		}
		if ok, _ := c.SIsMember(ctx, u.Index, k).Result(); !ok {
			t.Errorf("Touch did not index the record")
		}
	})

	t.Run("a user field naming a key that is not a set", func(t *testing.T) {
		str := key(t)
		c.Set(ctx, str, "x", time.Hour)
		k := key(t)
		hash(k, "version", "1", "data", "x", "user", str, "ixp", "1", "tok", "t")
		if err := s.Touch(ctx, k, 1, time.Now().Add(time.Hour)); err == nil || errors.Is(err, runtime.ErrStoreUnavailable) {
			t.Errorf("Touch: %v; want a plain error", err)
		}
		if err := s.Delete(ctx, k, 1); err != nil {
			t.Errorf("Delete: %v", err)
		}
		if c.Get(ctx, str).Val() != "x" {
			t.Errorf("the string changed")
		}
	})

	t.Run("an index that is not a set", func(t *testing.T) {
		u := nm.user("mallory-" + key(t))
		c.Set(ctx, u.Index, "garbage", time.Hour)
		k := nm.record(t, u)
		err := s.Commit(ctx, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
		if err == nil {
			t.Errorf("Commit indexed a record under a string")
		} else if errors.Is(err, runtime.ErrStoreUnavailable) || errors.Is(err, runtime.ErrConflict) {
			t.Errorf("Commit: %v; want a plain error (the index is refused)", err)
		}
		if n := c.Exists(ctx, k).Val(); n != 0 {
			t.Errorf("the record was written without its index")
		}
		if n, err := s.DeleteUser(ctx, u); err != nil || n != 0 {
			t.Errorf("DeleteUser: %d, %v; want 0, nil", n, err)
		}
		if n, _ := c.Exists(ctx, u.Index).Result(); n != 0 {
			t.Errorf("the garbage index is still there")
		}
		mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
		if ok, _ := c.SIsMember(ctx, u.Index, k).Result(); !ok {
			t.Errorf("the record is not indexed")
		}
		if n, err := s.DeleteUser(ctx, u); err != nil || n != 1 {
			t.Errorf("DeleteUser: %d, %v; want 1, nil", n, err)
		}
	})

	t.Run("an epoch that is not a counter", func(t *testing.T) {
		for _, garbage := range []func(k string){
			func(k string) { c.Set(ctx, k, "not a number", time.Hour) },
			func(k string) { c.Set(ctx, k, strconv.FormatInt(math.MaxInt64, 10), time.Hour) },
			func(k string) { c.HSet(ctx, k, "version", "1") },
		} {
			u := nm.user("trudy-" + key(t))
			garbage(u.Index + ":epoch")
			k := nm.record(t, u)
			mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
			if n, err := s.DeleteUser(ctx, u); err != nil || n != 1 {
				t.Errorf("DeleteUser: %d, %v; want 1, nil", n, err)
			}
			if v := c.Get(ctx, u.Index+":epoch").Val(); v != "1" {
				t.Errorf("epoch %q after DeleteUser; want a fresh counter", v)
			}
		}
	})

	t.Run("an index listing garbage and other users", func(t *testing.T) {
		u, other := nm.user("eve-"+key(t)), nm.user("bob-"+key(t))
		theirs := nm.record(t, other)
		mustCommit(t, s, commit(t, theirs, 0, "bob's", time.Now().Add(time.Hour), other.Index))
		// A record of this layout naming the user by name, as the previous
		// one did, is not the user's: its user field is not the index.
		byName := nm.record(t, u)
		mustCommit(t, s, commit(t, byName, 0, "by name", time.Now().Add(time.Hour), u.Name))
		str := key(t)
		c.Set(ctx, str, "x", time.Hour)
		garbage := []any{theirs, byName, str, "", "\x00\r\n", key(t), strings.Repeat("k", 10000), u.Index, u.Index + ":epoch"}
		c.SAdd(ctx, u.Index, garbage...)
		c.SAdd(ctx, legacyIndexKey("sessiongen:user:", u.Name), theirs, str, "", u.Index)
		if n, err := s.DeleteUser(ctx, u); err != nil || n != 0 {
			t.Errorf("DeleteUser: %d, %v; want 0, nil", n, err)
		}
		for _, k := range []string{theirs, byName} {
			if _, err := s.Find(ctx, k); err != nil {
				t.Errorf("a record not naming the index was deleted: %v", err)
			}
		}
		if n, _ := c.Exists(ctx, str).Result(); n != 1 {
			t.Errorf("a key that was not a record was deleted")
		}
		if n, _ := c.Exists(ctx, u.Index, legacyIndexKey("sessiongen:user:", u.Name)).Result(); n != 0 {
			t.Errorf("an index is still there")
		}
	})
}

// The previous release's records and indexes, written as it wrote them,
// are read, touched and moved to the new layout, and DeleteUser ends them:
// those still in the old layout through the index by name, those moved
// through the new index.
func TestPreviousLayout(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	const prefix = "oldapp:user:"
	s := newStore(t, c, redisstore.Options{IndexPrefix: prefix})
	nm := newNames(t)
	u := nm.user("alice@example.com")
	exp := time.Now().Add(time.Hour)
	old := []string{
		writeLegacy(t, c, prefix, u.Name, 1, exp),
		writeLegacy(t, c, prefix, u.Name, 4, exp),
		writeLegacy(t, c, prefix, u.Name, 2, exp),
	}
	r, err := s.Find(ctx, old[0])
	if err != nil || r.Version != 1 || r.User != u.Name || string(r.Data) != "from the previous release" {
		t.Fatalf("Find: %+v, %v", r, err)
	}
	// Touched past its index's expiry, its index by name is extended.
	later := exp.Add(48 * time.Hour)
	if err := s.Touch(ctx, old[1], 4, later); err != nil {
		t.Fatal(err)
	}
	legacyIdx := legacyIndexKey(prefix, u.Name)
	if ttl := c.PTTL(ctx, legacyIdx).Val(); ttl < 71*time.Hour {
		t.Errorf("the index by name lives %v after a Touch to 48h; want beyond it", ttl)
	}
	// The runtime moves the first to the new layout at its next save.
	moved := nm.record(t, u)
	cm := commit(t, moved, 0, "moved", exp, u.Index)
	cm.Replaces, cm.ReplacesVersion = old[0], 1
	mustCommit(t, s, cm)
	if n := c.Exists(ctx, old[0]).Val(); n != 0 {
		t.Errorf("the replaced record is still there")
	}
	if r, err := s.Find(ctx, moved); err != nil || r.User != u.Index {
		t.Errorf("Find of the moved record: %+v, %v", r, err)
	}
	n, err := s.DeleteUser(ctx, u)
	if err != nil || n != 3 {
		t.Errorf("DeleteUser: %d, %v; want 3 (two by name, one moved)", n, err)
	}
	for _, k := range append(old, moved) {
		if _, err := s.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s: %v after DeleteUser", k, err)
		}
	}
	if n := c.Exists(ctx, legacyIdx, u.Index).Val(); n != 0 {
		t.Errorf("%d indexes left", n)
	}
}

// The index key holds no user name and outlives the records it lists,
// Touch included: a session kept alive only by touches past the index's
// first expiry is still deleted by DeleteUser.
func TestIndexOutlivesRecords(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	const grace = 300 * time.Millisecond
	s := newStore(t, c, redisstore.Options{IndexGrace: grace})
	nm := newNames(t)
	u := nm.user("alice@example.com")
	k := nm.record(t, u)
	mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(200*time.Millisecond), u.Index))
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, kk := range keys {
		if strings.Contains(kk, "alice") {
			t.Errorf("key %q holds the user name", kk)
		}
	}
	if ttl := c.PTTL(ctx, u.Index).Val(); ttl < 400*time.Millisecond {
		t.Errorf("index TTL %v; want at least the record's 200ms + the grace %v", ttl, grace)
	}
	// Touches move the record's expiry well past the index's.
	for range 3 {
		time.Sleep(150 * time.Millisecond)
		if err := s.Touch(ctx, k, 1, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if rttl, ittl := c.PTTL(ctx, k).Val(), c.PTTL(ctx, u.Index).Val(); ittl < rttl {
		t.Errorf("index TTL %v < record TTL %v", ittl, rttl)
	}
	time.Sleep(600 * time.Millisecond) // past the index's first expiry
	if n, err := s.DeleteUser(ctx, u); err != nil || n != 1 {
		t.Errorf("DeleteUser: %d, %v; want the touched record", n, err)
	}
	// A shorter-lived commit never shortens the index.
	long, short := nm.record(t, u), nm.record(t, u)
	mustCommit(t, s, commit(t, long, 0, "x", time.Now().Add(time.Hour), u.Index))
	mustCommit(t, s, commit(t, short, 0, "x", time.Now().Add(time.Second), u.Index))
	if ttl := c.PTTL(ctx, u.Index).Val(); ttl < 59*time.Minute {
		t.Errorf("index TTL %v after a short commit; want the long record's hour", ttl)
	}
}

// An index keeps only what may be a record of its user: a Delete, a
// Commit that replaces a record, and each Commit creating a record (two
// keys picked at random) drop keys that no longer hold one.
func TestIndexIsPruned(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	s := newStore(t, c, redisstore.Options{})
	nm := newNames(t)
	u := nm.user("carol")
	exp := time.Now().Add(time.Hour)
	a, b := nm.record(t, u), nm.record(t, u)
	mustCommit(t, s, commit(t, a, 0, "a", exp, u.Index))
	mustCommit(t, s, commit(t, b, 0, "b", exp, u.Index))
	if err := s.Delete(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	renewed := nm.record(t, u)
	cm := commit(t, renewed, 0, "renewed", exp, u.Index)
	cm.Replaces, cm.ReplacesVersion = b, 1
	mustCommit(t, s, cm)
	if m := c.SMembers(ctx, u.Index).Val(); len(m) != 1 || m[0] != renewed {
		t.Errorf("index %v; want only %s", m, renewed)
	}
	// Logouts (Delete, version 0) leave their keys; new sessions prune.
	// The index holds 2 to 4 keys most of the time, more than 8 about
	// once in a million runs (simulated), and 51 without pruning.
	for range 50 {
		k := nm.record(t, u)
		mustCommit(t, s, commit(t, k, 0, "x", exp, u.Index))
		if err := s.Delete(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.SCard(ctx, u.Index).Val(); n > 8 {
		t.Errorf("%d keys in the index after 50 sessions and logouts; want a few", n)
	}
	if ok := c.SIsMember(ctx, u.Index, renewed).Val(); !ok {
		t.Errorf("the live session was dropped from the index")
	}
}

// DeleteUser deletes in batches, each one script, until the index is
// empty: a Commit between two batches that replaces a record not yet
// deleted indexes its successor, which a later batch deletes.
func TestDeleteUserInBatches(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	s := newStore(t, c, redisstore.Options{DeleteBatch: 2})
	nm := newNames(t)
	u := nm.user("bob")
	var ks []string
	for range 5 {
		k := nm.record(t, u)
		ks = append(ks, k)
		mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
	}
	other := newStore(t, c, redisstore.Options{})
	var successor, replaced string
	var batches atomic.Int64
	c.AddHook(hook{process: func(ctx context.Context, cmd redis.Cmder, next redis.ProcessHook) error {
		if firstKey(cmd) != u.Index || cmd.Name() != "evalsha" {
			return next(ctx, cmd)
		}
		err := next(ctx, cmd)
		if batches.Add(1) == 1 {
			// Between the first batch and the second: a login renews a
			// session not yet deleted.
			left := c.SMembers(ctx, u.Index).Val()
			if len(left) == 0 {
				t.Errorf("nothing left after the first batch")
				return err
			}
			successor, replaced = nm.record(t, u), left[0]
			cm := commit(t, successor, 0, "renewed", time.Now().Add(time.Hour), u.Index)
			cm.Replaces, cm.ReplacesVersion = left[0], 1
			mustCommit(t, other, cm)
		}
		return err
	}})
	if n, err := s.DeleteUser(ctx, u); err != nil || n != 5 {
		t.Fatalf("DeleteUser: %d, %v; want 5 (4 of them, and the successor of the fifth)", n, err)
	}
	if b := batches.Load(); b != 3 {
		t.Errorf("%d scripts; want 3 batches of 2", b)
	}
	for _, k := range append(ks, successor) {
		if _, err := s.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s: %v after DeleteUser", k, err)
		}
		// In the place of each it deleted, for a minute, a tombstone.
		if h := c.HGetAll(ctx, k).Val(); k != replaced && (len(h) != 1 || h["ended"] != "1") {
			t.Errorf("%s holds %v; want a tombstone", k, h)
		}
	}
	if n := c.Exists(ctx, u.Index).Val(); n != 0 {
		t.Errorf("the index is still there")
	}
	// A session created after DeleteUser returned is indexed as usual.
	k := nm.record(t, u)
	mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
	if ok := c.SIsMember(ctx, u.Index, k).Val(); !ok {
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
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           200 * time.Millisecond,
		WriteTimeout:          200 * time.Millisecond,
		PoolTimeout:           300 * time.Millisecond,
		MaxRetries:            1,
		MinRetryBackoff:       10 * time.Millisecond,
		MaxRetryBackoff:       20 * time.Millisecond,
		DialerRetries:         1,
	})
	s := newStore(t, c, redisstore.Options{})
	nm := newNames(t)
	u := nm.user("carol")
	k := nm.record(t, u)
	mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), u.Index))
	stop()

	const bound = 3 * time.Second
	ops := map[string]func() error{
		"Find":   func() error { _, err := s.Find(ctx, k); return err },
		"Commit": func() error { return s.Commit(ctx, commit(t, k, 1, "y", time.Now().Add(time.Hour), u.Index)) },
		"Commit replacing": func() error {
			cm := commit(t, nm.record(t, u), 0, "y", time.Now().Add(time.Hour), u.Index)
			cm.Replaces, cm.ReplacesVersion = k, 1
			return s.Commit(ctx, cm)
		},
		"Touch":             func() error { return s.Touch(ctx, k, 1, time.Now().Add(time.Hour)) },
		"Delete":            func() error { return s.Delete(ctx, k, 0) },
		"Delete at version": func() error { return s.Delete(ctx, k, 1) },
		"DeleteUser":        func() error { _, err := s.DeleteUser(ctx, u); return err },
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
// it waits when ContextTimeoutEnabled is set (New insists), and a
// cancellation only before it sends: after that, the ReadTimeout bounds
// the wait.
func TestContextEndsWhileWaiting(t *testing.T) {
	addr, _ := redistest.Start(t)
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ReadTimeout:           300 * time.Millisecond,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	})
	t.Cleanup(func() { c.Close() })
	s := newStore(t, c, redisstore.Options{})
	k := key(t)
	mustCommit(t, s, commit(t, k, 0, "x", time.Now().Add(time.Hour), ""))
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

// hook is a redis.Hook of functions; a nil one passes through.
type hook struct {
	process  func(ctx context.Context, cmd redis.Cmder, next redis.ProcessHook) error
	pipeline func(ctx context.Context, cmds []redis.Cmder, next redis.ProcessPipelineHook) error
}

func (h hook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	if h.process == nil {
		return next
	}
	return func(ctx context.Context, cmd redis.Cmder) error { return h.process(ctx, cmd, next) }
}

func (h hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	if h.pipeline == nil {
		return next
	}
	return func(ctx context.Context, cmds []redis.Cmder) error { return h.pipeline(ctx, cmds, next) }
}

// firstKey returns the first key of cmd: the first argument, or the first
// of KEYS of a script.
func firstKey(cmd redis.Cmder) string {
	args := cmd.Args()
	switch cmd.Name() {
	case "evalsha", "eval":
		if len(args) > 3 {
			k, _ := args[3].(string)
			return k
		}
	default:
		if len(args) > 1 {
			k, _ := args[1].(string)
			return k
		}
	}
	return ""
}

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
		c.add(describe(cmd))
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var names []string
		for _, cmd := range cmds {
			names = append(names, describe(cmd))
		}
		c.add("pipeline[" + strings.Join(names, ", ") + "]")
		return next(ctx, cmds)
	}
}

// describe is cmd's name and first key.
func describe(cmd redis.Cmder) string {
	if k := firstKey(cmd); k != "" {
		return cmd.Name() + " " + k
	}
	return cmd.Name()
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
	s := newStore(t, c, redisstore.Options{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nm := newNames(t)
	u := nm.user("dave")
	k := nm.record(t, u)
	exp := time.Now().Add(time.Hour)
	// The first use of each script sends its source once.
	n, names := cnt.count(func() { must(s.Commit(ctx, commit(t, k, 0, "x", exp, u.Index))) })
	t.Logf("first Commit: %d exchanges %v", n, names)
	must(redisstore.LoadScripts(ctx, c))

	var renewed, anon string
	live := nm.record(t, u)
	must(s.Commit(ctx, commit(t, live, 0, "x", exp, u.Index)))
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
		{"Commit with a user", func() { must(s.Commit(ctx, commit(t, k, 1, "y", exp, u.Index))) }, 1},
		{"Commit without a user", func() { must(s.Commit(ctx, commit(t, nm.record(t, runtime.User{}), 0, "y", exp, ""))) }, 1},
		{"Commit that conflicts", func() {
			if err := s.Commit(ctx, commit(t, k, 1, "z", exp, u.Index)); !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("Commit: %v; want ErrConflict", err)
			}
		}, 1},
		{"Commit replacing a record (Regenerate)", func() {
			renewed = nm.record(t, u)
			cm := commit(t, renewed, 0, "renewed", exp, u.Index)
			cm.Replaces, cm.ReplacesVersion = k, 2
			must(s.Commit(ctx, cm))
		}, 1},
		{"Commit replacing a record of another slot (a logout)", func() {
			anon = nm.record(t, runtime.User{})
			cm := commit(t, anon, 0, "logged out", exp, "")
			cm.Replaces, cm.ReplacesVersion = renewed, 1
			must(s.Commit(ctx, cm))
		}, 1},
		{"Touch", func() { must(s.Touch(ctx, anon, 1, exp.Add(time.Minute))) }, 1},
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
		{"Delete", func() { must(s.Delete(ctx, key(t), 0)) }, 1},
		{"Delete at a version", func() { must(s.Delete(ctx, anon, 1)) }, 1},
		{"Delete at a version that conflicts", func() {
			if err := s.Delete(ctx, live, 2); !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("Delete: %v; want ErrConflict", err)
			}
		}, 1},
		// Past the index's expiry (the commit's + a day): the index is
		// extended by the same script.
		{"Touch past the index's expiry", func() {
			must(s.Touch(ctx, live, 1, exp.Add(48*time.Hour)))
			if ttl := c.PTTL(ctx, u.Index).Val(); ttl < 71*time.Hour {
				t.Errorf("the index lives %v; want beyond the record's 49h", ttl)
			}
		}, 2}, // the Touch, and the PTTL
		{"DeleteUser", func() {
			n, err := s.DeleteUser(ctx, runtime.User{Index: u.Index})
			if err != nil || n != 1 {
				t.Errorf("DeleteUser: %d, %v; want 1", n, err)
			}
		}, 1},
		{"DeleteUser with the previous layout's index", func() {
			n, err := s.DeleteUser(ctx, u)
			if err != nil || n != 0 {
				t.Errorf("DeleteUser: %d, %v; want 0", n, err)
			}
		}, 2},
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
	k = nm.record(t, u)
	must(c.ScriptFlush(ctx).Err())
	must(s.Commit(ctx, commit(t, k, 0, "w", exp, u.Index)))
	must(c.ScriptFlush(ctx).Err())
	must(s.Touch(ctx, k, 1, exp))
	must(c.ScriptFlush(ctx).Err())
	if n, err := s.DeleteUser(ctx, u); err != nil || n != 1 {
		t.Errorf("DeleteUser after SCRIPT FLUSH: %d, %v", n, err)
	}
	must(c.ScriptFlush(ctx).Err())
	must(s.Delete(ctx, k, 1))
}

// A client for a session store: ContextTimeoutEnabled, which New
// requires, so that go-redis gives up at the deadline the runtime gives
// each store operation (Config.StoreTimeout, a second by default); short
// timeouts, under that deadline, so that a stalled connection is given up
// and the command retried on another in time; and retries, which are safe:
// every write of the store recognises its own earlier attempt.
func ExampleNew() {
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{"127.0.0.1:6379"}, // several addresses: a Cluster; with MasterName: Sentinel

		ContextTimeoutEnabled: true,                   // required: honour the runtime's deadline
		DialTimeout:           300 * time.Millisecond, // a connection to a live server takes a millisecond
		ReadTimeout:           300 * time.Millisecond, // each command is a short script or a read
		WriteTimeout:          300 * time.Millisecond,
		PoolSize:              10 * goruntime.GOMAXPROCS(0), // connections per server: the requests in flight at once
		PoolTimeout:           300 * time.Millisecond,       // waiting for a free one counts against the deadline too
		MaxRetries:            2,                            // safe: a retried write recognises its first attempt
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var _ runtime.Store = store
	fmt.Println("ok")

	// A client left with go-redis's defaults is refused.
	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer plain.Close()
	_, err = redisstore.New(plain, redisstore.Options{})
	fmt.Println(errors.Is(err, redisstore.ErrContextTimeoutDisabled))
	// Output:
	// ok
	// true
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
	cached := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, ClientSideCacheConfig: &redis.ClientSideCacheConfig{}, ContextTimeoutEnabled: true})
	other := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { cached.Close(); other.Close() })
	a, b := newStore(t, cached, redisstore.Options{}), newStore(t, other, redisstore.Options{})
	nm := newNames(t)
	u := nm.user("carol")
	k, exp := nm.record(t, u), time.Now().Add(time.Hour)
	rec := func(v uint64) runtime.Commit {
		return commit(t, k, v-1, strconv.FormatUint(v, 10), exp, u.Index)
	}
	mustCommit(t, a, rec(1))
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
		if err := s.Commit(ctx, rec(v+1)); err != nil {
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
	if err := b.Delete(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	if r, err := a.Find(ctx, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Find after another instance's Delete: %+v, %v; want ErrNotFound", r, err)
	}
	// "Log out everywhere" sees a session indexed a moment ago.
	if n, err := a.DeleteUser(ctx, u); err != nil || n != 0 {
		t.Fatalf("DeleteUser: %d, %v", n, err)
	}
	k2 := nm.record(t, u)
	mustCommit(t, b, commit(t, k2, 0, "x", exp, u.Index))
	if n, err := a.DeleteUser(ctx, u); err != nil || n != 1 {
		t.Errorf("DeleteUser after another instance indexed a session: %d, %v; want 1", n, err)
	}
}
