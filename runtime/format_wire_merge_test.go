package runtime

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// wirePayloadOf writes a payload as the wire encoding does: flags, the
// flashes, then int fields (nil: absent) and a cart, in key order.
func wirePayloadOf(flags byte, flashes []string, fields map[string]int, cart []string, extra string) []byte {
	var e wire.Encoder
	e.Raw(payloadVersion, flags)
	var m sessionimpl.Meta
	for _, f := range flashes {
		m.Flashes = append(m.Flashes, Flash{Category: "message", Message: f})
	}
	encodeMeta(&e, &m)
	for _, k := range []string{"a", "b"} {
		if v, ok := fields[k]; ok {
			e.Int(k, int64(v))
		}
	}
	if cart != nil {
		mark := e.BeginList("cart", wire.TypeBytes, len(cart))
		for _, it := range cart {
			e.StringValue(it)
		}
		e.EndList(mark)
	}
	switch {
	case strings.HasPrefix(extra, "tags"): // a map: "tags", then +key for each key set to 1
		mark := e.BeginGroup("tags")
		for _, k := range strings.Split(extra, "+")[1:] {
			e.Int(k, 1)
		}
		e.EndGroup(mark)
	case extra != "":
		e.String(extra, "from a later release")
	}
	return slices.Clone(e.Data())
}

// The wire encoding's merge, case by case: what the request read and wrote
// decides, entry by entry, between its record and the newer one.
func TestWireMerge(t *testing.T) {
	keys := []string{"a", "b", "cart", "tags"}
	const a, b, cart, tags = 0, 1, 2, 3
	set := func(fields ...int) (s sessionimpl.FieldSet) {
		for _, f := range fields {
			s.Add(f)
		}
		return s
	}
	for _, c := range []struct {
		name               string
		base, theirs, ours []byte
		meta               sessionimpl.Meta
		lww                bool
		want               []byte
		conflicts          []string
	}{{
		name:   "disjoint blind writes",
		base:   wirePayloadOf(0, nil, map[string]int{"a": 1, "b": 1}, nil, ""),
		theirs: wirePayloadOf(0, nil, map[string]int{"a": 2, "b": 1}, nil, ""),
		ours:   wirePayloadOf(0, nil, map[string]int{"a": 1, "b": 3}, nil, ""),
		meta:   sessionimpl.Meta{Writes: set(b)},
		want:   wirePayloadOf(0, nil, map[string]int{"a": 2, "b": 3}, nil, ""),
	}, {
		name:      "a read field changed",
		base:      wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, ""),
		theirs:    wirePayloadOf(0, nil, map[string]int{"a": 2}, nil, ""),
		ours:      wirePayloadOf(0, nil, map[string]int{"a": 1, "b": 2}, nil, ""),
		meta:      sessionimpl.Meta{Reads: set(a), Writes: set(b)},
		conflicts: []string{"a"},
	}, {
		name:   "a read field changed, last writer wins",
		base:   wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, ""),
		theirs: wirePayloadOf(0, nil, map[string]int{"a": 2}, nil, ""),
		ours:   wirePayloadOf(0, nil, map[string]int{"a": 5}, nil, ""),
		meta:   sessionimpl.Meta{Reads: set(a), Writes: set(a)},
		lww:    true,
		want:   wirePayloadOf(0, nil, map[string]int{"a": 5}, nil, ""),
	}, {
		name:      "the presence read changed",
		base:      wirePayloadOf(0, nil, map[string]int{}, nil, ""),
		theirs:    wirePayloadOf(0, nil, map[string]int{"b": 1}, nil, ""),
		ours:      wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, ""),
		meta:      sessionimpl.Meta{Reads: set(b), Writes: set(a)},
		conflicts: []string{"b"},
	}, {
		name:   "a delete, and a later release's key kept",
		base:   wirePayloadOf(0, nil, map[string]int{"a": 1, "b": 1}, nil, "z"),
		theirs: wirePayloadOf(0, nil, map[string]int{"a": 1, "b": 2}, nil, "z"),
		ours:   wirePayloadOf(0, nil, map[string]int{"b": 1}, nil, ""),
		meta:   sessionimpl.Meta{Writes: set(a)},
		want:   wirePayloadOf(0, nil, map[string]int{"b": 2}, nil, "z"),
	}, {
		name:   "the permanent flag: theirs unless the request set it",
		base:   wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, ""),
		theirs: wirePayloadOf(flagPermanentSet|flagPermanent, nil, map[string]int{"a": 1}, nil, ""),
		ours:   wirePayloadOf(0, nil, map[string]int{"a": 3}, nil, ""),
		meta:   sessionimpl.Meta{Writes: set(a)},
		want:   wirePayloadOf(flagPermanentSet|flagPermanent, nil, map[string]int{"a": 3}, nil, ""),
	}, {
		name:   "the request set the permanent flag",
		base:   wirePayloadOf(flagPermanentSet|flagPermanent, nil, map[string]int{"a": 1}, nil, ""),
		theirs: wirePayloadOf(flagPermanentSet|flagPermanent, nil, map[string]int{"a": 2}, nil, ""),
		ours:   wirePayloadOf(flagPermanentSet, nil, map[string]int{"a": 1}, nil, ""),
		meta:   sessionimpl.Meta{Status: sessionimpl.StatusPermanentWritten},
		want:   wirePayloadOf(flagPermanentSet, nil, map[string]int{"a": 2}, nil, ""),
	}, {
		name:   "flashes: those shown go, those added meanwhile stay, ours come last",
		base:   wirePayloadOf(0, []string{"x"}, map[string]int{"a": 1}, nil, ""),
		theirs: wirePayloadOf(0, []string{"x", "y"}, map[string]int{"a": 1}, nil, ""),
		ours:   wirePayloadOf(0, []string{"z"}, map[string]int{"a": 1}, nil, ""),
		meta: sessionimpl.Meta{Popped: true, Shown: []Flash{{Category: "message", Message: "x"}},
			Flashes: []Flash{{Category: "message", Message: "z"}}},
		want: wirePayloadOf(0, []string{"y", "z"}, map[string]int{"a": 1}, nil, ""),
	}, {
		name:   "an append replayed after theirs",
		base:   wirePayloadOf(0, nil, nil, []string{"p"}, ""),
		theirs: wirePayloadOf(0, nil, nil, []string{"p", "q"}, ""),
		ours:   wirePayloadOf(0, nil, nil, []string{"p", "r", "s"}, ""),
		meta:   sessionimpl.Meta{Writes: set(cart), Replays: set(cart)},
		want:   wirePayloadOf(0, nil, nil, []string{"p", "q", "r", "s"}, ""),
	}, {
		name:   "map keys replayed onto theirs",
		base:   wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, "tags"),
		theirs: wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, "tags+x"),
		ours:   wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, "tags+y"),
		meta:   sessionimpl.Meta{Writes: set(tags), Replays: set(tags)},
		want:   wirePayloadOf(0, nil, map[string]int{"a": 1}, nil, "tags+x+y"),
	}, {
		name:      "an append after a read of the list",
		base:      wirePayloadOf(0, nil, nil, []string{"p"}, ""),
		theirs:    wirePayloadOf(0, nil, nil, []string{"p", "q"}, ""),
		ours:      wirePayloadOf(0, nil, nil, []string{"p", "r"}, ""),
		meta:      sessionimpl.Meta{Reads: set(cart), Writes: set(cart)},
		conflicts: []string{"cart"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			got, conflicts, err := wireEncoding{}.merge(c.base, c.theirs, c.ours, &c.meta, newFieldIndex(keys), c.lww)
			if err != nil || !slices.Equal(conflicts, c.conflicts) {
				t.Fatalf("conflicts %v, %v; want %v", conflicts, err, c.conflicts)
			}
			if c.conflicts == nil && !bytes.Equal(got, c.want) {
				gw, _ := parseWirePayload(got)
				ww, _ := parseWirePayload(c.want)
				t.Errorf("merged %+v\nwant   %+v", gw, ww)
			}
		})
	}
}

// Whatever a store holds (hostile contents included), merging it neither
// panics nor returns a payload the wire decoding refuses.
func FuzzWireMerge(f *testing.F) {
	f.Add(wirePayloadOf(0, []string{"x"}, map[string]int{"a": 1}, []string{"p"}, ""),
		wirePayloadOf(1, []string{"x", "y"}, map[string]int{"a": 2, "b": 1}, []string{"p", "q"}, "z"),
		wirePayloadOf(0, []string{"z"}, map[string]int{"b": 3}, []string{"p", "r"}, ""), uint8(3), uint8(6), uint8(4))
	keys := []string{"a", "b", "cart"}
	f.Fuzz(func(t *testing.T, base, theirs, ours []byte, reads, writes, appends uint8) {
		m := sessionimpl.Meta{Reads: sessionimpl.FieldSet{uint64(reads)}, Writes: sessionimpl.FieldSet{uint64(writes)}, Replays: sessionimpl.FieldSet{uint64(appends)}}
		got, conflicts, err := wireEncoding{}.merge(base, theirs, ours, &m, newFieldIndex(keys), false)
		if err != nil || conflicts != nil {
			return
		}
		if _, err := parseWirePayload(got); err != nil {
			t.Fatalf("merged a payload that does not parse: %v", err)
		}
	})
}
