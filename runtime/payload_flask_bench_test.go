package runtime

import (
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// benchVisitor is bench.Visitor's session as sessiongen generates it (the
// methods below are copied from bench/visitor_session.go): a name, a
// counter, a three-item cart and a time.
type benchVisitor struct {
	state sessionimpl.State
	data  struct {
		Username string
		Visits   int
		Cart     []string
		LastSeen time.Time
	}
	has [4]bool
}

// encode writes each present field as an entry keyed by its session key.
func (s *benchVisitor) encode(e *wire.Encoder) error {
	if s.has[0] {
		e.String("username", s.data.Username)
	}
	if s.has[1] {
		e.Int("visits", int64(s.data.Visits))
	}
	if s.has[2] {
		wire.Strings(e, "cart", s.data.Cart)
	}
	if s.has[3] {
		e.Time("last_seen", s.data.LastSeen)
	}
	return nil
}

// decodeEntry reads the entry at d into the field with that key. Unknown keys are
// left for the decoder to skip: they belong to fields removed since the cookie was
// written.
func (s *benchVisitor) decodeEntry(key []byte, d *wire.Decoder) error {
	switch string(key) {
	case "username":
		x, err := wire.ReadString[string](d)
		if err != nil {
			return err
		}
		s.data.Username, s.has[0] = x, true
	case "visits":
		x, err := wire.ReadInt[int](d)
		if err != nil {
			return err
		}
		s.data.Visits, s.has[1] = x, true
	case "cart":
		x, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
		if err != nil {
			return err
		}
		s.data.Cart, s.has[2] = x, true
	case "last_seen":
		x, err := wire.ReadTime(d)
		if err != nil {
			return err
		}
		s.data.LastSeen, s.has[3] = x, true
	}
	return nil
}

// encodeFlask writes each present field as a member of Flask's session object,
// keyed by its session key, in Flask's tagged JSON. The members come in the
// order Flask sorts them, which spares the encoder sorting them.
func (s *benchVisitor) encodeFlask(e *flaskjson.Encoder) error {
	if s.has[2] {
		flaskjson.Strings(e, "cart", s.data.Cart)
	}
	if s.has[3] {
		e.Time("last_seen", s.data.LastSeen)
	}
	if s.has[0] {
		e.String("username", s.data.Username)
	}
	if s.has[1] {
		e.Int("visits", int64(s.data.Visits))
	}
	return nil
}

// decodeFlaskMember reads the member of Flask's session object with that key into
// the field with that key. Other keys are ignored: they are the Flask app's, or
// belong to fields removed since the cookie was written.
func (s *benchVisitor) decodeFlaskMember(key string, d flaskjson.Value) error {
	switch key {
	case "username":
		x, err := flaskjson.ReadString[string](d)
		if err != nil {
			return err
		}
		s.data.Username, s.has[0] = x, true
	case "visits":
		x, err := flaskjson.ReadInt[int](d)
		if err != nil {
			return err
		}
		s.data.Visits, s.has[1] = x, true
	case "cart":
		x, err := flaskjson.Slice(d, flaskjson.ReadString[string])
		if err != nil {
			return err
		}
		s.data.Cart, s.has[2] = x, true
	case "last_seen":
		x, err := flaskjson.ReadTime(d)
		if err != nil {
			return err
		}
		s.data.LastSeen, s.has[3] = x, true
	}
	return nil
}

var benchVisitorCodec = sessionimpl.Codec[benchVisitor]{
	Name:              "Visitor",
	State:             func(s *benchVisitor) *sessionimpl.State { return &s.state },
	Empty:             func(s *benchVisitor) bool { return s.has == [4]bool{} },
	Encode:            (*benchVisitor).encode,
	DecodeEntry:       (*benchVisitor).decodeEntry,
	EncodeFlask:       (*benchVisitor).encodeFlask,
	DecodeFlaskMember: (*benchVisitor).decodeFlaskMember,
}

func newBenchVisitor() *benchVisitor {
	s := new(benchVisitor)
	s.data.Username = "ada"
	s.data.Visits = 42
	s.data.Cart = []string{"sku-1", "sku-2", "sku-3"}
	s.data.LastSeen = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.has = [4]bool{true, true, true, true}
	return s
}

// BenchmarkPayload encodes and decodes the bench's Visitor session, as a
// save then an open do (the signing and the cookie aside), in each format.
func BenchmarkPayload(b *testing.B) {
	for _, c := range []struct {
		name string
		enc  encoding
	}{
		{"wire", wireEncoding{eraseCodec(benchVisitorCodec)}},
		{"flask", flaskEncoding{eraseCodec(benchVisitorCodec)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newBenchVisitor()
			var sc scratch
			p, err := c.enc.marshal(&sc, session{s, s.state.Meta()})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s payload: %d bytes", c.name, len(p))
			b.ReportAllocs()
			for b.Loop() {
				p, err := c.enc.marshal(&sc, session{s, s.state.Meta()})
				if err != nil {
					b.Fatal(err)
				}
				var got benchVisitor
				if dropped, err := c.enc.unmarshal(&sc, session{&got, got.state.Meta()}, p); err != nil || dropped != nil || got.data.Visits != 42 || len(got.data.Cart) != 3 {
					b.Fatalf("unmarshal: %v %v %+v", dropped, err, got.data)
				}
			}
		})
	}
}

// The Flask payload of the Visitor is what Flask writes for the same dict:
//
//	{"username": "ada", "visits": 42, "cart": ["sku-1", "sku-2", "sku-3"], "last_seen": datetime.datetime(2026, 1, 2, 3, 4, 5)}
func TestBenchVisitorFlaskPayload(t *testing.T) {
	var sc scratch
	s := newBenchVisitor()
	p, err := flaskEncoding{eraseCodec(benchVisitorCodec)}.marshal(&sc, session{s, s.state.Meta()})
	want := `{"cart":["sku-1","sku-2","sku-3"],"last_seen":{" d":"Fri, 02 Jan 2026 03:04:05 GMT"},"username":"ada","visits":42}`
	if err != nil || string(p) != want {
		t.Errorf("got %s, %v; want %s", p, err, want)
	}
}
