package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// The merge scenario: a modifying request of a server-side session whose
// commit meets another request's commit of the same session, made after it
// loaded the record (Config.Concurrency, MergeFields by default). The
// measured request reads the name, the counter and the slice and
// increments the counter, as a modify does, but does not read the
// timestamp: the other request writes it, and a field read and changed
// concurrently would be a true conflict (409), not a merge. Its first
// Commit fails with ErrConflict; the runtime reloads the record (Find),
// splices the counter into it and commits again. The table shows it beside
// the modify row of the same store: what a merge adds.
//
// The other request is a real one, served by a second Interface (another
// instance) on the same store, between the measured request's Find and its
// Commit, with the benchmark's timer stopped: the row is the measured
// request alone, as the modify row is.

// conflictStore is a Store through which the measured request meets the
// other request's commit: armed, the next Commit of a loaded record
// (Prev != 0) first has the other request served to its end, so that it
// finds a newer version than the one it loaded. It counts what the
// measured request asks of the store.
type conflictStore struct {
	sessionruntime.Store
	other         func()
	pause, resume func() // the benchmark's StopTimer and StartTimer; nil in tests
	armed         bool
	finds         int // Finds
	commits       int // Commits
	conflicts     int // Commits that returned ErrConflict
}

func (s *conflictStore) Find(ctx context.Context, key string) (sessionruntime.Record, error) {
	s.finds++
	return s.Store.Find(ctx, key)
}

func (s *conflictStore) Commit(ctx context.Context, c sessionruntime.Commit) error {
	s.commits++
	if s.armed && c.Prev != 0 {
		s.armed = false
		if s.pause != nil {
			s.pause()
		}
		s.other()
		if s.resume != nil {
			s.resume()
		}
	}
	err := s.Store.Commit(ctx, c)
	if errors.Is(err, sessionruntime.ErrConflict) {
		s.conflicts++
	}
	return err
}

// mergeRig is one merge row: the measured request's handler (on its
// Interface, through a conflictStore) and the other request's (on a second
// Interface, on the store itself), with the seed session's cookie.
type mergeRig struct {
	name   string
	err    error // see system.err
	store  *conflictStore
	ours   http.Handler // the measured request
	seed   http.Handler // stores the seed data, through the measured request's Interface
	read   http.Handler // reads the counter and the timestamp (tests)
	cookie string

	// What Config.OnConcurrentChange was told by the measured request's
	// Interface.
	merged, refused, reloads int
	// The other request: how many it served, how many did not answer 200.
	others, otherFailed int
	seen                time.Time // the timestamp the last other request wrote
	got                 struct {
		visits int
		seen   time.Time
	} // what the read handler found
}

// newMergeRig builds a merge row on store, with the configuration of the
// server-side rows (sessiongenStore).
func newMergeRig(name string, store sessionruntime.Store, prefix string) *mergeRig {
	r := &mergeRig{name: name, store: &conflictStore{Store: store}}
	cfg := VisitorConfig{
		SecretKey: hashKey, DisableSecure: true, StoreKeyPrefix: prefix,
		IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime,
	}
	oursCfg, otherCfg := cfg, cfg
	oursCfg.Store = r.store
	oursCfg.OnConcurrentChange = func(_ *http.Request, c sessionruntime.ConcurrentChange) {
		if c.Merged {
			r.merged++
		} else {
			r.refused++
		}
		r.reloads += c.Reloads
	}
	otherCfg.Store = store
	ours, err := NewVisitorManager(oursCfg)
	if err != nil {
		panic(err)
	}
	other, err := NewVisitorManager(otherCfg)
	if err != nil {
		panic(err)
	}
	r.ours = ours.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s := VisitorFrom(req.Context())
		use(s.Username(), s.Visits(), s.Cart(), time.Time{})
		s.SetVisits(s.Visits() + 1)
		w.WriteHeader(http.StatusOK)
	}))
	r.seed = ours.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s := VisitorFrom(req.Context())
		s.SetUsername(seedName)
		s.SetVisits(seedVisit)
		s.SetCart(seedCart)
		s.SetLastSeen(seedSeen)
		w.WriteHeader(http.StatusOK)
	}))
	r.read = other.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s := VisitorFrom(req.Context())
		r.got.visits, r.got.seen = s.Visits(), s.LastSeen()
		w.WriteHeader(http.StatusOK)
	}))
	otherH := other.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		VisitorFrom(req.Context()).SetLastSeen(r.seen)
		w.WriteHeader(http.StatusOK)
	}))
	r.store.other = func() {
		r.others++
		r.seen = seedSeen.Add(time.Duration(r.others) * time.Second)
		rec := httptest.NewRecorder()
		otherH.ServeHTTP(rec, request(modify, r.cookie))
		if rec.Code != http.StatusOK {
			r.otherFailed++
		}
	}
	return r
}

// start seeds a new session (its cookie in r.cookie) and sets every count
// to zero, the store disarmed.
func (r *mergeRig) start(tb testing.TB) {
	tb.Helper()
	requireServer(tb, r.err)
	r.store.armed = false
	rec := httptest.NewRecorder()
	r.seed.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	r.cookie = ""
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session" {
			r.cookie = c.Name + "=" + c.Value
		}
	}
	if rec.Code != http.StatusOK || r.cookie == "" {
		tb.Fatalf("%s: the seed request answered %d, cookie %q", r.name, rec.Code, r.cookie)
	}
	r.store.finds, r.store.commits, r.store.conflicts = 0, 0, 0
	r.merged, r.refused, r.reloads, r.others, r.otherFailed = 0, 0, 0, 0, 0
}

// check reports whether n measured requests each met the other request's
// commit and merged: one conflict, one reload, two Finds and two Commits
// each, every other request answered 200.
func (r *mergeRig) check(tb testing.TB, n int) {
	tb.Helper()
	s := r.store
	if s.finds != 2*n || s.commits != 2*n || s.conflicts != n || r.merged != n || r.refused != 0 || r.reloads != n || r.others != n || r.otherFailed != 0 {
		tb.Fatalf("%s: %d requests: %d Finds, %d Commits, %d conflicts, %d merged, %d refused, %d reloads, %d other requests (%d failed); want %d Finds, %d Commits and %d of the rest, none refused or failed",
			r.name, n, s.finds, s.commits, s.conflicts, r.merged, r.refused, r.reloads, r.others, r.otherFailed, 2*n, 2*n, n)
	}
}

func memstoreMergeRig() *mergeRig {
	return newMergeRig("sessiongen: memstore", memstore.New(memstore.Options{SweepInterval: -1}), "")
}

// redisMergeRig is on the redisstore row's server, with its key prefixes
// (see sessiongenRedis).
func redisMergeRig() *mergeRig {
	c, err := benchRedis()
	if err != nil {
		return &mergeRig{name: "sessiongen: redisstore", err: err}
	}
	store, err := redisstore.New(c, redisstore.Options{IndexPrefix: sessiongenIndexPrefix})
	if err != nil {
		panic(err)
	}
	return newMergeRig("sessiongen: redisstore", store, sessiongenRedisPrefix)
}

// pgMergeRig is on the pgstore row's cluster and pool, with its key
// prefix (see sessiongenPostgres).
func pgMergeRig() *mergeRig {
	pool, err := benchPostgres()
	if err != nil {
		return &mergeRig{name: "sessiongen: pgstore", err: err}
	}
	return newMergeRig("sessiongen: pgstore", newPGStore(pool), sessiongenPGPrefix)
}

// mergeRigs are the merge rows, named as the modify rows they stand beside.
func mergeRigs() []*mergeRig {
	return []*mergeRig{memstoreMergeRig(), redisMergeRig(), pgMergeRig()}
}

// benchMerge is BenchmarkRequest's merge row: the measured request whole
// (its Find, its failed Commit, the reload, the merge, the Commit that
// lands, the response), the other request's time and allocations left
// out.
func benchMerge(b *testing.B, r *mergeRig) {
	r.start(b)
	base := request(modify, r.cookie)
	s := r.store
	s.pause, s.resume = b.StopTimer, b.StartTimer
	defer func() { s.pause, s.resume = nil, nil }()
	n, failed := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		req := new(http.Request)
		*req = *base
		rec := httptest.NewRecorder()
		s.armed = true
		r.ours.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			failed++
		}
		n++
	}
	if failed > 0 {
		b.Fatalf("%s: %d of %d merged requests did not answer 200", r.name, failed, n)
	}
	r.check(b, n)
}

// TestMergeRows checks that the merge rows measure what they claim: each
// request meets the other request's commit, reloads once, merges and
// answers 200 with its cookie, and both changes are kept; and that without
// the other request (the store disarmed) the same request is uncontended,
// as a modify: one Find, one Commit, no merge.
func TestMergeRows(t *testing.T) {
	for _, r := range mergeRigs() {
		t.Run(r.name, func(t *testing.T) {
			r.start(t)
			const n = 3
			for i := range n {
				r.store.armed = true
				rec := httptest.NewRecorder()
				r.ours.ServeHTTP(rec, request(modify, r.cookie))
				if rec.Code != http.StatusOK || rec.Header().Get("Set-Cookie") == "" {
					t.Fatalf("request %d: status %d, Set-Cookie %q; want 200 and a cookie", i, rec.Code, rec.Header().Get("Set-Cookie"))
				}
				if r.store.armed {
					t.Fatalf("request %d: no Commit met the other request", i)
				}
			}
			r.check(t, n)

			// Both writes landed: every increment, and the other
			// request's last timestamp.
			r.read.ServeHTTP(httptest.NewRecorder(), request(readOnly, r.cookie))
			if r.got.visits != seedVisit+n || !r.got.seen.Equal(r.seen) {
				t.Errorf("after %d merges: visits %d, last seen %v; want %d, %v", n, r.got.visits, r.got.seen, seedVisit+n, r.seen)
			}

			// Disarmed, the same request is a plain modify.
			r.start(t)
			rec := httptest.NewRecorder()
			r.ours.ServeHTTP(rec, request(modify, r.cookie))
			if s := r.store; rec.Code != http.StatusOK || s.finds != 1 || s.commits != 1 || s.conflicts != 0 || r.merged+r.refused != 0 {
				t.Errorf("uncontended: status %d, %d Finds, %d Commits, %d conflicts, %d concurrent changes; want 200, 1, 1, 0, 0",
					rec.Code, s.finds, s.commits, s.conflicts, r.merged+r.refused)
			}
		})
	}
}
