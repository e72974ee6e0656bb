package runtime

// CloneByteSlices copies a slice of byte slices and each byte slice in it,
// so that a session and its caller never share memory. A nil slice stays
// nil.
func CloneByteSlices[T ~[]byte](s []T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, b := range s {
		if b != nil {
			out[i] = append(T(nil), b...)
		}
	}
	return out
}
