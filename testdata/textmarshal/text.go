// Package textmarshal stores types through their own text and JSON
// methods, from this package and from the standard library.
package textmarshal

import (
	"encoding/json"
	"net/netip"
	"strings"
)

//go:generate go tool sessiongen -type=Conn

// Level marshals to a word; its underlying kind is a struct, so the text
// form is what is stored.
type Level struct{ n int }

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) { return []byte(strings.Repeat("!", l.n)), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Level) UnmarshalText(b []byte) error { l.n = len(b); return nil }

// Blob is stored as JSON.
type Blob struct{ m map[string]any }

// MarshalJSON implements json.Marshaler.
func (b Blob) MarshalJSON() ([]byte, error) { return json.Marshal(b.m) }

// UnmarshalJSON implements json.Unmarshaler.
func (b *Blob) UnmarshalJSON(p []byte) error { return json.Unmarshal(p, &b.m) }

// Conn uses the escape hatches.
type Conn struct {
	Addr    netip.Addr
	Prefix  netip.Prefix
	Peers   []netip.AddrPort
	Level   Level
	Payload Blob
	secret  string `session:"secret"` // unexported, stored because tagged
}
