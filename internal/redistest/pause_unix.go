//go:build unix

package redistest

import (
	"sync"
	"syscall"
	"testing"
)

// Pause stops the server at addr in its tracks (SIGSTOP): connections stay
// open and commands wait, as with a server that hangs or a network that
// drops packets, until resume continues it (SIGCONT) with its data intact.
// resume is also registered with t.Cleanup.
func Pause(t testing.TB, addr string) (resume func()) {
	t.Helper()
	v, ok := servers.Load(addr)
	if !ok {
		t.Fatalf("redistest: no server of this test at %s", addr)
	}
	s := v.(*server)
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("redistest: pausing %s: %v", addr, err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() { _ = s.cmd.Process.Signal(syscall.SIGCONT) })
	}
	t.Cleanup(resume)
	return resume
}
