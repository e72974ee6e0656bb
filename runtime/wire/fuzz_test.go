package wire_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// readWrong reads the pending value with the reader of type typ.
func readWrong(d *wire.Decoder, typ wire.Type) error {
	var err error
	switch typ {
	case wire.TypeBool:
		_, err = d.Bool()
	case wire.TypeInt:
		_, err = wire.ReadInt[int8](d)
	case wire.TypeUint:
		_, err = d.Uint()
	case wire.TypeFloat:
		_, err = wire.ReadFloat[float32](d)
	case wire.TypeBytes:
		_, err = d.String()
	case wire.TypeTime:
		_, err = d.Time()
	case wire.TypeList:
		_, err = wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
	case wire.TypeGroup:
		_, err = d.Group()
	}
	return err
}

// checkNarrow reads, from c, a copy of the decoder taken before v was read
// from d, the same value with the narrow readers generated code uses for
// small fields, and checks that they agree with v: the value when it fits, a
// mismatch that leaves the decoder where a full read leaves it otherwise.
func checkNarrow(t *testing.T, c, d wire.Decoder, typ wire.Type, v any) {
	t.Helper()
	var err error
	fits := true
	switch typ {
	case wire.TypeBool:
		var x Flag
		x, err = wire.ReadBool[Flag](&c)
		if err == nil && bool(x) != v.(bool) {
			t.Fatalf("ReadBool = %v; Bool = %v", x, v)
		}
	case wire.TypeInt:
		var x int8
		x, err = wire.ReadInt[int8](&c)
		fits = int64(int8(v.(int64))) == v.(int64)
		if err == nil && int64(x) != v.(int64) {
			t.Fatalf("ReadInt[int8] = %d; Int = %d", x, v)
		}
	case wire.TypeUint:
		var x uint8
		x, err = wire.ReadUint[uint8](&c)
		fits = uint64(uint8(v.(uint64))) == v.(uint64)
		if err == nil && uint64(x) != v.(uint64) {
			t.Fatalf("ReadUint[uint8] = %d; Uint = %d", x, v)
		}
	case wire.TypeFloat:
		var x float32
		x, err = wire.ReadFloat[float32](&c)
		f := v.(float64)
		fits = float64(float32(f)) == f || math.IsNaN(f)
		if err == nil && float64(x) != f && !(math.IsNaN(f) && math.IsNaN(float64(x))) {
			t.Fatalf("ReadFloat[float32] = %v; Float = %v", x, f)
		}
	case wire.TypeBytes:
		var s Role
		s, err = wire.ReadString[Role](&c)
		if err == nil && string(s) != string(v.([]byte)) {
			t.Fatalf("ReadString = %q; Bytes = %q", s, v)
		}
	case wire.TypeTime:
		var x time.Time
		x, err = wire.ReadTime(&c)
		if err == nil && !sameTime(x, v.(time.Time)) {
			t.Fatalf("ReadTime = %v; Time = %v", x, v)
		}
	case wire.TypeList:
		l := v.(list)
		switch l.elem {
		case wire.TypeInt:
			_, err = wire.Slice(&c, wire.TypeInt, wire.ReadInt[int8])
			for _, x := range l.items {
				fits = fits && int64(int8(x.(int64))) == x.(int64)
			}
		case wire.TypeBytes:
			var s []string
			s, err = wire.Slice(&c, wire.TypeBytes, wire.ReadString[string])
			for i := range s {
				if s[i] != string(l.items[i].([]byte)) {
					t.Fatalf("Slice of strings [%d] = %q; want %q", i, s[i], l.items[i])
				}
			}
		default:
			return
		}
	default:
		return
	}
	if fits != (err == nil) {
		t.Fatalf("%v %s: narrow read error %v; fits %v", typ, show(v), err, fits)
	}
	if err != nil {
		var me *wire.MismatchError
		if !errors.As(err, &me) || me.Why == "" || c.Err() != nil {
			t.Fatalf("%v %s: narrow read error %v, Err() %v; want a MismatchError with a reason", typ, show(v), err, c.Err())
		}
	}
	// Both decoders go on to the same next entry.
	cn, dn := c.Next(), d.Next()
	if cn != dn || !bytes.Equal(c.Key(), d.Key()) || c.Type() != d.Type() || (c.Err() == nil) != (d.Err() == nil) {
		t.Fatalf("after a narrow read: Next %v %q %v; after a full read: Next %v %q %v", cn, c.Key(), c.Type(), dn, d.Key(), d.Type())
	}
}

// walk reads a payload as FuzzDecoder does: for each entry a reader of
// another type first, which must report a mismatch, then every fourth entry
// is left unread and the others are read with the reader for their type
// and, on a copy of the decoder, with the narrow readers.
func walk(t *testing.T, data []byte, text bool) ([]entry, error) {
	var d wire.Decoder
	if text {
		d.ResetText(data, string(data))
	} else {
		d.Reset(data)
	}
	var entries []entry
	for i := 0; d.Next(); i++ {
		if 2*i > len(data) {
			t.Fatalf("Next returned true %d times on %d bytes", i+1, len(data))
		}
		key, typ := string(d.Key()), d.Type()
		if typ < wire.TypeBool || typ > wire.TypeGroup {
			t.Fatalf("entry %q has type %v", key, typ)
		}
		wrong := typ%wire.TypeGroup + 1
		err := readWrong(&d, wrong)
		var me *wire.MismatchError
		if !errors.Is(err, wire.ErrMismatch) || !errors.As(err, &me) || me.Want != wrong || me.Got != typ || d.Err() != nil {
			t.Fatalf("entry %q %v read as %v: %v, Err() %v; want a mismatch", key, typ, wrong, err, d.Err())
		}
		if i%4 == 3 {
			continue // left for Next to skip
		}
		before := d
		v, err := readValue(&d, typ)
		if err != nil {
			var gc *groupCorrupt
			if errors.As(err, &gc) && d.Err() == nil {
				continue
			}
			if !errors.Is(err, wire.ErrCorrupt) || !errors.Is(d.Err(), wire.ErrCorrupt) {
				t.Fatalf("entry %q %v: read error %v, Err() %v", key, typ, err, d.Err())
			}
			break
		}
		checkNarrow(t, before, d, typ, v)
		entries = append(entries, entry{key, typ, v})
	}
	if d.Next() {
		t.Fatalf("Next returned true after returning false")
	}
	if err := d.Err(); err != nil && !errors.Is(err, wire.ErrCorrupt) {
		t.Fatalf("Err() = %v; want it to match ErrCorrupt", err)
	}
	_, _ = d.Key(), d.Type()
	return entries, d.Err()
}

func fuzzSeeds() [][]byte {
	seeds := [][]byte{nil, {}, writeEntries(sampleEntries()), groupPayload(), nestLists(40), nestGroups(40)}
	for _, e := range sampleEntries() {
		seeds = append(seeds, writeEntries([]entry{e}))
	}
	for _, c := range corruptPayloads() {
		seeds = append(seeds, c.p)
	}
	return append(seeds, hostilePayloads()...)
}

func FuzzDecoder(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := walk(t, data, false)
		gotText, errText := walk(t, data, true)
		if !sameEntries(got, gotText) || (err == nil) != (errText == nil) {
			t.Fatalf("Reset and ResetText disagree:\n%v %v\n%v %v", got, err, gotText, errText)
		}
		if err != nil {
			return
		}
		// What was read writes back and reads again as the same values, and
		// writing those gives the same bytes.
		p := writeEntries(got)
		again, derr, broken := decodeAll(p, false)
		if broken != nil || derr != nil {
			t.Fatalf("re-encoded payload: %v %v\n%v", broken, derr, got)
		}
		if !sameEntries(got, again) {
			t.Fatalf("re-encoded payload reads\n%v\nwant\n%v", again, got)
		}
		if p2 := writeEntries(again); !bytes.Equal(p, p2) {
			t.Fatalf("writing the values read back gives other bytes:\n% x\n% x", p, p2)
		}
	})
}

// FuzzAllocationBound reads every entry of a payload into fields of large
// elements, []page and [][]page, as a cookie written before its fields'
// types changed is read, and checks that this allocates no more than the
// payload's size justifies, whatever counts it states. The bound is loose,
// 128 bytes for each byte: what it catches is a count driving an
// allocation, 4 KiB for each byte before Slice bounded what it reserves.
// ([]record is left out: an empty group is a valid zero record, so a list
// of them is 4 KiB of result for each byte, as its type says.)
func FuzzAllocationBound(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d wire.Decoder
		read := func() {
			for _, read := range []func(*wire.Decoder){
				func(d *wire.Decoder) { _, _ = wire.Slice(d, wire.TypeBytes, readPage) },
				func(d *wire.Decoder) {
					_, _ = wire.Slice(d, wire.TypeList, func(d *wire.Decoder) ([]page, error) {
						return wire.Slice(d, wire.TypeBytes, readPage)
					})
				},
			} {
				d.Reset(data)
				for d.Next() {
					read(&d)
				}
			}
		}
		if got, limit := bytesAllocated(2, read), 128*uint64(len(data))+1024; got > limit {
			t.Fatalf("reading %d bytes into []page and [][]page allocates %d bytes; want at most %d", len(data), got, limit)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(int64(0), uint64(0), 0.0, "", []byte(nil))
	f.Add(int64(-1), uint64(1), math.Copysign(0, -1), "a", []byte{})
	f.Add(int64(127), uint64(255), 0.1, "héllo\x00", []byte{0, 1, 2})
	f.Add(int64(128), uint64(256), float64(float32(0.1)), "\xff", []byte("x"))
	f.Add(int64(math.MinInt64), uint64(math.MaxUint64), math.NaN(), string(make([]byte, 200)), make([]byte, 20000))
	f.Add(int64(math.MaxInt64), uint64(1<<63), math.Inf(-1), "🎉", []byte{0xff})
	f.Add(int64(-129), uint64(1e9), math.MaxFloat64, "k", []byte("k"))
	f.Fuzz(func(t *testing.T, i int64, u uint64, fl float64, s string, b []byte) {
		offset := int(i % (24*60*60 + 1))
		when := time.Unix(i, int64(u%1e9)).In(time.FixedZone("", offset))
		var e wire.Encoder
		e.Int("i", i)
		e.Uint("u", u)
		e.Float("f", fl)
		e.String("s", s)
		e.Bytes("b", b)
		e.Time("t", when)
		e.Int("i8", i)
		e.Uint("u8", u)
		e.Float("f32", fl)
		wire.Ints(&e, "ints", []int64{i, -i, i >> 32})
		wire.Uints(&e, "uints", []uint64{u, u >> 7})
		wire.Floats(&e, "floats", []float64{fl, -fl})
		wire.Strings(&e, "strings", []string{s, "", s})
		wire.ByteSlices(&e, "bytes", [][]byte{b, nil})
		wire.Times(&e, "times", []time.Time{when, when.UTC()})
		m := e.BeginGroup(s)
		e.Int(s, i)
		e.Bytes(string(b), b)
		e.EndGroup(m)
		e.String("end", s)

		data := e.Data()
		var d wire.Decoder
		d.ResetText(data, string(data))
		step := func(key string, typ wire.Type) {
			t.Helper()
			if !d.Next() || string(d.Key()) != key || d.Type() != typ {
				t.Fatalf("Next: %q %v, Err() %v; want %q %v", d.Key(), d.Type(), d.Err(), key, typ)
			}
		}
		wantBytes := b
		if len(b) == 0 {
			wantBytes = nil
		}
		step("i", wire.TypeInt)
		if v, err := d.Int(); v != i || err != nil {
			t.Fatalf("i = %d, %v; want %d", v, err, i)
		}
		step("u", wire.TypeUint)
		if v, err := d.Uint(); v != u || err != nil {
			t.Fatalf("u = %d, %v; want %d", v, err, u)
		}
		step("f", wire.TypeFloat)
		if v, err := d.Float(); math.Float64bits(v) != math.Float64bits(fl) || err != nil {
			t.Fatalf("f = %v, %v; want %v", v, err, fl)
		}
		step("s", wire.TypeBytes)
		if v, err := d.String(); v != s || err != nil {
			t.Fatalf("s = %q, %v; want %q", v, err, s)
		}
		step("b", wire.TypeBytes)
		if v, err := d.Bytes(); !bytes.Equal(v, b) || (v == nil) != (wantBytes == nil) || err != nil {
			t.Fatalf("b = %q, %v; want %q", v, err, b)
		}
		step("t", wire.TypeTime)
		if v, err := d.Time(); err != nil || !sameTime(v, when) {
			t.Fatalf("t = %v, %v; want %v", v, err, when)
		}
		step("i8", wire.TypeInt)
		if v, err := wire.ReadInt[int8](&d); int64(int8(i)) == i {
			if int64(v) != i || err != nil {
				t.Fatalf("i8 = %d, %v; want %d", v, err, i)
			}
		} else if !errors.Is(err, wire.ErrMismatch) {
			t.Fatalf("i8 of %d: %v; want a mismatch", i, err)
		}
		step("u8", wire.TypeUint)
		if v, err := wire.ReadUint[uint8](&d); uint64(uint8(u)) == u {
			if uint64(v) != u || err != nil {
				t.Fatalf("u8 = %d, %v; want %d", v, err, u)
			}
		} else if !errors.Is(err, wire.ErrMismatch) {
			t.Fatalf("u8 of %d: %v; want a mismatch", u, err)
		}
		step("f32", wire.TypeFloat)
		if v, err := wire.ReadFloat[float32](&d); float64(float32(fl)) == fl || math.IsNaN(fl) {
			if err != nil || (float64(v) != fl && !math.IsNaN(fl)) || math.IsNaN(float64(v)) != math.IsNaN(fl) {
				t.Fatalf("f32 = %v, %v; want %v", v, err, fl)
			}
		} else if !errors.Is(err, wire.ErrMismatch) {
			t.Fatalf("f32 of %v: %v; want a mismatch", fl, err)
		}
		step("ints", wire.TypeList)
		if v, err := wire.Slice(&d, wire.TypeInt, wire.ReadInt[int64]); !slices.Equal(v, []int64{i, -i, i >> 32}) || err != nil {
			t.Fatalf("ints = %v, %v", v, err)
		}
		step("uints", wire.TypeList)
		if v, err := wire.Slice(&d, wire.TypeUint, wire.ReadUint[uint64]); !slices.Equal(v, []uint64{u, u >> 7}) || err != nil {
			t.Fatalf("uints = %v, %v", v, err)
		}
		step("floats", wire.TypeList)
		if v, err := wire.Slice(&d, wire.TypeFloat, wire.ReadFloat[float64]); len(v) != 2 || math.Float64bits(v[0]) != math.Float64bits(fl) || math.Float64bits(v[1]) != math.Float64bits(-fl) || err != nil {
			t.Fatalf("floats = %v, %v", v, err)
		}
		step("strings", wire.TypeList)
		if v, err := wire.Slice(&d, wire.TypeBytes, wire.ReadString[Role]); !slices.Equal(v, []Role{Role(s), "", Role(s)}) || err != nil {
			t.Fatalf("strings = %q, %v", v, err)
		}
		step("bytes", wire.TypeList)
		if v, err := wire.Slice(&d, wire.TypeBytes, wire.ReadBytes[Blob]); len(v) != 2 || !bytes.Equal(v[0], b) || (v[0] == nil) != (wantBytes == nil) || v[1] != nil || err != nil {
			t.Fatalf("bytes = %q, %v", v, err)
		}
		step("times", wire.TypeList)
		if v, err := wire.Slice(&d, wire.TypeTime, wire.ReadTime); len(v) != 2 || !sameTime(v[0], when) || !sameTime(v[1], when.UTC()) || err != nil {
			t.Fatalf("times = %v, %v", v, err)
		}
		step(s, wire.TypeGroup)
		g, err := d.Group()
		if err != nil {
			t.Fatalf("group: %v", err)
		}
		if !g.Next() || string(g.Key()) != s {
			t.Fatalf("group: first key %q, %v", g.Key(), g.Err())
		}
		if v, err := g.Int(); v != i || err != nil {
			t.Fatalf("group: %q = %d, %v", s, v, err)
		}
		if !g.Next() || string(g.Key()) != string(b) {
			t.Fatalf("group: second key %q, %v", g.Key(), g.Err())
		}
		if v, err := g.String(); v != string(b) || err != nil {
			t.Fatalf("group: %q = %q, %v", b, v, err)
		}
		if g.Next() || g.Err() != nil {
			t.Fatalf("group: a third entry, or %v", g.Err())
		}
		step("end", wire.TypeBytes)
		if v, err := d.String(); v != s || err != nil {
			t.Fatalf("end = %q, %v", v, err)
		}
		if d.Next() || d.Err() != nil {
			t.Fatalf("after the last entry: %q, %v", d.Key(), d.Err())
		}
	})
}
