package clash

//go:generate go tool sessiongen -type=User

// User is a session struct.
type User struct {
	Name string
	Home Address
}

// Address is nested: sessiongen generates helpers named after it.
type Address struct {
	City string
	Tags []string
}

// UserSession is the user's own type: sessiongen would generate one too.
type UserSession struct{}

// NewUserInterface is the user's own function.
func NewUserInterface() {}

// userCodec is the user's own variable, named like the generated codec.
var userCodec = 0

// userReadAddress is named like the generated helper that reads an Address.
func userReadAddress() {}

// userCloneAddress is named like the generated helper that copies one.
type userCloneAddress int
