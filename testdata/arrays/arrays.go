// Package arrays stores arrays; byte arrays (UUID-like) as bytes.
package arrays

//go:generate go tool sessiongen -type=Fixed

// UUID is a [16]byte without methods.
type UUID [16]byte

// Fixed has arrays of each kind.
type Fixed struct {
	ID     UUID
	Hash   [32]byte
	RGB    [3]uint8
	Scores [5]float64
	Names  [2]string
	Grid   [2][2]int
	IDs    []UUID
}
