package wire

import (
	"encoding/binary"
	"math"
	"time"
)

// Encoder appends entries to a buffer. The zero value is ready to use;
// [Encoder.Reset] keeps the buffer's memory for the next payload.
type Encoder struct {
	buf []byte
}

// Reset empties the encoder and makes it append to buf[:0].
func (e *Encoder) Reset(buf []byte) { e.buf = buf[:0] }

// Data returns the payload written so far. It aliases the encoder's buffer.
func (e *Encoder) Data() []byte { return e.buf }

// Raw appends bytes as they are, for a payload's header.
func (e *Encoder) Raw(b ...byte) { e.buf = append(e.buf, b...) }

// Key starts an entry: the key, then the type of the value that must follow.
func (e *Encoder) Key(key string, t Type) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(key)))
	e.buf = append(e.buf, key...)
	e.buf = append(e.buf, byte(t))
}

// BoolValue appends a bool value.
func (e *Encoder) BoolValue(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// IntValue appends a signed integer value.
func (e *Encoder) IntValue(v int64) { e.buf = binary.AppendVarint(e.buf, v) }

// UintValue appends an unsigned integer value.
func (e *Encoder) UintValue(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

// FloatValue appends a floating-point value.
func (e *Encoder) FloatValue(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// StringValue appends a string as a bytes value.
func (e *Encoder) StringValue(v string) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(v)))
	e.buf = append(e.buf, v...)
}

// BytesValue appends a bytes value.
func (e *Encoder) BytesValue(v []byte) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(v)))
	e.buf = append(e.buf, v...)
}

// TimeValue appends an instant with its zone offset. The zone's name is not
// kept: a time reads back in a fixed zone of the same offset (UTC for zero).
func (e *Encoder) TimeValue(v time.Time) {
	_, offset := v.Zone()
	e.buf = binary.AppendVarint(e.buf, v.Unix())
	e.buf = binary.AppendUvarint(e.buf, uint64(v.Nanosecond()))
	e.buf = binary.AppendVarint(e.buf, int64(offset))
}

// Bool writes an entry holding a bool.
func (e *Encoder) Bool(key string, v bool) { e.Key(key, TypeBool); e.BoolValue(v) }

// Int writes an entry holding a signed integer.
func (e *Encoder) Int(key string, v int64) { e.Key(key, TypeInt); e.IntValue(v) }

// Uint writes an entry holding an unsigned integer.
func (e *Encoder) Uint(key string, v uint64) { e.Key(key, TypeUint); e.UintValue(v) }

// Float writes an entry holding a floating-point number.
func (e *Encoder) Float(key string, v float64) { e.Key(key, TypeFloat); e.FloatValue(v) }

// String writes an entry holding a string.
func (e *Encoder) String(key, v string) { e.Key(key, TypeBytes); e.StringValue(v) }

// Bytes writes an entry holding a byte slice.
func (e *Encoder) Bytes(key string, v []byte) { e.Key(key, TypeBytes); e.BytesValue(v) }

// Time writes an entry holding a time.
func (e *Encoder) Time(key string, v time.Time) { e.Key(key, TypeTime); e.TimeValue(v) }

// BeginList starts an entry holding a list of n values of type elem. Append
// exactly n values, then call [Encoder.EndList] with the returned mark.
func (e *Encoder) BeginList(key string, elem Type, n int) (mark int) {
	e.Key(key, TypeList)
	return e.ListValue(elem, n)
}

// ListValue starts a list value of n values of type elem, as an element of
// an enclosing list. Append exactly n values, then call [Encoder.EndList].
func (e *Encoder) ListValue(elem Type, n int) (mark int) {
	e.buf = append(e.buf, byte(elem))
	mark = len(e.buf)
	e.buf = binary.AppendUvarint(e.buf, uint64(n))
	return mark
}

// EndList closes the list begun at mark by inserting its byte length, so a
// reader can skip the list without decoding it.
func (e *Encoder) EndList(mark int) { e.insertLength(mark) }

// BeginGroup starts an entry holding a group: entries of a nested struct or
// a map. Write the entries, then call [Encoder.EndGroup] with the mark.
func (e *Encoder) BeginGroup(key string) (mark int) {
	e.Key(key, TypeGroup)
	return len(e.buf)
}

// GroupValue starts a group as an element of an enclosing list.
func (e *Encoder) GroupValue() (mark int) { return len(e.buf) }

// EndGroup closes the group begun at mark by inserting its byte length.
func (e *Encoder) EndGroup(mark int) { e.insertLength(mark) }

// insertLength inserts, at mark, the uvarint length of what follows it.
func (e *Encoder) insertLength(mark int) {
	n := len(e.buf) - mark
	var lenBuf [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(lenBuf[:], uint64(n))
	e.buf = append(e.buf, lenBuf[:l]...) // grow by l bytes
	copy(e.buf[mark+l:], e.buf[mark:mark+n])
	copy(e.buf[mark:], lenBuf[:l])
}

// Signed is the set of signed integer types, named ones included.
type Signed interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64
}

// Unsigned is the set of unsigned integer types, named ones included.
type Unsigned interface {
	~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Floating is the set of floating-point types, named ones included.
type Floating interface {
	~float32 | ~float64
}

// Bools writes an entry holding a list of bools.
func Bools[T ~bool](e *Encoder, key string, v []T) {
	mark := e.BeginList(key, TypeBool, len(v))
	for _, x := range v {
		e.BoolValue(bool(x))
	}
	e.EndList(mark)
}

// Ints writes an entry holding a list of signed integers.
func Ints[T Signed](e *Encoder, key string, v []T) {
	mark := e.BeginList(key, TypeInt, len(v))
	for _, x := range v {
		e.IntValue(int64(x))
	}
	e.EndList(mark)
}

// Uints writes an entry holding a list of unsigned integers.
func Uints[T Unsigned](e *Encoder, key string, v []T) {
	mark := e.BeginList(key, TypeUint, len(v))
	for _, x := range v {
		e.UintValue(uint64(x))
	}
	e.EndList(mark)
}

// Floats writes an entry holding a list of floating-point numbers.
func Floats[T Floating](e *Encoder, key string, v []T) {
	mark := e.BeginList(key, TypeFloat, len(v))
	for _, x := range v {
		e.FloatValue(float64(x))
	}
	e.EndList(mark)
}

// Strings writes an entry holding a list of strings.
func Strings[T ~string](e *Encoder, key string, v []T) {
	mark := e.BeginList(key, TypeBytes, len(v))
	for _, x := range v {
		e.StringValue(string(x))
	}
	e.EndList(mark)
}

// ByteSlices writes an entry holding a list of byte slices.
func ByteSlices[T ~[]byte](e *Encoder, key string, v []T) {
	mark := e.BeginList(key, TypeBytes, len(v))
	for _, x := range v {
		e.BytesValue(x)
	}
	e.EndList(mark)
}

// Times writes an entry holding a list of times.
func Times(e *Encoder, key string, v []time.Time) {
	mark := e.BeginList(key, TypeTime, len(v))
	for _, x := range v {
		e.TimeValue(x)
	}
	e.EndList(mark)
}
