package auth

//go:generate go tool sessiongen -type=bad

// Bad is the struct the go:generate line means.
type Bad struct{ A int }

// Badge is further from "bad" than Bad is.
type Badge struct{ B int }
