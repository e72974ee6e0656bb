package flaskjson

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// Value is one value of a parsed input, untagged (see [Parser.Parse]). It
// is valid until its Parser parses again. The zero Value is not valid.
//
// Its readers return an error matching wire.ErrMismatch when the value does
// not fit what they read.
type Value struct {
	doc *document
	i   int32
}

func (v Value) node() *node { return &v.doc.nodes[v.i] }

// Kind returns the value's kind: a JSON type or one of Flask's tags. An
// escaped dict (" di") is an Object.
func (v Value) Kind() Kind {
	if k := v.node().kind; k != escapedDict {
		return k
	}
	return Object
}

// IsNull reports whether the value is null (Python's None).
func (v Value) IsNull() bool { return v.node().kind == Null }

// content returns the string inside a tag, or ok false.
func (v Value) content() (string, bool) {
	c := v.doc.nodes[v.node().aux]
	if c.kind != String {
		return "", false
	}
	return v.doc.str(v.node().aux), true
}

// Bool reads true or false.
func (v Value) Bool() (bool, error) {
	n := v.node()
	if n.kind != Bool {
		return false, kindMismatch("a bool", n.kind)
	}
	return v.doc.text[n.off] == 't', nil
}

// number returns the text of a number.
func (v Value) number(want string) (string, error) {
	n := v.node()
	if n.kind != Number {
		return "", kindMismatch(want, n.kind)
	}
	return v.doc.text[n.off:n.end], nil
}

// Number returns a number's text as the input has it (1, -0, 1.5e-05,
// NaN, 1180591620717411303424), however large.
func (v Value) Number() (string, error) { return v.number("a number") }

// Int reads an integer (a Python int: not 1.0, not 1e3).
func (v Value) Int() (int64, error) {
	text, err := v.number("an integer")
	if err != nil {
		return 0, err
	}
	if !isInteger(text) {
		return 0, mismatch("want an integer, have the float " + text)
	}
	x, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, mismatch(text + " overflows the field")
	}
	return x, nil
}

// Uint reads a non-negative integer.
func (v Value) Uint() (uint64, error) {
	text, err := v.number("an integer")
	if err != nil {
		return 0, err
	}
	if !isInteger(text) {
		return 0, mismatch("want an integer, have the float " + text)
	}
	if text == "-0" {
		return 0, nil
	}
	x, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, mismatch(text + " overflows the field")
	}
	return x, nil
}

// Float reads a number: a float, NaN, ±Infinity (and a float too large for
// float64, which Python reads as infinity too), or an integer that a
// float64 holds exactly.
func (v Value) Float() (float64, error) {
	text, err := v.number("a number")
	if err != nil {
		return 0, err
	}
	f, _ := strconv.ParseFloat(text, 64) // well-formed: only a range error, and then ±Inf
	if isInteger(text) && !exactInteger(text, f) {
		return 0, mismatch("the integer " + text + " does not fit a float exactly")
	}
	return f, nil
}

// exactInteger reports whether f is the integer text.
func exactInteger(text string, f float64) bool {
	digits := len(text)
	if text[0] == '-' {
		digits--
	}
	if digits <= 15 {
		return true
	}
	if math.IsInf(f, 0) {
		return false
	}
	got := strconv.FormatFloat(f, 'f', 0, 64)
	return got == text || got == "-0" && text == "0"
}

// String reads a string; Markup (" m") reads as its string.
func (v Value) String() (string, error) {
	n := v.node()
	switch n.kind {
	case String:
		return v.doc.str(v.i), nil
	case Markup:
		if s, ok := v.content(); ok {
			return s, nil
		}
	}
	return "", kindMismatch("a string", n.kind)
}

// Bytes reads bytes (" b") into a new slice; empty bytes read as nil.
func (v Value) Bytes() ([]byte, error) {
	n := v.node()
	if n.kind != Bytes {
		return nil, kindMismatch("bytes", n.kind)
	}
	s, ok := v.content()
	if !ok {
		return nil, mismatch("bytes (\" b\") that are not a string")
	}
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, mismatch("bytes (\" b\") that are not standard base64")
	}
	return b, nil
}

// Time reads a datetime (" d"), in UTC. It reads the HTTP date werkzeug's
// http_date writes; Python reads a year below 100 in it as 19xx or 20xx,
// this reads the year written.
func (v Value) Time() (time.Time, error) {
	n := v.node()
	if n.kind != Time {
		return time.Time{}, kindMismatch("a datetime", n.kind)
	}
	s, ok := v.content()
	if !ok {
		return time.Time{}, mismatch("a datetime (\" d\") that is not a string")
	}
	t, ok := parseHTTPTime(s)
	if !ok {
		return time.Time{}, mismatch("a datetime (\" d\") that is not an HTTP date: " + strconv.Quote(s))
	}
	return t, nil
}

// parseHTTPTime reads an HTTP date as time.Parse(httpTime, s) does (the
// day's name is not checked against the date), what appendHTTPTime writes
// faster.
func parseHTTPTime(s string) (time.Time, bool) {
	if t, ok := parseHTTPTimeFast(s); ok {
		return t, true
	}
	t, err := time.Parse(httpTime, s)
	return t, err == nil
}

// parseHTTPTimeFast reads "Wed, 21 Oct 2015 07:28:00 GMT" exactly.
func parseHTTPTimeFast(s string) (time.Time, bool) {
	if len(s) != len(httpTime) || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
		s[19] != ':' || s[22] != ':' || s[25:] != " GMT" || !hasName(dayNames, s[:3]) {
		return time.Time{}, false
	}
	month := 0
	for m := 0; m < 12; m++ {
		if s[8:11] == monthNames[3*m:3*m+3] {
			month = m + 1
		}
	}
	day, ok1 := digits(s[5:7])
	year, ok2 := digits(s[12:16])
	hour, ok3 := digits(s[17:19])
	min, ok4 := digits(s[20:22])
	sec, ok5 := digits(s[23:25])
	if month == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.UTC)
	if t.Day() != day { // the 31st of a 30-day month, say
		return time.Time{}, false
	}
	return t, true
}

func hasName(names, s string) bool {
	for i := 0; i < len(names); i += 3 {
		if names[i:i+3] == s {
			return true
		}
	}
	return false
}

// digits reads a number of decimal digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// UUID reads a UUID (" u"): 32 hex digits, with or without the hyphens,
// braces and urn:uuid: prefix Python's UUID accepts.
func (v Value) UUID() ([16]byte, error) {
	var u [16]byte
	n := v.node()
	if n.kind != UUID {
		return u, kindMismatch("a UUID", n.kind)
	}
	s, ok := v.content()
	if !ok || !parseUUID(&u, s) {
		return u, mismatch("a UUID (\" u\") that is not 32 hex digits")
	}
	return u, nil
}

func parseUUID(u *[16]byte, s string) bool {
	if len(s) > 9 && s[:9] == "urn:uuid:" {
		s = s[9:]
	}
	if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	j := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			continue
		}
		if j == 32 {
			return false
		}
		h := hexNibble(s[i])
		if h > 0xf {
			return false
		}
		u[j/2] |= h << (4 * (1 - j%2))
		j++
	}
	return j == 32
}

// hexNibble returns the value of a hex digit, or 0xff.
func hexNibble(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// ByteArray reads bytes (" b") of exactly len(dst) into dst; when dst holds
// 16, a UUID (" u") reads too.
func (v Value) ByteArray(dst []byte) error {
	if v.node().kind == UUID && len(dst) == 16 {
		u, err := v.UUID()
		copy(dst, u[:])
		return err
	}
	b, err := v.Bytes()
	if err != nil {
		return err
	}
	if len(b) != len(dst) {
		return mismatch(strconv.Itoa(len(b)) + " bytes for an array of " + strconv.Itoa(len(dst)))
	}
	copy(dst, b)
	return nil
}

// Len returns the number of elements of a list or tuple, or of members of
// an object; 0 for other values.
func (v Value) Len() int {
	switch n := v.node(); n.kind {
	case List, Object:
		return int(n.aux)
	case escapedDict:
		return 1
	case Tuple:
		if c := v.doc.nodes[n.aux]; c.kind == List {
			return int(c.aux)
		}
	}
	return 0
}

// elements returns where the elements of a list, or of a tuple's list, are.
func (v Value) elements() (first, end, n int32, err error) {
	switch nd := v.node(); nd.kind {
	case List:
		return v.i + 1, nd.next, nd.aux, nil
	case Tuple:
		if c := v.doc.nodes[nd.aux]; c.kind == List {
			return nd.aux + 1, c.next, c.aux, nil
		}
		return 0, 0, 0, mismatch("a tuple (\" t\") that is not a list")
	default:
		return 0, 0, 0, kindMismatch("a list", nd.kind)
	}
}

// maxPrealloc bounds what Slice reserves before reading the elements: a
// list of many small values read into large elements grows by append.
const maxPrealloc = 32 << 10

// Slice reads a list, or a tuple (" t"), reading each element with read.
// An element that does not fit loses the whole list. An empty list reads as
// nil.
func Slice[T any](v Value, read func(Value) (T, error)) ([]T, error) {
	first, end, n, err := v.elements()
	if err != nil || n == 0 {
		return nil, err
	}
	var zero T
	c := int(n)
	if size := int(unsafe.Sizeof(zero)); size > 0 {
		c = min(c, maxPrealloc/size)
	}
	out := make([]T, 0, max(c, 1))
	for i := first; i < end; i = v.doc.nodes[i].next {
		x, err := read(Value{v.doc, i})
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// Members returns the members of an object (of an escaped dict, " di", its
// one member with the "__" taken off its key, as Flask does).
func (v Value) Members() (Members, error) {
	switch n := v.node(); n.kind {
	case Object:
		return Members{doc: v.doc, next: v.i + 1, end: n.next}, nil
	case escapedDict:
		c := v.doc.nodes[n.aux]
		if c.kind != Object || c.aux != 1 {
			return Members{}, mismatch("an escaped dict (\" di\") that is not an object of one key")
		}
		return Members{doc: v.doc, next: n.aux + 1, end: c.next, strip: true}, nil
	default:
		return Members{}, kindMismatch("an object", n.kind)
	}
}

// Members iterates over the members of an object: call Next, then Key and
// Value. A key a later duplicate replaced is skipped.
type Members struct {
	doc   *document
	next  int32 // the next key's index
	end   int32
	key   int32 // the current key's index
	strip bool  // an escaped dict: the key loses its last two characters
}

// Next moves to the next member; false when there is none.
func (m *Members) Next() bool {
	for m.next < m.end {
		k := m.next
		m.next = m.doc.nodes[k+1].next
		if m.doc.nodes[k].flags&dead == 0 {
			m.key = k
			return true
		}
	}
	return false
}

// Key returns the current member's key.
func (m *Members) Key() string {
	s := m.doc.str(m.key)
	if m.strip { // Python's key[:-2]
		for range 2 {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
	}
	return s
}

// Value returns the current member's value.
func (m *Members) Value() Value { return Value{m.doc, m.key + 1} }

// AppendJSON appends the value as plain JSON, as Flask's app.json.dumps
// would write what Flask read: a tuple as a list, Markup as a string, a
// UUID as its hyphenated string, a datetime as its HTTP date, an escaped
// dict as the dict; and bytes, which it cannot write, as their base64
// string, as encoding/json writes a []byte. For a json.Unmarshaler.
func (v Value) AppendJSON(dst []byte) []byte {
	e := Encoder{buf: dst, untagged: true}
	e.writeUntagged(v)
	return e.buf
}

// ReadBool reads a bool into any bool type.
func ReadBool[T ~bool](v Value) (T, error) {
	x, err := v.Bool()
	return T(x), err
}

// ReadInt reads an integer into T, refusing one out of T's range.
func ReadInt[T wire.Signed](v Value) (T, error) {
	x, err := v.Int()
	if err != nil {
		return 0, err
	}
	if int64(T(x)) != x {
		return 0, mismatch(strconv.FormatInt(x, 10) + " overflows the field")
	}
	return T(x), nil
}

// ReadUint reads a non-negative integer into T, refusing one out of T's
// range.
func ReadUint[T wire.Unsigned](v Value) (T, error) {
	x, err := v.Uint()
	if err != nil {
		return 0, err
	}
	if uint64(T(x)) != x {
		return 0, mismatch(strconv.FormatUint(x, 10) + " overflows the field")
	}
	return T(x), nil
}

// ReadFloat reads a number into T, refusing one T cannot hold exactly
// (NaN and the infinities fit every float).
func ReadFloat[T wire.Floating](v Value) (T, error) {
	x, err := v.Float()
	if err != nil {
		return 0, err
	}
	if float64(T(x)) != x && !math.IsNaN(x) {
		return 0, mismatch(strconv.FormatFloat(x, 'g', -1, 64) + " does not fit the field exactly")
	}
	return T(x), nil
}

// ReadString reads a string (or Markup) into any string type.
func ReadString[T ~string](v Value) (T, error) {
	x, err := v.String()
	return T(x), err
}

// ReadBytes reads bytes (" b") into any byte-slice type.
func ReadBytes[T ~[]byte](v Value) (T, error) {
	x, err := v.Bytes()
	return T(x), err
}

// ReadTime reads a datetime (" d").
func ReadTime(v Value) (time.Time, error) { return v.Time() }
