package storetest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// Recorder wraps a runtime.Store and records what the runtime asks of it:
// how many calls of each kind, whether each call's context carried a
// deadline, and it can hold calls at a gate, fail them, or hang until
// their context ends, so that a test forces an interleaving of concurrent
// requests deterministically instead of hoping for one.
type Recorder struct {
	runtime.Store

	mu      sync.Mutex
	calls   map[string]int
	noDL    []string      // calls whose context carried no deadline
	longest time.Duration // the longest time left before a call's deadline
	gate    *gate
	failing map[string]error
	hanging map[string]bool
	commits []runtime.Commit // the commits that succeeded, in the order they returned
}

// NewRecorder wraps s.
func NewRecorder(s runtime.Store) *Recorder {
	return &Recorder{Store: s, calls: map[string]int{}, failing: map[string]error{}, hanging: map[string]bool{}}
}

// gate holds calls of one kind until n of them have arrived, then lets
// them all go at once.
type gate struct {
	op      string
	after   bool // the calls wait once the store has answered them, not before
	n       int
	arrived int
	open    chan struct{}
}

// Hold makes the next n calls of op ("Find", "Commit", "Touch", "Delete",
// "DeleteUser") wait until all n have arrived, then proceed together: n
// requests that loaded one session reach the store at the same moment.
func (r *Recorder) Hold(op string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gate = &gate{op: op, n: n, open: make(chan struct{})}
}

// HoldAfterFind makes the next n Find calls wait, each once the store has
// answered it, until all n have been answered: n requests that load one
// session all read the same version of it, whatever the scheduler does
// after the gate opens.
func (r *Recorder) HoldAfterFind(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gate = &gate{op: "Find", after: true, n: n, open: make(chan struct{})}
}

// Fail makes every call of op return err (nil: stop failing).
func (r *Recorder) Fail(op string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.failing, op)
	} else {
		r.failing[op] = err
	}
}

// Hang makes every call of op wait until its context ends, then fail as a
// store that did not answer does.
func (r *Recorder) Hang(op string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hanging[op] = on
}

// Calls returns how many calls of op the store got.
func (r *Recorder) Calls(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[op]
}

// Reset forgets the counts.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = map[string]int{}
	r.commits = nil
	r.noDL = nil
	r.longest = 0
}

// Deadlines reports the calls whose context carried no deadline, and the
// longest time any call had left before its deadline.
func (r *Recorder) Deadlines() (without []string, longest time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.noDL...), r.longest
}

// enter records a call of op and applies the gate, failures and hangs.
func (r *Recorder) enter(ctx context.Context, op string) error {
	r.mu.Lock()
	r.calls[op]++
	if dl, ok := ctx.Deadline(); ok {
		r.longest = max(r.longest, time.Until(dl))
	} else {
		r.noDL = append(r.noDL, op)
	}
	var wait chan struct{}
	if g := r.gate; g != nil && g.op == op && !g.after {
		g.arrived++
		wait = g.open
		if g.arrived == g.n {
			close(g.open)
			r.gate = nil
		}
	}
	err, hang := r.failing[op], r.hanging[op]
	r.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("storetest: %s held at the gate: %w: %w", op, runtime.ErrStoreUnavailable, ctx.Err())
		}
	}
	if err != nil {
		return err
	}
	if hang {
		<-ctx.Done()
		return fmt.Errorf("storetest: %s did not answer: %w: %w", op, runtime.ErrStoreUnavailable, ctx.Err())
	}
	return nil
}

// Find records the call and passes it on.
func (r *Recorder) Find(ctx context.Context, key string) (runtime.Record, error) {
	if err := r.enter(ctx, "Find"); err != nil {
		return runtime.Record{}, err
	}
	rec, err := r.Store.Find(ctx, key)
	if werr := r.afterGate(ctx, "Find"); werr != nil {
		return runtime.Record{}, werr
	}
	return rec, err
}

// afterGate waits at a gate set by HoldAfterFind.
func (r *Recorder) afterGate(ctx context.Context, op string) error {
	r.mu.Lock()
	var wait chan struct{}
	if g := r.gate; g != nil && g.op == op && g.after {
		g.arrived++
		wait = g.open
		if g.arrived == g.n {
			close(g.open)
			r.gate = nil
		}
	}
	r.mu.Unlock()
	if wait == nil {
		return nil
	}
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("storetest: %s held at the gate: %w: %w", op, runtime.ErrStoreUnavailable, ctx.Err())
	}
}

// Commit records the call and passes it on.
func (r *Recorder) Commit(ctx context.Context, c runtime.Commit) error {
	if err := r.enter(ctx, "Commit"); err != nil {
		return err
	}
	err := r.Store.Commit(ctx, c)
	if err == nil {
		c.Record.Data = append([]byte(nil), c.Record.Data...)
		r.mu.Lock()
		r.commits = append(r.commits, c)
		r.mu.Unlock()
	}
	return err
}

// Commits returns the commits that succeeded, in the order they returned.
func (r *Recorder) Commits() []runtime.Commit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]runtime.Commit(nil), r.commits...)
}

// Touch records the call and passes it on.
func (r *Recorder) Touch(ctx context.Context, key string, version uint64, expires time.Time) error {
	if err := r.enter(ctx, "Touch"); err != nil {
		return err
	}
	return r.Store.Touch(ctx, key, version, expires)
}

// Delete records the call and passes it on.
func (r *Recorder) Delete(ctx context.Context, key string, version uint64) error {
	if err := r.enter(ctx, "Delete"); err != nil {
		return err
	}
	return r.Store.Delete(ctx, key, version)
}

// DeleteUser records the call and passes it on.
func (r *Recorder) DeleteUser(ctx context.Context, u runtime.User) (int, error) {
	if err := r.enter(ctx, "DeleteUser"); err != nil {
		return 0, err
	}
	return r.Store.DeleteUser(ctx, u)
}

// ListUser records the call and passes it on.
func (r *Recorder) ListUser(ctx context.Context, u runtime.User) ([]runtime.UserRecord, error) {
	if err := r.enter(ctx, "ListUser"); err != nil {
		return nil, err
	}
	return r.Store.ListUser(ctx, u)
}

var _ runtime.Store = (*Recorder)(nil)
