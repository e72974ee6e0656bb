package runtime

import (
	"context"
	"sync"
	"time"
)

// storeOp is the context a store operation of one request gets: the
// request's context with a deadline of Config.StoreTimeout from the start
// of the operation. It lives in the session's storeRef and serves each of
// the request's operations on that record in turn, so that giving a store
// its deadline costs no allocation per operation: its Done channel and
// timer are made only if the store asks for Done (go-redis does; memstore
// only reads Err), and then reused by the next operation, the timer reset.
//
// A store must not keep the context once its call has returned (no store
// does: the context belongs to the call); the next operation moves its
// deadline.
type storeOp struct {
	parent context.Context

	mu       sync.Mutex
	deadline time.Time
	busy     bool          // an operation is under way
	done     chan struct{} // made by the first Done; closed once, for good
	err      error         // why done was closed
	timer    *time.Timer   // closes done at the deadline; stopped between operations
}

// withStoreDeadline returns ctx with a deadline timeout from now for one
// store operation, through op when it can serve (nil: it cannot), and
// what ends the operation.
func withStoreDeadline(ctx context.Context, op *storeOp, timeout time.Duration) (context.Context, opEnd) {
	if op != nil && op.start(ctx, timeout) {
		return op, opEnd{op: op}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, opEnd{cancel: cancel}
}

// opEnd ends a store operation (a value, so that ending one allocates
// nothing).
type opEnd struct {
	op     *storeOp
	cancel context.CancelFunc
}

// done ends the operation.
func (e opEnd) done() {
	if e.op != nil {
		e.op.end()
	} else {
		e.cancel()
	}
}

// start begins an operation under op, unless one is under way or an
// earlier one ended op for good (its deadline passed, or the request's
// context ended): then the caller makes a context of its own.
func (op *storeOp) start(parent context.Context, timeout time.Duration) bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.busy || op.err != nil {
		return false
	}
	op.busy = true
	op.parent = parent
	op.deadline = time.Now().Add(timeout)
	if op.timer != nil {
		op.timer.Reset(timeout)
	}
	return true
}

// end ends the operation: the deadline stops running until the next.
func (op *storeOp) end() {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.busy = false
	if op.timer != nil {
		op.timer.Stop()
	}
}

// cancel closes done with err, once.
func (op *storeOp) cancel(err error) {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.err == nil {
		op.err = err
		close(op.done)
	}
}

// Deadline returns the operation's deadline.
func (op *storeOp) Deadline() (time.Time, bool) {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.deadline, true
}

// Done returns a channel closed at the deadline, or when the request's
// context ends.
func (op *storeOp) Done() <-chan struct{} {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.done == nil {
		op.done = make(chan struct{})
		if op.err = op.parent.Err(); op.err != nil {
			close(op.done)
			return op.done
		}
		op.timer = time.AfterFunc(time.Until(op.deadline), func() { op.cancel(context.DeadlineExceeded) })
		if !op.busy {
			op.timer.Stop()
		}
		if parent := op.parent; parent.Done() != nil {
			context.AfterFunc(parent, func() { op.cancel(parent.Err()) })
		}
	}
	return op.done
}

// Err returns why the operation may not go on: the request's context
// ended, or the deadline passed; nil otherwise.
func (op *storeOp) Err() error {
	op.mu.Lock()
	err, parent, deadline := op.err, op.parent, op.deadline
	op.mu.Unlock()
	if err != nil {
		return err
	}
	if err := parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value returns the request's context's value for key.
func (op *storeOp) Value(key any) any {
	op.mu.Lock()
	parent := op.parent
	op.mu.Unlock()
	return parent.Value(key)
}

// String names the context as the context package's own do.
func (op *storeOp) String() string { return "sessiongen store operation" }
