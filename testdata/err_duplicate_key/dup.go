package dup

//go:generate go tool sessiongen -type=Dup

// Dup stores two fields under one key.
type Dup struct {
	Name     string
	FullName string `session:"name"`
	UserID   int
	User_ID  int
}
