// Package auth is a small library package whose examples show sessiongen's
// common paths, each checked by go test: configuring from the environment,
// installing the middleware, logging in and out (with a server-side store,
// so that logout visibly ends the session), flash messages, rotating the
// secret key, overriding a per-request decision with a policy, and testing
// a handler alone or end to end.
//
// Account is the session's struct; account_session.go is what
//
//	go generate ./examples/auth
//
// writes for it (from the module's root): the AccountSession accessors,
// AccountManager, NewAccountManager, AccountFrom and the rest. The
// examples are in example_test.go: pkg.go.dev and go doc -http show them,
// and go test runs each one and checks its output.
package auth

//go:generate go tool sessiongen -type=Account

// Account is what the application remembers about a logged-in browser.
type Account struct {
	UserID int64  `session:"user_id"`
	Name   string `session:"name"`
}
