// Package flask is a session type shared with a Flask app: a field for each
// kind of value Flask's tagged JSON carries (bytes, a UUID, a datetime, a
// tuple, Markup, a dict escaped with " di"), under the keys of cases.py.
// The runtime's tests read the Flask-made cookies of vectors.json into it,
// and have Flask read back what it writes (check_go_cookies.py).
package flask

import "time"

//go:generate go tool sessiongen -type=Shared

// UUID is a UUID's 16 bytes: a [16]byte whose type's name ends in UUID is
// Flask's " u".
type UUID [16]byte

// Shared is the session of cases.py's views.
type Shared struct {
	Username string            `session:"username"`
	UserID   int64             `session:"user_id"`
	Visits   int               `session:"visits"`
	Avatar   []byte            `session:"avatar"`    // bytes: " b"
	Token    UUID              `session:"token"`     // uuid.UUID: " u"
	LastSeen time.Time         `session:"last_seen"` // datetime: " d"
	Point    [2]int            `session:"point"`     // a tuple (" t"), written back as a list
	Tags     []string          `session:"tags"`      // a list
	Prefs    map[string]string `session:"prefs"`     // a dict; {" t": ...} is escaped with " di"
	Bio      string            `session:"bio"`       // Markup: " m", written back as a string
	Note     string            `session:"note"`      // long enough to be compressed
}
