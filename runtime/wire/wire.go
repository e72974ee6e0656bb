// Package wire is the payload format of sessiongen cookies: a flat sequence of
// keyed, typed entries that generated code writes and reads without
// reflection.
//
// A payload is a sequence of entries. Each entry is
//
//	key   uvarint length, then the key's bytes
//	type  one byte (a [Type])
//	value encoded as its type says
//
// and the values are
//
//	TypeBool   one byte, 0 or 1
//	TypeInt    zigzag varint
//	TypeUint   uvarint
//	TypeFloat  8 bytes, IEEE 754 binary64, little endian
//	TypeBytes  uvarint length, then the bytes (strings and byte slices)
//	TypeTime   zigzag varint Unix seconds, uvarint nanoseconds, zigzag varint zone offset in seconds
//	TypeList   element type byte, uvarint byte length of the rest, uvarint count, then the elements
//	TypeGroup  uvarint byte length, then entries (a nested struct, keyed by field keys, or a map, keyed by map keys)
//
// Keys make the format robust to schema changes: a reader skips entries it
// does not know, and a value whose type no longer fits its field is reported
// for that field alone. Lists carry their byte length so that any value can be
// skipped without being understood.
package wire

import (
	"errors"
	"fmt"
)

// Type is the wire type of a value.
type Type byte

// The wire types. Zero is not a valid type so that a zeroed buffer never
// decodes as a value.
const (
	TypeBool  Type = 1
	TypeInt   Type = 2
	TypeUint  Type = 3
	TypeFloat Type = 4
	TypeBytes Type = 5
	TypeTime  Type = 6
	TypeList  Type = 7
	TypeGroup Type = 8

	lastType = TypeGroup
)

// String returns the type's name as used in error messages.
func (t Type) String() string {
	switch t {
	case TypeBool:
		return "bool"
	case TypeInt:
		return "int"
	case TypeUint:
		return "uint"
	case TypeFloat:
		return "float"
	case TypeBytes:
		return "bytes"
	case TypeTime:
		return "time"
	case TypeList:
		return "list"
	case TypeGroup:
		return "group"
	}
	return fmt.Sprintf("type(%d)", byte(t))
}

// ErrCorrupt reports a payload whose structure is broken: truncated, an
// unknown wire type, a length that runs past the end. Nothing after the
// corruption can be trusted, so the whole payload is rejected.
var ErrCorrupt = errors.New("wire: corrupt payload")

// ErrMismatch reports a well-formed value that does not fit the field it is
// read into: another wire type, or a number out of the field's range. Only
// that field is lost.
var ErrMismatch = errors.New("wire: value does not fit the field")

// MismatchError describes an [ErrMismatch]: what the field wanted and what the
// payload held.
type MismatchError struct {
	Want Type   // the wire type the field reads
	Got  Type   // the wire type in the payload
	Why  string // set when the types agree but the value does not fit
}

func (e *MismatchError) Error() string {
	if e.Why != "" {
		return "wire: value does not fit the field: " + e.Why
	}
	return fmt.Sprintf("wire: field wants %v, payload holds %v", e.Want, e.Got)
}

// Mismatch returns an error matching [ErrMismatch] that says why a value
// does not fit, for readers written outside this package (generated code).
func Mismatch(format string, args ...any) error {
	return &MismatchError{Why: fmt.Sprintf(format, args...)}
}

// Is makes errors.Is(err, ErrMismatch) hold.
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }
