package notfound

//go:generate go tool sessiongen -type=Missing

// Present is here, Missing is not.
type Present struct{ A int }
