package predeclared

//go:generate go tool sessiongen -type=Cart

// Cart has a map: its generated DeleteItemsKey calls Go's delete.
type Cart struct {
	Items map[string]int
	Owner string
}

// delete hides Go's delete in the whole package.
func delete(id string) { _ = id }

// max hides Go's max, which the generated code does not use: that is fine.
func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
