package gen

import (
	"errors"
	"testing"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// The generator refuses fields nested deeper than maxWireDepth; the
// decoder must accept exactly that deep a payload and nothing deeper, or
// sessions would be refused for no reason, or dropped on every request.
// gen cannot import the runtime, so the boundary is checked here, against
// the decoder itself, for groups, lists and the two mixed.
func TestMaxWireDepth(t *testing.T) {
	for _, kind := range []string{"groups", "lists", "mixed"} {
		for _, depth := range []int{1, maxWireDepth, maxWireDepth + 1} {
			list := func(level int) bool { return kind == "lists" || kind == "mixed" && level%2 == 1 }
			err := decodeNested(encodeNested(depth, list), depth, list)
			if depth <= maxWireDepth && err != nil {
				t.Errorf("%s nested %d deep: %v; the decoder must accept it", kind, depth, err)
			}
			if depth > maxWireDepth && !errors.Is(err, wire.ErrCorrupt) {
				t.Errorf("%s nested %d deep: err = %v; the decoder must refuse it (maxWireDepth no longer matches wire's maxDepth)", kind, depth, err)
			}
		}
	}
}

// encodeNested writes one entry holding depth levels of groups and lists
// (list(level) says which), the innermost holding the int 7: levels as
// generated code writes them, a group holding an entry, a list one value.
func encodeNested(depth int, list func(level int) bool) []byte {
	var e wire.Encoder
	var write func(level int)
	write = func(level int) {
		inner := wire.TypeInt
		if level+1 < depth {
			inner = wire.TypeGroup
			if list(level + 1) {
				inner = wire.TypeList
			}
		}
		if list(level) {
			mark := e.ListValue(inner, 1)
			if level+1 < depth {
				write(level + 1)
			} else {
				e.IntValue(7)
			}
			e.EndList(mark)
			return
		}
		mark := e.GroupValue()
		e.Key("k", inner)
		if level+1 < depth {
			write(level + 1)
		} else {
			e.IntValue(7)
		}
		e.EndGroup(mark)
	}
	first := wire.TypeGroup
	if list(0) {
		first = wire.TypeList
	}
	e.Key("k", first)
	write(0)
	return e.Data()
}

// decodeNested reads what encodeNested wrote, as generated code reads it.
func decodeNested(payload []byte, depth int, list func(level int) bool) error {
	var read func(d *wire.Decoder, level int) (int, error)
	read = func(d *wire.Decoder, level int) (int, error) {
		if level == depth {
			return wire.ReadInt[int](d)
		}
		if list(level) {
			elem := wire.TypeInt
			if level+1 < depth {
				elem = wire.TypeGroup
				if list(level + 1) {
					elem = wire.TypeList
				}
			}
			xs, err := wire.Slice(d, elem, func(d *wire.Decoder) (int, error) { return read(d, level+1) })
			if err != nil {
				return 0, err
			}
			if len(xs) != 1 {
				return 0, errors.New("the list lost its element")
			}
			return xs[0], nil
		}
		g, err := d.Group()
		if err != nil {
			return 0, err
		}
		if !g.Next() {
			if g.Err() != nil {
				return 0, g.Err()
			}
			return 0, errors.New("the group lost its entry")
		}
		return read(&g, level+1)
	}
	var d wire.Decoder
	d.Reset(payload)
	if !d.Next() {
		return d.Err()
	}
	n, err := read(&d, 0)
	if err != nil {
		return err
	}
	if n != 7 {
		return errors.New("the innermost value changed")
	}
	return d.Err()
}
