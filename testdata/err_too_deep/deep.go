package toodeep

//go:generate go tool sessiongen -type=Deep

// Deep has fields one level deeper than the session decoder accepts, and
// fields exactly as deep, which are fine.
type Deep struct {
	// Chain nests 33 structs: 33 groups.
	Chain L1
	// Lists nests 33 slices: 33 lists.
	Lists [][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]int
	// Boxed is a list of pointers, each a group in a list, to 31 nested
	// structs: 33.
	Boxed []*L3
	// Unboxed is a list of 31 nested structs: 32, accepted.
	Unboxed []L3
	// Ptr is a pointer entry, which holds its target without a group of its
	// own: 32, accepted.
	Ptr *L2
	// Maps is a map of maps of 31 nested slices: two groups, then 31
	// lists: 33.
	Maps map[string]map[string][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]bool
}

// L1 to L33 nest one struct in the next; L33 holds an int.
type L1 struct{ Next L2 }
type L2 struct{ Next L3 }
type L3 struct{ Next L4 }
type L4 struct{ Next L5 }
type L5 struct{ Next L6 }
type L6 struct{ Next L7 }
type L7 struct{ Next L8 }
type L8 struct{ Next L9 }
type L9 struct{ Next L10 }
type L10 struct{ Next L11 }
type L11 struct{ Next L12 }
type L12 struct{ Next L13 }
type L13 struct{ Next L14 }
type L14 struct{ Next L15 }
type L15 struct{ Next L16 }
type L16 struct{ Next L17 }
type L17 struct{ Next L18 }
type L18 struct{ Next L19 }
type L19 struct{ Next L20 }
type L20 struct{ Next L21 }
type L21 struct{ Next L22 }
type L22 struct{ Next L23 }
type L23 struct{ Next L24 }
type L24 struct{ Next L25 }
type L25 struct{ Next L26 }
type L26 struct{ Next L27 }
type L27 struct{ Next L28 }
type L28 struct{ Next L29 }
type L29 struct{ Next L30 }
type L30 struct{ Next L31 }
type L31 struct{ Next L32 }
type L32 struct{ Next L33 }
type L33 struct{ N int }
