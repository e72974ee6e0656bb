package bench

import "syscall"

// sysProcAttr kills the benchmark's redis-server if the test binary dies
// without reaching the end of TestMain (a panic, a -timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
