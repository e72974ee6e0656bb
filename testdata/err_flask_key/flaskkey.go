// Package flaskkey has fields under the keys where Flask keeps its own
// metadata.
package flaskkey

//go:generate go tool sessiongen -type=Meta

// Inner is embedded: its fields are the session's.
type Inner struct {
	Shown []string `session:"_flashes"`
}

// Nested is a member of its own: its keys are its own.
type Nested struct {
	Keep bool `session:"_permanent"`
}

// Meta has keys sessiongen refuses.
type Meta struct {
	Keep bool `session:"_permanent"`
	Inner
	Nested Nested
	UserID string `session:"_user_id"` // Flask-Login's key: fine
}
