package runtime

import "errors"

// ErrNullSession is recorded when a null session (see
// [Interface.MakeNullSession]) is written to. The message is Flask's.
var ErrNullSession = errors.New("The session is unavailable because no secret key was set.  Set the secret_key on the application to something unique and secret.")

// status is what happened to a session during one request.
type status uint16

const (
	statusNew          status = 1 << iota // no valid cookie came with the request
	statusAccessed                        // read or written
	statusModified                        // written
	statusPermanentSet                    // the permanent flag is stored (even as false)
	statusPermanent                       // the permanent flag's value
	statusNull                            // a null session: reads only, never saved
	statusSaved                           // the middleware has saved it: the response has begun
	statusLate                            // written after it was saved: the change is lost
	statusRenew                           // a server-side session gets a new ID at its save (Regenerate, Clear)
	statusDeadCookie                      // the request's ID cookie verified but its record is gone: delete it
)

// ErrWriteAfterSave is reported to Config.OnError when a handler changes the
// session after the response began (after its first byte): the cookie had
// already been sent, so the change is lost. Change the session before
// writing the body.
var ErrWriteAfterSave = errors.New("sessiongen: the session was changed after the response began; the change is lost: change the session before writing the body")

// State is the part of a session that does not depend on the user's struct:
// Flask's new, accessed, modified and permanent flags. Generated session
// types hold one and report every read and write to it.
type State struct {
	status  status
	err     error
	flashes []Flash   // stored, not yet shown
	shown   []Flash   // popped by the first Flashes call of this request
	popped  bool      // Flashes was called during this request
	created int64     // Unix seconds the session began, with Config.AbsoluteLifetime; 0: not yet saved
	rec     *storeRef // a server-side session's record; nil for cookies and new sessions
	// flaskKept holds the members of a Flask-format session that no field
	// reads (a Flask app's own keys), written back as they came. Never
	// changed in place: a verified-cache entry shares it.
	flaskKept []keptMember
	// loader opens the session on first use, for storage whose loading
	// costs a round trip (a Store): a request that never touches its
	// session never pays it. nil once loaded, and for cookies.
	loader interface{ loadNow() }
}

// storeRef is what a server-side session's State knows of its record.
type storeRef struct {
	verifiedID         // what the ID cookie carries: the ID, the user's tag, the store key, the layout
	version    uint64  // the record's version when loaded or last committed; 0: none
	expires    int64   // the record's expiry, Unix milliseconds
	user       string  // the record's Record.User when loaded or last committed
	err        error   // the Store failed while loading: the session reads as new, and is not saved
	op         storeOp // the context of the store operations on this record
}

// loadErr returns the error of a Store that failed to load the session.
func (s *State) loadErr() error {
	if s.rec == nil {
		return nil
	}
	return s.rec.err
}

// Load opens the session now if it was left to open on first use. The
// generated code calls it before reading a field's presence directly (in
// Delete and Pop); every other State method calls it itself.
func (s *State) Load() {
	if l := s.loader; l != nil {
		s.loader = nil
		l.loadNow()
	}
}

// Flash is a message stored for the next request that shows it, with its
// category (Flask's flash and get_flashed_messages).
type Flash struct {
	Category string // "message" unless given
	Message  string
}

// DefaultFlashCategory is the category of a flash given none, as in Flask.
const DefaultFlashCategory = "message"

func (s *State) has(f status) bool { return s.status&f != 0 }

// Access records a read.
func (s *State) Access() {
	s.Load()
	s.status |= statusAccessed
}

// Modify records a write. It returns false, and records ErrNullSession, when
// the session is a null session and must not change.
func (s *State) Modify() bool {
	s.Load()
	if s.has(statusNull) {
		s.status |= statusAccessed
		s.err = ErrNullSession
		return false
	}
	if s.has(statusSaved) {
		s.status |= statusLate
	}
	s.status |= statusAccessed | statusModified
	return true
}

// ModifyIf records the removal of a value that is present (a write) or
// absent (a read only), and reports whether the removal may go ahead. On a
// null session it records ErrNullSession either way, as Flask raises on
// any removal.
func (s *State) ModifyIf(present bool) bool {
	if !present && !s.has(statusNull) {
		s.Access()
		return false
	}
	return s.Modify()
}

// Accessed reports whether the session was read or written during this
// request (Flask's session.accessed).
func (s *State) Accessed() bool { return s.has(statusAccessed) }

// Modified reports whether the session was written during this request
// (Flask's session.modified).
func (s *State) Modified() bool { return s.has(statusModified) }

// IsNew reports whether the request brought no valid session cookie
// (Flask's session.new).
func (s *State) IsNew() bool {
	s.Load()
	return s.has(statusNew)
}

// IsNull reports whether this is a null session.
func (s *State) IsNull() bool { return s.has(statusNull) }

// Err returns ErrNullSession if a write to a null session was attempted.
func (s *State) Err() error { return s.err }

// Permanent reports whether the session outlives the browser session.
func (s *State) Permanent() bool {
	s.Access()
	return s.has(statusPermanent)
}

// SetPermanent makes the session's cookie persist for the configured
// lifetime (true) or end with the browser session (false). Like Flask, both
// values are stored, so setting either keeps an otherwise empty session.
func (s *State) SetPermanent(permanent bool) {
	if !s.Modify() {
		return
	}
	s.status |= statusPermanentSet
	if permanent {
		s.status |= statusPermanent
	} else {
		s.status &^= statusPermanent
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
	s.status |= statusRenew
	s.status &^= statusPermanentSet | statusPermanent
	s.flashes = nil
	s.flaskKept = nil // Flask's clear() drops the app's keys too
	s.created = 0     // what is stored next is a new session
}

// empty reports whether the metadata alone would keep the session.
func (s *State) empty() bool {
	return !s.has(statusPermanentSet) && len(s.flashes) == 0 && len(s.flaskKept) == 0
}

// Flash stores a message under a category for a later request to show.
func (s *State) Flash(category, message string) {
	if !s.Modify() {
		return
	}
	s.flashes = append(s.flashes, Flash{Category: category, Message: message})
}

// Flashes returns the stored messages whose category is one of categories
// (all of them when none is given) and removes every stored message from the
// session, like Flask's get_flashed_messages: the first call of a request
// takes them all, and later calls in the same request see the same list.
func (s *State) Flashes(categories ...string) []Flash {
	s.Access()
	if !s.popped {
		s.popped = true
		if len(s.flashes) > 0 && s.Modify() {
			s.shown, s.flashes = s.flashes, nil
		}
	}
	if len(categories) == 0 {
		return append([]Flash(nil), s.shown...)
	}
	var out []Flash
	for _, f := range s.shown {
		for _, c := range categories {
			if f.Category == c {
				out = append(out, f)
				break
			}
		}
	}
	return out
}
