// Package memstore is a runtime.Store in the process's memory: the embedded
// default for an application of one process, and the store of tests.
//
// Expiry is enforced on every read, by the wall clock (Options.Now) as a
// server's TTL is. A background sweeper frees the memory of expired
// records in small batches (Options.SweepBatch), taking the lock once per
// batch: the records are kept in order of expiry, so a batch looks only at
// records that are due, never at the whole store, and no request waits
// behind a walk of every record. Close stops the sweeper.
//
// The store holds at most Options.MaxRecords records (100,000 by default:
// some 40 MB with payloads of 150 bytes, about 420 bytes a record all
// told). When a Commit would create one more, the store evicts a record
// first: an expired one if any is left to free, else the anonymous record
// (Record.User == "") that expires soonest, and a logged-in one only when
// no anonymous record is left; each eviction is O(log n). Since every
// Commit and Touch moves a record's expiry, the record that expires
// soonest is, under one idle timeout, the least recently active. Eviction
// is a logout for that session: its next request finds no record and gets
// a new session (a logged-in user must log in again). A Commit never
// fails because of the cap.
//
// Records do not survive a restart and are not shared between processes:
// an application that runs several instances needs runtime/redisstore.
package memstore

import (
	"context"
	"math"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// Defaults of Options.
const (
	// DefaultMaxRecords is the cap of a Store whose Options.MaxRecords is
	// 0: some 40 MB of records with 150-byte payloads.
	DefaultMaxRecords = 100_000
	// DefaultSweepBatch is how many records one sweep batch may look at
	// when Options.SweepBatch is 0.
	DefaultSweepBatch = 256
	// DefaultSweepInterval is how often the sweeper runs when
	// Options.SweepInterval is 0.
	DefaultSweepInterval = time.Minute
)

// Store is an in-memory runtime.Store. Its zero value is not usable: call
// New.
type Store struct {
	now        func() time.Time
	maxRecords int // < 0: no cap
	sweepBatch int

	mu      sync.Mutex
	records map[string]*entry
	users   map[string]map[string]*entry // User.Index -> its records by key
	// Records in order of expiry, the anonymous and the logged-in apart,
	// so eviction finds the soonest-expiring anonymous record in O(1) and
	// removes it in O(log n).
	anon, named expiryHeap
	stats       Stats

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// entry is one record, with the Token of the Commit that wrote it and its
// place in its expiry heap.
type entry struct {
	key   string
	rec   runtime.Record
	token string
	index int // in s.anon or s.named
}

// Options configure a Store.
type Options struct {
	// SweepInterval is how often expired records are freed; zero means
	// DefaultSweepInterval (a minute), negative means never (expiry is
	// still enforced on read, and the cap evicts expired records first).
	SweepInterval time.Duration
	// SweepBatch is the most records one batch of the sweeper looks at
	// while it holds the lock; a sweep runs batches until no expired
	// record is left. Zero means DefaultSweepBatch (256).
	SweepBatch int
	// MaxRecords caps how many records the store holds; zero means
	// DefaultMaxRecords (100,000), negative means no cap (memory then
	// grows with every new session until its record expires). Eviction
	// at the cap ends sessions: see the package documentation.
	MaxRecords int
	// Now returns the current time; nil means time.Now. Give the
	// runtime.Config's Now here too when tests move the clock.
	Now func() time.Time
}

// Stats are a Store's counters (Store.Stats).
type Stats struct {
	Records int // records held, expired ones not yet freed included
	Users   int // user indexes held

	Evicted      uint64 // records removed by the cap (MaxRecords), expired ones included
	EvictedUsers uint64 // of those, live logged-in records (their users were logged out)

	SweepBatches uint64 // batches the sweeper ran, each under one hold of the lock
	Swept        uint64 // expired records the sweeper freed
	// SweepExamined counts the records the sweeper looked at: those it
	// freed and, at most one per batch, the unexpired record that ended
	// a sweep. It never walks the live records.
	SweepExamined uint64
	MaxSweepBatch int           // the most records one batch looked at
	MaxSweepLock  time.Duration // the longest one batch held the lock
}

// New returns an empty Store with a sweeper running; Close stops it.
func New(opts Options) *Store {
	s := &Store{
		now:        opts.Now,
		maxRecords: opts.MaxRecords,
		sweepBatch: opts.SweepBatch,
		records:    map[string]*entry{},
		users:      map[string]map[string]*entry{},
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxRecords == 0 {
		s.maxRecords = DefaultMaxRecords
	}
	if s.sweepBatch <= 0 {
		s.sweepBatch = DefaultSweepBatch
	}
	interval := opts.SweepInterval
	if interval == 0 {
		interval = DefaultSweepInterval
	}
	if interval < 0 {
		close(s.done)
		return s
	}
	go s.sweeper(interval)
	return s
}

// Close stops the sweeper and waits for it to end. The Store still answers
// afterwards; only the background freeing stops.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweeper(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep(s.stop)
		}
	}
}

// sweep frees the expired records, one batch per hold of the lock, until
// a batch finds no more or stop is closed.
func (s *Store) sweep(stop <-chan struct{}) {
	for s.sweepBatchLocked() {
		select {
		case <-stop:
			return
		default:
		}
		// Let the requests that queued behind this batch go first.
		goruntime.Gosched()
	}
}

// sweepBatchLocked takes the lock, frees up to s.sweepBatch expired records
// and reports whether there may be more.
func (s *Store) sweepBatchLocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	now := unixNano(s.now())
	examined, freed, more := 0, 0, true
	for examined < s.sweepBatch {
		e, exp := s.soonest()
		if e == nil {
			more = false
			break
		}
		examined++
		if exp > now {
			more = false
			break
		}
		s.removeLocked(e)
		freed++
	}
	st := &s.stats
	st.SweepBatches++
	st.SweepExamined += uint64(examined)
	st.Swept += uint64(freed)
	st.MaxSweepBatch = max(st.MaxSweepBatch, examined)
	st.MaxSweepLock = max(st.MaxSweepLock, time.Since(start))
	return more
}

// soonest returns the record that expires first and its expiry, or nil.
// The caller holds s.mu.
func (s *Store) soonest() (*entry, int64) {
	a, n := s.anon.peek(), s.named.peek()
	if a.e == nil || n.e != nil && n.exp < a.exp {
		return n.e, n.exp
	}
	return a.e, a.exp
}

// evictLocked frees one record to make room (see the package
// documentation). The caller holds s.mu; the store is not empty.
func (s *Store) evictLocked(now int64) {
	e, exp := s.soonest()
	if exp > now {
		if a := s.anon.peek(); a.e != nil {
			e = a.e
		} else {
			s.stats.EvictedUsers++
		}
	}
	s.stats.Evicted++
	s.removeLocked(e)
}

// live returns the unexpired record under key, freeing an expired one. The
// caller holds s.mu.
func (s *Store) live(key string, now int64) *entry {
	e := s.records[key]
	if e != nil && s.expiry(e) <= now {
		s.removeLocked(e)
		return nil
	}
	return e
}

// expiry returns when e expires, in Unix nanoseconds (unixNano).
func (s *Store) expiry(e *entry) int64 { return (*s.heapOf(e))[e.index].exp }

// unixNano returns t in Unix nanoseconds, clamped to the int64 range: the
// store compares expiries by the wall clock, as a server's TTL does.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// heapOf returns the expiry heap e belongs in.
func (s *Store) heapOf(e *entry) *expiryHeap {
	if e.rec.User == "" {
		return &s.anon
	}
	return &s.named
}

// removeLocked forgets e, its place in its heap and its index entry. The
// caller holds s.mu.
func (s *Store) removeLocked(e *entry) {
	delete(s.records, e.key)
	s.heapOf(e).remove(e)
	if e.rec.User != "" {
		if keys := s.users[e.rec.User]; keys != nil {
			delete(keys, e.key)
			if len(keys) == 0 {
				delete(s.users, e.rec.User)
			}
		}
	}
}

// addLocked stores e and indexes it. The caller holds s.mu; no record is
// under e.key.
func (s *Store) addLocked(e *entry) {
	s.records[e.key] = e
	s.heapOf(e).push(e, unixNano(e.rec.Expires))
	if u := e.rec.User; u != "" {
		keys := s.users[u]
		if keys == nil {
			keys = map[string]*entry{}
			s.users[u] = keys
		}
		keys[e.key] = e
	}
}

// Find returns a copy of the live record under key.
func (s *Store) Find(ctx context.Context, key string) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key, unixNano(s.now()))
	if e == nil {
		return runtime.Record{}, runtime.ErrNotFound
	}
	r := e.rec
	r.Data = append([]byte(nil), r.Data...)
	return r, nil
}

// Commit writes a copy of c.Record under c.Key if the live record there is
// at version c.Prev (0: there is none) and, with c.Replaces set, the live
// record under c.Replaces is at c.ReplacesVersion, which it removes in the
// same step; otherwise it returns runtime.ErrConflict and changes nothing.
// If the record under c.Key is at c.Record.Version and was written with
// c.Token, Commit returns nil and writes nothing (a retry); an empty Token
// never matches. A Commit of a new record at the cap evicts another first
// (see the package documentation).
func (s *Store) Commit(ctx context.Context, c runtime.Commit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.now()
	now := unixNano(t)
	cur := s.live(c.Key, now)
	if cur != nil && c.Token != "" && cur.token == c.Token && cur.rec.Version == c.Record.Version {
		return nil
	}
	if (c.Prev == 0) != (cur == nil) || (cur != nil && cur.rec.Version != c.Prev) {
		return runtime.ErrConflict
	}
	var old *entry
	if c.Replaces != "" {
		old = s.live(c.Replaces, now)
		if old == nil || old.rec.Version != c.ReplacesVersion {
			return runtime.ErrConflict
		}
	}
	rec := c.Record
	rec.Data = append([]byte(nil), rec.Data...)
	// The device: the record's own when it is continued, the replaced
	// record's when it succeeds one, else the Commit's, begun now.
	switch {
	case cur != nil && cur != old:
		rec.Device = cur.rec.Device
	case old != nil:
		rec.Device = old.rec.Device
	default:
		rec.Device.Created = t
	}
	rec.Device.LastUsed = t
	if old != nil {
		s.removeLocked(old)
	}
	defer s.limitUserLocked(c, now)
	if cur != nil && cur != old && cur.rec.User == rec.User {
		// Continue the record in place, in its heap and its index.
		cur.rec, cur.token = rec, c.Token
		h := s.heapOf(cur)
		(*h)[cur.index].exp = unixNano(rec.Expires)
		h.fix(cur.index)
		return nil
	}
	if cur != nil && cur != old {
		// Continue the record under another user: the store does not grow.
		s.removeLocked(cur)
	} else {
		for s.maxRecords >= 0 && len(s.records) >= s.maxRecords && len(s.records) > 0 {
			s.evictLocked(now)
		}
	}
	s.addLocked(&entry{key: c.Key, rec: rec, token: c.Token})
	return nil
}

// limitUserLocked ends the least recently used records of c's user beyond
// c.UserLimit, c's own record kept (runtime.Commit.UserLimit). The caller
// holds s.mu.
func (s *Store) limitUserLocked(c runtime.Commit, now int64) {
	if c.UserLimit <= 0 || c.Record.User == "" {
		return
	}
	var others []*entry
	for k, e := range s.users[c.Record.User] {
		if k == c.Key {
			continue
		}
		if s.expiry(e) <= now {
			s.removeLocked(e)
			continue
		}
		others = append(others, e)
	}
	extra := len(others) + 1 - c.UserLimit
	if extra <= 0 {
		return
	}
	slices.SortFunc(others, func(a, b *entry) int {
		if c := a.rec.Device.LastUsed.Compare(b.rec.Device.LastUsed); c != 0 {
			return c
		}
		if c := a.rec.Device.Created.Compare(b.rec.Device.Created); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, e := range others[:min(extra, len(others))] {
		s.removeLocked(e)
	}
}

// Touch moves the expiry of the live record under key, if it is at
// version.
func (s *Store) Touch(ctx context.Context, key string, version uint64, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.now()
	e := s.live(key, unixNano(t))
	switch {
	case e == nil:
		return runtime.ErrNotFound
	case e.rec.Version != version:
		return runtime.ErrConflict
	}
	e.rec.Expires = expires
	e.rec.Device.LastUsed = t
	h := *s.heapOf(e)
	h[e.index].exp = unixNano(expires)
	h.fix(e.index)
	return nil
}

// Delete removes the live record under key if it is at version (0: at any
// version), returns runtime.ErrConflict if it is at another, and nil if
// there is none.
func (s *Store) Delete(ctx context.Context, key string, version uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key, unixNano(s.now()))
	switch {
	case e == nil:
		return nil
	case version != 0 && e.rec.Version != version:
		return runtime.ErrConflict
	}
	s.removeLocked(e)
	return nil
}

// DeleteUser removes every record indexed under u.Index but u.Keep's, and
// the index unless it still lists that one, and returns how many of them
// were live. u.Name is not used: this store never indexed users by name.
func (s *Store) DeleteUser(ctx context.Context, u runtime.User) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := unixNano(s.now())
	n := 0
	for k, e := range s.users[u.Index] {
		if k == u.Keep && u.Keep != "" {
			continue
		}
		if s.expiry(e) > now {
			n++
		}
		s.removeLocked(e)
	}
	return n, nil
}

// ListUser returns the live records indexed under u.Index, without their
// data. u.Name is not used.
func (s *Store) ListUser(ctx context.Context, u runtime.User) ([]runtime.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := unixNano(s.now())
	var out []runtime.UserRecord
	for k, e := range s.users[u.Index] {
		if s.expiry(e) <= now {
			continue
		}
		r := e.rec
		r.Data = nil
		out = append(out, runtime.UserRecord{Key: k, Record: r})
	}
	return out, nil
}

// Len returns how many records the store holds, expired ones not yet
// swept included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Records = len(s.records)
	st.Users = len(s.users)
	return st
}

var _ runtime.Store = (*Store)(nil)

// expiryHeap is a binary min-heap of records by expiry; each entry knows
// its index, so removing or moving one is O(log n). The expiry sits in the
// heap beside the entry, so ordering reads no entry.
type expiryHeap []heapItem

type heapItem struct {
	exp int64 // e.rec.Expires, unixNano
	e   *entry
}

// peek returns the first item; its e is nil if the heap is empty.
func (h expiryHeap) peek() heapItem {
	if len(h) == 0 {
		return heapItem{}
	}
	return h[0]
}

func (h *expiryHeap) push(e *entry, exp int64) {
	e.index = len(*h)
	*h = append(*h, heapItem{exp, e})
	h.up(e.index)
}

func (h *expiryHeap) remove(e *entry) {
	i, last := e.index, len(*h)-1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = heapItem{}
	*h = (*h)[:last]
	e.index = -1
	if i != last {
		h.fix(i)
	}
}

// fix restores the order after the expiry at i changed.
func (h expiryHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h expiryHeap) less(i, j int) bool { return h[i].exp < h[j].exp }

func (h expiryHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].e.index = i
	h[j].e.index = j
}

func (h expiryHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

// down moves the item at i0 down and reports whether it moved.
func (h expiryHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
