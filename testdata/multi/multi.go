// Package multi declares two session structs, generated in one run.
package multi

//go:generate go tool sessiongen -type=Admin,Visitor

// Admin is the back office's session.
type Admin struct {
	Email string
}

// Visitor is the shop's session.
type Visitor struct {
	Cart []string
}
