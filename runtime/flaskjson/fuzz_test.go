package flaskjson

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

var fuzzSeeds = []string{
	`{"a":[1,2.5,"x"],"b":1,"\u00e9":"\u00e9\ud83d\ude00<>&/\"\\\n\r\t\b\f\u0000\u001f\u007f"}`,
	`{"x":{" di":{" t__":{" t":[1,2]}}}}`,
	`{"b":{" b":"AP9oaQ=="},"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"},"m":{" m":"<b>"},"t":{" t":[1,"a"]},"u":{" u":"12345678123456781234567812345678"}}`,
	`{"f":[1.0,1e+16,-0.0,NaN,Infinity,-Infinity,1180591620717411303424]}`,
	`{"_flashes":[{" t":["message","Hello"]}],"_permanent":true,"user_id":42}`,
	`{" di":5}`, `{" di":{"ab":1}}`, `{" t":[1]," t":[2]}`, `[{"a":1,"a":2,"b":3,"c":4,"d":5,"e":6,"f":7,"g":8,"h":9,"a":10}]`,
	`"\ud800\udc00\ud800"`, `[[[[[]]]]]`, `{"":{"":{"":null}}}`,
}

// FuzzParse: no input makes the parser panic or take memory out of
// proportion to the input (a value per byte at most), and every reader on
// every value either reads or reports a mismatch. What AppendJSON writes is
// JSON, and written again through JSONValue and read back it is the same.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Parser
		v, err := p.Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v matches neither ErrMalformed nor ErrLimit", err)
			}
			return
		}
		if len(p.doc.nodes) > len(data) || len(p.doc.arena) > len(data) {
			t.Fatalf("%d bytes made %d values and %d bytes of strings", len(data), len(p.doc.nodes), len(p.doc.arena))
		}
		readAll(t, v, 0)
		plain := v.AppendJSON(nil)
		big := Parser{MaxSize: 8 * len(data), plain: true}
		if _, err := big.Parse(plain); err != nil {
			t.Fatalf("AppendJSON wrote %s, which does not parse: %v", plain, err)
		}
		var e Encoder
		e.JSONValue(plain)
		if e.Err() != nil {
			t.Fatalf("JSONValue(%s): %v", plain, e.Err())
		}
		again, err := (&Parser{MaxSize: 8 * len(data)}).Parse(e.Data())
		if err != nil {
			t.Fatalf("JSONValue wrote %s, which does not parse: %v", e.Data(), err)
		}
		if back := again.AppendJSON(nil); !bytes.Equal(back, plain) {
			t.Fatalf("AppendJSON %s, through JSONValue %s, reads back as %s", plain, e.Data(), back)
		}
	})
}

// readAll calls every reader on v and on everything inside it.
func readAll(t *testing.T, v Value, depth int) {
	if depth > DefaultMaxDepth+1 {
		t.Fatalf("values nested deeper than the parser allows")
	}
	check := func(err error) {
		if err != nil && !errors.Is(err, wire.ErrMismatch) {
			t.Fatalf("%v is not a mismatch", err)
		}
	}
	_, err := v.Bool()
	check(err)
	_, err = v.Int()
	check(err)
	_, err = v.Uint()
	check(err)
	_, err = v.Float()
	check(err)
	_, err = ReadFloat[float32](v)
	check(err)
	_, err = v.String()
	check(err)
	_, err = v.Bytes()
	check(err)
	_, err = v.Time()
	check(err)
	_, err = v.UUID()
	check(err)
	var arr [16]byte
	check(v.ByteArray(arr[:]))
	_ = v.Len()
	// Each value inside is read once: a tuple's elements through its
	// list, an escaped dict's member through its object (both would
	// double the work at every level).
	n := v.node()
	_, err = Slice(v, func(x Value) (int, error) {
		if n.kind == List {
			readAll(t, x, depth+1)
		}
		return 0, nil
	})
	check(err)
	m, err := v.Members()
	check(err)
	if err == nil {
		for m.Next() {
			_ = m.Key()
			readAll(t, m.Value(), depth+1)
		}
	}
	if n.kind >= Tuple && n.kind <= Time || n.kind == escapedDict && err != nil {
		readAll(t, Value{v.doc, n.aux}, depth+1)
	}
}

// tval is a value as the encoder is told to write it, for the round trip.
type tval struct {
	kind  Kind
	b     bool
	i     int64
	u     uint64
	f     float64
	s     string
	bytes []byte
	uuid  [16]byte
	t     time.Time
	elems []tval // List, Tuple
	keys  []string
	vals  []tval // Object
	isU   bool   // the number is a uint
	isF   bool   // the number is a float
}

// source hands out fuzz bytes; zeros once they run out.
type source struct{ b []byte }

func (s *source) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *source) uint64() uint64 {
	var b [8]byte
	for i := range b {
		b[i] = s.byte()
	}
	return binary.LittleEndian.Uint64(b[:])
}

func (s *source) str() string {
	n := int(s.byte() % 12)
	var b []byte
	for range n {
		switch c := s.byte(); c % 8 {
		case 0:
			b = append(b, "é😀\uffff"[c%9:c%9+1]...) // partial characters: invalid UTF-8
		case 1:
			b = append(b, ' ')
		case 2:
			b = append(b, []byte(" t di b m u d __")[c%16])
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func (s *source) value(depth int) tval {
	k := s.byte() % 13
	if depth > 6 && k >= 9 {
		k %= 9
	}
	switch k {
	case 0:
		return tval{kind: Null}
	case 1:
		return tval{kind: Bool, b: s.byte()&1 == 1}
	case 2:
		return tval{kind: Number, i: int64(s.uint64())}
	case 3:
		return tval{kind: Number, u: s.uint64(), isU: true}
	case 4:
		return tval{kind: Number, f: math.Float64frombits(s.uint64()), isF: true}
	case 5:
		return tval{kind: String, s: s.str()}
	case 6:
		return tval{kind: Bytes, bytes: []byte(s.str())}
	case 7:
		var u [16]byte
		binary.LittleEndian.PutUint64(u[:], s.uint64())
		binary.LittleEndian.PutUint64(u[8:], s.uint64())
		return tval{kind: UUID, uuid: u}
	case 8:
		sec := int64(s.uint64() % (253402300800 + 62135596800)) // years 1 to 9999
		return tval{kind: Time, t: time.Unix(sec-62135596800, int64(s.byte())*1e6).In(time.FixedZone("", int(int8(s.byte()))*60))}
	case 9:
		return tval{kind: Markup, s: s.str()}
	case 10, 11:
		v := tval{kind: List}
		if k == 11 {
			v.kind = Tuple
		}
		for range s.byte() % 4 {
			v.elems = append(v.elems, s.value(depth+1))
		}
		return v
	}
	v := tval{kind: Object}
	seen := map[string]bool{}
	for range s.byte() % 5 {
		key := s.str()
		if read := string([]rune(key)); !seen[read] { // keys distinct as Python reads them
			seen[read] = true
			v.keys = append(v.keys, key)
			v.vals = append(v.vals, s.value(depth+1))
		}
	}
	return v
}

func (v tval) write(e *Encoder) {
	switch v.kind {
	case Null:
		e.Null()
	case Bool:
		e.BoolValue(v.b)
	case Number:
		switch {
		case v.isF:
			e.FloatValue(v.f)
		case v.isU:
			e.UintValue(v.u)
		default:
			e.IntValue(v.i)
		}
	case String:
		e.StringValue(v.s)
	case Markup:
		e.MarkupValue(v.s)
	case Bytes:
		e.BytesValue(v.bytes)
	case UUID:
		e.UUIDValue(v.uuid)
	case Time:
		e.TimeValue(v.t)
	case List, Tuple:
		if v.kind == List {
			e.BeginList()
		} else {
			e.BeginTuple()
		}
		for _, x := range v.elems {
			x.write(e)
		}
		if v.kind == List {
			e.EndList()
		} else {
			e.EndTuple()
		}
	case Object:
		e.BeginObject()
		for i, k := range v.keys {
			e.Key(k)
			v.vals[i].write(e)
		}
		e.EndObject()
	}
}

// same reports whether the parse x is what v wrote.
func (v tval) same(x Value) bool {
	if x.Kind() != v.kind {
		return false
	}
	switch v.kind {
	case Null:
		return true
	case Bool:
		b, err := x.Bool()
		return err == nil && b == v.b
	case Number:
		switch {
		case v.isF:
			f, err := x.Float()
			return err == nil && (f == v.f && math.Signbit(f) == math.Signbit(v.f) || math.IsNaN(f) && math.IsNaN(v.f))
		case v.isU:
			u, err := x.Uint()
			return err == nil && u == v.u
		}
		i, err := x.Int()
		return err == nil && i == v.i
	case String, Markup:
		s, err := x.String()
		return err == nil && s == string([]rune(v.s))
	case Bytes:
		b, err := x.Bytes()
		return err == nil && bytes.Equal(b, v.bytes)
	case UUID:
		u, err := x.UUID()
		return err == nil && u == v.uuid
	case Time:
		t, err := x.Time()
		return err == nil && t.Equal(v.t.Truncate(time.Second)) && t.Location() == time.UTC
	case List, Tuple:
		i := 0
		got, err := Slice(x, func(y Value) (bool, error) { i++; return i <= len(v.elems) && v.elems[i-1].same(y), nil })
		return err == nil && len(got) == len(v.elems) && !slices.Contains(got, false)
	}
	m, err := x.Members()
	if err != nil || x.Len() != len(v.keys) {
		return false
	}
	for m.Next() {
		i := slices.IndexFunc(v.keys, func(k string) bool { return string([]rune(k)) == m.Key() })
		if i < 0 || !v.vals[i].same(m.Value()) {
			return false
		}
	}
	return true
}

// FuzzRoundTrip: whatever the encoder writes parses back to what it was
// told to write (strings as Go reads invalid UTF-8, U+FFFD a byte; times in
// UTC, whole seconds), with its object members in order.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{12, 3, 1, 'a', 5, 2, 'b', 'c', 2, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{12, 1, 2, ' ', 't', 10, 2, 4, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 8, 9, 9, 9, 9, 9})
	f.Add([]byte("\x0c\x04\x03xyz\x07abcdefghijklmnopqrstuvw\x03\x02\x09\x09\x06\x05hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &source{data}
		v := src.value(0)
		var e Encoder
		v.write(&e)
		if e.Err() != nil {
			t.Fatalf("Err: %v", e.Err())
		}
		out := e.Data()
		var p Parser
		x, err := p.Parse(out)
		if err != nil {
			t.Fatalf("the encoder wrote %s, which does not parse: %v", out, err)
		}
		if !v.same(x) {
			t.Fatalf("the encoder wrote %s for %+v, which reads back otherwise", out, v)
		}
		checkSorted(t, x, out)
		for _, c := range out {
			if c >= 0x80 || c < 0x20 {
				t.Fatalf("the encoder wrote %q, not printable ASCII", out)
			}
		}
	})
}

// checkSorted fails unless every object's keys come in code point order.
func checkSorted(t *testing.T, v Value, out []byte) {
	switch v.Kind() {
	case List, Tuple:
		Slice(v, func(x Value) (int, error) { checkSorted(t, x, out); return 0, nil })
	case Object:
		m, err := v.Members()
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		prev, first := "", true
		for m.Next() {
			if !first && strings.Compare(prev, m.Key()) >= 0 {
				t.Fatalf("%s: key %q after %q", out, m.Key(), prev)
			}
			prev, first = m.Key(), false
			checkSorted(t, m.Value(), out)
		}
	case Bytes, Markup, UUID, Time:
	}
}

// The fast HTTP date reader and writer agree with package time's.
func FuzzHTTPTime(f *testing.F) {
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT", int64(0))
	f.Add("Mon, 31 Apr 2015 07:28:00 GMT", int64(1<<40))
	f.Add("Sun, 29 Feb 2024 23:59:59 GMT", int64(-62135596800))
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		want, err := time.Parse(httpTime, s)
		got, ok := parseHTTPTime(s)
		if ok != (err == nil) || ok && !got.Equal(want) {
			t.Fatalf("parseHTTPTime(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, err)
		}
		tm := time.Unix(unix%253402300800, 0).UTC()
		if tm.Year() >= 1 && tm.Year() <= 9999 {
			if got, want := string(appendHTTPTime(nil, tm)), tm.Format(httpTime); got != want {
				t.Fatalf("appendHTTPTime(%v) = %s; want %s", tm, got, want)
			}
		}
	})
}
