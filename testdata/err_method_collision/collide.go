package collide

//go:generate go tool sessiongen -type=Collide

// Collide has fields whose generated methods clash.
type Collide struct {
	Modified  bool
	Clear     string
	X         int
	SetX      int
	Permanent bool `session:"perm"`
}
