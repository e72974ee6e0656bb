package main

//go:generate go tool sessiongen -type=Account

// Account is the login shared by every subdomain of the site.
type Account struct {
	UserID int64  `session:"user_id"`
	Name   string `session:"name"`
}
