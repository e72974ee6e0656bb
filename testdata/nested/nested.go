// Package nested covers composite field types: nested and anonymous
// structs, pointers, maps, arrays, byte arrays, text and JSON marshalers,
// types from other packages.
package nested

import (
	"encoding/json"
	"net/netip"
	"time"
)

//go:generate go tool sessiongen -type=Profile

// Role is a string-kinded map key.
type Role string

// Address is a named nested struct.
type Address struct {
	Street string
	City   string `session:"town"`
	Geo    *[2]float64
}

// Item is a cart line.
type Item struct {
	SKU   string
	Qty   int
	Price float64
	Tags  []string
}

// Raw is stored as its JSON.
type Raw struct{ v map[string]int }

// MarshalJSON implements json.Marshaler.
func (r Raw) MarshalJSON() ([]byte, error) { return json.Marshal(r.v) }

// UnmarshalJSON implements json.Unmarshaler.
func (r *Raw) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &r.v) }

// Profile uses every composite kind.
type Profile struct {
	Home   Address
	Work   *Address
	Cart   []Item
	Grants map[Role]bool
	Scores map[string][]int
	ID     [16]byte
	Last4  [4]int
	IP     netip.Addr
	Seen   map[string]time.Time
	Prefs  struct {
		Theme string
		Font  int
	}
	Maybe   *int
	Ptrs    []*string
	Extra   Raw
	Matrix  [][]int
	Friends []Address
}
