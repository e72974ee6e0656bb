// Package named uses named types and aliases of supported kinds.
package named

import "time"

//go:generate go tool sessiongen -type=Account

// UserID identifies a user.
type UserID int64

// Role is what a user may do.
type Role string

// Flag is a named bool.
type Flag bool

// Blob is a named byte slice.
type Blob []byte

// Score is a named float.
type Score float32

// Name is an alias: it is string.
type Name = string

// Account uses named types everywhere it can.
type Account struct {
	ID      UserID
	Role    Role
	Roles   []Role
	Admin   Flag
	Avatar  Blob
	Scores  []Score
	Display Name
	Timeout time.Duration
	Friends []UserID
}
