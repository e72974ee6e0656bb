package notstruct

//go:generate go tool sessiongen -type=IDs

// IDs is not a struct.
type IDs []int
