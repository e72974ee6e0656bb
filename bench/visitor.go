// Package bench measures sessiongen against gorilla/sessions, scs and the
// cost of signing alone, through each system's real middleware. It is its
// own module so that the peers never become dependencies of sessiongen.
package bench

import "time"

//go:generate go tool sessiongen -type=Visitor

// Visitor is the session every system stores in the benchmarks: a name, a
// counter, a three-item slice and a timestamp.
type Visitor struct {
	Username string    `session:"username"`
	Visits   int       `session:"visits"`
	Cart     []string  `session:"cart"`
	LastSeen time.Time `session:"last_seen"`
}

// Plan is an enum for stringer, so that the generators can be timed on the
// same package.
type Plan int

// The plans.
const (
	Free Plan = iota
	Pro
	Team
)
