package runtime_test

import (
	"slices"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
)

// newBenchVisitor returns bench.Visitor's session (testsession.Visitor,
// generated from the same struct): a name, a counter, a three-item cart
// and a time.
func newBenchVisitor() *testsession.VisitorSession {
	s := new(testsession.VisitorSession)
	s.SetUsername("ada")
	s.SetVisits(42)
	s.SetCart([]string{"sku-1", "sku-2", "sku-3"})
	s.SetLastSeen(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return s
}

// BenchmarkPayload encodes and decodes the bench's Visitor session, as a
// save then an open do (the signing and the cookie aside), in each format.
func BenchmarkPayload(b *testing.B) {
	for _, c := range []struct {
		name   string
		format runtime.CookieFormat
	}{
		{"wire", runtime.CookieFormatWire},
		{"flask", runtime.CookieFormatFlask},
	} {
		b.Run(c.name, func(b *testing.B) {
			enc, err := runtime.NewPayload(c.format, testsession.VisitorCodec)
			if err != nil {
				b.Fatal(err)
			}
			s := newBenchVisitor()
			p, err := enc.Marshal(s)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s payload: %d bytes", c.name, len(p))
			// The whole session reads back (checked once: the getter of the
			// cart copies it, which the loop must not count).
			var back testsession.VisitorSession
			if dropped, err := enc.Unmarshal(&back, p); err != nil || dropped != nil || back.Username() != "ada" || back.Visits() != 42 ||
				!slices.Equal(back.Cart(), s.Cart()) || !back.LastSeen().Equal(s.LastSeen()) {
				b.Fatalf("unmarshal: %v %v %+v", dropped, err, &back)
			}
			b.ReportAllocs()
			for b.Loop() {
				p, err := enc.Marshal(s)
				if err != nil {
					b.Fatal(err)
				}
				var got testsession.VisitorSession
				if dropped, err := enc.Unmarshal(&got, p); err != nil || dropped != nil || got.Visits() != 42 || !got.HasCart() {
					b.Fatalf("unmarshal: %v %v %+v", dropped, err, &got)
				}
			}
		})
	}
}

// The Flask payload of the Visitor is what Flask writes for the same dict:
//
//	{"username": "ada", "visits": 42, "cart": ["sku-1", "sku-2", "sku-3"], "last_seen": datetime.datetime(2026, 1, 2, 3, 4, 5)}
func TestBenchVisitorFlaskPayload(t *testing.T) {
	p, err := runtime.FlaskMarshal(testsession.VisitorCodec, newBenchVisitor())
	want := `{"cart":["sku-1","sku-2","sku-3"],"last_seen":{" d":"Fri, 02 Jan 2026 03:04:05 GMT"},"username":"ada","visits":42}`
	if err != nil || string(p) != want {
		t.Errorf("got %s, %v; want %s", p, err, want)
	}
}
