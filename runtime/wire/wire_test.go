package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// Named types as generated code uses them.
type (
	Role    string
	Level   int8
	Flag    bool
	Count   uint16
	Ratio   float32
	Blob    []byte
	Seconds int64
)

func encode(fill func(e *wire.Encoder)) []byte {
	var e wire.Encoder
	fill(&e)
	return e.Data()
}

// next advances d and checks the entry's key and type.
func next(t *testing.T, d *wire.Decoder, key string, typ wire.Type) {
	t.Helper()
	if !d.Next() {
		t.Fatalf("Next() = false before %q; Err() = %v", key, d.Err())
	}
	if string(d.Key()) != key || d.Type() != typ {
		t.Fatalf("entry %q %v; want %q %v", d.Key(), d.Type(), key, typ)
	}
}

// end checks that d has no more entries and no error.
func end(t *testing.T, d *wire.Decoder) {
	t.Helper()
	if d.Next() {
		t.Fatalf("Next() = true at %q; want the end of the payload", d.Key())
	}
	if err := d.Err(); err != nil {
		t.Fatalf("Err() = %v at the end of the payload", err)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func decoder(payload []byte) *wire.Decoder {
	d := new(wire.Decoder)
	d.Reset(payload)
	return d
}

func TestRoundTripBool(t *testing.T) {
	for _, v := range []bool{false, true} {
		p := encode(func(e *wire.Encoder) { e.Bool("b", v); e.Bool("n", !v) })
		d := decoder(p)
		next(t, d, "b", wire.TypeBool)
		if got := must[bool](t, "Bool")(d.Bool()); got != v {
			t.Errorf("Bool() = %v; want %v", got, v)
		}
		next(t, d, "n", wire.TypeBool)
		if got := must[Flag](t, "ReadBool")(wire.ReadBool[Flag](d)); got != Flag(!v) {
			t.Errorf("ReadBool[Flag]() = %v; want %v", got, !v)
		}
		end(t, d)
	}
}

func TestRoundTripInt(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64, 64, -65, 127, -128, 128, 300, -300, 1 << 31, math.MinInt32, math.MaxInt32, math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1} {
		p := encode(func(e *wire.Encoder) { e.Int("i", v); e.Int("again", v) })
		d := decoder(p)
		next(t, d, "i", wire.TypeInt)
		if got := must[int64](t, "Int")(d.Int()); got != v {
			t.Errorf("Int() = %d; want %d", got, v)
		}
		next(t, d, "again", wire.TypeInt)
		if got := must[int64](t, "ReadInt")(wire.ReadInt[int64](d)); got != v {
			t.Errorf("ReadInt[int64]() = %d; want %d", got, v)
		}
		end(t, d)
	}
}

func TestRoundTripUint(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 255, 256, 16383, 16384, math.MaxUint32, 1 << 63, math.MaxUint64 - 1, math.MaxUint64} {
		p := encode(func(e *wire.Encoder) { e.Uint("u", v); e.Uint("again", v) })
		d := decoder(p)
		next(t, d, "u", wire.TypeUint)
		if got := must[uint64](t, "Uint")(d.Uint()); got != v {
			t.Errorf("Uint() = %d; want %d", got, v)
		}
		next(t, d, "again", wire.TypeUint)
		if got := must[uint64](t, "ReadUint")(wire.ReadUint[uint64](d)); got != v {
			t.Errorf("ReadUint[uint64]() = %d; want %d", got, v)
		}
		end(t, d)
	}
}

func TestRoundTripNarrowIntegers(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Int("int8", math.MinInt8)
		e.Int("int16", math.MaxInt16)
		e.Int("int32", math.MinInt32)
		e.Int("int", math.MaxInt)
		e.Int("level", -3)
		e.Int("duration", int64(90*time.Second))
		e.Uint("uint8", math.MaxUint8)
		e.Uint("uint16", math.MaxUint16)
		e.Uint("uint32", math.MaxUint32)
		e.Uint("uint", math.MaxUint)
		e.Uint("uintptr", 4096)
		e.Uint("count", 7)
	})
	d := decoder(p)
	next(t, d, "int8", wire.TypeInt)
	if v := must[int8](t, "int8")(wire.ReadInt[int8](d)); v != math.MinInt8 {
		t.Errorf("int8 = %d", v)
	}
	next(t, d, "int16", wire.TypeInt)
	if v := must[int16](t, "int16")(wire.ReadInt[int16](d)); v != math.MaxInt16 {
		t.Errorf("int16 = %d", v)
	}
	next(t, d, "int32", wire.TypeInt)
	if v := must[int32](t, "int32")(wire.ReadInt[int32](d)); v != math.MinInt32 {
		t.Errorf("int32 = %d", v)
	}
	next(t, d, "int", wire.TypeInt)
	if v := must[int](t, "int")(wire.ReadInt[int](d)); v != math.MaxInt {
		t.Errorf("int = %d", v)
	}
	next(t, d, "level", wire.TypeInt)
	if v := must[Level](t, "Level")(wire.ReadInt[Level](d)); v != -3 {
		t.Errorf("Level = %d", v)
	}
	next(t, d, "duration", wire.TypeInt)
	if v := must[time.Duration](t, "Duration")(wire.ReadInt[time.Duration](d)); v != 90*time.Second {
		t.Errorf("Duration = %v", v)
	}
	next(t, d, "uint8", wire.TypeUint)
	if v := must[uint8](t, "uint8")(wire.ReadUint[uint8](d)); v != math.MaxUint8 {
		t.Errorf("uint8 = %d", v)
	}
	next(t, d, "uint16", wire.TypeUint)
	if v := must[uint16](t, "uint16")(wire.ReadUint[uint16](d)); v != math.MaxUint16 {
		t.Errorf("uint16 = %d", v)
	}
	next(t, d, "uint32", wire.TypeUint)
	if v := must[uint32](t, "uint32")(wire.ReadUint[uint32](d)); v != math.MaxUint32 {
		t.Errorf("uint32 = %d", v)
	}
	next(t, d, "uint", wire.TypeUint)
	if v := must[uint](t, "uint")(wire.ReadUint[uint](d)); v != math.MaxUint {
		t.Errorf("uint = %d", v)
	}
	next(t, d, "uintptr", wire.TypeUint)
	if v := must[uintptr](t, "uintptr")(wire.ReadUint[uintptr](d)); v != 4096 {
		t.Errorf("uintptr = %d", v)
	}
	next(t, d, "count", wire.TypeUint)
	if v := must[Count](t, "Count")(wire.ReadUint[Count](d)); v != 7 {
		t.Errorf("Count = %d", v)
	}
	end(t, d)
}

func TestRoundTripFloat(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, v := range []float64{0, negZero, 1, -1.5, math.Pi, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0x7ff8000000000001), math.Float64frombits(0xfff0000000000001)} {
		p := encode(func(e *wire.Encoder) { e.Float("f", v); e.Float("again", v) })
		d := decoder(p)
		next(t, d, "f", wire.TypeFloat)
		got := must[float64](t, "Float")(d.Float())
		if math.Float64bits(got) != math.Float64bits(v) {
			t.Errorf("Float() = %v (%#x); want %v (%#x)", got, math.Float64bits(got), v, math.Float64bits(v))
		}
		next(t, d, "again", wire.TypeFloat)
		got = must[float64](t, "ReadFloat")(wire.ReadFloat[float64](d))
		if math.Float64bits(got) != math.Float64bits(v) {
			t.Errorf("ReadFloat[float64]() = %v; want %v", got, v)
		}
		end(t, d)
	}
	// float32 values that a float32 field wrote read back exactly.
	for _, v := range []float32{0, float32(negZero), 0.1, -3.25, math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())} {
		p := encode(func(e *wire.Encoder) { e.Float("f", float64(v)) })
		d := decoder(p)
		next(t, d, "f", wire.TypeFloat)
		got := must[Ratio](t, "ReadFloat[Ratio]")(wire.ReadFloat[Ratio](d))
		if math.Float32bits(float32(got)) != math.Float32bits(v) && !(math.IsNaN(float64(got)) && math.IsNaN(float64(v))) {
			t.Errorf("ReadFloat[Ratio]() = %v; want %v", got, v)
		}
		end(t, d)
	}
}

func TestRoundTripString(t *testing.T) {
	for _, v := range []string{"", "a", "héllo, 世界 🎉", "nul\x00inside\x00", "\x00", "\xff\xfe invalid utf-8", strings.Repeat("long ", 100)} {
		p := encode(func(e *wire.Encoder) {
			e.String("s", v)
			e.String("role", v)
			e.Bytes("bytes", []byte(v))
			e.String("after", "ok")
		})
		for _, text := range []bool{false, true} {
			var d wire.Decoder
			if text {
				d.ResetText(p, string(p))
			} else {
				d.Reset(p)
			}
			next(t, &d, "s", wire.TypeBytes)
			if got := must[string](t, "String")(d.String()); got != v {
				t.Errorf("String() = %q; want %q (text %v)", got, v, text)
			}
			next(t, &d, "role", wire.TypeBytes)
			if got := must[Role](t, "ReadString")(wire.ReadString[Role](&d)); got != Role(v) {
				t.Errorf("ReadString[Role]() = %q; want %q (text %v)", got, v, text)
			}
			next(t, &d, "bytes", wire.TypeBytes)
			if got := must[string](t, "String")(d.String()); got != v {
				t.Errorf("String() of Bytes = %q; want %q (text %v)", got, v, text)
			}
			next(t, &d, "after", wire.TypeBytes)
			if got := must[string](t, "String")(d.String()); got != "ok" {
				t.Errorf("String() after = %q (text %v)", got, text)
			}
			end(t, &d)
		}
	}
}

// A string read after ResetText must not change when the payload's bytes
// are later reused, and a string read after Reset must not alias them.
func TestStringDoesNotAliasPayload(t *testing.T) {
	p := encode(func(e *wire.Encoder) { e.String("s", "secret") })
	var d wire.Decoder
	d.Reset(p)
	next(t, &d, "s", wire.TypeBytes)
	s := must[string](t, "String")(d.String())
	d.ResetText(p, string(p))
	next(t, &d, "s", wire.TypeBytes)
	st := must[string](t, "String")(d.String())
	clear(p)
	if s != "secret" || st != "secret" {
		t.Errorf("strings changed with the payload: %q, %q", s, st)
	}
	// A text of another length is ignored: strings are copied from payload.
	p = encode(func(e *wire.Encoder) { e.String("s", "abc") })
	d.ResetText(p, "short")
	next(t, &d, "s", wire.TypeBytes)
	if got := must[string](t, "String")(d.String()); got != "abc" {
		t.Errorf("String() with a text of another length = %q; want %q", got, "abc")
	}
}

func TestRoundTripBytes(t *testing.T) {
	tests := []struct {
		in   []byte
		want []byte
	}{
		{nil, nil},
		{[]byte{}, nil},
		{[]byte{0}, []byte{0}},
		{[]byte{0xff, 0, 1}, []byte{0xff, 0, 1}},
		{bytes.Repeat([]byte{0xab}, 300), bytes.Repeat([]byte{0xab}, 300)},
	}
	for _, tt := range tests {
		p := encode(func(e *wire.Encoder) { e.Bytes("b", tt.in); e.Bytes("blob", tt.in) })
		d := decoder(p)
		next(t, d, "b", wire.TypeBytes)
		got := must[[]byte](t, "Bytes")(d.Bytes())
		if !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("Bytes() = %#v; want %#v", got, tt.want)
		}
		next(t, d, "blob", wire.TypeBytes)
		blob := must[Blob](t, "ReadBytes")(wire.ReadBytes[Blob](d))
		if !bytes.Equal(blob, tt.want) || (blob == nil) != (tt.want == nil) {
			t.Errorf("ReadBytes[Blob]() = %#v; want %#v", blob, tt.want)
		}
		end(t, d)
	}
	// Bytes returns a copy: changing it leaves the payload alone.
	p := encode(func(e *wire.Encoder) { e.Bytes("b", []byte("abc")); e.Bytes("c", []byte("abc")) })
	d := decoder(p)
	next(t, d, "b", wire.TypeBytes)
	b := must[[]byte](t, "Bytes")(d.Bytes())
	b[0] = 'X'
	next(t, d, "c", wire.TypeBytes)
	if got := must[[]byte](t, "Bytes")(d.Bytes()); string(got) != "abc" || !bytes.Contains(p, []byte("abc")) {
		t.Errorf("changing a read []byte changed the payload: %q", p)
	}
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	_, gotOff := got.Zone()
	_, wantOff := want.Zone()
	if !got.Equal(want) || gotOff != wantOff || got.Nanosecond() != want.Nanosecond() {
		t.Errorf("%s = %v (offset %d); want %v (offset %d)", what, got, gotOff, want, wantOff)
	}
	if wantOff == 0 && got.Location() != time.UTC {
		t.Errorf("%s: location %v; want UTC for a zero offset", what, got.Location())
	}
}

func sampleTimes(t *testing.T) []time.Time {
	india := time.FixedZone("IST", 5*3600+1800)
	west := time.FixedZone("", -9*3600-30*60)
	times := []time.Time{
		time.Date(2024, 3, 10, 12, 30, 45, 123456789, time.UTC),
		time.Date(2024, 3, 10, 12, 30, 45, 1, india),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), // Unix -1 + 999999999ns
		time.Date(1900, 1, 1, 0, 0, 0, 500, west),
		time.Unix(-1, 1).UTC(),
		time.Unix(0, 0).UTC(),
		time.Unix(0, 0).In(time.FixedZone("", 86400)),
		time.Unix(0, 0).In(time.FixedZone("", -86400)),
		{}, // year 1, far before 1970
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Now(), // with a monotonic reading and the local zone
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("zero", 0)), // reads back as UTC
	}
	if loc, err := time.LoadLocation("America/New_York"); err == nil {
		times = append(times, time.Date(2023, 7, 1, 8, 0, 0, 42, loc), time.Date(2023, 1, 1, 8, 0, 0, 42, loc))
	} else {
		t.Logf("no zoneinfo: %v", err)
	}
	return times
}

func TestRoundTripTime(t *testing.T) {
	for _, v := range sampleTimes(t) {
		p := encode(func(e *wire.Encoder) { e.Time("t", v); e.Time("again", v) })
		d := decoder(p)
		next(t, d, "t", wire.TypeTime)
		checkTime(t, "Time()", must[time.Time](t, "Time")(d.Time()), v)
		next(t, d, "again", wire.TypeTime)
		checkTime(t, "ReadTime()", must[time.Time](t, "ReadTime")(wire.ReadTime(d)), v)
		end(t, d)
	}
}

func TestRoundTripLists(t *testing.T) {
	times := sampleTimes(t)
	p := encode(func(e *wire.Encoder) {
		wire.Bools(e, "bools", []bool{true, false, true})
		wire.Bools(e, "flags", []Flag{false, true})
		wire.Ints(e, "ints", []int64{0, -1, math.MinInt64, math.MaxInt64})
		wire.Ints(e, "levels", []Level{math.MinInt8, 0, math.MaxInt8})
		wire.Ints(e, "ints32", []int32{math.MinInt32, math.MaxInt32})
		wire.Uints(e, "uints", []uint64{0, 1, math.MaxUint64})
		wire.Uints(e, "counts", []Count{1, math.MaxUint16})
		wire.Floats(e, "floats", []float64{math.Inf(1), math.Copysign(0, -1), math.Pi})
		wire.Floats(e, "ratios", []Ratio{0.25, -1})
		wire.Strings(e, "strings", []string{"", "a", "ü\x00"})
		wire.Strings(e, "roles", []Role{"admin", "", "user"})
		wire.ByteSlices(e, "bytes", [][]byte{nil, {}, {1, 2}})
		wire.ByteSlices(e, "blobs", []Blob{{0}, nil})
		wire.Times(e, "times", times)
		wire.Ints(e, "none", []int(nil))
		wire.Strings(e, "empty", []string{})
		e.String("after", "lists")
	})
	for _, text := range []bool{false, true} {
		var d wire.Decoder
		if text {
			d.ResetText(p, string(p))
		} else {
			d.Reset(p)
		}
		check := func(key string, got, want any) {
			t.Helper()
			var equal bool
			switch g := got.(type) {
			case []float64:
				w := want.([]float64)
				equal = len(g) == len(w)
				for i := range g {
					equal = equal && math.Float64bits(g[i]) == math.Float64bits(w[i])
				}
			case [][]byte:
				w := want.([][]byte)
				equal = len(g) == len(w)
				for i := range g {
					equal = equal && bytes.Equal(g[i], w[i]) && (g[i] == nil) == (w[i] == nil)
				}
			case []Blob:
				w := want.([]Blob)
				equal = len(g) == len(w)
				for i := range g {
					equal = equal && bytes.Equal(g[i], w[i]) && (g[i] == nil) == (w[i] == nil)
				}
			default:
				equal = deepEqual(got, want)
			}
			if !equal {
				t.Errorf("%s = %#v; want %#v (text %v)", key, got, want, text)
			}
		}
		next(t, &d, "bools", wire.TypeList)
		check("bools", must[[]bool](t, "bools")(wire.Slice(&d, wire.TypeBool, wire.ReadBool[bool])), []bool{true, false, true})
		next(t, &d, "flags", wire.TypeList)
		check("flags", must[[]Flag](t, "flags")(wire.Slice(&d, wire.TypeBool, wire.ReadBool[Flag])), []Flag{false, true})
		next(t, &d, "ints", wire.TypeList)
		check("ints", must[[]int64](t, "ints")(wire.Slice(&d, wire.TypeInt, wire.ReadInt[int64])), []int64{0, -1, math.MinInt64, math.MaxInt64})
		next(t, &d, "levels", wire.TypeList)
		check("levels", must[[]Level](t, "levels")(wire.Slice(&d, wire.TypeInt, wire.ReadInt[Level])), []Level{math.MinInt8, 0, math.MaxInt8})
		next(t, &d, "ints32", wire.TypeList)
		check("ints32", must[[]int32](t, "ints32")(wire.Slice(&d, wire.TypeInt, wire.ReadInt[int32])), []int32{math.MinInt32, math.MaxInt32})
		next(t, &d, "uints", wire.TypeList)
		check("uints", must[[]uint64](t, "uints")(wire.Slice(&d, wire.TypeUint, wire.ReadUint[uint64])), []uint64{0, 1, math.MaxUint64})
		next(t, &d, "counts", wire.TypeList)
		check("counts", must[[]Count](t, "counts")(wire.Slice(&d, wire.TypeUint, wire.ReadUint[Count])), []Count{1, math.MaxUint16})
		next(t, &d, "floats", wire.TypeList)
		check("floats", must[[]float64](t, "floats")(wire.Slice(&d, wire.TypeFloat, wire.ReadFloat[float64])), []float64{math.Inf(1), math.Copysign(0, -1), math.Pi})
		next(t, &d, "ratios", wire.TypeList)
		check("ratios", must[[]Ratio](t, "ratios")(wire.Slice(&d, wire.TypeFloat, wire.ReadFloat[Ratio])), []Ratio{0.25, -1})
		next(t, &d, "strings", wire.TypeList)
		check("strings", must[[]string](t, "strings")(wire.Slice(&d, wire.TypeBytes, wire.ReadString[string])), []string{"", "a", "ü\x00"})
		next(t, &d, "roles", wire.TypeList)
		check("roles", must[[]Role](t, "roles")(wire.Slice(&d, wire.TypeBytes, wire.ReadString[Role])), []Role{"admin", "", "user"})
		next(t, &d, "bytes", wire.TypeList)
		check("bytes", must[[][]byte](t, "bytes")(wire.Slice(&d, wire.TypeBytes, wire.ReadBytes[[]byte])), [][]byte{nil, nil, {1, 2}})
		next(t, &d, "blobs", wire.TypeList)
		check("blobs", must[[]Blob](t, "blobs")(wire.Slice(&d, wire.TypeBytes, wire.ReadBytes[Blob])), []Blob{{0}, nil})
		next(t, &d, "times", wire.TypeList)
		gotTimes := must[[]time.Time](t, "times")(wire.Slice(&d, wire.TypeTime, wire.ReadTime))
		if len(gotTimes) != len(times) {
			t.Fatalf("times: %d read; want %d", len(gotTimes), len(times))
		}
		for i := range times {
			checkTime(t, "times", gotTimes[i], times[i])
		}
		next(t, &d, "none", wire.TypeList)
		if v := must[[]int](t, "none")(wire.Slice(&d, wire.TypeInt, wire.ReadInt[int])); v != nil {
			t.Errorf("a nil list reads as %#v; want nil", v)
		}
		next(t, &d, "empty", wire.TypeList)
		if v := must[[]string](t, "empty")(wire.Slice(&d, wire.TypeBytes, wire.ReadString[string])); v != nil {
			t.Errorf("an empty list reads as %#v; want nil", v)
		}
		next(t, &d, "after", wire.TypeBytes)
		if v := must[string](t, "after")(d.String()); v != "lists" {
			t.Errorf("after = %q", v)
		}
		end(t, &d)
	}
}

func deepEqual(a, b any) bool {
	switch a := a.(type) {
	case []bool:
		return slices.Equal(a, b.([]bool))
	case []Flag:
		return slices.Equal(a, b.([]Flag))
	case []int64:
		return slices.Equal(a, b.([]int64))
	case []Level:
		return slices.Equal(a, b.([]Level))
	case []int32:
		return slices.Equal(a, b.([]int32))
	case []uint64:
		return slices.Equal(a, b.([]uint64))
	case []Count:
		return slices.Equal(a, b.([]Count))
	case []Ratio:
		return slices.Equal(a, b.([]Ratio))
	case []string:
		return slices.Equal(a, b.([]string))
	case []Role:
		return slices.Equal(a, b.([]Role))
	}
	panic("deepEqual: unexpected type")
}

// Nested lists are valid payloads: a list whose elements are lists reads
// with Slice inside Slice.
func TestNestedLists(t *testing.T) {
	want := [][]int64{{1, 2}, nil, {math.MinInt64}}
	var e wire.Encoder
	mark := e.BeginList("nested", wire.TypeList, len(want))
	for _, inner := range want {
		m := e.ListValue(wire.TypeInt, len(inner))
		for _, v := range inner {
			e.IntValue(v)
		}
		e.EndList(m)
	}
	e.EndList(mark)
	e.Int("after", 5)

	d := decoder(e.Data())
	next(t, d, "nested", wire.TypeList)
	got, err := wire.Slice(d, wire.TypeList, func(d *wire.Decoder) ([]int64, error) {
		return wire.Slice(d, wire.TypeInt, wire.ReadInt[int64])
	})
	if err != nil || len(got) != len(want) {
		t.Fatalf("nested = %v, %v; want %v", got, err, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) || (got[i] == nil) != (want[i] == nil) {
			t.Errorf("nested[%d] = %v; want %v", i, got[i], want[i])
		}
	}
	next(t, d, "after", wire.TypeInt)
	if v := must[int64](t, "after")(d.Int()); v != 5 {
		t.Errorf("after = %d", v)
	}
	end(t, d)

	// An inner element that does not fit loses the whole outer list.
	d = decoder(e.Data())
	next(t, d, "nested", wire.TypeList)
	_, err = wire.Slice(d, wire.TypeList, func(d *wire.Decoder) ([]int8, error) {
		return wire.Slice(d, wire.TypeInt, wire.ReadInt[int8])
	})
	if !errors.Is(err, wire.ErrMismatch) || d.Err() != nil {
		t.Fatalf("nested list with an int8 overflow: %v, Err() = %v; want a mismatch", err, d.Err())
	}
	next(t, d, "after", wire.TypeInt)
	if v := must[int64](t, "after")(d.Int()); v != 5 {
		t.Errorf("after = %d", v)
	}
	end(t, d)
}

// A list's header stores the byte length of the rest of the list in a
// uvarint that EndList inserts once the list is written: this checks it for
// lengths that take 1, 2, 3 and 4 bytes, at both sides of each boundary, and
// that the elements moved to make room for it are intact.
func TestEndListLength(t *testing.T) {
	for _, body := range []int{1, 2, 127, 128, 129, 16383, 16384, 16385, 1<<21 - 1, 1 << 21} {
		// body = len(uvarint(n)) + n + extra with n elements, extra of
		// them taking two bytes and the others one.
		n, extra := body-1, 0
		for ; n >= 0; n-- {
			l := len(binary.AppendUvarint(nil, uint64(n))) + n
			if l <= body && body-l <= n {
				extra = body - l
				break
			}
		}
		want := make([]uint64, n)
		for i := range want {
			want[i] = uint64(i*7) % 128 // one byte each, and not all alike
			if i < extra {
				want[i] += 128
			}
		}
		for _, buf := range [][]byte{nil, make([]byte, 0, body+64)} {
			var e wire.Encoder
			e.Reset(buf)
			e.String("before", "x")
			wire.Uints(&e, "list", want)
			e.Int("after", -42)
			p := e.Data()

			// Find the header: key "list", type, element type, length.
			i := bytes.Index(p, []byte("\x04list"))
			if i < 0 {
				t.Fatalf("body %d: no list key in the payload", body)
			}
			h := p[i+5:]
			if wire.Type(h[0]) != wire.TypeList || wire.Type(h[1]) != wire.TypeUint {
				t.Fatalf("body %d: list header % x", body, h[:2])
			}
			size, l := binary.Uvarint(h[2:])
			wantLen := 1
			for x := body; x >= 128; x >>= 7 {
				wantLen++
			}
			if int(size) != body || l != wantLen {
				t.Errorf("body %d: stored length %d in %d bytes; want %d in %d", body, size, l, body, wantLen)
			}

			// Read the list, then the entry after it.
			d := decoder(p)
			next(t, d, "before", wire.TypeBytes)
			next(t, d, "list", wire.TypeList)
			got, err := wire.Slice(d, wire.TypeUint, wire.ReadUint[uint64])
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("body %d: Slice = %d elements, %v; want %d elements", body, len(got), err, len(want))
			}
			next(t, d, "after", wire.TypeInt)
			if v, err := d.Int(); v != -42 || err != nil {
				t.Errorf("body %d: after = %d, %v", body, v, err)
			}
			end(t, d)

			// Skip the list unread.
			d = decoder(p)
			next(t, d, "before", wire.TypeBytes)
			next(t, d, "list", wire.TypeList)
			next(t, d, "after", wire.TypeInt)
			if v, err := d.Int(); v != -42 || err != nil {
				t.Errorf("body %d: after a skipped list = %d, %v", body, v, err)
			}
			end(t, d)
		}
	}
}

// Long strings in a list, whose bytes EndList moves.
func TestEndListStrings(t *testing.T) {
	for _, n := range []int{10, 100, 200, 20000} {
		want := make([]string, 3)
		for i := range want {
			var b strings.Builder
			for j := range n {
				b.WriteByte(byte('a' + (i+j)%26))
			}
			want[i] = b.String()
		}
		p := encode(func(e *wire.Encoder) {
			wire.Strings(e, "s", want)
			wire.Strings(e, "t", want[:1])
			e.Bool("after", true)
		})
		d := decoder(p)
		next(t, d, "s", wire.TypeList)
		if got, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string]); err != nil || !slices.Equal(got, want) {
			t.Errorf("n %d: strings differ, err %v", n, err)
		}
		next(t, d, "t", wire.TypeList)
		next(t, d, "after", wire.TypeBool)
		if v, err := d.Bool(); !v || err != nil {
			t.Errorf("n %d: after = %v, %v", n, v, err)
		}
		end(t, d)
	}
}

func TestEncoderReset(t *testing.T) {
	var e wire.Encoder
	e.Int("a", 1)
	first := bytes.Clone(e.Data())
	buf := e.Data()
	e.Reset(buf)
	if len(e.Data()) != 0 {
		t.Fatalf("Data() after Reset has %d bytes", len(e.Data()))
	}
	e.Int("a", 1)
	if !bytes.Equal(e.Data(), first) {
		t.Errorf("payload after Reset = % x; want % x", e.Data(), first)
	}
	if &e.Data()[0] != &buf[0] {
		t.Errorf("Reset did not reuse the buffer's memory")
	}
	e.Reset(nil)
	if len(e.Data()) != 0 {
		t.Errorf("Reset(nil) left %d bytes", len(e.Data()))
	}
}

// The bytes of a payload are fixed by the documented format.
func TestEncoding(t *testing.T) {
	tests := []struct {
		name string
		fill func(e *wire.Encoder)
		want []byte
	}{
		{"bool", func(e *wire.Encoder) { e.Bool("k", true) }, []byte{1, 'k', 1, 1}},
		{"int", func(e *wire.Encoder) { e.Int("k", -2) }, []byte{1, 'k', 2, 3}},
		{"uint", func(e *wire.Encoder) { e.Uint("k", 300) }, []byte{1, 'k', 3, 0xac, 0x02}},
		{"float", func(e *wire.Encoder) { e.Float("k", 1) }, []byte{1, 'k', 4, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
		{"string", func(e *wire.Encoder) { e.String("k", "ab") }, []byte{1, 'k', 5, 2, 'a', 'b'}},
		{"bytes", func(e *wire.Encoder) { e.Bytes("", nil) }, []byte{0, 5, 0}},
		{"time", func(e *wire.Encoder) { e.Time("k", time.Unix(-1, 5).In(time.FixedZone("", 60))) }, []byte{1, 'k', 6, 1, 5, 120}},
		{"list", func(e *wire.Encoder) { wire.Ints(e, "k", []int{1, -1}) }, []byte{1, 'k', 7, 2, 3, 2, 2, 1}},
		{"empty list", func(e *wire.Encoder) { wire.Strings(e, "k", []string(nil)) }, []byte{1, 'k', 7, 5, 1, 0}},
	}
	for _, tt := range tests {
		if got := encode(tt.fill); !bytes.Equal(got, tt.want) {
			t.Errorf("%s: % x; want % x", tt.name, got, tt.want)
		}
	}
}

func TestTypeString(t *testing.T) {
	want := map[wire.Type]string{
		wire.TypeBool: "bool", wire.TypeInt: "int", wire.TypeUint: "uint", wire.TypeFloat: "float",
		wire.TypeBytes: "bytes", wire.TypeTime: "time", wire.TypeList: "list", wire.TypeGroup: "group",
		0: "type(0)", 9: "type(9)", 255: "type(255)",
	}
	for typ, s := range want {
		if typ.String() != s {
			t.Errorf("Type(%d).String() = %q; want %q", byte(typ), typ.String(), s)
		}
	}
}

// The sample payload, shared with the other tests, reads back as written.
func TestSampleRoundTrip(t *testing.T) {
	want := sampleEntries()
	p := writeEntries(want)
	got, derr, broken := decodeAll(p, false)
	if broken != nil || derr != nil {
		t.Fatalf("decodeAll: %v %v", broken, derr)
	}
	if !sameEntries(got, want) {
		t.Errorf("read back\n%v\nwant\n%v", got, want)
	}
}
