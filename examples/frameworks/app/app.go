package app

import (
	"errors"
	"strconv"
)

// The app's pages, served by every framework example:
//
//	GET  /         Index: who is logged in
//	GET  /login    LoginForm
//	POST /login    Login with the form field "username", then a redirect to /
//	POST /logout   Logout, then a redirect to /
//	GET  /counter  Count: one more visit
//
// Index and Count are plain text, so the username needs no escaping.

// LoginForm is the page of GET /login (HTML).
const LoginForm = `<form method="post" action="/login">
  <input type="text" name="username" autofocus>
  <input type="submit" value="Log in">
</form>
`

// ErrBadUsername is Login's error for a missing or overlong username: a
// 400.
var ErrBadUsername = errors.New("a username of 1 to 100 bytes is required")

// Index is the page of GET /.
func Index(s *VisitorSession) string {
	if s.HasUsername() {
		return "Logged in as " + s.Username() + "\n"
	}
	return "You are not logged in\n"
}

// Login stores username in the session, for POST /login.
func Login(s *VisitorSession, username string) error {
	if username == "" || len(username) > 100 {
		return ErrBadUsername
	}
	s.SetUsername(username)
	return nil
}

// Logout ends the session, for POST /logout: the cookie is deleted, and
// the visit count starts again.
func Logout(s *VisitorSession) { s.Clear() }

// Count counts one more visit and returns the page of GET /counter.
func Count(s *VisitorSession) string {
	s.SetVisits(s.Visits() + 1)
	return "Visits: " + strconv.Itoa(s.Visits()) + "\n"
}
