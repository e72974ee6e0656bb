// Package pointers stores pointers: nil is an absent value.
package pointers

//go:generate go tool sessiongen -type=Opt

// Point is pointed to.
type Point struct{ X, Y int }

// Opt has pointers of each kind.
type Opt struct {
	Count  *int
	Name   *string
	Where  *Point
	Many   []*Point
	Nested **bool
	ByKey  map[string]*int
}
