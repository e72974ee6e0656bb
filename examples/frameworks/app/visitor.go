// Package app is the part of the framework examples that no framework
// touches: the Visitor session type (its API generated into
// visitor_session.go) and the logic of the small app of examples/login,
// as functions of the request's session. The packages chi, gin and echo
// beside it each route these through their framework in a few lines.
package app

//go:generate go tool sessiongen -type=Visitor

// Visitor is what the app remembers about a browser between requests.
type Visitor struct {
	// Username is set at login; logout clears the whole session.
	Username string `session:"username"`
	// Visits counts the browser's visits to /counter.
	Visits int `session:"visits"`
}
