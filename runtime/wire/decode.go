package wire

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unsafe"
)

// Decoder reads the entries of a payload. Call [Decoder.Next] to advance to
// each entry, then read its value with the method for the field's type, or
// not at all: an unread value is skipped. A value that does not fit is
// reported with an error matching [ErrMismatch] and skipped; a broken
// payload stops Next and is reported by [Decoder.Err].
type Decoder struct {
	buf     []byte
	text    string // the same bytes as buf, when given: strings are cut from it
	depth   int    // how many groups and lists enclose buf
	pos     int
	start   int // where the current entry begins
	key     []byte
	typ     Type // type of the value at pos
	pending bool // the value at pos has not been read yet
	err     error
}

// Reset makes the decoder read payload from its start.
func (d *Decoder) Reset(payload []byte) {
	*d = Decoder{buf: payload}
}

// ResetText is Reset with text holding the same bytes as payload: strings
// read are then cut from text instead of each being copied, one allocation
// for all of them. The strings keep text alive.
func (d *Decoder) ResetText(payload []byte, text string) {
	*d = Decoder{buf: payload}
	if len(text) == len(payload) {
		d.text = text
	}
}

// Err returns the error that stopped [Decoder.Next], if any; it matches
// [ErrCorrupt].
func (d *Decoder) Err() error { return d.err }

// Key returns the key of the current entry. It aliases the payload.
func (d *Decoder) Key() []byte { return d.key }

// Type returns the wire type of the current value.
func (d *Decoder) Type() Type { return d.typ }

// Next advances to the next entry, skipping the current value if it was not
// read. It returns false at the end of the payload or when the payload is
// corrupt.
func (d *Decoder) Next() bool {
	if d.err != nil {
		return false
	}
	if d.pending && !d.skip() {
		return false
	}
	if d.pos == len(d.buf) {
		return false
	}
	d.start = d.pos
	n, ok := d.uvarint()
	if !ok || n > uint64(len(d.buf)-d.pos) {
		return d.corrupt()
	}
	d.key = d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	if d.pos == len(d.buf) {
		return d.corrupt()
	}
	d.typ = Type(d.buf[d.pos])
	d.pos++
	if d.typ < TypeBool || d.typ > lastType {
		return d.corrupt()
	}
	d.pending = true
	return true
}

// Entry returns the whole current entry as it is encoded (its key, type
// and value), moving past its value: entries of two payloads can be
// compared byte for byte, and a payload spliced from entries of others. It
// aliases the payload; nil when the value is broken (see Err).
func (d *Decoder) Entry() []byte {
	if d.pending && !d.skip() {
		return nil
	}
	return d.buf[d.start:d.pos]
}

func (d *Decoder) corrupt() bool {
	d.err = ErrCorrupt
	d.pending = false
	return false
}

func (d *Decoder) uvarint() (uint64, bool) {
	v, n := binary.Uvarint(d.buf[d.pos:])
	if n <= 0 {
		return 0, false
	}
	d.pos += n
	return v, true
}

func (d *Decoder) varint() (int64, bool) {
	v, n := binary.Varint(d.buf[d.pos:])
	if n <= 0 {
		return 0, false
	}
	d.pos += n
	return v, true
}

// skip moves past the pending value.
func (d *Decoder) skip() bool {
	d.pending = false
	var ok bool
	switch d.typ {
	case TypeBool:
		ok = d.pos < len(d.buf)
		d.pos++
	case TypeInt:
		_, ok = d.varint()
	case TypeUint:
		_, ok = d.uvarint()
	case TypeFloat:
		ok = len(d.buf)-d.pos >= 8
		d.pos += 8
	case TypeBytes:
		var n uint64
		if n, ok = d.uvarint(); ok && n <= uint64(len(d.buf)-d.pos) {
			d.pos += int(n)
		} else {
			ok = false
		}
	case TypeTime:
		_, ok = d.time()
	case TypeList:
		_, _, end, hok := d.listHeader()
		ok = hok
		d.pos = end
	case TypeGroup:
		var n uint64
		if n, ok = d.uvarint(); ok && n <= uint64(len(d.buf)-d.pos) {
			d.pos += int(n)
		} else {
			ok = false
		}
	}
	if !ok {
		return d.corrupt()
	}
	return true
}

// want checks that the pending value has type t.
func (d *Decoder) want(t Type) error {
	if d.err != nil {
		return d.err
	}
	if !d.pending {
		return ErrCorrupt // a programming error in the caller: nothing to read
	}
	if d.typ != t {
		return &MismatchError{Want: t, Got: d.typ}
	}
	return nil
}

// fail records structural corruption found while reading a value.
func (d *Decoder) fail() error {
	d.corrupt()
	return ErrCorrupt
}

// Bool reads a bool value.
func (d *Decoder) Bool() (bool, error) {
	if err := d.want(TypeBool); err != nil {
		return false, err
	}
	if d.pos >= len(d.buf) || d.buf[d.pos] > 1 {
		return false, d.fail()
	}
	v := d.buf[d.pos] == 1
	d.pos++
	d.pending = false
	return v, nil
}

// Int reads a signed integer value.
func (d *Decoder) Int() (int64, error) {
	if err := d.want(TypeInt); err != nil {
		return 0, err
	}
	v, ok := d.varint()
	if !ok {
		return 0, d.fail()
	}
	d.pending = false
	return v, nil
}

// Uint reads an unsigned integer value.
func (d *Decoder) Uint() (uint64, error) {
	if err := d.want(TypeUint); err != nil {
		return 0, err
	}
	v, ok := d.uvarint()
	if !ok {
		return 0, d.fail()
	}
	d.pending = false
	return v, nil
}

// Float reads a floating-point value.
func (d *Decoder) Float() (float64, error) {
	if err := d.want(TypeFloat); err != nil {
		return 0, err
	}
	if len(d.buf)-d.pos < 8 {
		return 0, d.fail()
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.pos:]))
	d.pos += 8
	d.pending = false
	return v, nil
}

// bytes reads a bytes value without copying it.
func (d *Decoder) bytes() ([]byte, error) {
	if err := d.want(TypeBytes); err != nil {
		return nil, err
	}
	n, ok := d.uvarint()
	if !ok || n > uint64(len(d.buf)-d.pos) {
		return nil, d.fail()
	}
	b := d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	d.pending = false
	return b, nil
}

// String reads a bytes value as a string.
func (d *Decoder) String() (string, error) {
	b, err := d.bytes()
	if err != nil {
		return "", err
	}
	if d.text != "" {
		return d.text[d.pos-len(b) : d.pos], nil
	}
	return string(b), nil
}

// Bytes reads a bytes value into a new slice. An empty value reads as nil.
func (d *Decoder) Bytes() ([]byte, error) {
	b, err := d.bytes()
	if err != nil || len(b) == 0 {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// maxZoneOffset bounds a stored zone offset: real offsets stay within a day.
const maxZoneOffset = 24 * 60 * 60

// time reads the three numbers of a time value.
func (d *Decoder) time() (time.Time, bool) {
	sec, ok := d.varint()
	if !ok {
		return time.Time{}, false
	}
	nsec, ok := d.uvarint()
	if !ok || nsec >= 1e9 {
		return time.Time{}, false
	}
	offset, ok := d.varint()
	if !ok || offset < -maxZoneOffset || offset > maxZoneOffset {
		return time.Time{}, false
	}
	t := time.Unix(sec, int64(nsec))
	if offset == 0 {
		return t.UTC(), true
	}
	return t.In(time.FixedZone("", int(offset))), true
}

// Time reads a time value.
func (d *Decoder) Time() (time.Time, error) {
	if err := d.want(TypeTime); err != nil {
		return time.Time{}, err
	}
	t, ok := d.time()
	if !ok {
		return time.Time{}, d.fail()
	}
	d.pending = false
	return t, nil
}

// maxDepth bounds how deeply groups and lists may nest, so that a hostile
// payload cannot drive a recursive reader into the stack's limit.
const maxDepth = 32

// Group reads a group value and returns a decoder over its entries; the
// receiver moves past the group. Strings read from the group share the
// receiver's text.
func (d *Decoder) Group() (Decoder, error) {
	if err := d.want(TypeGroup); err != nil {
		return Decoder{}, err
	}
	if d.depth >= maxDepth {
		return Decoder{}, d.fail()
	}
	n, ok := d.uvarint()
	if !ok || n > uint64(len(d.buf)-d.pos) {
		return Decoder{}, d.fail()
	}
	start, end := d.pos, d.pos+int(n)
	sub := Decoder{buf: d.buf[start:end], depth: d.depth + 1}
	if d.text != "" {
		sub.text = d.text[start:end]
	}
	d.pos = end
	d.pending = false
	return sub, nil
}

// listHeader parses the list at pos without consuming it: the element type,
// the element count, and where the elements start and the list ends.
func (d *Decoder) listHeader() (elem Type, count int, end int, ok bool) {
	if d.pos >= len(d.buf) {
		return 0, 0, 0, false
	}
	elem = Type(d.buf[d.pos])
	d.pos++
	size, ok := d.uvarint()
	if !ok || size > uint64(len(d.buf)-d.pos) {
		return 0, 0, 0, false
	}
	end = d.pos + int(size)
	n, ok := d.uvarint()
	// Every element takes at least one byte, which bounds the count by the
	// bytes actually present. (Not what the count may allocate: an element
	// of one byte may be large in memory. See preallocCap.)
	if !ok || d.pos > end || n > uint64(end-d.pos) || elem < TypeBool || elem > lastType {
		return 0, 0, 0, false
	}
	return elem, int(n), end, true
}

// What Slice reserves before reading a list's elements is bounded by the
// list's bytes, not only by its count: the count is the payload's word, and a
// payload read into a field whose type has changed (a []string of 3000 empty
// strings, 3 KB, read into a [][4096]byte) would otherwise reserve 12 MB for
// elements that are not there. The first element that does not fit ends the
// read; elements that do fit grow the slice by append as they are read.
const (
	// preallocPerByte is how many bytes of memory each byte of a list's
	// elements may reserve: 24, a slice header for an element of one byte
	// (an empty []byte). Lists of any element type but structs (and arrays
	// of them) thus reserve their exact count, in one allocation; so do
	// structs that take fewer than 24 bytes for each byte they are written in.
	preallocPerByte = 24
	// maxPrealloc bounds what one list reserves, whatever its length: 32 KiB,
	// ten times a cookie's payload, enough for 4096 ints or 2048 strings in
	// one allocation. A longer list grows by append.
	maxPrealloc = 32 << 10
)

// preallocCap is the capacity Slice reserves for a list of n elements of
// type T written in size bytes: n, unless that is more memory than the
// bytes justify (preallocPerByte for each, and maxPrealloc in all).
func preallocCap[T any](n, size int) int {
	var zero T
	elem := int(unsafe.Sizeof(zero))
	if elem == 0 {
		return n
	}
	budget := maxPrealloc
	if size < maxPrealloc/preallocPerByte {
		budget = preallocPerByte * size
	}
	return min(n, budget/elem)
}

// Slice reads a list value whose elements have type elem, reading each with
// read. An element that does not fit loses the whole list, which is then
// skipped. An empty list reads as nil. The memory reserved before the
// elements are read is bounded by the list's bytes, whatever count it states.
func Slice[T any](d *Decoder, elem Type, read func(*Decoder) (T, error)) ([]T, error) {
	if err := d.want(TypeList); err != nil {
		return nil, err
	}
	start := d.pos
	got, n, end, ok := d.listHeader()
	if !ok {
		return nil, d.fail()
	}
	if got != elem {
		d.pos = start // left pending: Next skips the whole list
		return nil, &MismatchError{Want: elem, Got: got}
	}
	if d.depth >= maxDepth {
		return nil, d.fail()
	}
	d.depth++
	defer func() { d.depth-- }()
	var out []T
	if c := preallocCap[T](n, end-d.pos); c > 0 {
		out = make([]T, 0, c)
	}
	for range n { // past the capacity reserved, append grows out by what was read
		d.typ, d.pending = elem, true
		v, err := read(d)
		if err != nil {
			if d.err != nil {
				return nil, d.err
			}
			d.pos, d.typ, d.pending = start, TypeList, true
			return nil, err
		}
		out = append(out, v)
	}
	if d.pos != end {
		return nil, d.fail()
	}
	d.typ, d.pending = TypeList, false
	return out, nil
}

// ReadBool reads a bool into any bool type.
func ReadBool[T ~bool](d *Decoder) (T, error) {
	v, err := d.Bool()
	return T(v), err
}

// ReadInt reads a signed integer into T, refusing a value out of T's range.
func ReadInt[T Signed](d *Decoder) (T, error) {
	v, err := d.Int()
	if err != nil {
		return 0, err
	}
	if int64(T(v)) != v {
		return 0, &MismatchError{Want: TypeInt, Got: TypeInt, Why: strconv.FormatInt(v, 10) + " overflows the field"}
	}
	return T(v), nil
}

// ReadUint reads an unsigned integer into T, refusing a value out of T's
// range.
func ReadUint[T Unsigned](d *Decoder) (T, error) {
	v, err := d.Uint()
	if err != nil {
		return 0, err
	}
	if uint64(T(v)) != v {
		return 0, &MismatchError{Want: TypeUint, Got: TypeUint, Why: strconv.FormatUint(v, 10) + " overflows the field"}
	}
	return T(v), nil
}

// ReadFloat reads a floating-point number into T, refusing a value that T
// cannot hold exactly.
func ReadFloat[T Floating](d *Decoder) (T, error) {
	v, err := d.Float()
	if err != nil {
		return 0, err
	}
	if float64(T(v)) != v && !math.IsNaN(v) {
		return 0, &MismatchError{Want: TypeFloat, Got: TypeFloat, Why: strconv.FormatFloat(v, 'g', -1, 64) + " does not fit the field exactly"}
	}
	return T(v), nil
}

// ReadString reads a string into any string type.
func ReadString[T ~string](d *Decoder) (T, error) {
	v, err := d.String()
	return T(v), err
}

// ReadBytes reads a byte slice into any byte-slice type.
func ReadBytes[T ~[]byte](d *Decoder) (T, error) {
	v, err := d.Bytes()
	return T(v), err
}

// ReadTime reads a time.
func ReadTime(d *Decoder) (time.Time, error) { return d.Time() }
