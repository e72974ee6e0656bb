package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// The devices contracts of a Store alone: what a record keeps of its
// browser, a user's list of records, DeleteUser keeping one, and
// Commit.UserLimit.

// clockSlack is how far a store's clock (a server's) may be from the
// test's.
const clockSlack = 5 * time.Second

// listed returns the records ListUser gives for index, by key.
func listed(t *testing.T, s runtime.Store, index string) map[string]runtime.Record {
	t.Helper()
	recs, err := s.ListUser(context.Background(), runtime.User{Index: index})
	if err != nil {
		t.Fatalf("ListUser: %v", err)
	}
	out := make(map[string]runtime.Record, len(recs))
	for _, r := range recs {
		if _, dup := out[r.Key]; dup {
			t.Errorf("ListUser lists %s twice", r.Key)
		}
		out[r.Key] = r.Record
	}
	return out
}

// near fails unless got is within clockSlack of want.
func wantNear(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want).Abs(); d > clockSlack {
		t.Errorf("%s = %v; want about %v (the store's clock), %v away", what, got, want, d)
	}
}

// A record keeps the device of the Commit that created it (its User-Agent
// and address; Created and LastUsed on the store's clock, whatever the
// Commit says), keeps it when continued, carries it over to the record
// that replaces it, and moves LastUsed at each Commit and Touch.
func testDevicesKept(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)
	k := newKey()
	r := userRec("v1", 1, time.Hour, index)
	r.Device = runtime.Device{
		Created: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), LastUsed: time.Date(1999, 1, 2, 0, 0, 0, 0, time.UTC),
		UserAgent: "Mozilla/5.0 (storetest) ünïcode", Addr: "2001:db8::7",
	}
	began := time.Now()
	mustCommit(t, s, write(k, 0, r))
	got := listed(t, s, index)[k]
	if got.Device.UserAgent != r.Device.UserAgent || got.Device.Addr != r.Device.Addr {
		t.Errorf("ListUser: device %q from %q; want %q from %q", got.Device.UserAgent, got.Device.Addr, r.Device.UserAgent, r.Device.Addr)
	}
	wantNear(t, "Created", got.Device.Created, began)
	wantNear(t, "LastUsed", got.Device.LastUsed, began)
	if got.Version != 1 || got.User != index || got.Expires.Sub(r.Expires).Abs() > time.Millisecond {
		t.Errorf("ListUser: version %d, user %q, expires %v; want 1, %q, %v", got.Version, got.User, got.Expires, index, r.Expires)
	}
	created, used := got.Device.Created, got.Device.LastUsed

	time.Sleep(20 * time.Millisecond)
	r2 := userRec("v2", 2, time.Hour, index)
	r2.Device = runtime.Device{UserAgent: "another browser", Addr: "192.0.2.1"}
	mustCommit(t, s, write(k, 1, r2))
	got = listed(t, s, index)[k]
	if got.Device.UserAgent != r.Device.UserAgent || got.Device.Addr != r.Device.Addr || !got.Device.Created.Equal(created) {
		t.Errorf("a continued record's device became %+v; want the one it began with, %q from %q, created %v", got.Device, r.Device.UserAgent, r.Device.Addr, created)
	}
	if !got.Device.LastUsed.After(used) {
		t.Errorf("a Commit did not move LastUsed: %v, was %v", got.Device.LastUsed, used)
	}
	used = got.Device.LastUsed

	time.Sleep(20 * time.Millisecond)
	if err := s.Touch(ctx, k, 2, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got = listed(t, s, index)[k]
	if !got.Device.LastUsed.After(used) {
		t.Errorf("a Touch did not move LastUsed: %v, was %v", got.Device.LastUsed, used)
	}

	time.Sleep(20 * time.Millisecond)
	moved := newKey()
	r3 := userRec("regenerated", 1, time.Hour, index)
	r3.Device = runtime.Device{UserAgent: "not this one", Addr: "198.51.100.1"}
	mustCommit(t, s, replace(moved, k, 2, r3))
	all := listed(t, s, index)
	if _, ok := all[k]; ok || len(all) != 1 {
		t.Fatalf("after a replace ListUser lists %d records (the replaced one: %v); want only its successor", len(all), ok)
	}
	got = all[moved]
	if got.Device.UserAgent != r.Device.UserAgent || got.Device.Addr != r.Device.Addr || !got.Device.Created.Equal(created) {
		t.Errorf("the successor's device is %+v; want the replaced record's, %q from %q, created %v", got.Device, r.Device.UserAgent, r.Device.Addr, created)
	}
	if !got.Device.LastUsed.After(used) {
		t.Errorf("the successor's LastUsed %v is not after the replaced record's %v", got.Device.LastUsed, used)
	}

	// An anonymous record keeps its device too, and carries it to the
	// user's record a login makes of it.
	anon := key(t)
	ra := rec("anonymous", 1, time.Hour)
	ra.Device = runtime.Device{UserAgent: "first visit", Addr: "203.0.113.9"}
	mustCommit(t, s, write(anon, 0, ra))
	login := newKey()
	mustCommit(t, s, replace(login, anon, 1, userRec("logged in", 1, time.Hour, index)))
	got = listed(t, s, index)[login]
	if got.Device.UserAgent != "first visit" || got.Device.Addr != "203.0.113.9" {
		t.Errorf("a login from an anonymous record: device %q from %q; want the anonymous record's", got.Device.UserAgent, got.Device.Addr)
	}
}

// ListUser lists the live records of one user, and nothing else: no
// expired or deleted record, no record of another user or anonymous.
func testListUser(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)
	if got := listed(t, s, index); len(got) != 0 {
		t.Errorf("ListUser of a user without records: %d records", len(got))
	}
	var live []string
	for i := range 3 {
		k := newKey()
		mustCommit(t, s, write(k, 0, userRec(fmt.Sprint("session ", i), 1, time.Hour, index)))
		live = append(live, k)
	}
	deleted := newKey()
	mustCommit(t, s, write(deleted, 0, userRec("logged out", 1, time.Hour, index)))
	if err := s.Delete(ctx, deleted, 0); err != nil {
		t.Fatal(err)
	}
	expiring := newKey()
	mustCommit(t, s, write(expiring, 0, userRec("expiring", 1, 300*time.Millisecond, index)))
	otherIndex, otherKey := userKeys(t)
	mustCommit(t, s, write(otherKey(), 0, userRec("someone else", 1, time.Hour, otherIndex)))
	mustCommit(t, s, write(key(t), 0, rec("nobody", 1, time.Hour)))
	time.Sleep(600 * time.Millisecond)

	got := listed(t, s, index)
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Sort(live)
	if !slices.Equal(keys, live) {
		t.Errorf("ListUser = %v; want the 3 live records %v", keys, live)
	}
	for k, r := range got {
		if r.User != index || r.Version != 1 || !r.Expires.After(time.Now()) {
			t.Errorf("%s: user %q, version %d, expires %v", k, r.User, r.Version, r.Expires)
		}
	}
	if recs, err := s.ListUser(ctx, runtime.User{Index: otherIndex}); err != nil || len(recs) != 1 {
		t.Errorf("ListUser of the other user: %d records, %v; want 1", len(recs), err)
	}
}

// DeleteUser with Keep ends every record of the user but that one, which
// stays live and listed; a later DeleteUser without Keep ends it.
func testDeleteUserKeep(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)
	var ks []string
	for i := range 4 {
		k := newKey()
		mustCommit(t, s, write(k, 0, userRec(fmt.Sprint("device ", i), 1, time.Hour, index)))
		ks = append(ks, k)
	}
	n, err := s.DeleteUser(ctx, runtime.User{Index: index, Keep: ks[2]})
	if err != nil || n != 3 {
		t.Fatalf("DeleteUser keeping one: %d, %v; want 3, nil", n, err)
	}
	for i, k := range ks {
		if i == 2 {
			wantVersion(t, s, k, 1, "the record DeleteUser kept")
			continue
		}
		wantGone(t, s, k, "a record DeleteUser did not keep")
	}
	if got := listed(t, s, index); len(got) != 1 || got[ks[2]].Version != 1 {
		t.Errorf("after DeleteUser keeping one, ListUser lists %d records; want the kept one", len(got))
	}
	// The kept record goes on, and is still the user's.
	mustCommit(t, s, write(ks[2], 1, userRec("still here", 2, time.Hour, index)))
	if n, err := s.DeleteUser(ctx, runtime.User{Index: index}); err != nil || n != 1 {
		t.Errorf("DeleteUser after: %d, %v; want the kept record, 1", n, err)
	}
	wantGone(t, s, ks[2], "the kept record, after a DeleteUser without Keep")
}

// A Commit with UserLimit leaves the user that many live records, its own
// included, ending the least recently used (a Commit or Touch is a use);
// other users' and anonymous records are untouched; a Commit without it
// never ends a record.
func testUserLimit(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	index, newKey := userKeys(t)
	a, b, c := newKey(), newKey(), newKey()
	for _, k := range []string{a, b, c} {
		mustCommit(t, s, write(k, 0, userRec("device", 1, time.Hour, index)))
		time.Sleep(15 * time.Millisecond)
	}
	otherIndex, otherKey := userKeys(t)
	theirs := otherKey()
	mustCommit(t, s, write(theirs, 0, userRec("someone else", 1, time.Hour, otherIndex)))
	anon := key(t)
	mustCommit(t, s, write(anon, 0, rec("nobody", 1, time.Hour)))
	// a is used again, then b is touched: c and a are the least recent.
	mustCommit(t, s, write(a, 1, userRec("used", 2, time.Hour, index)))
	time.Sleep(15 * time.Millisecond)
	if err := s.Touch(ctx, b, 1, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(15 * time.Millisecond)

	d := newKey()
	cd := write(d, 0, userRec("login", 1, time.Hour, index))
	cd.UserLimit = 3
	mustCommit(t, s, cd)
	wantGone(t, s, c, "the least recently used record, over the limit")
	wantVersion(t, s, a, 2, "a record used since")
	wantVersion(t, s, b, 1, "a record touched since")
	wantVersion(t, s, d, 1, "the record of the Commit with UserLimit")
	wantVersion(t, s, theirs, 1, "another user's record")
	wantVersion(t, s, anon, 1, "an anonymous record")

	time.Sleep(15 * time.Millisecond)
	e := newKey()
	ce := write(e, 0, userRec("login", 1, time.Hour, index))
	ce.UserLimit = 1
	mustCommit(t, s, ce)
	for _, k := range []string{a, b, d} {
		wantGone(t, s, k, "a record over a limit of 1")
	}
	if got := listed(t, s, index); len(got) != 1 || got[e].Version != 1 {
		t.Errorf("after a Commit with UserLimit 1, ListUser lists %d records; want its own", len(got))
	}

	// The limit counts a replace's own record once, and the replaced
	// record not at all.
	f := newKey()
	mustCommit(t, s, write(f, 0, userRec("another device", 1, time.Hour, index)))
	moved := newKey()
	cm := replace(moved, e, 1, userRec("regenerated", 1, time.Hour, index))
	cm.UserLimit = 2
	mustCommit(t, s, cm)
	wantVersion(t, s, f, 1, "a record within the limit, beside a replace")
	wantVersion(t, s, moved, 1, "the replacing record")
	wantGone(t, s, e, "the replaced record")
	// Without UserLimit nothing is ended.
	g := newKey()
	mustCommit(t, s, write(g, 0, userRec("no limit", 1, time.Hour, index)))
	if got := listed(t, s, index); len(got) != 3 {
		t.Errorf("a Commit without UserLimit ended records: %d listed; want 3", len(got))
	}
}

// Commits with UserLimit of one user at once never leave more records than
// the limit: 50 new records of one user, each with a limit of 2, leave
// exactly 2.
func testUserLimitConcurrent(t *testing.T, s runtime.Store) {
	const logins, limit = 50, 2
	for round := range 3 {
		index, newKey := userKeys(t)
		// Records the user had before: all over the limit.
		var before []string
		for range 3 {
			k := newKey()
			mustCommit(t, s, write(k, 0, userRec("before", 1, time.Hour, index)))
			before = append(before, k)
		}
		keys := make([]string, logins)
		errs := make([]error, logins)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range logins {
			keys[i] = newKey()
			wg.Go(func() {
				<-start
				c := write(keys[i], 0, userRec(fmt.Sprint("login ", i), 1, time.Hour, index))
				c.UserLimit = limit
				errs[i] = s.Commit(context.Background(), c)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: login %d: %v", round, i, err)
			}
		}
		live := 0
		for _, k := range append(before, keys...) {
			if _, err := find(t, s, k); err == nil {
				live++
			} else if !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Find: %v", err)
			}
		}
		if n := len(listed(t, s, index)); live != limit || n != limit {
			t.Fatalf("round %d: %d logins with UserLimit %d left %d live records (%d listed); want %d", round, logins, limit, live, n, limit)
		}
		for _, k := range before {
			wantGone(t, s, k, "a record older than every login")
		}
	}
}

// DeleteUser keeping one record is atomic with respect to a Commit that
// replaces another record of the user (a regenerate), as DeleteUser is:
// the record and its successor are both gone afterwards, and the kept one
// lives.
func testDeleteUserKeepRacingReplace(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	const rounds = 50
	for round := range rounds {
		index, newKey := userKeys(t)
		keep, old, moved := newKey(), newKey(), newKey()
		mustCommit(t, s, write(keep, 0, userRec("this device", 1, time.Hour, index)))
		mustCommit(t, s, write(old, 0, userRec("another device", 1, time.Hour, index)))
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
			n, deleteErr = s.DeleteUser(ctx, runtime.User{Index: index, Keep: keep})
		})
		close(start)
		wg.Wait()
		if commitErr != nil && !errors.Is(commitErr, runtime.ErrConflict) {
			t.Errorf("round %d: Commit: %v; want nil or ErrConflict", round, commitErr)
		}
		if deleteErr != nil || n != 1 {
			t.Errorf("round %d: DeleteUser: %d, %v; want 1 (the other record or its successor), nil", round, n, deleteErr)
		}
		wantGone(t, s, old, fmt.Sprintf("round %d: the replaced record", round))
		wantGone(t, s, moved, fmt.Sprintf("round %d: the successor (commit error %v)", round, commitErr))
		wantVersion(t, s, keep, 1, fmt.Sprintf("round %d: the kept record", round))
		if t.Failed() {
			t.FailNow()
		}
	}
}
