package recursive

//go:generate go tool sessiongen -type=Tree

// Node contains itself.
type Node struct {
	Name     string
	Children []Node
}

// Tree holds a recursive type.
type Tree struct {
	Root Node
}
