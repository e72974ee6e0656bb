package wire_test

import (
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

func checkAllocs(t *testing.T, what string, want float64, f func()) {
	t.Helper()
	if got := testing.AllocsPerRun(200, f); got != want {
		t.Errorf("%s: %v allocations per run; want %v", what, got, want)
	}
}

// Decoding numbers, bools and times, skipping, and (after ResetText)
// strings allocate nothing.
func TestDecodeAllocs(t *testing.T) {
	p := encode(func(e *wire.Encoder) {
		e.Int("i", -123456789)
		e.Bool("b", true)
		e.Float("f", 2.5)
		e.Uint("u", 1<<40)
		e.Time("t", time.Date(2024, 1, 1, 0, 0, 0, 5, time.UTC))
		e.String("s", "a string")
		wire.Ints(e, "skipped", []int{1, 2, 3})
		m := e.BeginGroup("g")
		e.String("s", "in a group")
		e.EndGroup(m)
	})
	text := string(p)
	var d wire.Decoder
	var sink struct {
		i int64
		b Flag
		f float64
		u uint64
		r Ratio
		t time.Time
		s string
	}
	checkAllocs(t, "Int, Bool, Float", 0, func() {
		d.Reset(p)
		d.Next()
		sink.i, _ = d.Int()
		d.Next()
		b, _ := d.Bool()
		sink.b = Flag(b)
		d.Next()
		sink.f, _ = d.Float()
	})
	checkAllocs(t, "ReadInt, ReadBool, ReadFloat, ReadUint", 0, func() {
		d.Reset(p)
		d.Next()
		sink.i, _ = wire.ReadInt[int64](&d)
		d.Next()
		sink.b, _ = wire.ReadBool[Flag](&d)
		d.Next()
		sink.r, _ = wire.ReadFloat[Ratio](&d)
		d.Next()
		sink.u, _ = wire.ReadUint[uint64](&d)
	})
	checkAllocs(t, "UTC Time", 0, func() {
		d.Reset(p)
		for d.Next() && d.Type() != wire.TypeTime {
		}
		sink.t, _ = d.Time()
	})
	checkAllocs(t, "skipping every entry", 0, func() {
		d.Reset(p)
		for d.Next() {
		}
	})
	checkAllocs(t, "String after ResetText", 0, func() {
		d.ResetText(p, text)
		for d.Next() {
			switch d.Type() {
			case wire.TypeBytes:
				sink.s, _ = d.String()
			case wire.TypeGroup:
				g, _ := d.Group()
				for g.Next() {
					sink.s, _ = g.String()
				}
			}
		}
	})
}

// Slice allocates its result and nothing else.
func TestSliceAllocs(t *testing.T) {
	p := encode(func(e *wire.Encoder) { wire.Ints(e, "l", []int{1, 2, 3, 4, 5}) })
	var d wire.Decoder
	var sink []int
	checkAllocs(t, "Slice of ints", 1, func() {
		d.Reset(p)
		d.Next()
		sink, _ = wire.Slice(&d, wire.TypeInt, wire.ReadInt[int])
	})
	_ = sink
}

// Encoding into a buffer with room allocates nothing.
func TestEncodeAllocs(t *testing.T) {
	var e wire.Encoder
	buf := make([]byte, 0, 4096)
	ints := []int{1, -2, 3}
	roles := []Role{"a", "b"}
	blob := []byte("blob")
	when := time.Date(2024, 1, 1, 0, 0, 0, 5, time.FixedZone("X", 3600))
	times := []time.Time{when, when.UTC()}
	checkAllocs(t, "encoding", 0, func() {
		e.Reset(buf)
		e.Raw(1, 0)
		e.Int("i", -123456789)
		e.Bool("b", true)
		e.Float("f", 2.5)
		e.Uint("u", 1<<40)
		e.String("s", "a string")
		e.Bytes("blob", blob)
		e.Time("t", when)
		wire.Ints(&e, "ints", ints)
		wire.Strings(&e, "roles", roles)
		wire.Times(&e, "times", times)
		m := e.BeginGroup("g")
		e.Int("x", 1)
		l := e.BeginList("l", wire.TypeGroup, 1)
		g := e.GroupValue()
		e.EndGroup(g)
		e.EndList(l)
		e.EndGroup(m)
	})
	if len(e.Data()) == 0 || &e.Data()[0] != &buf[:1][0] {
		t.Errorf("the encoder did not write into the buffer given to Reset")
	}
}
