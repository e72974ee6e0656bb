// Package storetest is the conformance suite of runtime.Store: every store
// sessiongen ships runs it, and a third-party store should too.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) runtime.Store { return newMyStore(t) })
//	}
//
// newStore must return an empty store, or one whose keys cannot collide
// with those of earlier calls (the suite uses fresh random keys); it
// arranges its own cleanup with t.Cleanup. Expiry is checked against real
// time with margins of a few hundred milliseconds, as a server-side TTL
// is.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s runtime.Store)
	}{
		{"FindMissing", testFindMissing},
		{"CommitAndFind", testCommitAndFind},
		{"CommitIsCompareAndSet", testCommitIsCompareAndSet},
		{"NoResurrectionAfterDelete", testNoResurrectionAfterDelete},
		{"ExpiryEnforcedOnRead", testExpiryEnforcedOnRead},
		{"Touch", testTouch},
		{"Delete", testDelete},
		{"DeleteUser", testDeleteUser},
		{"DataIsCopied", testDataIsCopied},
		{"BinaryAndLargeData", testBinaryAndLargeData},
		{"ConcurrentCommitsOneWinnerPerVersion", testConcurrentCommits},
		{"CanceledContext", testCanceledContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, newStore(t))
		})
	}
}

// key returns a fresh key, as the runtime makes them.
func key(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "storetest:" + hex.EncodeToString(b)
}

func rec(data string, version uint64, ttl time.Duration) runtime.Record {
	return runtime.Record{Data: []byte(data), Version: version, Expires: time.Now().Add(ttl)}
}

func mustCommit(t *testing.T, s runtime.Store, k string, prev uint64, r runtime.Record) {
	t.Helper()
	if err := s.Commit(context.Background(), k, prev, r); err != nil {
		t.Fatalf("Commit(%d -> %d): %v", prev, r.Version, err)
	}
}

func find(t *testing.T, s runtime.Store, k string) (runtime.Record, error) {
	t.Helper()
	return s.Find(context.Background(), k)
}

func testFindMissing(t *testing.T, s runtime.Store) {
	if _, err := find(t, s, key(t)); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("Find on a missing key: %v; want ErrNotFound", err)
	}
}

func testCommitAndFind(t *testing.T, s runtime.Store) {
	k := key(t)
	want := runtime.Record{Data: []byte("payload"), Version: 1, Expires: time.Now().Add(time.Hour).Truncate(time.Millisecond), User: "alice"}
	mustCommit(t, s, k, 0, want)
	got, err := find(t, s, k)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != "payload" || got.Version != 1 || got.User != "alice" {
		t.Errorf("Find = %+v; want %+v", got, want)
	}
	if d := got.Expires.Sub(want.Expires); d < -time.Second || d > time.Second {
		t.Errorf("Expires %v; want %v (within a second)", got.Expires, want.Expires)
	}
}

func testCommitIsCompareAndSet(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, k, 0, rec("v1", 1, time.Hour))
	if err := s.Commit(ctx, k, 0, rec("again", 1, time.Hour)); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("creating over a live record: %v; want ErrConflict", err)
	}
	mustCommit(t, s, k, 1, rec("v2", 2, time.Hour))
	if err := s.Commit(ctx, k, 1, rec("stale", 2, time.Hour)); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("committing from a stale version: %v; want ErrConflict", err)
	}
	if err := s.Commit(ctx, key(t), 5, rec("nothing there", 6, time.Hour)); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("committing over a missing record: %v; want ErrConflict", err)
	}
	got, err := find(t, s, k)
	if err != nil || string(got.Data) != "v2" || got.Version != 2 {
		t.Errorf("after the conflicts: %+v, %v; want v2 at version 2", got, err)
	}
}

// A request that loaded the session before a logout (Delete) cannot write
// it back.
func testNoResurrectionAfterDelete(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, k, 0, rec("logged in", 1, time.Hour))
	if err := s.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, k, 1, rec("slow request", 2, time.Hour)); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("commit after delete: %v; want ErrConflict", err)
	}
	if _, err := find(t, s, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("after the slow request: %v; want ErrNotFound", err)
	}
}

func testExpiryEnforcedOnRead(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, k, 0, rec("short", 1, 300*time.Millisecond))
	if _, err := find(t, s, k); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	if _, err := find(t, s, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("after expiry: %v; want ErrNotFound", err)
	}
	// An expired record is gone for Commit too: it can be created anew,
	// not continued.
	if err := s.Commit(ctx, k, 1, rec("continued", 2, time.Hour)); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("continuing an expired record: %v; want ErrConflict", err)
	}
	if err := s.Commit(ctx, k, 0, rec("new", 1, time.Hour)); err != nil {
		t.Errorf("creating over an expired record: %v", err)
	}
	// A record committed already expired is never found.
	k2 := key(t)
	if err := s.Commit(ctx, k2, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, err := find(t, s, k2); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a record committed expired: %v; want ErrNotFound", err)
	}
}

func testTouch(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, k, 0, rec("data", 1, 400*time.Millisecond))
	if err := s.Touch(ctx, k, 1, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	got, err := find(t, s, k)
	if err != nil || string(got.Data) != "data" || got.Version != 1 {
		t.Fatalf("after Touch and the old expiry: %+v, %v; want the data, still at version 1", got, err)
	}
	if got.Expires.Before(time.Now().Add(50 * time.Minute)) {
		t.Errorf("Expires %v: Touch did not move it", got.Expires)
	}
	if err := s.Touch(ctx, k, 7, time.Now().Add(time.Hour)); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("Touch at another version: %v; want ErrConflict", err)
	}
	if err := s.Touch(ctx, key(t), 1, time.Now().Add(time.Hour)); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Touch of a missing record: %v; want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, k, 0, rec("x", 1, time.Hour))
	if err := s.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := find(t, s, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("after Delete: %v; want ErrNotFound", err)
	}
	if err := s.Delete(ctx, k); err != nil {
		t.Errorf("deleting a missing record: %v", err)
	}
}

func testDeleteUser(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	user := "user-" + key(t)[len("storetest:"):][:12]
	other := user + "-other"
	var mine []string
	for i := range 3 {
		k := key(t)
		mine = append(mine, k)
		r := rec(fmt.Sprint("session ", i), 1, time.Hour)
		r.User = user
		mustCommit(t, s, k, 0, r)
	}
	// One of them is deleted on its own (a logout), one committed again.
	if err := s.Delete(ctx, mine[0]); err != nil {
		t.Fatal(err)
	}
	r := rec("again", 2, time.Hour)
	r.User = user
	mustCommit(t, s, mine[1], 1, r)
	theirs := key(t)
	r = rec("someone else", 1, time.Hour)
	r.User = other
	mustCommit(t, s, theirs, 0, r)
	anonymous := key(t)
	mustCommit(t, s, anonymous, 0, rec("nobody", 1, time.Hour))

	n, err := s.DeleteUser(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("DeleteUser removed %d records; want the 2 live ones", n)
	}
	for _, k := range mine {
		if _, err := find(t, s, k); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s survived DeleteUser: %v", k, err)
		}
	}
	for _, k := range []string{theirs, anonymous} {
		if _, err := find(t, s, k); err != nil {
			t.Errorf("another session was removed: %v", err)
		}
	}
	if n, err := s.DeleteUser(ctx, user); err != nil || n != 0 {
		t.Errorf("DeleteUser again: %d, %v; want 0, nil", n, err)
	}
}

func testDataIsCopied(t *testing.T, s runtime.Store) {
	k := key(t)
	data := []byte("original")
	mustCommit(t, s, k, 0, runtime.Record{Data: data, Version: 1, Expires: time.Now().Add(time.Hour)})
	copy(data, "CHANGED!")
	got, err := find(t, s, k)
	if err != nil || string(got.Data) != "original" {
		t.Fatalf("after changing the committed slice: %q, %v", got.Data, err)
	}
	copy(got.Data, "CHANGED!")
	again, err := find(t, s, k)
	if err != nil || string(again.Data) != "original" {
		t.Errorf("after changing a found slice: %q, %v", again.Data, err)
	}
}

func testBinaryAndLargeData(t *testing.T, s runtime.Store) {
	k := key(t)
	data := make([]byte, 256<<10)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	data[0], data[1] = 0, '\n'
	mustCommit(t, s, k, 0, runtime.Record{Data: data, Version: 1, Expires: time.Now().Add(time.Hour)})
	got, err := find(t, s, k)
	if err != nil || !bytes.Equal(got.Data, data) {
		t.Errorf("256 KiB of random bytes did not come back intact (err %v)", err)
	}
}

// Of many requests committing from the same version, exactly one wins.
func testConcurrentCommits(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, k, 0, rec("0", 1, time.Hour))
	const workers, rounds = 8, 20
	var mu sync.Mutex
	wins := 0
	for round := range rounds {
		cur, err := find(t, s, k)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		won := 0
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Commit(ctx, k, cur.Version, rec(fmt.Sprint(round, "/", w), cur.Version+1, time.Hour))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case !errors.Is(err, runtime.ErrConflict):
					t.Errorf("Commit: %v; want nil or ErrConflict", err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("round %d: %d commits from version %d won; want exactly 1", round, won, cur.Version)
		}
		wins += won
	}
	got, err := find(t, s, k)
	if err != nil || got.Version != uint64(1+wins) {
		t.Errorf("final version %d (err %v); want %d", got.Version, err, 1+wins)
	}
}

func testCanceledContext(t *testing.T, s runtime.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := key(t)
	if _, err := s.Find(ctx, k); !errors.Is(err, context.Canceled) {
		t.Errorf("Find with a canceled context: %v; want context.Canceled", err)
	}
	if err := s.Commit(ctx, k, 0, rec("x", 1, time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a canceled context: %v; want context.Canceled", err)
	}
	if _, err := find(t, s, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a canceled Commit wrote the record: %v", err)
	}
}
