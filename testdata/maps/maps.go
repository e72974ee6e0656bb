// Package maps stores maps with string and string-kinded keys.
package maps

import "time"

//go:generate go tool sessiongen -type=Index

// Lang is a string-kinded key.
type Lang string

// Index has maps of scalars, slices, structs and maps.
type Index struct {
	Counts   map[string]int
	Titles   map[Lang]string
	Tags     map[string][]string
	Seen     map[string]time.Time
	Nested   map[string]map[string]bool
	Entries  map[string]Entry
	Optional map[string]*Entry
}

// Entry is a map value.
type Entry struct {
	Title string
	Hits  uint32
}
