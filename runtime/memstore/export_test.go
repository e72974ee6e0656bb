package memstore

// SweepNow runs one sweep, batch by batch, as the sweeper's tick does.
func (s *Store) SweepNow() { s.sweep(nil) }
