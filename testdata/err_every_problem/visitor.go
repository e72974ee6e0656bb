package everything

import "time"

//go:generate go tool sessiongen -type=Visitor

// Visitor has a problem of every kind the generator refuses; one run
// reports them all, in the order of the file.
type Visitor struct {
	Username string         `session:"name"`
	Name     string         // its key, name, is taken by Username
	Prefs    map[int]string // map keys must be strings
	Events   chan time.Time // channels cannot be stored
	Clear    bool           // its method Clear is the session's
	X        int
	SetX     int    // its method SetX is X's setter
	Theme    string `session:"theme,omitempty"`
	Lang     string `session: "lang"`
	Tab      string `session:"a	b"`
	Count    Countr // a typo: it does not compile
	Home     Address
}

// Address has a problem of its own.
type Address struct {
	Street string
	Lines  []any
}

// VisitorSession is a name the generated file declares.
type VisitorSession struct{}
