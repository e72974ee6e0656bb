package mapkey

//go:generate go tool sessiongen -type=Counts

// Counts has a map with int keys.
type Counts struct {
	ByID map[int]string
}
