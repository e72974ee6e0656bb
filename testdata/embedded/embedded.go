package embedded

import "time"

//go:generate go tool sessiongen -type=Outer

// Inner is embedded.
type Inner struct{ A int }

// Outer embeds.
type Outer struct {
	Inner
	time.Duration
	B int
}
