package flaskjson_test

import (
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
)

const visitorJSON = `{"cart":["sku-1","sku-2","sku-3"],"last_seen":{" d":"Fri, 02 Jan 2026 03:04:05 GMT"},"username":"ada","visits":42}`

func writeVisitor(e *flaskjson.Encoder, cart []string, seen time.Time) {
	e.BeginObject()
	e.String("username", "ada") // out of order: EndObject sorts
	e.Int("visits", 42)
	flaskjson.Strings(e, "cart", cart)
	e.Time("last_seen", seen)
	e.EndObject()
}

// Once its memory has grown, the encoder allocates nothing, sorting
// included; parsing allocates the input's one string (and one more for all
// the strings with escapes); reading scalars and strings allocates nothing.
func TestAllocs(t *testing.T) {
	var e flaskjson.Encoder
	cart := []string{"sku-1", "sku-2", "sku-3"}
	seen := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	writeVisitor(&e, cart, seen)
	if got := string(e.Data()); got != visitorJSON {
		t.Fatalf("wrote %s", got)
	}
	if n := testing.AllocsPerRun(100, func() { e.Reset(e.Data()); writeVisitor(&e, cart, seen) }); n != 0 {
		t.Errorf("encoding: %v allocations; want 0", n)
	}
	var p flaskjson.Parser
	in := []byte(visitorJSON)
	if n := testing.AllocsPerRun(100, func() { p.Parse(in) }); n != 1 {
		t.Errorf("parsing: %v allocations; want 1", n)
	}
	escaped := []byte(`{"a":"\u00e9","b":"x\ny"}`)
	if n := testing.AllocsPerRun(100, func() { p.Parse(escaped) }); n != 2 {
		t.Errorf("parsing strings with escapes: %v allocations; want 2", n)
	}
	v, _ := p.Parse(in)
	var sink struct {
		s string
		i int
		t time.Time
	}
	if n := testing.AllocsPerRun(100, func() {
		m, _ := v.Members()
		for m.Next() {
			switch m.Key() {
			case "username":
				sink.s, _ = flaskjson.ReadString[string](m.Value())
			case "visits":
				sink.i, _ = flaskjson.ReadInt[int](m.Value())
			case "last_seen":
				sink.t, _ = flaskjson.ReadTime(m.Value())
			}
		}
	}); n != 0 || sink.s != "ada" || sink.i != 42 || !sink.t.Equal(seen) {
		t.Errorf("reading: %v allocations, %+v; want 0", n, sink)
	}
}

func BenchmarkEncode(b *testing.B) {
	var e flaskjson.Encoder
	cart := []string{"sku-1", "sku-2", "sku-3"}
	seen := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		e.Reset(e.Data())
		writeVisitor(&e, cart, seen)
	}
	b.SetBytes(int64(len(e.Data())))
}

func BenchmarkParse(b *testing.B) {
	var p flaskjson.Parser
	in := []byte(visitorJSON)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
