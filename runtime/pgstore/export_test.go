package pgstore

// SetBatchHook makes the cleaner of s call hook after each batch, while it
// holds the sweep lock.
func SetBatchHook(s *Store, hook func()) { s.batchHook = hook }
