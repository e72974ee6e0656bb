package generic

//go:generate go tool sessiongen -type=Box

// Box is generic.
type Box[T any] struct {
	Value T
}
