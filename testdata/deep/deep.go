// Package deep nests groups and lists exactly as deep as the session
// decoder accepts: 32 levels.
package deep

//go:generate go tool sessiongen -type=Deep

// Deep has fields 32 levels deep, each counted as the encoder writes it.
type Deep struct {
	// Chain is 32 nested structs: 32 groups.
	Chain L1
	// Lists is 32 nested slices: 32 lists.
	Lists [][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]int
	// Ptr is a pointer entry: it holds L1's group itself, no group of its own.
	Ptr *L1
	// Unboxed is a list of 31 nested structs.
	Unboxed []L2
	// Boxed is a list of pointers, each a group in the list, to 30 nested
	// structs.
	Boxed []*L3
	// Maps is a map of 31 nested slices: a group, then 31 lists.
	Maps map[string][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]string
}

// L1 to L32 nest one struct in the next; L32 holds the values. (It is
// larger than four words on purpose: through a chain of structs that small,
// go1.26's compiler suspects a rewrite cycle and prints its SSA debugging
// while it compiles the generated code.)
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
type L32 struct {
	N    int
	Word string
	Note string
}
