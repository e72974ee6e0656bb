// Package sharable has marshaling field types that hold no references, or
// only immutable ones: the generated session keeps its copyFrom, so that
// verified cookies can be remembered decoded.
package sharable

import (
	"net/netip"
	"strconv"
)

//go:generate go tool sessiongen -type=Peer

// Port marshals to its decimal text.
type Port struct{ n uint16 }

// MarshalText implements encoding.TextMarshaler.
func (p Port) MarshalText() ([]byte, error) { return strconv.AppendUint(nil, uint64(p.n), 10), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Port) UnmarshalText(b []byte) error {
	n, err := strconv.ParseUint(string(b), 10, 16)
	p.n = uint16(n)
	return err
}

// Peer holds immutable netip values and a reference-free marshaler.
type Peer struct {
	Addr   netip.Addr
	Prefix netip.Prefix
	Via    []netip.AddrPort
	Port   Port
}
