package pgtest

import "syscall"

// sysProcAttr runs a program as cred (nil: as this process), killed if
// the test binary dies without running its cleanups (a panic, a
// -timeout). Go sets the parent-death signal after changing the
// credentials, so it holds for a program run as the postgres user too.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
}
