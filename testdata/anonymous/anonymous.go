// Package anonymous stores anonymous struct fields.
package anonymous

//go:generate go tool sessiongen -type=Settings

// Settings nests anonymous structs.
type Settings struct {
	Display struct {
		Theme string `session:"theme"`
		Size  int
	}
	Alerts []struct {
		Kind string
		On   bool
	}
}
