package clash

//go:generate go tool sessiongen -type=User

// User is a session struct.
type User struct{ Name string }

// UserSession is the user's own type: sessiongen would generate one too.
type UserSession struct{}

// NewUserInterface is the user's own function.
func NewUserInterface() {}
