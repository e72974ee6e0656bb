module github.com/sessiongen/sessiongen

go 1.25.0

require (
	github.com/dave/jennifer v1.7.1
	github.com/gorilla/securecookie v1.1.2
	golang.org/x/tools v0.49.0
)

require (
	golang.org/x/mod v0.40.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
)

tool github.com/sessiongen/sessiongen/cmd/sessiongen
