package testfile

// OnlyInTests lives in a test file.
type OnlyInTests struct{ A int }
