package unsupported

//go:generate go tool sessiongen -type=Bad

type Point struct{ X, Y int }

// Bad has a field of each unsupported kind.
type Bad struct {
	OK      string
	Map     map[string]int
	Any     any
	Iface   interface{ M() }
	Ch      chan int
	Fn      func()
	C       complex128
	Ptr     *int
	Struct  Point
	Nested  [][]string
	Array   [16]byte
	Skipped chan int `session:"-"`
}
