package runtime

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The context of a record's store operations: each operation gets its own
// deadline, Done closes at it or when the request's context ends, and an
// operation under way, or one after the context ended for good, gets a
// context of its own.
func TestStoreOpContext(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	var op storeOp

	ctx, end := withStoreDeadline(parent, &op, time.Hour)
	if ctx != &op {
		t.Fatal("the first operation did not use the request's storeOp")
	}
	dl1, ok := ctx.Deadline()
	if !ok || time.Until(dl1) > time.Hour || time.Until(dl1) < 59*time.Minute {
		t.Fatalf("deadline %v, %v", dl1, ok)
	}
	done := ctx.Done()
	if ctx.Err() != nil {
		t.Fatalf("Err %v before the deadline", ctx.Err())
	}
	// A second operation while the first is under way gets its own.
	other, otherEnd := withStoreDeadline(parent, &op, time.Minute)
	if other == &op {
		t.Fatal("a concurrent operation shared the storeOp")
	}
	otherEnd.done()
	end.done()

	// The next operation reuses it, with a deadline of its own.
	ctx, end = withStoreDeadline(parent, &op, 20*time.Millisecond)
	if ctx != &op || ctx.Done() != done {
		t.Fatal("the second operation did not reuse the storeOp and its channel")
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not close at the deadline")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err %v; want DeadlineExceeded", ctx.Err())
	}
	end.done()
	// Ended for good: the next operation makes a context of its own.
	ctx, end = withStoreDeadline(parent, &op, time.Hour)
	if ctx == &op || ctx.Err() != nil {
		t.Fatalf("after the deadline: %v, %v", ctx, ctx.Err())
	}
	end.done()

	// The request's context ending closes Done too.
	var op2 storeOp
	parent2, cancel2 := context.WithCancel(context.Background())
	ctx, end = withStoreDeadline(parent2, &op2, time.Hour)
	defer end.done()
	d := ctx.Done()
	cancel2()
	select {
	case <-d:
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not close when the request's context ended")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("Err %v; want Canceled", ctx.Err())
	}
	// A request context that is done before Done is first asked for.
	var op3 storeOp
	parent3, cancel3 := context.WithCancel(context.Background())
	ctx, end3 := withStoreDeadline(parent3, &op3, time.Hour)
	defer end3.done()
	cancel3()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("Err %v; want Canceled", ctx.Err())
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done open after the request's context ended")
	}
}
