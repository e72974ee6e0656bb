// Package evolve_v1 is the first release of a session struct; evolve_v2 is
// the next one. Cookies written by v1 must open under v2.
package evolve_v1

//go:generate go tool sessiongen -type=Visitor

// Visitor as first released.
type Visitor struct {
	Name    string
	Age     int32
	Removed string
	Score   string
	Nick    string
}
