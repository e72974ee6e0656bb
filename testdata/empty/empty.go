// Package empty has a struct with no stored field: the session still works
// (permanent flag, Clear) and the generated code compiles.
package empty

//go:generate go tool sessiongen -type=Nothing

// Nothing stores nothing.
type Nothing struct {
	skipped int `session:"-"`
}
