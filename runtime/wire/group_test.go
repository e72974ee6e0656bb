package wire_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// groupPayload holds a struct-like group with a nested group, a map-like
// group, a list of groups and an empty group, between plain entries.
func groupPayload() []byte {
	return encode(func(e *wire.Encoder) {
		e.Int("before", -1)
		m := e.BeginGroup("user")
		e.String("name", "Zoë")
		e.Int("age", 41)
		e.Time("seen", time.Date(1960, 5, 4, 3, 2, 1, 0, time.FixedZone("", 7200)))
		inner := e.BeginGroup("address")
		e.String("city", "Paris")
		e.Uint("zip", 75001)
		e.EndGroup(inner)
		wire.Strings(e, "roles", []Role{"admin", "dev"})
		e.Float("score", math.Inf(1))
		e.EndGroup(m)
		m = e.BeginGroup("counts") // a map[string]int
		e.Int("", 0)
		e.Int("a\x00b", 2)
		e.Int("ü", 3)
		e.EndGroup(m)
		lm := e.BeginList("items", wire.TypeGroup, 3)
		for i := range 3 {
			g := e.GroupValue()
			if i != 1 {
				e.Int("id", int64(i))
				e.String("label", string(rune('a'+i)))
			}
			e.EndGroup(g)
		}
		e.EndList(lm)
		e.EndGroup(e.BeginGroup("empty"))
		e.String("after", "end")
	})
}

type item struct {
	id    int
	label string
}

func readItem(d *wire.Decoder) (item, error) {
	g, err := d.Group()
	if err != nil {
		return item{}, err
	}
	var it item
	for g.Next() {
		switch string(g.Key()) {
		case "id":
			it.id, err = wire.ReadInt[int](&g)
		case "label":
			it.label, err = g.String()
		}
		if err != nil {
			return item{}, err
		}
	}
	return it, g.Err()
}

func TestGroupRoundTrip(t *testing.T) {
	p := groupPayload()
	for _, text := range []bool{false, true} {
		var d wire.Decoder
		if text {
			d.ResetText(p, string(p))
		} else {
			d.Reset(p)
		}
		next(t, &d, "before", wire.TypeInt)
		next(t, &d, "user", wire.TypeGroup)
		u := must[wire.Decoder](t, "Group")(d.Group())
		next(t, &u, "name", wire.TypeBytes)
		if v, err := u.String(); v != "Zoë" || err != nil {
			t.Errorf("name = %q, %v (text %v)", v, err, text)
		}
		next(t, &u, "age", wire.TypeInt)
		if v, err := wire.ReadInt[int16](&u); v != 41 || err != nil {
			t.Errorf("age = %d, %v", v, err)
		}
		next(t, &u, "seen", wire.TypeTime)
		checkTime(t, "seen", must[time.Time](t, "seen")(u.Time()), time.Date(1960, 5, 4, 3, 2, 1, 0, time.FixedZone("", 7200)))
		next(t, &u, "address", wire.TypeGroup)
		a := must[wire.Decoder](t, "Group")(u.Group())
		next(t, &a, "city", wire.TypeBytes)
		if v, err := a.String(); v != "Paris" || err != nil {
			t.Errorf("city = %q, %v (text %v)", v, err, text)
		}
		next(t, &a, "zip", wire.TypeUint)
		if v, err := wire.ReadUint[uint32](&a); v != 75001 || err != nil {
			t.Errorf("zip = %d, %v", v, err)
		}
		end(t, &a)
		next(t, &u, "roles", wire.TypeList)
		if v, err := wire.Slice(&u, wire.TypeBytes, wire.ReadString[Role]); !slices.Equal(v, []Role{"admin", "dev"}) || err != nil {
			t.Errorf("roles = %q, %v (text %v)", v, err, text)
		}
		next(t, &u, "score", wire.TypeFloat)
		if v, err := u.Float(); !math.IsInf(v, 1) || err != nil {
			t.Errorf("score = %v, %v", v, err)
		}
		end(t, &u)

		next(t, &d, "counts", wire.TypeGroup)
		c := must[wire.Decoder](t, "Group")(d.Group())
		counts := map[string]int{}
		for c.Next() {
			counts[string(c.Key())] = must[int](t, "count")(wire.ReadInt[int](&c))
		}
		if c.Err() != nil || len(counts) != 3 || counts[""] != 0 || counts["a\x00b"] != 2 || counts["ü"] != 3 {
			t.Errorf("counts = %v, %v", counts, c.Err())
		}

		next(t, &d, "items", wire.TypeList)
		items, err := wire.Slice(&d, wire.TypeGroup, readItem)
		if want := []item{{0, "a"}, {}, {2, "c"}}; !slices.Equal(items, want) || err != nil {
			t.Errorf("items = %v, %v; want %v", items, err, want)
		}
		next(t, &d, "empty", wire.TypeGroup)
		g := must[wire.Decoder](t, "Group")(d.Group())
		end(t, &g)
		next(t, &d, "after", wire.TypeBytes)
		if v, err := d.String(); v != "end" || err != nil {
			t.Errorf("after = %q, %v", v, err)
		}
		end(t, &d)
	}
}

// A group left unread, or read in part, is skipped whole: the receiver of
// Group moves past it at once.
func TestGroupSkipped(t *testing.T) {
	p := groupPayload()
	d := decoder(p)
	next(t, d, "before", wire.TypeInt)
	next(t, d, "user", wire.TypeGroup) // unread
	next(t, d, "counts", wire.TypeGroup)
	c := must[wire.Decoder](t, "Group")(d.Group())
	next(t, &c, "", wire.TypeInt) // the group's first entry only
	next(t, d, "items", wire.TypeList)
	next(t, d, "empty", wire.TypeGroup)
	next(t, d, "after", wire.TypeBytes)
	end(t, d)
	// The group's decoder is independent of its parent's progress.
	next(t, &c, "a\x00b", wire.TypeInt)
	if v, err := c.Int(); v != 2 || err != nil {
		t.Errorf("a\\x00b = %d, %v", v, err)
	}
}

// Inside a group, unknown keys are skipped and a mismatch loses only its
// field, as at the top level.
func TestGroupEvolution(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		m := e.BeginGroup("g")
		e.String("old", "x")
		e.Int("small", 1000)
		e.String("kind", "k")
		e.EndGroup(m)
		e.Bool("after", true)
	})
	d := decoder(p)
	next(t, d, "g", wire.TypeGroup)
	g := must[wire.Decoder](t, "Group")(d.Group())
	next(t, &g, "old", wire.TypeBytes)
	next(t, &g, "small", wire.TypeInt)
	_, err := wire.ReadInt[int8](&g)
	checkMismatch(t, &g, err, wire.TypeInt, wire.TypeInt, true)
	next(t, &g, "kind", wire.TypeBytes)
	if _, err := g.Group(); !errors.Is(err, wire.ErrMismatch) {
		t.Errorf("Group() on a string = %v; want a mismatch", err)
	}
	if v, err := g.String(); v != "k" || err != nil {
		t.Errorf("kind = %q, %v", v, err)
	}
	end(t, &g)
	next(t, d, "after", wire.TypeBool)
	end(t, d)
}

// Corruption inside a group is reported by the group's decoder.
func TestGroupCorruptInside(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		m := e.BeginGroup("g")
		e.Int("ok", 1)
		e.Key("bad", wire.TypeBool)
		e.Raw(7)
		e.EndGroup(m)
		e.Int("after", 2)
	})
	d := decoder(p)
	next(t, d, "g", wire.TypeGroup)
	g := must[wire.Decoder](t, "Group")(d.Group())
	next(t, &g, "ok", wire.TypeInt)
	next(t, &g, "bad", wire.TypeBool)
	if _, err := g.Bool(); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("Bool() of 7 in a group = %v; want ErrCorrupt", err)
	}
	if g.Next() || !errors.Is(g.Err(), wire.ErrCorrupt) {
		t.Errorf("group decoder: Err() = %v; want ErrCorrupt", g.Err())
	}

	// A group whose entries run past its length: the group ends inside the
	// entry.
	var e wire.Encoder
	e.Key("g", wire.TypeGroup)
	e.UintValue(3)
	e.String("s", "long")
	p = e.Data()
	d = decoder(p)
	next(t, d, "g", wire.TypeGroup)
	g = must[wire.Decoder](t, "Group")(d.Group())
	next(t, &g, "s", wire.TypeBytes)
	if v, err := g.String(); !errors.Is(err, wire.ErrCorrupt) || !errors.Is(g.Err(), wire.ErrCorrupt) {
		t.Errorf("a string cut by its group's end: %q, %v, Err() = %v; want ErrCorrupt", v, err, g.Err())
	}
	d = decoder(p)
	next(t, d, "g", wire.TypeGroup)
	g = must[wire.Decoder](t, "Group")(d.Group())
	next(t, &g, "s", wire.TypeBytes)
	if g.Next() || !errors.Is(g.Err(), wire.ErrCorrupt) {
		t.Errorf("skipping a string cut by its group's end: Err() = %v; want ErrCorrupt", g.Err())
	}
}

func nestGroups(depth int) []byte {
	var e wire.Encoder
	marks := make([]int, depth)
	for i := range depth {
		marks[i] = e.BeginGroup("g")
	}
	e.Int("leaf", 1)
	for i := depth - 1; i >= 0; i-- {
		e.EndGroup(marks[i])
	}
	return e.Data()
}

func nestLists(depth int) []byte {
	var e wire.Encoder
	marks := make([]int, depth)
	marks[0] = e.BeginList("l", wire.TypeList, 1)
	for i := 1; i < depth; i++ {
		marks[i] = e.ListValue(wire.TypeList, 1)
	}
	m := e.ListValue(wire.TypeInt, 1)
	e.IntValue(1)
	e.EndList(m)
	for i := depth - 1; i >= 0; i-- {
		e.EndList(marks[i])
	}
	return e.Data()
}

// descend opens nested groups until it finds the leaf or an error.
func descend(d *wire.Decoder) (depth int, err error) {
	for d.Next() {
		if d.Type() != wire.TypeGroup {
			return depth, nil
		}
		g, err := d.Group()
		if err != nil {
			return depth, err
		}
		*d = g
		depth++
	}
	return depth, d.Err()
}

// Moderate nesting reads; a hostile depth is refused as corrupt, not with a
// stack overflow.
func TestNestingLimit(t *testing.T) {
	depth, err := descend(decoder(nestGroups(16)))
	if depth != 16 || err != nil {
		t.Errorf("16 nested groups: reached %d, %v", depth, err)
	}
	depth, err = descend(decoder(nestGroups(1000)))
	if !errors.Is(err, wire.ErrCorrupt) || depth >= 1000 {
		t.Errorf("1000 nested groups: reached %d, %v; want ErrCorrupt", depth, err)
	}

	d := decoder(nestLists(16))
	next(t, d, "l", wire.TypeList)
	if v, err := readValue(d, wire.TypeList); err != nil {
		t.Errorf("16 nested lists: %v", err)
	} else {
		n := 0
		for l, ok := v.(list); ok && len(l.items) == 1; l, ok = l.items[0].(list) {
			n++
		}
		if n != 17 {
			t.Errorf("16 nested lists read %d deep", n)
		}
	}
	end(t, d)

	d = decoder(nestLists(1000))
	next(t, d, "l", wire.TypeList)
	if _, err := readValue(d, wire.TypeList); !errors.Is(err, wire.ErrCorrupt) || !errors.Is(d.Err(), wire.ErrCorrupt) {
		t.Errorf("1000 nested lists: %v, Err() = %v; want ErrCorrupt", err, d.Err())
	}
	// Skipped, the deep list is just bytes.
	d = decoder(nestLists(1000))
	next(t, d, "l", wire.TypeList)
	end(t, d)
}
