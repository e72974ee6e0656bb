package wire

import "testing"

// Entry gives each entry's bytes exactly: concatenated, they are the
// payload again, and an entry read after its value gives the same bytes.
func TestEntry(t *testing.T) {
	var e Encoder
	e.String("a", "x")
	e.Int("b", -7)
	mark := e.BeginList("c", TypeBytes, 2)
	e.StringValue("p")
	e.StringValue("q")
	e.EndList(mark)
	e.Bool("d", true)
	payload := append([]byte(nil), e.Data()...)
	var d Decoder
	d.Reset(payload)
	var spliced []byte
	for d.Next() {
		if string(d.Key()) == "b" {
			if v, err := d.Int(); err != nil || v != -7 {
				t.Fatalf("b = %d, %v", v, err)
			}
		}
		spliced = append(spliced, d.Entry()...)
	}
	if d.Err() != nil || string(spliced) != string(payload) {
		t.Errorf("entries spliced %x, %v; want %x", spliced, d.Err(), payload)
	}
	d.Reset(payload[:len(payload)-1])
	for d.Next() {
		if got := d.Entry(); got == nil {
			break
		}
	}
	if d.Err() == nil {
		t.Error("a truncated payload: no error")
	}
}
