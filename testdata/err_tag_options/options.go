package options

//go:generate go tool sessiongen -type=Visitor

// Visitor's tags carry options, as encoding/json's do.
type Visitor struct {
	Name  string   `session:"name,omitempty"`
	Cart  []string `json:"cart" session:",omitempty"`
	Admin bool     `session:"admin,string"`
	Theme string   `session:"theme"`
}
