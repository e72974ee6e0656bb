package sessionimpl

import "testing"

// A FieldSet is exact below its last bit; fields from there on share it.
func TestFieldSet(t *testing.T) {
	var s FieldSet
	for _, i := range []int{0, 63, 64, 126} {
		s.Add(i)
	}
	for i := range FieldSetSize + 10 {
		want := i == 0 || i == 63 || i == 64 || i == 126
		if s.Has(i) != want {
			t.Errorf("Has(%d) = %v", i, s.Has(i))
		}
	}
	s.Add(500)
	if !s.Has(127) || !s.Has(300) {
		t.Error("fields past the exact bits do not share the last one")
	}
	s.Remove(127)
	s.Remove(63)
	if !s.Has(200) || s.Has(63) {
		t.Error("Remove took the shared bit, or left an exact one")
	}
}

// What each recording method records: the merge of concurrent requests
// rests on it.
func TestRecording(t *testing.T) {
	type want struct{ read, write, appended bool }
	for _, c := range []struct {
		name string
		do   func(s *State)
		want want
	}{
		{"read", func(s *State) { s.Read(3) }, want{read: true}},
		{"blind write", func(s *State) { s.Write(3) }, want{write: true}},
		{"update", func(s *State) { s.Update(3) }, want{read: true, write: true}},
		{"remove present", func(s *State) { s.Remove(3, true) }, want{write: true}},
		{"remove absent", func(s *State) { s.Remove(3, false) }, want{read: true}},
		{"append", func(s *State) { s.Append(3); s.Append(3) }, want{write: true, appended: true}},
		{"read then append", func(s *State) { s.Read(3); s.Append(3) }, want{read: true, write: true}},
		{"append then read", func(s *State) { s.Append(3); s.Read(3) }, want{read: true, write: true, appended: true}},
		{"append then set", func(s *State) { s.Append(3); s.Write(3) }, want{write: true}},
		{"set then append", func(s *State) { s.Write(3); s.Append(3) }, want{write: true}},
		{"append past the exact bits", func(s *State) { s.Append(200) }, want{read: true, write: true}},
		{"set a key", func(s *State) { s.SetKey(3); s.DeleteKey(3, true) }, want{write: true, appended: true}},
		{"read then set a key", func(s *State) { s.Read(3); s.SetKey(3) }, want{read: true, write: true}},
		{"delete an absent key", func(s *State) { s.DeleteKey(3, false) }, want{read: true}},
	} {
		var s State
		c.do(&s)
		m := s.Meta()
		i := 3
		if c.name == "append past the exact bits" {
			i = 200
		}
		got := want{m.Reads.Has(i), m.Writes.Has(i), m.Replays.Has(i)}
		if got != c.want {
			t.Errorf("%s: %+v; want %+v", c.name, got, c.want)
		}
	}
	var null State
	null.Meta().Status = StatusNull
	if null.Write(1) || null.Append(1) || null.Update(1) || null.SetKey(1) || null.DeleteKey(1, true) || null.Err() != ErrNullSession {
		t.Error("a null session took a write")
	}
}
