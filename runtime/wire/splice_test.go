package wire

import (
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
