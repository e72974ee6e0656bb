//go:build !linux

package bench

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }

// sysProcAttrAs runs a program as this process's user: pgCredential asks
// for another only under root, and root runs these benchmarks on Linux.
func sysProcAttrAs(*runAs) *syscall.SysProcAttr { return nil }
