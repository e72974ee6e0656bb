// Package storetest is the conformance suite of runtime.Store: every store
// sessiongen ships runs it, and a third-party store should too. Run holds
// the store alone to its contract; RunHTTP serves an application through
// the runtime on it, with real parallel requests, and holds it to the
// promises sessions make (docs/server-side-sessions.md), each interleaving
// forced by a Recorder that gates the store's calls.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) runtime.Store { return newMyStore(t) })
//		storetest.RunHTTP(t, func(t *testing.T) runtime.Store { return newMyStore(t) })
//	}
//
// newStore must return an empty store, or one whose keys cannot collide
// with those of earlier calls (the suite uses fresh random keys); it
// arranges its own cleanup with t.Cleanup. Expiry is checked against real
// time with margins of a few hundred milliseconds, as a server-side TTL
// is; nothing else is timed.
//
// Keys are laid out as the runtime lays them out: an anonymous record
// under storetest:<64 hex>, a user's records under
// storetest:<namespace>:{<16 hex tag>}:<64 hex> and the user's index
// (runtime.User.Index) under storetest:<namespace>:{<tag>}:user, so the
// records of one user share the index's Redis Cluster hash tag and a
// store with slots can change them in one atomic step. A Commit with
// Replaces only ever moves a record between two keys of one user.
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

// Run runs every conformance test against stores made by newStore, each
// as a subtest of its own with a store of its own.
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
		{"ConditionalDelete", testConditionalDelete},
		{"DeleteUser", testDeleteUser},
		{"Namespacing", testNamespacing},
		{"RetriedCommitRecognisesItsWrite", testRetriedCommit},
		{"ReplacesIsConditional", testReplacesIsConditional},
		{"DeleteUserStopsReplace", testDeleteUserStopsReplace},
		{"ReplacesAcrossKeys", testReplacesAcrossKeys},
		{"FreshCommit", testFreshCommit},
		{"DataIsCopied", testDataIsCopied},
		{"BinaryAndLargeData", testBinaryAndLargeData},
		{"ConcurrentCommitsOneWinnerPerVersion", testConcurrentCommits},
		{"CanceledContext", testCanceledContext},
		{"DeadlineExceeded", testDeadlineExceeded},
		{"DevicesAreKept", testDevicesKept},
		{"ListUser", testListUser},
		{"DeleteUserKeepsOne", testDeleteUserKeep},
		{"UserLimitEndsTheLeastRecentlyUsed", testUserLimit},
		{"UserLimitHoldsUnderConcurrentCommits", testUserLimitConcurrent},
		{"DeleteUserKeepingOneStopsReplace", testDeleteUserKeepRacingReplace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, newStore(t))
		})
	}
}

const prefix = "storetest:"

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// key returns a fresh key of an anonymous record, as the runtime makes
// them.
func key(*testing.T) string {
	return prefix + randomHex(32)
}

// userKeys returns the index key of a fresh user and a function that makes
// fresh keys for that user's records, all under one hash tag.
func userKeys(t *testing.T) (index string, recordKey func() string) {
	return userKeysIn(t, "app")
}

// userKeysIn is userKeys in the given namespace.
func userKeysIn(_ *testing.T, namespace string) (index string, recordKey func() string) {
	base := prefix + namespace + ":{" + randomHex(8) + "}:"
	return base + "user", func() string { return base + randomHex(32) }
}

// token returns a fresh Commit.Token.
func token() string { return randomHex(16) }

func rec(data string, version uint64, ttl time.Duration) runtime.Record {
	return runtime.Record{Data: []byte(data), Version: version, Expires: time.Now().Add(ttl)}
}

// userRec is rec indexed under the user whose index is index.
func userRec(data string, version uint64, ttl time.Duration, index string) runtime.Record {
	r := rec(data, version, ttl)
	r.User = index
	return r
}

// write returns the Commit of r (at version prev+1) under k, with a fresh
// Token.
func write(k string, prev uint64, r runtime.Record) runtime.Commit {
	return runtime.Commit{Key: k, Prev: prev, Record: r, Token: token()}
}

// replace returns the Commit of a new record r under k that succeeds the
// record under old at version oldVersion.
func replace(k, old string, oldVersion uint64, r runtime.Record) runtime.Commit {
	c := write(k, 0, r)
	c.Replaces, c.ReplacesVersion = old, oldVersion
	return c
}

func mustCommit(t *testing.T, s runtime.Store, c runtime.Commit) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("Commit(%s: %d -> %d, replaces %q): %v", c.Key, c.Prev, c.Record.Version, c.Replaces, err)
	}
}

func find(t *testing.T, s runtime.Store, k string) (runtime.Record, error) {
	t.Helper()
	return s.Find(context.Background(), k)
}

// wantVersion fails unless the record under k is live at version.
func wantVersion(t *testing.T, s runtime.Store, k string, version uint64, what string) runtime.Record {
	t.Helper()
	got, err := find(t, s, k)
	if err != nil || got.Version != version {
		t.Errorf("%s: Find = version %d, %v; want version %d", what, got.Version, err, version)
	}
	return got
}

// wantGone fails unless there is no live record under k.
func wantGone(t *testing.T, s runtime.Store, k, what string) {
	t.Helper()
	if got, err := find(t, s, k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("%s: Find = version %d, %v; want ErrNotFound", what, got.Version, err)
	}
}

// A key nothing was written under holds no record.
func testFindMissing(t *testing.T, s runtime.Store) {
	if _, err := find(t, s, key(t)); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("Find on a missing key: %v; want ErrNotFound", err)
	}
}

// A committed record comes back whole: data, version, expiry (to the
// second) and user index.
func testCommitAndFind(t *testing.T, s runtime.Store) {
	index, newKey := userKeys(t)
	k := newKey()
	want := runtime.Record{Data: []byte("payload"), Version: 1, Expires: time.Now().Add(time.Hour).Truncate(time.Millisecond), User: index}
	mustCommit(t, s, write(k, 0, want))
	got, err := find(t, s, k)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != "payload" || got.Version != 1 || got.User != index {
		t.Errorf("Find = %+v; want %+v", got, want)
	}
	if d := got.Expires.Sub(want.Expires); d < -time.Second || d > time.Second {
		t.Errorf("Expires %v; want %v (within a second)", got.Expires, want.Expires)
	}
}

// Commit writes only over the version it names: a create over a live
// record, a commit from a stale version and one over a missing record are
// ErrConflict and change nothing.
func testCommitIsCompareAndSet(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, write(k, 0, rec("v1", 1, time.Hour)))
	if err := s.Commit(ctx, write(k, 0, rec("again", 1, time.Hour))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("creating over a live record: %v; want ErrConflict", err)
	}
	mustCommit(t, s, write(k, 1, rec("v2", 2, time.Hour)))
	if err := s.Commit(ctx, write(k, 1, rec("stale", 2, time.Hour))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("committing from a stale version: %v; want ErrConflict", err)
	}
	missing := key(t)
	if err := s.Commit(ctx, write(missing, 5, rec("nothing there", 6, time.Hour))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("committing over a missing record: %v; want ErrConflict", err)
	}
	wantGone(t, s, missing, "after the commit over a missing record")
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
	mustCommit(t, s, write(k, 0, rec("logged in", 1, time.Hour)))
	if err := s.Delete(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, write(k, 1, rec("slow request", 2, time.Hour))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("commit after delete: %v; want ErrConflict", err)
	}
	wantGone(t, s, k, "after the slow request")
}

// An expired record is gone for every method at once, whether or not a
// sweeper or TTL has freed it yet.
func testExpiryEnforcedOnRead(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, write(k, 0, rec("short", 1, 300*time.Millisecond)))
	if _, err := find(t, s, k); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	wantGone(t, s, k, "after expiry")
	// An expired record is gone for Commit too: it can be created anew,
	// not continued.
	if err := s.Commit(ctx, write(k, 1, rec("continued", 2, time.Hour))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("continuing an expired record: %v; want ErrConflict", err)
	}
	if err := s.Commit(ctx, write(k, 0, rec("new", 1, time.Hour))); err != nil {
		t.Errorf("creating over an expired record: %v", err)
	}
	// A record committed already expired is never found.
	k2 := key(t)
	if err := s.Commit(ctx, write(k2, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(-time.Second)})); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, k2, "a record committed expired")
}

// Touch moves the expiry of the version it names, without changing the
// data or the version; another version is ErrConflict, a missing record
// ErrNotFound.
func testTouch(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, write(k, 0, rec("data", 1, 400*time.Millisecond)))
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

// Delete with version 0 (a logout) removes the record; deleting it again
// is not an error.
func testDelete(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, write(k, 0, rec("x", 1, time.Hour)))
	if err := s.Delete(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, k, "after Delete")
	if err := s.Delete(ctx, k, 0); err != nil {
		t.Errorf("deleting a missing record: %v", err)
	}
}

// Delete with a version is conditional: at the loaded version it removes
// the record; at a stale one it is ErrConflict and the newer record stays;
// version 0 removes whatever version is there; an absent or expired record
// is nil whatever the version.
func testConditionalDelete(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, write(k, 0, rec("v1", 1, time.Hour)))
	mustCommit(t, s, write(k, 1, rec("v2", 2, time.Hour)))
	if err := s.Delete(ctx, k, 1); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("Delete at a stale version: %v; want ErrConflict", err)
	}
	if got := wantVersion(t, s, k, 2, "after the stale Delete"); string(got.Data) != "v2" {
		t.Errorf("after the stale Delete: data %q; want v2", got.Data)
	}
	if err := s.Delete(ctx, k, 2); err != nil {
		t.Errorf("Delete at the loaded version: %v", err)
	}
	wantGone(t, s, k, "after Delete at the loaded version")

	k = key(t)
	mustCommit(t, s, write(k, 0, rec("v1", 1, time.Hour)))
	mustCommit(t, s, write(k, 1, rec("v2", 2, time.Hour)))
	mustCommit(t, s, write(k, 2, rec("v3", 3, time.Hour)))
	if err := s.Delete(ctx, k, 0); err != nil {
		t.Errorf("Delete at version 0 of a record at version 3: %v", err)
	}
	wantGone(t, s, k, "after Delete at version 0")

	for _, v := range []uint64{0, 1, 9} {
		if err := s.Delete(ctx, key(t), v); err != nil {
			t.Errorf("Delete(version %d) of an absent record: %v; want nil", v, err)
		}
	}
	expired := key(t)
	mustCommit(t, s, write(expired, 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(-time.Second)}))
	if err := s.Delete(ctx, expired, 7); err != nil {
		t.Errorf("Delete(version 7) of an expired record: %v; want nil", err)
	}
}

// DeleteUser removes every live record indexed under the user, counts
// them, and leaves other users' and anonymous records alone; records
// already deleted on their own or expired are not counted.
func testDeleteUser(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)
	user := runtime.User{Index: index, Name: "user-" + randomHex(6)}
	var mine []string
	for i := range 3 {
		k := newKey()
		mine = append(mine, k)
		mustCommit(t, s, write(k, 0, userRec(fmt.Sprint("session ", i), 1, time.Hour, index)))
	}
	// One of them is deleted on its own (a logout), one committed again,
	// and one more committed already expired.
	if err := s.Delete(ctx, mine[0], 0); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, write(mine[1], 1, userRec("again", 2, time.Hour, index)))
	expired := newKey()
	mine = append(mine, expired)
	mustCommit(t, s, write(expired, 0, userRec("expired", 1, -time.Second, index)))
	otherIndex, otherKey := userKeys(t)
	theirs := otherKey()
	mustCommit(t, s, write(theirs, 0, userRec("someone else", 1, time.Hour, otherIndex)))
	anonymous := key(t)
	mustCommit(t, s, write(anonymous, 0, rec("nobody", 1, time.Hour)))

	n, err := s.DeleteUser(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("DeleteUser removed %d records; want the 2 live ones", n)
	}
	for _, k := range mine {
		wantGone(t, s, k, "a record of the deleted user")
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

// Users are told apart by their index key, not their name: DeleteUser of
// one namespace's user leaves the records of a user of the same name in
// another namespace alive.
func testNamespacing(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	name := "alice-" + randomHex(6)
	indexA, keyA := userKeysIn(t, "app")
	indexB, keyB := userKeysIn(t, "other-app")
	var a, b []string
	for i := range 2 {
		a = append(a, keyA())
		b = append(b, keyB())
		mustCommit(t, s, write(a[i], 0, userRec("a", 1, time.Hour, indexA)))
		mustCommit(t, s, write(b[i], 0, userRec("b", 1, time.Hour, indexB)))
	}
	n, err := s.DeleteUser(ctx, runtime.User{Index: indexA, Name: name})
	if err != nil || n != 2 {
		t.Errorf("DeleteUser(app's %s): %d, %v; want 2, nil", name, n, err)
	}
	for _, k := range a {
		wantGone(t, s, k, "a record of the deleted user")
	}
	for _, k := range b {
		wantVersion(t, s, k, 1, "a record of the same name in another namespace")
	}
	n, err = s.DeleteUser(ctx, runtime.User{Index: indexB, Name: name})
	if err != nil || n != 2 {
		t.Errorf("DeleteUser(other-app's %s): %d, %v; want 2, nil", name, n, err)
	}
	for _, k := range b {
		wantGone(t, s, k, "a record of the deleted user")
	}
}

// A Commit applied twice with the same Token (a retry after a timeout)
// succeeds both times and writes once: the version is Prev+1, and an
// expiry moved since by Touch stays. With another Token the second is
// ErrConflict, and a retry after the record moved on is too; the Token
// alone does not make a retry (a Commit of the next version carrying the
// current record's token writes). The same holds for a create (Prev 0)
// and for a Commit with Replaces, whose retry succeeds although the
// replaced record is gone by then.
func testRetriedCommit(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	create := write(k, 0, rec("first", 1, time.Hour))
	for i := range 2 {
		if err := s.Commit(ctx, create); err != nil {
			t.Fatalf("create, attempt %d: %v", i+1, err)
		}
	}
	wantVersion(t, s, k, 1, "after a retried create")
	other := create
	other.Token = token()
	if err := s.Commit(ctx, other); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("the same create with another token: %v; want ErrConflict", err)
	}

	next := write(k, 1, rec("second", 2, time.Hour))
	mustCommit(t, s, next)
	touched := time.Now().Add(3 * time.Hour)
	if err := s.Touch(ctx, k, 2, touched); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, next); err != nil {
		t.Errorf("retrying a commit that was applied: %v", err)
	}
	got := wantVersion(t, s, k, 2, "after a retried commit")
	if string(got.Data) != "second" {
		t.Errorf("after a retried commit: data %q; want second", got.Data)
	}
	if d := got.Expires.Sub(touched); d < -time.Second || d > time.Second {
		t.Errorf("after a retried commit: Expires %v; want the touched %v (the retry wrote again)", got.Expires, touched)
	}
	other = next
	other.Token = token()
	if err := s.Commit(ctx, other); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("the same commit with another token: %v; want ErrConflict", err)
	}
	third := write(k, 2, rec("third", 3, time.Hour))
	mustCommit(t, s, third)
	if err := s.Commit(ctx, next); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("retrying a commit after the record moved on: %v; want ErrConflict", err)
	}
	wantVersion(t, s, k, 3, "after the late retry")
	// The Token alone does not make a retry: a Commit of the next version
	// that carries the token of the record's writer (a caller that reused
	// it) is judged on Prev, and writes.
	reused := write(k, 3, rec("fourth", 4, time.Hour))
	reused.Token = third.Token
	if err := s.Commit(ctx, reused); err != nil {
		t.Errorf("a commit of version 4 carrying version 3's token: %v", err)
	}
	wantVersion(t, s, k, 4, "after a commit that reused a token")

	index, newKey := userKeys(t)
	old, moved := newKey(), newKey()
	mustCommit(t, s, write(old, 0, userRec("before login", 1, time.Hour, index)))
	c := replace(moved, old, 1, userRec("after login", 1, time.Hour, index))
	for i := range 2 {
		if err := s.Commit(ctx, c); err != nil {
			t.Fatalf("commit replacing a record, attempt %d: %v", i+1, err)
		}
	}
	wantVersion(t, s, moved, 1, "after a retried Replaces commit")
	wantGone(t, s, old, "the replaced record")
	other = c
	other.Token = token()
	if err := s.Commit(ctx, other); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("the same Replaces commit with another token: %v; want ErrConflict", err)
	}
}

// Replaces moves a session to a new key only if the old record is still
// at the version named: at a stale version, after a logout, or when the
// new key is taken, the Commit is ErrConflict and nothing changes; of two
// concurrent moves of one record, exactly one wins.
func testReplacesIsConditional(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)

	old, moved := newKey(), newKey()
	mustCommit(t, s, write(old, 0, userRec("old", 1, time.Hour, index)))
	mustCommit(t, s, replace(moved, old, 1, userRec("moved", 1, time.Hour, index)))
	wantGone(t, s, old, "the replaced record")
	if got := wantVersion(t, s, moved, 1, "the new record"); string(got.Data) != "moved" {
		t.Errorf("the new record: data %q; want moved", got.Data)
	}

	stale, target := newKey(), newKey()
	mustCommit(t, s, write(stale, 0, userRec("v1", 1, time.Hour, index)))
	mustCommit(t, s, write(stale, 1, userRec("v2", 2, time.Hour, index)))
	if err := s.Commit(ctx, replace(target, stale, 1, userRec("forked", 1, time.Hour, index))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("replacing a stale version: %v; want ErrConflict", err)
	}
	wantGone(t, s, target, "the new key after replacing a stale version")
	wantVersion(t, s, stale, 2, "the record a stale Replaces named")

	loggedOut, target := newKey(), newKey()
	mustCommit(t, s, write(loggedOut, 0, userRec("v1", 1, time.Hour, index)))
	if err := s.Delete(ctx, loggedOut, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, replace(target, loggedOut, 1, userRec("resurrected", 1, time.Hour, index))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("replacing a deleted record: %v; want ErrConflict", err)
	}
	wantGone(t, s, target, "the new key after replacing a deleted record")

	// The new key is taken: the replaced record stays.
	live, taken := newKey(), newKey()
	mustCommit(t, s, write(live, 0, userRec("live", 1, time.Hour, index)))
	mustCommit(t, s, write(taken, 0, userRec("taken", 1, time.Hour, index)))
	if err := s.Commit(ctx, replace(taken, live, 1, userRec("clobber", 1, time.Hour, index))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("replacing into a taken key: %v; want ErrConflict", err)
	}
	wantVersion(t, s, live, 1, "the record a failed Replaces named")
	if got := wantVersion(t, s, taken, 1, "the taken key"); string(got.Data) != "taken" {
		t.Errorf("the taken key: data %q; want taken", got.Data)
	}

	// The index followed the move: the user has moved, stale, live and
	// taken.
	if n, err := s.DeleteUser(ctx, runtime.User{Index: index}); err != nil || n != 4 {
		t.Errorf("DeleteUser after the moves: %d, %v; want 4, nil", n, err)
	}
	wantGone(t, s, moved, "the moved record after DeleteUser")

	const rounds = 50
	for round := range rounds {
		index, newKey := userKeys(t)
		old, a, b := newKey(), newKey(), newKey()
		mustCommit(t, s, write(old, 0, userRec("old", 1, time.Hour, index)))
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, k := range []string{a, b} {
			wg.Go(func() {
				<-start
				errs[i] = s.Commit(ctx, replace(k, old, 1, userRec(k, 1, time.Hour, index)))
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, runtime.ErrConflict):
				t.Errorf("round %d: Commit: %v; want nil or ErrConflict", round, err)
			}
		}
		live := 0
		for _, k := range []string{a, b} {
			if _, err := find(t, s, k); err == nil {
				live++
			}
		}
		wantGone(t, s, old, "the record both replaced")
		if won != 1 || live != 1 {
			t.Fatalf("round %d: %d of 2 concurrent moves of one record won, %d new records live; want exactly 1", round, won, live)
		}
	}
}

// DeleteUser is atomic with respect to Commit: racing a Commit that
// replaces one of the user's records with another (a regenerate), it
// either ends the new record or makes the Commit fail, so no record of the
// user is live afterwards, and exactly one live record was removed. A
// Commit that continues or replaces a record DeleteUser ended is
// ErrConflict.
func testDeleteUserStopsReplace(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)
	user := runtime.User{Index: index, Name: "bob-" + randomHex(6)}
	k, other := newKey(), newKey()
	mustCommit(t, s, write(k, 0, userRec("v1", 1, time.Hour, index)))
	mustCommit(t, s, write(other, 0, userRec("v1", 1, time.Hour, index)))
	if n, err := s.DeleteUser(ctx, user); err != nil || n != 2 {
		t.Fatalf("DeleteUser: %d, %v; want 2, nil", n, err)
	}
	if err := s.Commit(ctx, write(k, 1, userRec("v2", 2, time.Hour, index))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("continuing a record DeleteUser ended: %v; want ErrConflict", err)
	}
	wantGone(t, s, k, "a continued record DeleteUser ended")
	moved := newKey()
	if err := s.Commit(ctx, replace(moved, other, 1, userRec("moved", 1, time.Hour, index))); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("replacing a record DeleteUser ended: %v; want ErrConflict", err)
	}
	wantGone(t, s, moved, "the successor of a record DeleteUser ended")

	const rounds = 50
	committed := 0
	for round := range rounds {
		index, newKey := userKeys(t)
		user := runtime.User{Index: index, Name: "carol-" + randomHex(6)}
		old, moved := newKey(), newKey()
		mustCommit(t, s, write(old, 0, userRec("old", 1, time.Hour, index)))
		start := make(chan struct{})
		var commitErr, deleteErr error
		var n int
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			commitErr = s.Commit(ctx, replace(moved, old, 1, userRec("regenerated", 1, time.Hour, index)))
		})
		wg.Go(func() {
			<-start
			n, deleteErr = s.DeleteUser(ctx, user)
		})
		close(start)
		wg.Wait()
		switch {
		case commitErr == nil:
			committed++
		case !errors.Is(commitErr, runtime.ErrConflict):
			t.Errorf("round %d: Commit: %v; want nil or ErrConflict", round, commitErr)
		}
		if deleteErr != nil || n != 1 {
			t.Errorf("round %d: DeleteUser: %d, %v; want 1 (the old record or its successor), nil", round, n, deleteErr)
		}
		wantGone(t, s, old, fmt.Sprintf("round %d: the replaced record", round))
		wantGone(t, s, moved, fmt.Sprintf("round %d: the successor (commit error %v)", round, commitErr))
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("the regenerate came first in %d of %d rounds", committed, rounds)
}

// A session also moves between keys that share nothing (no hash tag in
// common): a login moves an anonymous record to a user's key, a change of
// user moves it from one user's key to another's. The move is conditional
// on the replaced record's version all the same, a retry of it succeeds,
// and a DeleteUser of the old user, before or during the move, leaves that
// user nothing live and the move either done or not at all.
func testReplacesAcrossKeys(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	anon := key(t)
	mustCommit(t, s, write(anon, 0, rec("anonymous", 1, time.Hour)))
	index, newKey := userKeys(t)
	login := replace(newKey(), anon, 2, userRec("stale", 1, time.Hour, index))
	if err := s.Commit(ctx, login); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("a login from a stale version: %v; want ErrConflict", err)
	}
	wantGone(t, s, login.Key, "the successor of a stale login")
	login = replace(newKey(), anon, 1, userRec("logged in", 1, time.Hour, index))
	mustCommit(t, s, login)
	mustCommit(t, s, login) // a retry
	wantGone(t, s, anon, "the anonymous record after the login")
	if got, err := find(t, s, login.Key); err != nil || string(got.Data) != "logged in" || got.Version != 1 {
		t.Fatalf("the logged-in record: %+v, %v", got, err)
	}

	for round := range 30 {
		from, fromKey := userKeys(t)
		to, toKey := userKeys(t)
		old, moved := fromKey(), toKey()
		mustCommit(t, s, write(old, 0, userRec("a", 1, time.Hour, from)))
		start := make(chan struct{})
		var commitErr, deleteErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			commitErr = s.Commit(ctx, replace(moved, old, 1, userRec("b", 1, time.Hour, to)))
		})
		wg.Go(func() {
			<-start
			_, deleteErr = s.DeleteUser(ctx, runtime.User{Index: from, Name: "from-" + randomHex(4)})
		})
		close(start)
		wg.Wait()
		if deleteErr != nil || (commitErr != nil && !errors.Is(commitErr, runtime.ErrConflict)) {
			t.Fatalf("round %d: Commit %v, DeleteUser %v", round, commitErr, deleteErr)
		}
		wantGone(t, s, old, fmt.Sprintf("round %d: the old user's record", round))
		_, err := find(t, s, moved)
		if (commitErr == nil) != (err == nil) {
			t.Fatalf("round %d: the move answered %v but its record is %v", round, commitErr, err)
		}
	}
}

// A Commit marked Fresh (a key made from a new random ID) writes the
// record like any first version: found, retried without harm, then
// continued, touched and deleted at its version; with a user, indexed.
func testFreshCommit(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	c := write(k, 0, rec("fresh", 1, time.Hour))
	c.Fresh = true
	mustCommit(t, s, c)
	mustCommit(t, s, c) // a retry
	if got, err := find(t, s, k); err != nil || string(got.Data) != "fresh" || got.Version != 1 || got.User != "" {
		t.Fatalf("a fresh record: %+v, %v", got, err)
	}
	mustCommit(t, s, write(k, 1, rec("next", 2, time.Hour)))
	if err := s.Touch(ctx, k, 2, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatalf("Touch of a continued fresh record: %v", err)
	}
	if err := s.Delete(ctx, k, 2); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, k, "a deleted fresh record")

	index, newKey := userKeys(t)
	uk := newKey()
	c = write(uk, 0, userRec("fresh login", 1, time.Hour, index))
	c.Fresh = true
	mustCommit(t, s, c)
	if n, err := s.DeleteUser(ctx, runtime.User{Index: index, Name: "fresh-" + randomHex(4)}); err != nil || n != 1 {
		t.Fatalf("DeleteUser after a fresh login: %d, %v; want 1", n, err)
	}
	wantGone(t, s, uk, "a fresh record of a user after DeleteUser")

	expired := write(key(t), 0, runtime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(-time.Second)})
	expired.Fresh = true
	mustCommit(t, s, expired)
	wantGone(t, s, expired.Key, "a fresh record committed already expired")
}

// The store keeps its own copy of the data, both ways.
func testDataIsCopied(t *testing.T, s runtime.Store) {
	k := key(t)
	data := []byte("original")
	mustCommit(t, s, write(k, 0, runtime.Record{Data: data, Version: 1, Expires: time.Now().Add(time.Hour)}))
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

// Any bytes, 256 KiB of them, come back intact.
func testBinaryAndLargeData(t *testing.T, s runtime.Store) {
	k := key(t)
	data := make([]byte, 256<<10)
	rand.Read(data)
	data[0], data[1] = 0, '\n'
	mustCommit(t, s, write(k, 0, runtime.Record{Data: data, Version: 1, Expires: time.Now().Add(time.Hour)}))
	got, err := find(t, s, k)
	if err != nil || !bytes.Equal(got.Data, data) {
		t.Errorf("256 KiB of random bytes did not come back intact (err %v)", err)
	}
}

// Of many requests committing from the same version, exactly one wins.
func testConcurrentCommits(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	k := key(t)
	mustCommit(t, s, write(k, 0, rec("0", 1, time.Hour)))
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
			wg.Go(func() {
				err := s.Commit(ctx, write(k, cur.Version, rec(fmt.Sprint(round, "/", w), cur.Version+1, time.Hour)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case !errors.Is(err, runtime.ErrConflict):
					t.Errorf("Commit: %v; want nil or ErrConflict", err)
				}
			})
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

// With a canceled context every method returns an error matching
// context.Canceled and changes nothing.
func testCanceledContext(t *testing.T, s runtime.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	testDeadContext(t, s, ctx, context.Canceled)
}

// With a context past its deadline (Config.StoreTimeout spent) every
// method returns an error matching context.DeadlineExceeded and changes
// nothing.
func testDeadlineExceeded(t *testing.T, s runtime.Store) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	testDeadContext(t, s, ctx, context.DeadlineExceeded)
}

func testDeadContext(t *testing.T, s runtime.Store, ctx context.Context, want error) {
	index, newKey := userKeys(t)
	user := runtime.User{Index: index, Name: "dave-" + randomHex(6)}
	k, fresh, moved := newKey(), newKey(), newKey()
	kept := userRec("kept", 1, time.Hour, index)
	mustCommit(t, s, write(k, 0, kept))
	check := func(method string, err error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: %v; want an error matching %v", method, err, want)
		}
	}
	_, err := s.Find(ctx, k)
	check("Find", err)
	check("Commit (create)", s.Commit(ctx, write(fresh, 0, userRec("x", 1, time.Hour, index))))
	check("Commit (continue)", s.Commit(ctx, write(k, 1, userRec("changed", 2, time.Hour, index))))
	check("Commit (replace)", s.Commit(ctx, replace(moved, k, 1, userRec("moved", 1, time.Hour, index))))
	check("Touch", s.Touch(ctx, k, 1, time.Now().Add(3*time.Hour)))
	check("Delete", s.Delete(ctx, k, 1))
	check("Delete (version 0)", s.Delete(ctx, k, 0))
	_, err = s.DeleteUser(ctx, user)
	check("DeleteUser", err)

	got := wantVersion(t, s, k, 1, "the record after the calls")
	if string(got.Data) != "kept" {
		t.Errorf("the record after the calls: data %q; want kept", got.Data)
	}
	if d := got.Expires.Sub(kept.Expires); d < -time.Second || d > time.Second {
		t.Errorf("the record after the calls: Expires %v; want %v (a Touch was applied)", got.Expires, kept.Expires)
	}
	wantGone(t, s, fresh, "a record created with a dead context")
	wantGone(t, s, moved, "a record moved with a dead context")
	if n, err := s.DeleteUser(context.Background(), user); err != nil || n != 1 {
		t.Errorf("DeleteUser afterwards: %d, %v; want 1 (the kept record), nil", n, err)
	}
}
