module github.com/sessiongen/sessiongen/adapters/echosession

go 1.25.0

replace github.com/sessiongen/sessiongen => ../..

require (
	github.com/labstack/echo/v4 v4.16.0
	github.com/sessiongen/sessiongen v0.0.0
)

require (
	github.com/dave/jennifer v1.7.1 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/labstack/gommon v0.5.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/mod v0.40.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	golang.org/x/time v0.15.0 // indirect
	golang.org/x/tools v0.49.0 // indirect
)

tool github.com/sessiongen/sessiongen/cmd/sessiongen
