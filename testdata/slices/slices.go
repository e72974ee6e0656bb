// Package slices has a slice of every scalar type sessiongen supports.
package slices

import "time"

//go:generate go tool sessiongen -type=Lists

// Lists holds one slice of each scalar kind.
type Lists struct {
	Strings   []string
	Bools     []bool
	Ints      []int
	Int8s     []int8
	Uint64s   []uint64
	Floats    []float64
	Float32s  []float32
	Blobs     [][]byte
	Times     []time.Time
	Durations []time.Duration
}
