package sessionimpl

import "errors"

// ErrNullSession is recorded when a null session is written to. The
// message is Flask's.
var ErrNullSession = errors.New("The session is unavailable because no secret key was set.  Set the secret_key on the application to something unique and secret.")

// Status is what happened to a session during one request: a set of bits.
type Status uint16

// The bits of a Status.
const (
	StatusNew              Status = 1 << iota // no valid cookie came with the request
	StatusAccessed                            // read or written
	StatusModified                            // written
	StatusPermanentSet                        // the permanent flag is stored (even as false)
	StatusPermanent                           // the permanent flag's value
	StatusNull                                // a null session: reads only, never saved
	StatusSaved                               // the middleware has saved it: the response has begun
	StatusLate                                // written after it was saved: the change is lost
	StatusRenew                               // a server-side session gets a new ID at its save (Regenerate, Clear)
	StatusDeadCookie                          // the request's ID cookie verified but its record is gone: delete it
	StatusPermanentWritten                    // SetPermanent was called during this request
)

// FieldSet is a set of a session type's fields, by their index in the
// struct (the generated code's), as a fixed bitset: recording a field
// costs no allocation. Fields from index FieldSetSize-1 on share the last
// bit, so a set is exact up to FieldSetSize-1 fields and conservative
// beyond (the runtime then treats them as one field).
type FieldSet [2]uint64

// FieldSetSize is how many bits a FieldSet has.
const FieldSetSize = 128

// bit returns the word and mask of field i.
func bit(i int) (int, uint64) {
	if i >= FieldSetSize-1 || i < 0 {
		i = FieldSetSize - 1
	}
	return i / 64, 1 << (i % 64)
}

// Add puts field i in the set.
func (f *FieldSet) Add(i int) {
	w, m := bit(i)
	f[w] |= m
}

// Has reports whether field i is in the set (or shares its bit with one
// that is).
func (f *FieldSet) Has(i int) bool {
	w, m := bit(i)
	return f[w]&m != 0
}

// Remove takes field i out of the set; fields that share the last bit
// stay.
func (f *FieldSet) Remove(i int) {
	if i >= 0 && i < FieldSetSize-1 {
		w, m := bit(i)
		f[w] &^= m
	}
}

// Empty reports whether the set holds no field.
func (f *FieldSet) Empty() bool { return f[0]|f[1] == 0 }

// Flash is a message stored for the next request that shows it, with its
// category (Flask's flash and get_flashed_messages).
type Flash struct {
	Category string // "message" unless given
	Message  string
}

// DefaultFlashCategory is the category of a flash given none, as in Flask.
const DefaultFlashCategory = "message"

// Member is a member of a stored session that no field reads (a Flask
// app's own keys in a shared Flask cookie), kept as it came so that it is
// written back unchanged.
type Member struct {
	Key string
	Raw []byte // the member's value as the format wrote it
}

// A Loader opens a session whose loading costs a round trip, on its first
// use (see Meta.Loader).
type Loader interface {
	LoadSession()
}

// State is the part of a session that does not depend on the user's
// struct: Flask's new, accessed, modified and permanent flags, the
// flashes, and what the runtime keeps of the request. Generated session
// types hold one and report every read and write to it.
type State struct {
	m Meta
}

// Meta is a State's data as the runtime reads and changes it. Generated
// code never touches it.
type Meta struct {
	Status Status
	// Err is ErrNullSession once a null session was written to.
	Err     error
	Flashes []Flash // stored, not yet shown
	Shown   []Flash // popped by the first Flashes call of this request
	Popped  bool    // Flashes was called during this request
	// Created is when the session began (Unix seconds), with
	// Config.AbsoluteLifetime; 0: not yet saved.
	Created int64
	// Kept holds the members no field reads, written back as they came.
	// Never changed in place: a verified-cache entry shares it.
	Kept []Member
	// Record is the storage's own handle on the session's record (a
	// server-side session's ID and version); nil for cookies and new
	// sessions.
	Record any
	// LoadErr is the error of a store that failed to load the session:
	// the session reads as new, and is not saved.
	LoadErr error
	// Loader opens the session on first use, for storage whose loading
	// costs a round trip (a Store): a request that never touches its
	// session never pays it. nil once loaded, and for cookies.
	Loader Loader
	// Reads and Writes are the fields the request read (a value or its
	// presence) and wrote, for merging concurrent requests of one
	// session: a read-modify-write (Update, Pop, an append or a map key
	// change after a read of the field) is both. Replays are the list
	// fields the request changed only by appending to them, and the map
	// fields it changed only key by key, without reading them: those
	// changes are replayed onto the field as another request left it.
	Reads, Writes, Replays FieldSet
}

// Meta returns the state's data for the runtime.
func (s *State) Meta() *Meta { return &s.m }

// Has reports whether any bit of f is set.
func (m *Meta) Has(f Status) bool { return m.Status&f != 0 }

// Bare reports whether the metadata alone would not keep the session:
// no stored permanent flag, no flash, no kept member.
func (m *Meta) Bare() bool {
	return !m.Has(StatusPermanentSet) && len(m.Flashes) == 0 && len(m.Kept) == 0
}

// Load opens the session now if it was left to open on first use. The
// generated code calls it before reading a field's presence directly (in
// Delete and Pop); every other State method calls it itself.
func (s *State) Load() {
	if l := s.m.Loader; l != nil {
		s.m.Loader = nil
		l.LoadSession()
	}
}

// Access records a read.
func (s *State) Access() {
	s.Load()
	s.m.Status |= StatusAccessed
}

// Modify records a write. It returns false, and records ErrNullSession, when
// the session is a null session and must not change.
func (s *State) Modify() bool {
	s.Load()
	m := &s.m
	if m.Has(StatusNull) {
		m.Status |= StatusAccessed
		m.Err = ErrNullSession
		return false
	}
	if m.Has(StatusSaved) {
		m.Status |= StatusLate
	}
	m.Status |= StatusAccessed | StatusModified
	return true
}

// ModifyIf records the removal of a value that is present (a write) or
// absent (a read only), and reports whether the removal may go ahead. On a
// null session it records ErrNullSession either way, as Flask raises on
// any removal.
func (s *State) ModifyIf(present bool) bool {
	if !present && !s.m.Has(StatusNull) {
		s.Access()
		return false
	}
	return s.Modify()
}

// Read records a read of field i (its value or its presence).
func (s *State) Read(i int) {
	s.Access()
	s.m.Reads.Add(i)
}

// Write records a write of field i that does not depend on its value (a
// set), and reports whether it may go ahead (see Modify).
func (s *State) Write(i int) bool {
	if !s.Modify() {
		return false
	}
	s.m.Writes.Add(i)
	s.m.Replays.Remove(i)
	return true
}

// Append records an append to list field i, and reports whether it may go
// ahead (see Modify). An append to a field the request has not otherwise
// read or written is replayable: a concurrent change of the list does not
// conflict with it, the appended elements land after the other request's.
// Otherwise it adds to what the field already was for the request.
func (s *State) Append(i int) bool { return s.replayable(i) }

// SetKey records that a key of map field i is set, and reports whether
// it may go ahead (see Modify). Like Append, a change of a map the request
// has not otherwise read or written is replayable: another request's
// changes to other keys stay, and this key takes this request's value.
func (s *State) SetKey(i int) bool { return s.replayable(i) }

// DeleteKey records the removal of a key of map field i, present or not:
// a replayable change when present, a read of its absence otherwise (see
// ModifyIf). It reports whether the removal may go ahead.
func (s *State) DeleteKey(i int, present bool) bool {
	if !s.removal(i, present) {
		return false
	}
	s.replay(i)
	return true
}

// replayable records a replayable change of field i after Modify, and
// reports whether it may go ahead.
func (s *State) replayable(i int) bool {
	if !s.Modify() {
		return false
	}
	s.replay(i)
	return true
}

// removal records the removal of something of field i (the field, a key
// of it) that is present or not, as ModifyIf does, and a read of field i
// when it is absent; it reports whether the removal may go ahead.
func (s *State) removal(i int, present bool) bool {
	if !s.ModifyIf(present) {
		if !present {
			s.m.Reads.Add(i)
		}
		return false
	}
	return true
}

// replay records a replayable change of field i (an append, a map key
// change), or a change of what the field already was for the request.
func (s *State) replay(i int) {
	m := &s.m
	fresh := !m.Reads.Has(i) && !m.Writes.Has(i)
	switch {
	case fresh && i < FieldSetSize-1:
		m.Replays.Add(i)
	case !m.Replays.Has(i) && !m.Writes.Has(i):
		m.Reads.Add(i) // a field past the exact bits: an update
	}
	m.Writes.Add(i)
}

// Update records a change of field i computed from its value (UpdateX,
// and appends or key changes after a read of the field): a read and a
// write. It reports
// whether the change may go ahead (see Modify).
func (s *State) Update(i int) bool {
	if !s.Modify() {
		return false
	}
	s.m.Reads.Add(i)
	s.m.Writes.Add(i)
	s.m.Replays.Remove(i)
	return true
}

// Remove records the removal of field i, present or not: a write when it
// is present, a read of its absence otherwise (see ModifyIf). It reports
// whether the removal may go ahead.
func (s *State) Remove(i int, present bool) bool {
	if !s.removal(i, present) {
		return false
	}
	s.m.Writes.Add(i)
	s.m.Replays.Remove(i)
	return true
}

// Accessed reports whether the session was read or written during this
// request (Flask's session.accessed).
func (s *State) Accessed() bool { return s.m.Has(StatusAccessed) }

// Modified reports whether the session was written during this request
// (Flask's session.modified).
func (s *State) Modified() bool { return s.m.Has(StatusModified) }

// IsNew reports whether the request brought no valid session cookie
// (Flask's session.new).
func (s *State) IsNew() bool {
	s.Load()
	return s.m.Has(StatusNew)
}

// IsNull reports whether this is a null session.
func (s *State) IsNull() bool { return s.m.Has(StatusNull) }

// Err returns ErrNullSession if a write to a null session was attempted.
func (s *State) Err() error { return s.m.Err }

// Permanent reports whether the session outlives the browser session.
func (s *State) Permanent() bool {
	s.Access()
	return s.m.Has(StatusPermanent)
}

// SetPermanent makes the session's cookie persist for the configured
// lifetime (true) or end with the browser session (false). Like Flask, both
// values are stored, so setting either keeps an otherwise empty session.
func (s *State) SetPermanent(permanent bool) {
	if !s.Modify() {
		return
	}
	s.m.Status |= StatusPermanentSet | StatusPermanentWritten
	if permanent {
		s.m.Status |= StatusPermanent
	} else {
		s.m.Status &^= StatusPermanent
	}
}

// Clear forgets the session's metadata, as Flask's session.clear() drops
// "_permanent" and "_flashes" with everything else. A server-side session
// that is stored again after a Clear gets a new ID at its save, as after
// Regenerate: a Flask-style login (clear, then set the user) cannot be
// session fixation.
func (s *State) Clear() {
	if !s.Modify() {
		return
	}
	m := &s.m
	m.Status |= StatusRenew | StatusPermanentWritten
	m.Status &^= StatusPermanentSet | StatusPermanent
	m.Writes = FieldSet{^uint64(0), ^uint64(0)}
	m.Flashes = nil
	m.Kept = nil  // Flask's clear() drops the app's keys too
	m.Created = 0 // what is stored next is a new session
}

// Flash stores a message under a category for a later request to show.
func (s *State) Flash(category, message string) {
	if !s.Modify() {
		return
	}
	s.m.Flashes = append(s.m.Flashes, Flash{Category: category, Message: message})
}

// Flashes returns the stored messages whose category is one of categories
// (all of them when none is given) and removes every stored message from the
// session, like Flask's get_flashed_messages: the first call of a request
// takes them all, and later calls in the same request see the same list.
func (s *State) Flashes(categories ...string) []Flash {
	s.Access()
	m := &s.m
	if !m.Popped {
		m.Popped = true
		if len(m.Flashes) > 0 && s.Modify() {
			m.Shown, m.Flashes = m.Flashes, nil
		}
	}
	if len(categories) == 0 {
		return append([]Flash(nil), m.Shown...)
	}
	var out []Flash
	for _, f := range m.Shown {
		for _, c := range categories {
			if f.Category == c {
				out = append(out, f)
				break
			}
		}
	}
	return out
}
