// Package memstore is a runtime.Store in the process's memory: the embedded
// default for an application of one process, and the store of tests. Expiry
// is enforced on every read; a background sweeper frees the memory of
// expired records, and Close stops it.
//
// Records do not survive a restart and are not shared between processes:
// an application that runs several instances needs runtime/redisstore.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// Store is an in-memory runtime.Store. Its zero value is not usable: call
// New.
type Store struct {
	now func() time.Time

	mu      sync.Mutex
	records map[string]runtime.Record
	users   map[string]map[string]struct{} // user -> keys indexed under it

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Options configure a Store.
type Options struct {
	// SweepInterval is how often expired records are freed; zero means a
	// minute, negative means never (expiry is still enforced on read).
	SweepInterval time.Duration
	// Now returns the current time; nil means time.Now. Give the
	// runtime.Config's Now here too when tests move the clock.
	Now func() time.Time
}

// New returns an empty Store with a sweeper running; Close stops it.
func New(opts Options) *Store {
	s := &Store{
		now:     opts.Now,
		records: map[string]runtime.Record{},
		users:   map[string]map[string]struct{}{},
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	interval := opts.SweepInterval
	if interval == 0 {
		interval = time.Minute
	}
	if interval < 0 {
		close(s.done)
		return s
	}
	go s.sweep(interval)
	return s
}

// Close stops the sweeper and waits for it to end. The Store still answers
// afterwards; only the background freeing stops.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweep(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			now := s.now()
			for k, r := range s.records {
				if !now.Before(r.Expires) {
					s.removeLocked(k, r)
				}
			}
			s.mu.Unlock()
		}
	}
}

// live returns the unexpired record under key. The caller holds s.mu.
func (s *Store) live(key string) (runtime.Record, bool) {
	r, ok := s.records[key]
	if ok && !s.now().Before(r.Expires) {
		s.removeLocked(key, r)
		return runtime.Record{}, false
	}
	return r, ok
}

// removeLocked forgets key and its index entry. The caller holds s.mu.
func (s *Store) removeLocked(key string, r runtime.Record) {
	delete(s.records, key)
	if r.User != "" {
		if keys := s.users[r.User]; keys != nil {
			delete(keys, key)
			if len(keys) == 0 {
				delete(s.users, r.User)
			}
		}
	}
}

// Find returns a copy of the live record under key.
func (s *Store) Find(ctx context.Context, key string) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	r.Data = append([]byte(nil), r.Data...)
	return r, nil
}

// Commit writes a copy of rec under key if the live record there is at
// version prev (prev 0: there is none).
func (s *Store) Commit(ctx context.Context, key string, prev uint64, rec runtime.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.live(key)
	if (prev == 0 && ok) || (prev != 0 && (!ok || cur.Version != prev)) {
		return runtime.ErrConflict
	}
	if ok {
		s.removeLocked(key, cur)
	}
	rec.Data = append([]byte(nil), rec.Data...)
	s.records[key] = rec
	if rec.User != "" {
		keys := s.users[rec.User]
		if keys == nil {
			keys = map[string]struct{}{}
			s.users[rec.User] = keys
		}
		keys[key] = struct{}{}
	}
	return nil
}

// Touch moves the expiry of the live record under key, if it is at
// version.
func (s *Store) Touch(ctx context.Context, key string, version uint64, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	switch {
	case !ok:
		return runtime.ErrNotFound
	case r.Version != version:
		return runtime.ErrConflict
	}
	r.Expires = expires
	s.records[key] = r
	return nil
}

// Delete removes the record under key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[key]; ok {
		s.removeLocked(key, r)
	}
	return nil
}

// DeleteUser removes every record indexed under user.
func (s *Store) DeleteUser(ctx context.Context, user string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for key := range s.users[user] {
		if r, ok := s.live(key); ok {
			s.removeLocked(key, r)
			n++
		}
	}
	delete(s.users, user)
	return n, nil
}

// Len returns how many records the store holds, expired ones not yet
// swept included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

var _ runtime.Store = (*Store)(nil)
