// Package importclash declares, at package level, the names the generated
// file would otherwise import its packages under.
package importclash

import (
	ip "net/netip"
	stdtime "time"
)

//go:generate go tool sessiongen -type=Guest

var http, context, slices, maps, time = 1, 2, 3, 4, 5

var netip, sessionhttp = "netip", "sessionhttp"

type sessionruntime int

type sessionwire struct{}

func sessioncontext() {}

// Types named like local variables of generated functions that spell no
// type of this package.
type (
	e       int
	fn      string
	message string
	mark    float64
)

// Guest has fields whose code needs every import: time for Seen, netip for
// Addr, slices for Token's copy, maps for Tags; and fields of the types
// above.
type Guest struct {
	Seen  stdtime.Time
	Addr  ip.Addr
	Token []byte
	Tags  map[string]string
	Hops  []ip.Addr
	Level e
	Kind  fn
	Notes []message
	Marks map[string]mark
}
