//go:build !unix

// Package pgtest starts real PostgreSQL servers for the tests of this
// module; on this system it only skips (or, with CI set, fails).
package pgtest

import (
	"os"
	"testing"
)

// Server is a running PostgreSQL cluster; never made on this system.
type Server struct {
	Host string
	Port int
	Dir  string
}

// Start skips the test, or fails it when CI is set.
func Start(t testing.TB) *Server {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal("pgtest: PostgreSQL servers are started only on unix systems")
	}
	t.Skip("pgtest: PostgreSQL servers are started only on unix systems")
	return nil
}

func (s *Server) ConnString(db string) string        { return "" }
func (s *Server) Addr() string                       { return "" }
func (s *Server) CreateDatabase(t testing.TB) string { return "" }
func (s *Server) Stop()                              {}
func (s *Server) Log() string                        { return "" }
