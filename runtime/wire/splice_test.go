package wire

import (
	"maps"
	"slices"
	"testing"
)

// An append replayed onto another writer's list: their elements, then
// ours past the ones we started from, whatever the elements' type.
func TestSpliceList(t *testing.T) {
	entry := func(items ...string) []byte {
		var e Encoder
		mark := e.BeginList("cart", TypeBytes, len(items))
		for _, it := range items {
			e.StringValue(it)
		}
		e.EndList(mark)
		return append([]byte(nil), e.Data()...)
	}
	read := func(entry []byte) []string {
		var d Decoder
		d.Reset(entry)
		if !d.Next() {
			t.Fatalf("no entry in %x", entry)
		}
		v, err := Slice(&d, TypeBytes, ReadString[string])
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		theirs, ours []string
		skip         int
		want         []string
	}{
		{[]string{"a", "b", "x"}, []string{"a", "b", "y"}, 2, []string{"a", "b", "x", "y"}},
		{nil, []string{"a", "y", "z"}, 1, []string{"y", "z"}},
		{[]string{"x"}, []string{"y"}, 0, []string{"x", "y"}},
		{[]string{"a", "b"}, []string{"a", "b"}, 2, []string{"a", "b"}},
	} {
		var theirs []byte
		if c.theirs != nil {
			theirs = entry(c.theirs...)
		}
		got, err := SpliceList(theirs, entry(c.ours...), c.skip)
		if err != nil || !slices.Equal(read(got), c.want) {
			t.Errorf("SpliceList(%v, %v, %d) = %v, %v; want %v", c.theirs, c.ours, c.skip, read(got), err, c.want)
		}
		if n, err := ListLen(got); err != nil || n != len(c.want) {
			t.Errorf("ListLen = %d, %v; want %d", n, err, len(c.want))
		}
	}
	var e Encoder
	e.Int("cart", 1)
	if _, err := SpliceList(e.Data(), entry("a"), 0); err == nil {
		t.Error("splicing onto an int: no error")
	}
	if _, err := SpliceList(entry("a"), entry("a"), 2); err == nil {
		t.Error("skipping past the end: no error")
	}
}

// Whatever two entries hold, a splice is refused or is a well-formed list
// of their elements.
func FuzzSpliceList(f *testing.F) {
	var e Encoder
	mark := e.BeginList("cart", TypeBytes, 2)
	e.StringValue("p")
	e.StringValue("q")
	e.EndList(mark)
	f.Add(append([]byte(nil), e.Data()...), append([]byte(nil), e.Data()...), 1)
	f.Fuzz(func(t *testing.T, theirs, ours []byte, skip int) {
		got, err := SpliceList(theirs, ours, skip)
		if err != nil {
			return
		}
		n, err := ListLen(got)
		if err != nil {
			t.Fatalf("spliced a list that does not parse: %v", err)
		}
		_, elem, _, elems, _ := listOf(got)
		if _, err := elementsEnd(elem, elems, n, n); err != nil {
			t.Fatalf("spliced %d elements that do not read back: %v", n, err)
		}
	})
}

// A request's key changes (set, replaced, removed) land on the map as
// another writer left it; the other writer's keys stay.
func TestMergeGroup(t *testing.T) {
	group := func(kv ...any) []byte {
		if kv == nil {
			return nil
		}
		var e Encoder
		mark := e.BeginGroup("tags")
		for i := 0; i < len(kv); i += 2 {
			e.Int(kv[i].(string), int64(kv[i+1].(int)))
		}
		e.EndGroup(mark)
		return append([]byte(nil), e.Data()...)
	}
	read := func(entry []byte) map[string]int64 {
		out := map[string]int64{}
		var d Decoder
		d.Reset(entry)
		if !d.Next() {
			t.Fatalf("no entry in %x", entry)
		}
		g, err := d.Group()
		if err != nil {
			t.Fatal(err)
		}
		for g.Next() {
			v, err := g.Int()
			if err != nil {
				t.Fatal(err)
			}
			out[string(g.Key())] = v
		}
		return out
	}
	for _, c := range []struct {
		name               string
		base, theirs, ours []byte
		want               map[string]int64
	}{
		{"disjoint keys", group("a", 1), group("a", 1, "b", 2), group("a", 1, "c", 3), map[string]int64{"a": 1, "b": 2, "c": 3}},
		{"ours replaces a key", group("a", 1), group("a", 1, "b", 2), group("a", 9), map[string]int64{"a": 9, "b": 2}},
		{"ours removes a key", group("a", 1, "b", 2), group("a", 5, "b", 2, "c", 3), group("b", 2), map[string]int64{"b": 2, "c": 3}},
		{"their change of a key ours left", group("a", 1), group("a", 7), group("a", 1, "z", 0), map[string]int64{"a": 7, "z": 0}},
		{"the map was removed meanwhile", group("a", 1), nil, group("a", 1, "b", 2), map[string]int64{"b": 2}},
		{"the map is new", nil, group("x", 1), group("y", 2), map[string]int64{"x": 1, "y": 2}},
	} {
		got, err := MergeGroup(c.base, c.theirs, c.ours)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m := read(got); !maps.Equal(m, c.want) {
			t.Errorf("%s: %v; want %v", c.name, m, c.want)
		}
	}
	if _, err := MergeGroup(nil, group("a", 1), []byte("\x01x\x02\x02")); err == nil {
		t.Error("ours not a group: no error")
	}
}

// Whatever three entries hold, a merge is refused or is a group whose
// entries all read back.
func FuzzMergeGroup(f *testing.F) {
	var e Encoder
	mark := e.BeginGroup("tags")
	e.Int("a", 1)
	e.EndGroup(mark)
	g := append([]byte(nil), e.Data()...)
	f.Add(g, g, g)
	f.Fuzz(func(t *testing.T, base, theirs, ours []byte) {
		got, err := MergeGroup(base, theirs, ours)
		if err != nil {
			return
		}
		if _, _, _, err := groupOf(got); err != nil {
			t.Fatalf("merged a group that does not read back: %v", err)
		}
	})
}
