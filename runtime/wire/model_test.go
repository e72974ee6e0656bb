package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// This file holds a generic model of a payload, shared by the truncation,
// corruption and fuzz tests: a payload is read into entries whose values are
// bool, int64, uint64, float64, []byte, time.Time or list, and entries are
// written back with the Encoder.

// list is a decoded list value: its element type and its elements (nil when
// empty, as wire.Slice reads an empty list).
type list struct {
	elem  wire.Type
	items []any
}

// group is a decoded group value: its entries, in order.
type group []entry

type entry struct {
	key string
	typ wire.Type
	val any
}

func (e entry) String() string { return fmt.Sprintf("%q %v %s", e.key, e.typ, show(e.val)) }

func show(v any) string {
	switch v := v.(type) {
	case float64:
		return fmt.Sprintf("%v(%#x)", v, math.Float64bits(v))
	case time.Time:
		_, off := v.Zone()
		return fmt.Sprintf("time(%d.%09d%+d)", v.Unix(), v.Nanosecond(), off)
	case list:
		parts := make([]string, len(v.items))
		for i, x := range v.items {
			parts[i] = show(x)
		}
		return fmt.Sprintf("list<%v>[%s]", v.elem, strings.Join(parts, " "))
	case group:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = x.String()
		}
		return fmt.Sprintf("group{%s}", strings.Join(parts, ", "))
	}
	return fmt.Sprintf("%#v", v)
}

// readValue reads the pending value, of wire type typ, with the widest reader
// for that type. Lists are read with wire.Slice, their element type found by
// first asking for a list of bools: a list of another type reports its
// element type in the MismatchError and stays readable.
func readValue(d *wire.Decoder, typ wire.Type) (any, error) {
	switch typ {
	case wire.TypeBool:
		return d.Bool()
	case wire.TypeInt:
		return d.Int()
	case wire.TypeUint:
		return d.Uint()
	case wire.TypeFloat:
		return d.Float()
	case wire.TypeBytes:
		return d.Bytes()
	case wire.TypeTime:
		return d.Time()
	case wire.TypeList:
		return readList(d)
	case wire.TypeGroup:
		return readGroup(d)
	}
	return nil, fmt.Errorf("readValue: bad type %v", typ)
}

// groupCorrupt reports a group whose own entries are corrupt: the group's
// decoder stops, while the decoder holding the group, whose length is sound,
// does not.
type groupCorrupt struct{ err error }

func (e *groupCorrupt) Error() string { return "group: " + e.err.Error() }
func (e *groupCorrupt) Unwrap() error { return e.err }

func readGroup(d *wire.Decoder) (any, error) {
	g, err := d.Group()
	if err != nil {
		return nil, err
	}
	entries := group{}
	for g.Next() {
		key, typ := string(g.Key()), g.Type()
		v, err := readValue(&g, typ)
		if err != nil {
			var gc *groupCorrupt
			if errors.As(err, &gc) && g.Err() == nil {
				continue // a corrupt group inside the group
			}
			if g.Err() == nil {
				return nil, fmt.Errorf("group entry %q: read error %v without Err()", key, err)
			}
			break
		}
		entries = append(entries, entry{key, typ, v})
	}
	if err := g.Err(); err != nil {
		return nil, &groupCorrupt{err}
	}
	return entries, nil
}

func readList(d *wire.Decoder) (any, error) {
	elem := wire.TypeBool
	items, err := wire.Slice(d, elem, elemReader(elem))
	var me *wire.MismatchError
	if errors.As(err, &me) && me.Why == "" && me.Want == elem && me.Got != elem {
		elem = me.Got
		items, err = wire.Slice(d, elem, elemReader(elem))
	}
	if err != nil {
		return nil, err
	}
	return list{elem: elem, items: items}, nil
}

func elemReader(elem wire.Type) func(*wire.Decoder) (any, error) {
	return func(d *wire.Decoder) (any, error) { return readValue(d, elem) }
}

// writeValue appends v as a value (no key). A list is written as
// Encoder.BeginList writes it after the key, so lists nest.
func writeValue(e *wire.Encoder, v any) {
	switch v := v.(type) {
	case bool:
		e.BoolValue(v)
	case int64:
		e.IntValue(v)
	case uint64:
		e.UintValue(v)
	case float64:
		e.FloatValue(v)
	case []byte:
		e.BytesValue(v)
	case string:
		e.StringValue(v)
	case time.Time:
		e.TimeValue(v)
	case list:
		mark := e.ListValue(v.elem, len(v.items))
		for _, x := range v.items {
			writeValue(e, x)
		}
		e.EndList(mark)
	case group:
		mark := e.GroupValue()
		for _, x := range v {
			e.Key(x.key, x.typ)
			writeValue(e, x.val)
		}
		e.EndGroup(mark)
	default:
		panic(fmt.Sprintf("writeValue: %T", v))
	}
}

func typeOf(v any) wire.Type {
	switch v.(type) {
	case bool:
		return wire.TypeBool
	case int64:
		return wire.TypeInt
	case uint64:
		return wire.TypeUint
	case float64:
		return wire.TypeFloat
	case []byte, string:
		return wire.TypeBytes
	case time.Time:
		return wire.TypeTime
	case list:
		return wire.TypeList
	case group:
		return wire.TypeGroup
	}
	panic(fmt.Sprintf("typeOf: %T", v))
}

func writeEntries(entries []entry) []byte {
	var e wire.Encoder
	for _, x := range entries {
		e.Key(x.key, x.typ)
		writeValue(&e, x.val)
	}
	return e.Data()
}

// sameValue reports whether two decoded values are the same: floats bit for
// bit, times as the same instant with the same zone offset.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b) && (a == nil) == (b == nil)
	case time.Time:
		b, ok := b.(time.Time)
		return ok && sameTime(a, b)
	case list:
		b, ok := b.(list)
		if !ok || a.elem != b.elem || len(a.items) != len(b.items) || (a.items == nil) != (b.items == nil) {
			return false
		}
		for i := range a.items {
			if !sameValue(a.items[i], b.items[i]) {
				return false
			}
		}
		return true
	case group:
		b, ok := b.(group)
		return ok && sameEntries(a, b)
	case bool, int64, uint64:
		return a == b
	}
	return false
}

func sameTime(a, b time.Time) bool {
	_, oa := a.Zone()
	_, ob := b.Zone()
	return a.Equal(b) && a.Unix() == b.Unix() && a.Nanosecond() == b.Nanosecond() && oa == ob
}

func sameEntries(a, b []entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key != b[i].key || a[i].typ != b[i].typ || !sameValue(a[i].val, b[i].val) {
			return false
		}
	}
	return true
}

// decodeAll reads every entry of payload with readValue (or skips them all
// when skip is set). It fails the walk, with an error describing why, when
// the decoder breaks one of its promises: Next runs on past the payload, a
// read fails without the decoder recording corruption, or Err does not
// match ErrCorrupt.
func decodeAll(payload []byte, skip bool) (entries []entry, derr error, broken error) {
	var d wire.Decoder
	d.Reset(payload)
	for i := 0; d.Next(); i++ {
		// Every entry takes at least two bytes: a key length and a type.
		if 2*i > len(payload) {
			return nil, nil, fmt.Errorf("Next returned true %d times on %d bytes", i+1, len(payload))
		}
		if skip {
			continue
		}
		key, typ := string(d.Key()), d.Type()
		v, err := readValue(&d, typ)
		if err != nil {
			var gc *groupCorrupt
			if errors.As(err, &gc) && d.Err() == nil {
				continue // the group is lost, the payload around it is sound
			}
			if !errors.Is(err, wire.ErrCorrupt) || !errors.Is(d.Err(), wire.ErrCorrupt) {
				return nil, nil, fmt.Errorf("entry %q: read error %v with Err() = %v", key, err, d.Err())
			}
			break
		}
		entries = append(entries, entry{key, typ, v})
	}
	if d.Next() {
		return nil, nil, errors.New("Next returned true after returning false")
	}
	if err := d.Err(); err != nil && !errors.Is(err, wire.ErrCorrupt) {
		return nil, nil, fmt.Errorf("Err() = %v; want it to match ErrCorrupt", err)
	}
	return entries, d.Err(), nil
}

// sampleEntries holds a value of every kind, lists of every element type,
// a nested list and values whose encodings are long.
func sampleEntries() []entry {
	ny := time.FixedZone("", -5*3600)
	return []entry{
		{"t", wire.TypeBool, true},
		{"f", wire.TypeBool, false},
		{"i", wire.TypeInt, int64(-300)},
		{"imin", wire.TypeInt, int64(math.MinInt64)},
		{"imax", wire.TypeInt, int64(math.MaxInt64)},
		{"u", wire.TypeUint, uint64(300)},
		{"umax", wire.TypeUint, uint64(math.MaxUint64)},
		{"pi", wire.TypeFloat, math.Pi},
		{"nan", wire.TypeFloat, math.NaN()},
		{"negzero", wire.TypeFloat, math.Copysign(0, -1)},
		{"s", wire.TypeBytes, []byte("héllo\x00wörld")},
		{"empty", wire.TypeBytes, []byte(nil)},
		{"long", wire.TypeBytes, bytes.Repeat([]byte("x"), 200)},
		{"now", wire.TypeTime, time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)},
		{"old", wire.TypeTime, time.Date(1901, 12, 13, 20, 45, 52, 1, ny)},
		{"", wire.TypeInt, int64(0)}, // an empty key
		{"lb", wire.TypeList, list{wire.TypeBool, []any{true, false, true}}},
		{"li", wire.TypeList, list{wire.TypeInt, []any{int64(1), int64(-1), int64(math.MinInt64)}}},
		{"lu", wire.TypeList, list{wire.TypeUint, []any{uint64(0), uint64(math.MaxUint64)}}},
		{"lf", wire.TypeList, list{wire.TypeFloat, []any{0.5, math.Inf(-1)}}},
		{"ls", wire.TypeList, list{wire.TypeBytes, []any{[]byte("a"), []byte(nil), []byte("ü")}}},
		{"lt", wire.TypeList, list{wire.TypeTime, []any{time.Unix(0, 0).UTC(), time.Unix(-1, 5).In(ny)}}},
		{"lempty", wire.TypeList, list{wire.TypeInt, nil}},
		{"nested", wire.TypeList, list{wire.TypeList, []any{
			list{wire.TypeInt, []any{int64(7)}},
			list{wire.TypeBytes, nil},
			list{wire.TypeList, []any{list{wire.TypeBool, []any{true}}}},
		}}},
		{"group", wire.TypeGroup, group{
			{"name", wire.TypeBytes, []byte("ann")},
			{"age", wire.TypeInt, int64(41)},
			{"inner", wire.TypeGroup, group{{"x", wire.TypeFloat, 1.5}}},
			{"tags", wire.TypeList, list{wire.TypeBytes, []any{[]byte("a")}}},
		}},
		{"emptygroup", wire.TypeGroup, group{}},
		{"groups", wire.TypeList, list{wire.TypeGroup, []any{
			group{{"k", wire.TypeBool, true}},
			group{},
		}}},
		{"last", wire.TypeUint, uint64(1)},
	}
}
