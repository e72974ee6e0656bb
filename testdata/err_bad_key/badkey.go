package badkey

//go:generate go tool sessiongen -type=Keys

// Keys has keys sessiongen refuses.
type Keys struct {
	Spaced string `session:" name"`
	Tab    string `session:"a	b"`
	Fine   string `session:"fine key"`
}
