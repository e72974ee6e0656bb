package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessionruntime.Store {
		s := memstore.New(memstore.Options{SweepInterval: 50 * time.Millisecond})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func commit(t testing.TB, s *memstore.Store, key string, r sessionruntime.Record) {
	t.Helper()
	if err := s.Commit(context.Background(), sessionruntime.Commit{Key: key, Record: r, Token: key}); err != nil {
		t.Fatalf("Commit(%s): %v", key, err)
	}
}

func record(expires time.Time, user string) sessionruntime.Record {
	return sessionruntime.Record{Data: []byte("0123456789abcdef"), Version: 1, Expires: expires, User: user}
}

func found(s *memstore.Store, key string) bool {
	_, err := s.Find(context.Background(), key)
	return err == nil
}

// waitGoroutines waits up to a second for the goroutine count to fall to
// at most want, and returns it.
func waitGoroutines(want int) int {
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

// The sweeper frees expired records, and Close stops it: no goroutine is
// left behind.
func TestSweeperStopsAndFrees(t *testing.T) {
	before := runtime.NumGoroutine()
	s := memstore.New(memstore.Options{SweepInterval: 10 * time.Millisecond, SweepBatch: 7})
	for i := range 100 {
		commit(t, s, fmt.Sprint("k", i), record(time.Now().Add(20*time.Millisecond), ""))
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Len(); n != 0 {
		t.Errorf("%d expired records not swept", n)
	}
	if st := s.Stats(); st.Swept != 100 || st.MaxSweepBatch > 7 {
		t.Errorf("Stats = %+v; want 100 swept, at most 7 looked at per batch", st)
	}
	s.Close()
	s.Close() // twice is fine
	if n := waitGoroutines(before); n > before {
		t.Errorf("%d goroutines after Close; %d before New", n, before)
	}
}

// New and Close leave nothing running, whatever the options, and a Store
// without a sweeper closes too.
func TestNewCloseLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, interval := range []time.Duration{0, time.Millisecond, -1} {
		for range 20 {
			s := memstore.New(memstore.Options{SweepInterval: interval})
			commit(t, s, "k", record(time.Now().Add(-time.Second), ""))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := waitGoroutines(before); n > before {
		t.Errorf("%d goroutines after New and Close; %d before", n, before)
	}
}

// A sweep batch looks only at records that are due: with 5,000 live
// records and 1,050 expired ones, batches of 100 free the expired ones in
// 11 batches and look at no more than one live record per batch.
func TestSweepBatchesAreBounded(t *testing.T) {
	clk := newClock()
	s := memstore.New(memstore.Options{SweepInterval: -1, SweepBatch: 100, MaxRecords: -1, Now: clk.Now})
	defer s.Close()
	for i := range 5000 {
		user := ""
		if i%2 == 0 {
			user = "index"
		}
		commit(t, s, fmt.Sprint("live", i), record(clk.Now().Add(time.Hour+time.Duration(i)*time.Second), user))
	}
	for i := range 1050 {
		user := ""
		if i%3 == 0 {
			user = "index"
		}
		commit(t, s, fmt.Sprint("due", i), record(clk.Now().Add(time.Duration(i)*time.Millisecond), user))
	}
	clk.Add(30 * time.Minute)
	s.SweepNow()
	st := s.Stats()
	if st.Records != 5000 || st.Swept != 1050 {
		t.Errorf("after the sweep: %d records held, %d swept; want 5000, 1050", st.Records, st.Swept)
	}
	if st.MaxSweepBatch > 100 {
		t.Errorf("a batch looked at %d records; want at most SweepBatch (100)", st.MaxSweepBatch)
	}
	if st.SweepBatches != 11 {
		t.Errorf("%d batches; want 11 (10 full, 1 that finds the rest and stops at a live record)", st.SweepBatches)
	}
	if st.SweepExamined > st.Swept+st.SweepBatches {
		t.Errorf("the sweep looked at %d records for %d freed in %d batches: it walked live records", st.SweepExamined, st.Swept, st.SweepBatches)
	}
	// Nothing due: one batch that looks at one record.
	s.SweepNow()
	if st2 := s.Stats(); st2.SweepBatches != st.SweepBatches+1 || st2.SweepExamined != st.SweepExamined+1 {
		t.Errorf("a sweep with nothing due: %d batches, %d records looked at; want 1, 1",
			st2.SweepBatches-st.SweepBatches, st2.SweepExamined-st.SweepExamined)
	}
	for _, k := range []string{"live0", "live1", "live4999"} {
		if !found(s, k) {
			t.Errorf("%s was swept", k)
		}
	}
}

// Under a cap of 1,000, 100,000 commits of fresh anonymous records never
// fail and never hold more than 1,000 records, and the logged-in records
// survive while anonymous ones are there to evict.
func TestCapHoldsUnderFreshCommits(t *testing.T) {
	const limit, users, fresh = 1000, 100, 100_000
	s := memstore.New(memstore.Options{SweepInterval: -1, MaxRecords: limit})
	defer s.Close()
	now := time.Now()
	for i := range users {
		// The logged-in records expire first: they are kept anyway.
		commit(t, s, fmt.Sprint("user", i), record(now.Add(time.Hour), "index"))
	}
	for i := range fresh {
		commit(t, s, fmt.Sprint("anon", i), record(now.Add(31*24*time.Hour+time.Duration(i)), ""))
		if n := s.Len(); n > limit {
			t.Fatalf("after %d fresh commits the store holds %d records; cap %d", i+1, n, limit)
		}
	}
	st := s.Stats()
	if st.Records != limit || st.Evicted != users+fresh-limit || st.EvictedUsers != 0 {
		t.Errorf("Stats = %+v; want %d records, %d evicted, no user evicted", st, limit, users+fresh-limit)
	}
	for i := range users {
		if !found(s, fmt.Sprint("user", i)) {
			t.Fatalf("user%d was evicted while anonymous records were left", i)
		}
	}
	// The newest anonymous records are kept, the oldest evicted.
	if !found(s, fmt.Sprint("anon", fresh-1)) || found(s, "anon0") {
		t.Errorf("eviction did not take the soonest-expiring anonymous records")
	}
}

// Eviction takes an expired record first, then the anonymous record that
// expires soonest, and a logged-in one only when no anonymous one is left;
// continuing or replacing a record at the cap evicts nothing.
func TestCapEvictionOrder(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := memstore.New(memstore.Options{SweepInterval: -1, MaxRecords: 4, Now: clk.Now})
	defer s.Close()
	at := func(d time.Duration) time.Time { return clk.Now().Add(d) }
	commit(t, s, "user-expired", record(at(-time.Second), "index"))
	commit(t, s, "user-soon", record(at(time.Minute), "index"))
	commit(t, s, "anon-late", record(at(3*time.Hour), ""))
	commit(t, s, "anon-early", record(at(2*time.Hour), ""))

	commit(t, s, "new1", record(at(5*time.Hour), "")) // evicts user-expired
	commit(t, s, "new2", record(at(5*time.Hour), "")) // evicts anon-early
	if found(s, "anon-early") || !found(s, "anon-late") || !found(s, "user-soon") {
		t.Errorf("not the expired, then the soonest anonymous record was evicted")
	}
	// Continuing a record and replacing one do not grow the store.
	next := record(at(6*time.Hour), "")
	next.Version = 2
	if err := s.Commit(ctx, sessionruntime.Commit{Key: "new1", Prev: 1, Record: next, Token: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, sessionruntime.Commit{Key: "moved", Record: record(at(6*time.Hour), "index"), Token: "t",
		Replaces: "user-soon", ReplacesVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Evicted != 2 || st.Records != 4 {
		t.Errorf("Stats = %+v; want 2 evicted, 4 records", st)
	}
	// Records: anon-late, new1, new2 (anonymous), moved (logged in).
	for _, k := range []string{"anon-late", "new1", "new2"} {
		if err := s.Delete(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
	}
	commit(t, s, "u1", record(at(time.Hour), "index"))
	commit(t, s, "u2", record(at(time.Hour), "index"))
	commit(t, s, "u3", record(at(2*time.Hour), "index")) // full: moved, u1, u2, u3
	commit(t, s, "anon", record(at(time.Hour), ""))      // no anonymous left: evicts u1 or u2
	if st := s.Stats(); st.EvictedUsers != 1 || st.Records != 4 {
		t.Errorf("Stats = %+v; want 1 logged-in record evicted, 4 records", st)
	}
	if found(s, "u1") && found(s, "u2") || !found(s, "moved") || !found(s, "u3") || !found(s, "anon") {
		t.Errorf("not the soonest-expiring logged-in record was evicted")
	}
	// The evicted record is logged out: its index no longer holds it.
	n, err := s.DeleteUser(ctx, sessionruntime.User{Index: "index"})
	if err != nil || n != 3 {
		t.Errorf("DeleteUser: %d, %v; want the 3 records left", n, err)
	}
}

// A retried Commit of an evicted record is a conflict like any other
// Commit of a vanished record, and the Commit that evicts never fails.
func TestEvictedRecordIsLoggedOut(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(memstore.Options{SweepInterval: -1, MaxRecords: 1})
	defer s.Close()
	commit(t, s, "a", record(time.Now().Add(time.Hour), ""))
	commit(t, s, "b", record(time.Now().Add(time.Hour), ""))
	next := record(time.Now().Add(time.Hour), "")
	next.Version = 2
	if err := s.Commit(ctx, sessionruntime.Commit{Key: "a", Prev: 1, Record: next, Token: "x"}); !errors.Is(err, sessionruntime.ErrConflict) {
		t.Errorf("continuing an evicted record: %v; want ErrConflict", err)
	}
	if _, err := s.Find(ctx, "a"); !errors.Is(err, sessionruntime.ErrNotFound) {
		t.Errorf("Find of an evicted record: %v; want ErrNotFound", err)
	}
}

// BenchmarkMillionFreshSessions commits 1,000,000 fresh anonymous records
// (the cookieless writing requests of the review) into a Store with the
// default cap, and reports the records held and the heap they take.
func BenchmarkMillionFreshSessions(b *testing.B) {
	const fresh = 1_000_000
	data := make([]byte, 150)
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := memstore.New(memstore.Options{SweepInterval: -1})
		ctx := context.Background()
		expires := time.Now().Add(31 * 24 * time.Hour)
		for i := range fresh {
			k := fmt.Sprintf("sessiongen:app:%064x", i)
			if err := s.Commit(ctx, sessionruntime.Commit{Key: k, Record: sessionruntime.Record{Data: data, Version: 1, Expires: expires.Add(time.Duration(i))}, Token: "0123456789abcdef"}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		st := s.Stats()
		b.ReportMetric(float64(st.Records), "records-held")
		b.ReportMetric(float64(st.Evicted), "evicted")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MB")
		s.Close()
	}
}

// BenchmarkSweepAt2M fills an uncapped Store with 2,000,000 records, half
// of them expired, sweeps, and reports the longest one sweep batch held
// the lock and how many batches it took. Measured, never asserted.
func BenchmarkSweepAt2M(b *testing.B) {
	const total = 2_000_000
	data := make([]byte, 150)
	for b.Loop() {
		b.StopTimer()
		clk := newClock()
		s := memstore.New(memstore.Options{SweepInterval: -1, MaxRecords: -1, Now: clk.Now})
		ctx := context.Background()
		for i := range total {
			ttl := 31 * 24 * time.Hour
			if i%2 == 0 {
				ttl = time.Duration(i) * time.Millisecond
			}
			k := fmt.Sprintf("sessiongen:app:%064x", i)
			if err := s.Commit(ctx, sessionruntime.Commit{Key: k, Record: sessionruntime.Record{Data: data, Version: 1, Expires: clk.Now().Add(ttl)}, Token: "0123456789abcdef"}); err != nil {
				b.Fatal(err)
			}
		}
		clk.Add(24 * time.Hour)
		runtime.GC()
		b.StartTimer()
		s.SweepNow()
		b.StopTimer()
		st := s.Stats()
		if st.Swept != total/2 {
			b.Fatalf("swept %d; want %d", st.Swept, total/2)
		}
		b.ReportMetric(float64(st.MaxSweepLock.Nanoseconds())/1e3, "max-lock-µs")
		b.ReportMetric(float64(st.SweepBatches), "batches")
		b.ReportMetric(float64(st.MaxSweepBatch), "max-batch-records")
		s.Close()
		b.StartTimer()
	}
}
