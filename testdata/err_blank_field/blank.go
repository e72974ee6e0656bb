package blank

//go:generate go tool sessiongen -type=Form

// Padding has a blank field tagged for storage, inside a nested struct.
type Padding struct {
	N int
	_ string `session:"pad"`
}

// Form has a tagged blank field, which generated code could not name.
type Form struct {
	Name string
	_    int `session:"x"`
	_    bool
	_    int `session:"-"`
	Pad  Padding
}
