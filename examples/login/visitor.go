package main

//go:generate go tool sessiongen -type=Visitor

// Visitor is what the app remembers about a browser between requests.
type Visitor struct {
	// Username is set at login and removed at logout.
	Username string `session:"username"`
	// Visits counts the browser's visits to /counter.
	Visits int `session:"visits"`
}
