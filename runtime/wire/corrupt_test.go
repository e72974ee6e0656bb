package wire_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// entryEnds returns the offsets at which each entry of entries ends when
// written one after the other.
func entryEnds(entries []entry) []int {
	var ends []int
	for i := range entries {
		ends = append(ends, len(writeEntries(entries[:i+1])))
	}
	return ends
}

// Every prefix of a valid payload either decodes cleanly, when it ends at an
// entry boundary, to the entries before the cut, or is reported as corrupt;
// it never panics nor loops.
func TestTruncation(t *testing.T) {
	entries := sampleEntries()
	p := writeEntries(entries)
	ends := map[int]int{0: 0} // offset → entries before it
	for i, e := range entryEnds(entries) {
		ends[e] = i + 1
	}
	for n := 0; n <= len(p); n++ {
		// A copy with no spare capacity, so that the race detector and
		// bounds checks catch any read past the cut.
		cut := make([]byte, n)
		copy(cut, p)
		for _, skip := range []bool{false, true} {
			got, derr, broken := decodeAll(cut, skip)
			if broken != nil {
				t.Fatalf("prefix %d (skip %v): %v", n, skip, broken)
			}
			k, boundary := ends[n]
			switch {
			case boundary && derr != nil:
				t.Errorf("prefix %d (skip %v) ends after entry %d: Err() = %v; want nil", n, skip, k, derr)
			case !boundary && !errors.Is(derr, wire.ErrCorrupt):
				t.Errorf("prefix %d (skip %v) cuts an entry: Err() = %v; want ErrCorrupt", n, skip, derr)
			case boundary && !skip && !sameEntries(got, entries[:k]):
				t.Errorf("prefix %d: read\n%v\nwant\n%v", n, got, entries[:k])
			case !boundary && !skip && !sameEntries(got, entries[:len(got)]):
				t.Errorf("prefix %d: read before the corruption\n%v\nwant\n%v", n, got, entries[:len(got)])
			}
		}
	}
}

// corruptPayloads are payloads broken in one way each, read with the
// generic reader or skipped.
func corruptPayloads() []struct {
	name string
	p    []byte
} {
	uv := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	good := encode(func(e *wire.Encoder) { e.Int("ok", 1) })
	key := func(t wire.Type) []byte { return encode(func(e *wire.Encoder) { e.Key("k", t) }) }
	// listOf is a list header with element type elem, the given stored byte
	// length and count, then body.
	listOf := func(elem wire.Type, size, count uint64, body []byte) []byte {
		return cat(key(wire.TypeList), []byte{byte(elem)}, uv(size), uv(count), body)
	}
	timeOf := func(sec int64, nsec uint64, off int64) []byte {
		return cat(key(wire.TypeTime), binary.AppendVarint(nil, sec), uv(nsec), binary.AppendVarint(nil, off))
	}
	badTime := cat([]byte{0}, uv(1e9), []byte{0})
	overlong := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01} // 11 bytes: overflows
	return []struct {
		name string
		p    []byte
	}{
		{"type 0", cat(good, key(0), []byte{0})},
		{"type 9", cat(good, key(9), []byte{0})},
		{"type 255", cat(good, key(255), []byte{0})},
		{"key length past the end", cat(good, uv(10), []byte("abc"))},
		{"key length 1<<62", cat(good, uv(1<<62), []byte("abc"))},
		{"key length overflows", cat(good, overlong)},
		{"key length unterminated", cat(good, []byte{0x80})},
		{"no type after the key", cat(good, []byte{1, 'k'})},
		{"no value", cat(good, key(wire.TypeInt))},
		{"bool 2", cat(key(wire.TypeBool), []byte{2}, good)},
		{"bool 255", cat(key(wire.TypeBool), []byte{255}, good)},
		{"bool missing", key(wire.TypeBool)},
		{"int overflows", cat(key(wire.TypeInt), overlong, good)},
		{"int unterminated", cat(key(wire.TypeInt), []byte{0x80, 0x80})},
		{"uint overflows", cat(key(wire.TypeUint), overlong, good)},
		{"uint 11 bytes", cat(key(wire.TypeUint), []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, good)},
		{"float 7 bytes", cat(key(wire.TypeFloat), make([]byte, 7))},
		{"bytes length past the end", cat(key(wire.TypeBytes), uv(4), []byte("abc"))},
		{"bytes length 1<<63", cat(key(wire.TypeBytes), uv(1<<63), []byte("abc"))},
		{"time nanoseconds 1e9", cat(timeOf(0, 1e9, 0), good)},
		{"time nanoseconds max", cat(timeOf(0, math.MaxUint64, 0), good)},
		{"time offset 86401", cat(timeOf(0, 0, 86401), good)},
		{"time offset -86401", cat(timeOf(0, 0, -86401), good)},
		{"time offset MinInt64", cat(timeOf(0, 0, math.MinInt64), good)},
		{"time without offset", cat(key(wire.TypeTime), []byte{0, 0})},
		{"list element type 0", cat(listOf(0, 1, 0, nil), good)},
		{"list element type 9", cat(listOf(9, 1, 0, nil), good)},
		{"list element type 255", cat(listOf(255, 1, 0, nil), good)},
		{"list without header", key(wire.TypeList)},
		{"list length past the end", cat(listOf(wire.TypeInt, 100, 1, []byte{2}))},
		{"list count 1<<60", cat(listOf(wire.TypeInt, 9, 1<<60, nil), good)},
		{"list count 1<<60 with bytes", cat(listOf(wire.TypeBool, 9+16, 1<<60, make([]byte, 16)), good)},
		{"list count beyond its length", cat(listOf(wire.TypeBool, 1, 5, []byte{1, 1, 1, 1, 1}), good)},
		{"list count beyond bytes", cat(listOf(wire.TypeBool, 1+2, 3, []byte{1, 1}), good)},
		{"list length shorter than its count", cat(key(wire.TypeList), []byte{byte(wire.TypeInt), 0}, good)},
		{"list elements run past its length", cat(listOf(wire.TypeFloat, 2, 1, make([]byte, 8)), good)},
		{"list with trailing bytes", cat(listOf(wire.TypeBool, 3, 1, []byte{1, 1}), good)},
		{"list with a corrupt element", cat(listOf(wire.TypeBool, 3, 2, []byte{1, 2}), good)},
		{"list with a bad time", cat(listOf(wire.TypeTime, uint64(1+len(badTime)), 1, badTime), good)},
		{"list with a bad nested list", cat(listOf(wire.TypeList, 4, 1, []byte{9, 1, 0}), good)},
		{"group length past the end", cat(good, key(wire.TypeGroup), uv(10), []byte{1, 'a'})},
		{"group length overflows", cat(good, key(wire.TypeGroup), overlong)},
		{"group without length", cat(good, key(wire.TypeGroup))},
		{"list of groups, a group's length past the list", cat(listOf(wire.TypeGroup, 2, 1, []byte{4}), []byte{1, 'a', 2, 0}, good)},
		{"list unterminated count", cat(key(wire.TypeList), []byte{byte(wire.TypeInt), 1, 0x80})},
	}
}

// Each corrupt payload is reported as corrupt when read; it never decodes
// to the entry after the corruption.
func TestCorruptRead(t *testing.T) {
	for _, tt := range corruptPayloads() {
		t.Run(tt.name, func(t *testing.T) {
			got, derr, broken := decodeAll(tt.p, false)
			if broken != nil {
				t.Fatal(broken)
			}
			if !errors.Is(derr, wire.ErrCorrupt) {
				t.Errorf("Err() = %v; want ErrCorrupt (read %v)", derr, got)
			}
			if errors.Is(derr, wire.ErrMismatch) {
				t.Errorf("Err() = %v matches ErrMismatch", derr)
			}
		})
	}
}

// Skipping never reads past a broken length, key or type. (Values whose
// lengths are sound but whose content is not, such as a bool of 2 or a
// corrupt list element, are only found when read.)
func TestCorruptSkip(t *testing.T) {
	for _, tt := range corruptPayloads() {
		t.Run(tt.name, func(t *testing.T) {
			_, derr, broken := decodeAll(tt.p, true)
			if broken != nil {
				t.Fatal(broken)
			}
			if derr != nil && !errors.Is(derr, wire.ErrCorrupt) {
				t.Errorf("Err() = %v; want nil or ErrCorrupt", derr)
			}
		})
	}
}

// Once corrupt, the decoder stays so: every read and Next fail.
func TestCorruptIsSticky(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Key("b", wire.TypeBool)
		e.Raw(2)
		e.Int("i", 1)
	})
	d := decoder(p)
	next(t, d, "b", wire.TypeBool)
	if _, err := d.Bool(); !errors.Is(err, wire.ErrCorrupt) {
		t.Fatalf("Bool() of 2 = %v; want ErrCorrupt", err)
	}
	if !errors.Is(d.Err(), wire.ErrCorrupt) {
		t.Fatalf("Err() = %v; want ErrCorrupt", d.Err())
	}
	if _, err := d.Bool(); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("second Bool() = %v; want ErrCorrupt", err)
	}
	for range 3 {
		if d.Next() {
			t.Fatalf("Next() = true after corruption")
		}
	}
	if _, err := d.Int(); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("Int() after corruption = %v; want ErrCorrupt", err)
	}
	if _, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int]); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("Slice() after corruption = %v; want ErrCorrupt", err)
	}
	// Reset clears the error.
	d.Reset(encode(func(e *wire.Encoder) { e.Int("i", 1) }))
	next(t, d, "i", wire.TypeInt)
}

// Time offsets up to a day either way are valid.
func TestTimeOffsetLimits(t *testing.T) {
	for _, off := range []int{86400, -86400} {
		v := time.Unix(12345, 6).In(time.FixedZone("", off))
		p := encode(func(e *wire.Encoder) { e.Time("t", v) })
		d := decoder(p)
		next(t, d, "t", wire.TypeTime)
		checkTime(t, "Time()", must[time.Time](t, "Time")(d.Time()), v)
		end(t, d)
	}
}

// A list header claiming 1<<60 elements is refused before anything is
// allocated for them.
func TestHugeListCount(t *testing.T) {
	var e wire.Encoder
	e.Key("l", wire.TypeList)
	e.Raw(byte(wire.TypeInt))
	count := binary.AppendUvarint(nil, 1<<60)
	e.UintValue(uint64(len(count) + 4))
	e.Raw(count...)
	e.Raw(2, 4, 6, 8) // four elements' worth of bytes
	p := e.Data()

	var d wire.Decoder
	read := func() error {
		d.Reset(p)
		if !d.Next() {
			return errors.New("no entry")
		}
		_, err := wire.Slice(&d, wire.TypeInt, wire.ReadInt[int64])
		return err
	}
	if err := read(); !errors.Is(err, wire.ErrCorrupt) {
		t.Fatalf("Slice() = %v; want ErrCorrupt", err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = read() }); n != 0 {
		t.Errorf("refusing a list of 1<<60 elements allocates %v times; want 0", n)
	}
	start := time.Now()
	for range 1000 {
		_ = read()
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing a list of 1<<60 elements 1000 times took %v", d)
	}
}

// The count of a list bounds what Slice allocates by the bytes present: a
// list of n bools holds at least n bytes.
func TestListCountBoundsAllocation(t *testing.T) {
	p := encode(func(e *wire.Encoder) { wire.Bools(e, "l", make([]bool, 1000)) })
	d := decoder(p)
	next(t, d, "l", wire.TypeList)
	v, err := wire.Slice(d, wire.TypeBool, wire.ReadBool[bool])
	if err != nil || len(v) != 1000 || cap(v) != 1000 {
		t.Errorf("Slice() = len %d cap %d, %v; want 1000 elements in one allocation", len(v), cap(v), err)
	}
}
