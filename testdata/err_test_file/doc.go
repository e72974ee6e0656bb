// Package testfile declares its session struct in a test file, where the
// generated code cannot see it.
package testfile

//go:generate go tool sessiongen -type=OnlyInTests
