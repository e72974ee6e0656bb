// Package basic has a field of every scalar type sessiongen supports.
package basic

import "time"

//go:generate go tool sessiongen -type=Scalars

// Scalars holds one field of each scalar kind.
type Scalars struct {
	S   string
	B   bool
	I   int
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	U   uint
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	UP  uintptr
	F32 float32
	F64 float64
	Raw []byte
	At  time.Time
	TTL time.Duration
}
