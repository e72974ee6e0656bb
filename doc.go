// Package sessiongen is what an application names of sessiongen: the
// configuration of a session manager, the errors it reports, the cookie
// formats and concurrency policies, flash messages, a user's list of
// sessions, and the contract of a server-side store.
//
// The rest is generated into the application's own package from the
// struct it declares:
//
//	//go:generate go tool sessiongen -type=Visitor
//
// writes NewVisitorManager (configured with a Config, here as
// VisitorConfig), VisitorFrom and the typed accessors of VisitorSession.
// Stores live in runtime/memstore, runtime/redisstore and runtime/pgstore;
// adapters to gin and echo in adapters/ginsession and adapters/echosession.
// The package runtime is what generated code calls; an application need not
// import it.
package sessiongen
