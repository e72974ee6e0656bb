package wire_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// checkMismatch checks that err reports a value that does not fit its field
// (and not a corrupt payload), that the decoder carries on, and, when want
// and got are set, the MismatchError's types.
func checkMismatch(t *testing.T, d *wire.Decoder, err error, want, got wire.Type, why bool) {
	t.Helper()
	if !errors.Is(err, wire.ErrMismatch) {
		t.Fatalf("error %v; want one matching ErrMismatch", err)
	}
	if errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("error %v matches ErrCorrupt", err)
	}
	var me *wire.MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T); want a *MismatchError", err, err)
	}
	if me.Want != want || me.Got != got {
		t.Errorf("MismatchError{Want: %v, Got: %v}; want {%v, %v}", me.Want, me.Got, want, got)
	}
	if (me.Why != "") != why {
		t.Errorf("MismatchError.Why = %q", me.Why)
	}
	if me.Error() == "" {
		t.Errorf("MismatchError.Error() is empty")
	}
	if d.Err() != nil {
		t.Errorf("Err() = %v after a mismatch; want nil", d.Err())
	}
}

// Entries whose keys the reader does not know are skipped, whatever their
// type, when Next is called without reading them.
func TestUnknownKeysSkipped(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Bool("old-bool", true)
		e.Int("a", 1)
		e.Int("old-int", math.MinInt64)
		e.Uint("old-uint", math.MaxUint64)
		e.Float("old-float", math.NaN())
		e.String("b", "two")
		e.String("old-string", "héllo")
		e.Bytes("old-bytes", make([]byte, 1000))
		e.Time("old-time", time.Date(1950, 1, 1, 0, 0, 0, 5, time.FixedZone("", -3600)))
		wire.Ints(e, "old-list", make([]int, 300))
		wire.Strings(e, "old-strings", []string{"x", "y"})
		wire.Strings(e, "old-empty", []string(nil))
		e.Uint("c", 3)
		e.Key("old-nested", wire.TypeList)
		writeValue(e, list{wire.TypeList, []any{list{wire.TypeTime, []any{time.Unix(1, 1).UTC()}}}})
		e.Bool("d", true)
		e.Bytes("old-last", []byte{1})
	})
	var (
		a    int
		b    string
		c    uint8
		dd   bool
		seen []string
	)
	d := decoder(p)
	for d.Next() {
		var err error
		switch string(d.Key()) {
		case "a":
			a, err = wire.ReadInt[int](d)
		case "b":
			b, err = d.String()
		case "c":
			c, err = wire.ReadUint[uint8](d)
		case "d":
			dd, err = d.Bool()
		default:
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", d.Key(), err)
		}
		seen = append(seen, string(d.Key()))
	}
	if err := d.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	if a != 1 || b != "two" || c != 3 || !dd || len(seen) != 4 {
		t.Errorf("read a=%d b=%q c=%d d=%v (keys %v); want 1 two 3 true", a, b, c, dd, seen)
	}
}

// Every reader of the wrong type reports a mismatch, leaves the value to be
// skipped, and the next entry decodes.
func TestWrongReader(t *testing.T) {
	writers := map[wire.Type]func(e *wire.Encoder){
		wire.TypeBool:  func(e *wire.Encoder) { e.Bool("v", true) },
		wire.TypeInt:   func(e *wire.Encoder) { e.Int("v", -300) },
		wire.TypeUint:  func(e *wire.Encoder) { e.Uint("v", 300) },
		wire.TypeFloat: func(e *wire.Encoder) { e.Float("v", 2.5) },
		wire.TypeBytes: func(e *wire.Encoder) { e.String("v", "text") },
		wire.TypeTime:  func(e *wire.Encoder) { e.Time("v", time.Unix(1e9, 1).UTC()) },
		wire.TypeList:  func(e *wire.Encoder) { wire.Ints(e, "v", []int{1, 2, 3}) },
		wire.TypeGroup: func(e *wire.Encoder) { m := e.BeginGroup("v"); e.Int("x", 1); e.EndGroup(m) },
	}
	readers := map[wire.Type][]func(d *wire.Decoder) error{
		wire.TypeBool: {
			func(d *wire.Decoder) error { _, err := d.Bool(); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadBool[Flag](d); return err },
		},
		wire.TypeInt: {
			func(d *wire.Decoder) error { _, err := d.Int(); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadInt[Level](d); return err },
		},
		wire.TypeUint: {
			func(d *wire.Decoder) error { _, err := d.Uint(); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadUint[uint8](d); return err },
		},
		wire.TypeFloat: {
			func(d *wire.Decoder) error { _, err := d.Float(); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadFloat[float32](d); return err },
		},
		wire.TypeBytes: {
			func(d *wire.Decoder) error { _, err := d.String(); return err },
			func(d *wire.Decoder) error { _, err := d.Bytes(); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadString[Role](d); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadBytes[Blob](d); return err },
		},
		wire.TypeTime: {
			func(d *wire.Decoder) error { _, err := d.Time(); return err },
			func(d *wire.Decoder) error { _, err := wire.ReadTime(d); return err },
		},
		wire.TypeList: {
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int]); return err },
		},
		wire.TypeGroup: {
			func(d *wire.Decoder) error { _, err := d.Group(); return err },
		},
	}
	for written := wire.TypeBool; written <= wire.TypeGroup; written++ {
		for read := wire.TypeBool; read <= wire.TypeGroup; read++ {
			if read == written {
				continue
			}
			for i, reader := range readers[read] {
				p := encode(func(e *wire.Encoder) {
					writers[written](e)
					e.String("next", "still here")
				})
				d := decoder(p)
				next(t, d, "v", written)
				err := reader(d)
				t.Run(written.String()+"/"+read.String(), func(t *testing.T) {
					checkMismatch(t, d, err, read, written, false)
				})
				next(t, d, "next", wire.TypeBytes)
				if s, err := d.String(); s != "still here" || err != nil {
					t.Errorf("%v read as %v (reader %d): next entry = %q, %v", written, read, i, s, err)
				}
				end(t, d)
			}
		}
	}
}

// A value of the right wire type that does not fit the field is reported,
// consumed, and the entries after it still decode.
func TestValueDoesNotFit(t *testing.T) {
	tests := []struct {
		name  string
		write func(e *wire.Encoder)
		read  func(d *wire.Decoder) error
		typ   wire.Type
	}{
		{"int8 300", func(e *wire.Encoder) { e.Int("v", 300) },
			func(d *wire.Decoder) error { _, err := wire.ReadInt[int8](d); return err }, wire.TypeInt},
		{"int8 -129", func(e *wire.Encoder) { e.Int("v", -129) },
			func(d *wire.Decoder) error { _, err := wire.ReadInt[int8](d); return err }, wire.TypeInt},
		{"Level 128", func(e *wire.Encoder) { e.Int("v", 128) },
			func(d *wire.Decoder) error { _, err := wire.ReadInt[Level](d); return err }, wire.TypeInt},
		{"int32 MinInt64", func(e *wire.Encoder) { e.Int("v", math.MinInt64) },
			func(d *wire.Decoder) error { _, err := wire.ReadInt[int32](d); return err }, wire.TypeInt},
		{"uint8 256", func(e *wire.Encoder) { e.Uint("v", 256) },
			func(d *wire.Decoder) error { _, err := wire.ReadUint[uint8](d); return err }, wire.TypeUint},
		{"uint16 MaxUint64", func(e *wire.Encoder) { e.Uint("v", math.MaxUint64) },
			func(d *wire.Decoder) error { _, err := wire.ReadUint[Count](d); return err }, wire.TypeUint},
		{"uint32 1<<32", func(e *wire.Encoder) { e.Uint("v", 1<<32) },
			func(d *wire.Decoder) error { _, err := wire.ReadUint[uint32](d); return err }, wire.TypeUint},
		{"float32 0.1", func(e *wire.Encoder) { e.Float("v", 0.1) },
			func(d *wire.Decoder) error { _, err := wire.ReadFloat[float32](d); return err }, wire.TypeFloat},
		{"float32 1e300", func(e *wire.Encoder) { e.Float("v", 1e300) },
			func(d *wire.Decoder) error { _, err := wire.ReadFloat[Ratio](d); return err }, wire.TypeFloat},
		{"float32 1e-300", func(e *wire.Encoder) { e.Float("v", 1e-300) },
			func(d *wire.Decoder) error { _, err := wire.ReadFloat[float32](d); return err }, wire.TypeFloat},
		{"float32 MaxFloat64", func(e *wire.Encoder) { e.Float("v", math.MaxFloat64) },
			func(d *wire.Decoder) error { _, err := wire.ReadFloat[float32](d); return err }, wire.TypeFloat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := encode(func(e *wire.Encoder) {
				tt.write(e)
				e.Int("after", 7)
				e.String("last", "z")
			})
			d := decoder(p)
			next(t, d, "v", tt.typ)
			checkMismatch(t, d, tt.read(d), tt.typ, tt.typ, true)
			next(t, d, "after", wire.TypeInt)
			if v, err := wire.ReadInt[int8](d); v != 7 || err != nil {
				t.Errorf("after = %d, %v", v, err)
			}
			next(t, d, "last", wire.TypeBytes)
			if v, err := d.String(); v != "z" || err != nil {
				t.Errorf("last = %q, %v", v, err)
			}
			end(t, d)
		})
	}
}

// The values at the edges of each type fit.
func TestValueFitsAtEdges(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Int("a", math.MaxInt8)
		e.Int("b", math.MinInt8)
		e.Uint("c", math.MaxUint8)
		e.Float("d", math.MaxFloat32)
		e.Float("e", math.NaN())
		e.Float("f", math.Inf(-1))
		e.Float("g", float64(float32(0.1)))
	})
	d := decoder(p)
	next(t, d, "a", wire.TypeInt)
	if v, err := wire.ReadInt[int8](d); v != math.MaxInt8 || err != nil {
		t.Errorf("a = %d, %v", v, err)
	}
	next(t, d, "b", wire.TypeInt)
	if v, err := wire.ReadInt[int8](d); v != math.MinInt8 || err != nil {
		t.Errorf("b = %d, %v", v, err)
	}
	next(t, d, "c", wire.TypeUint)
	if v, err := wire.ReadUint[uint8](d); v != math.MaxUint8 || err != nil {
		t.Errorf("c = %d, %v", v, err)
	}
	next(t, d, "d", wire.TypeFloat)
	if v, err := wire.ReadFloat[float32](d); v != math.MaxFloat32 || err != nil {
		t.Errorf("d = %v, %v", v, err)
	}
	next(t, d, "e", wire.TypeFloat)
	if v, err := wire.ReadFloat[float32](d); !math.IsNaN(float64(v)) || err != nil {
		t.Errorf("e = %v, %v", v, err)
	}
	next(t, d, "f", wire.TypeFloat)
	if v, err := wire.ReadFloat[float32](d); !math.IsInf(float64(v), -1) || err != nil {
		t.Errorf("f = %v, %v", v, err)
	}
	next(t, d, "g", wire.TypeFloat)
	if v, err := wire.ReadFloat[float32](d); v != 0.1 || err != nil {
		t.Errorf("g = %v, %v", v, err)
	}
	end(t, d)
}

// A field widened from int32 to int64 (or uint8 to uint, float32 to
// float64) reads what the narrower field wrote.
func TestWidening(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Int("i", int64(int32(math.MinInt32)))
		wire.Ints(e, "is", []int32{math.MaxInt32, math.MinInt32})
		e.Uint("u", uint64(uint8(200)))
		e.Float("f", float64(float32(0.1)))
	})
	d := decoder(p)
	next(t, d, "i", wire.TypeInt)
	if v, err := wire.ReadInt[int64](d); v != math.MinInt32 || err != nil {
		t.Errorf("i = %d, %v", v, err)
	}
	next(t, d, "is", wire.TypeList)
	if v, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int64]); len(v) != 2 || v[0] != math.MaxInt32 || v[1] != math.MinInt32 || err != nil {
		t.Errorf("is = %v, %v", v, err)
	}
	next(t, d, "u", wire.TypeUint)
	if v, err := wire.ReadUint[uint](d); v != 200 || err != nil {
		t.Errorf("u = %d, %v", v, err)
	}
	next(t, d, "f", wire.TypeFloat)
	if v, err := wire.ReadFloat[float64](d); v != float64(float32(0.1)) || err != nil {
		t.Errorf("f = %v, %v", v, err)
	}
	end(t, d)
}

// A list whose element type is not the field's, or with an element that does
// not fit, is lost as a whole; the entries after it decode.
func TestListMismatch(t *testing.T) {
	tests := []struct {
		name      string
		write     func(e *wire.Encoder)
		read      func(d *wire.Decoder) error
		want, got wire.Type
		why       bool
	}{
		{"strings as ints", func(e *wire.Encoder) { wire.Strings(e, "v", []string{"a", "b"}) },
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int]); return err },
			wire.TypeInt, wire.TypeBytes, false},
		{"ints as uints", func(e *wire.Encoder) { wire.Ints(e, "v", []int{1}) },
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeUint, wire.ReadUint[uint]); return err },
			wire.TypeUint, wire.TypeInt, false},
		{"empty bools as times", func(e *wire.Encoder) { wire.Bools(e, "v", []bool(nil)) },
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeTime, wire.ReadTime); return err },
			wire.TypeTime, wire.TypeBool, false},
		{"int8 overflow in the middle", func(e *wire.Encoder) { wire.Ints(e, "v", []int{1, 2, 300, 4}) },
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int8]); return err },
			wire.TypeInt, wire.TypeInt, true},
		{"Level overflow at the end", func(e *wire.Encoder) { wire.Ints(e, "v", []int{1, 2, -129}) },
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[Level]); return err },
			wire.TypeInt, wire.TypeInt, true},
		{"uint8 overflow first", func(e *wire.Encoder) { wire.Uints(e, "v", []uint{256, 1}) },
			func(d *wire.Decoder) error { _, err := wire.Slice(d, wire.TypeUint, wire.ReadUint[uint8]); return err },
			wire.TypeUint, wire.TypeUint, true},
		{"float32 inexact", func(e *wire.Encoder) { wire.Floats(e, "v", []float64{0.5, 0.1}) },
			func(d *wire.Decoder) error {
				_, err := wire.Slice(d, wire.TypeFloat, wire.ReadFloat[float32])
				return err
			},
			wire.TypeFloat, wire.TypeFloat, true},
		{"element reader of another type", func(e *wire.Encoder) { wire.Ints(e, "v", []int{1}) },
			func(d *wire.Decoder) error {
				_, err := wire.Slice(d, wire.TypeInt, wire.ReadString[string])
				return err
			},
			wire.TypeBytes, wire.TypeInt, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := encode(func(e *wire.Encoder) {
				e.Int("before", 1)
				tt.write(e)
				e.String("after", "ok")
				wire.Ints(e, "list", []int8{-1})
			})
			d := decoder(p)
			next(t, d, "before", wire.TypeInt)
			next(t, d, "v", wire.TypeList)
			checkMismatch(t, d, tt.read(d), tt.want, tt.got, tt.why)
			next(t, d, "after", wire.TypeBytes)
			if v, err := d.String(); v != "ok" || err != nil {
				t.Errorf("after = %q, %v", v, err)
			}
			next(t, d, "list", wire.TypeList)
			if v, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int8]); len(v) != 1 || v[0] != -1 || err != nil {
				t.Errorf("list = %v, %v", v, err)
			}
			end(t, d)
		})
	}
}

// After a type mismatch the value is still pending: the right reader reads
// it. (Slice relies on this to leave a list of another type to Next.)
func TestReadAfterTypeMismatch(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Int("i", -5)
		wire.Strings(e, "l", []string{"a"})
	})
	d := decoder(p)
	next(t, d, "i", wire.TypeInt)
	if _, err := d.Uint(); !errors.Is(err, wire.ErrMismatch) {
		t.Fatalf("Uint() on an int: %v", err)
	}
	if v, err := d.Int(); v != -5 || err != nil {
		t.Errorf("Int() after a mismatch = %d, %v", v, err)
	}
	next(t, d, "l", wire.TypeList)
	if _, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int]); !errors.Is(err, wire.ErrMismatch) {
		t.Fatalf("Slice of ints on strings: %v", err)
	}
	if v, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string]); len(v) != 1 || v[0] != "a" || err != nil {
		t.Errorf("Slice of strings after a mismatch = %q, %v", v, err)
	}
	end(t, d)
}

// Reading a value twice is a caller's error: it is reported, without
// breaking the decoder.
func TestReadTwice(t *testing.T) {
	p := encode(func(e *wire.Encoder) { e.Int("i", 1); e.Int("j", 2) })
	d := decoder(p)
	next(t, d, "i", wire.TypeInt)
	if _, err := d.Int(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Int(); err == nil {
		t.Errorf("second Int() on one value: no error")
	}
	next(t, d, "j", wire.TypeInt)
	if v, err := d.Int(); v != 2 || err != nil {
		t.Errorf("j = %d, %v", v, err)
	}
	end(t, d)

	// Reading before the first Next.
	d = decoder(p)
	if _, err := d.Int(); err == nil {
		t.Errorf("Int() before Next: no error")
	}
	next(t, d, "i", wire.TypeInt)
}

func TestMismatchErrorMessage(t *testing.T) {
	e := &wire.MismatchError{Want: wire.TypeInt, Got: wire.TypeBytes}
	if got, want := e.Error(), "wire: field wants int, payload holds bytes"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	e = &wire.MismatchError{Want: wire.TypeInt, Got: wire.TypeInt, Why: "300 overflows the field"}
	if got, want := e.Error(), "wire: value does not fit the field: 300 overflows the field"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if errors.Is(e, wire.ErrCorrupt) || !errors.Is(e, wire.ErrMismatch) {
		t.Errorf("errors.Is on MismatchError is wrong")
	}
	err := wire.Mismatch("%q is not a %s", "x", "color")
	var me *wire.MismatchError
	if !errors.Is(err, wire.ErrMismatch) || errors.Is(err, wire.ErrCorrupt) || !errors.As(err, &me) || me.Why != `"x" is not a color` {
		t.Errorf("Mismatch() = %#v", err)
	}
	if got, want := err.Error(), `wire: value does not fit the field: "x" is not a color`; got != want {
		t.Errorf("Mismatch().Error() = %q; want %q", got, want)
	}
	if errors.Is(wire.ErrCorrupt, wire.ErrMismatch) {
		t.Errorf("ErrCorrupt matches ErrMismatch")
	}
}
