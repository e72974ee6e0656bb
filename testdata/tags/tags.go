// Package tags covers session keys: explicit tags, skipped fields, default
// snake_case keys and unexported fields.
package tags

//go:generate go tool sessiongen -type=Prefs

// Prefs shows every way a field gets its key.
type Prefs struct {
	UserID     int64  // default key: user_id
	HTTPServer string // default key: http_server
	Theme      string `session:"t"`
	Lang       string `json:"lang" session:"language"`
	Secret     string `session:"-"`
	cache      string
	csrfToken  string `session:"csrf"`
	Version2   int
	ÜberMode   bool
}
