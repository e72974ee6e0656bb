package memstore_test

import (
	"context"
	"runtime"
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

// The sweeper frees expired records, and Close stops it: no goroutine is
// left behind.
func TestSweeperStopsAndFrees(t *testing.T) {
	before := runtime.NumGoroutine()
	s := memstore.New(memstore.Options{SweepInterval: 10 * time.Millisecond})
	for i := range 100 {
		k := string(rune('a'+i%26)) + time.Now().String() + string(rune(i))
		s.Commit(context.Background(), k, 0, sessionruntime.Record{Data: []byte("x"), Version: 1, Expires: time.Now().Add(20 * time.Millisecond)})
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Len(); n != 0 {
		t.Errorf("%d expired records not swept", n)
	}
	s.Close()
	s.Close() // twice is fine
	deadline = time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close; %d before New", n, before)
	}
}
