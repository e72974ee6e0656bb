package local

//go:generate go tool sessiongen -type=Page

// key is a string type named like the generated decoder's parameter.
type key string

// v is named like the value every generated helper takes.
type v struct{ N int }

// Page stores values of those types.
type Page struct {
	Keys []key
	V    v
}
