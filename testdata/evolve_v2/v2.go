// Package evolve_v2 is the next release of evolve_v1's struct: a field
// added, one removed, one renamed keeping its key, fields reordered, one
// widened (int32 to int64) and one changed incompatibly (string to int).
package evolve_v2

//go:generate go tool sessiongen -type=Visitor

// Visitor as released next.
type Visitor struct {
	Nick     string
	FullName string `session:"name"`
	Age      int64
	Score    int
	Added    bool
}
