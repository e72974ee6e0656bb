package bench

import "syscall"

// sysProcAttr kills the benchmark's redis-server if the test binary dies
// without reaching the end of TestMain (a panic, a -timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// sysProcAttrAs is sysProcAttr for a program run as u (nil: as this
// process's user): Go sets the parent-death signal after changing the
// credentials, so it holds for PostgreSQL run as the postgres user too.
func sysProcAttrAs(u *runAs) *syscall.SysProcAttr {
	a := sysProcAttr()
	if u != nil {
		a.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid, NoSetGroups: true}
	}
	return a
}
