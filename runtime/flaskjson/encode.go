package flaskjson

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// Encoder appends one JSON value to a buffer, as Flask writes it (see the
// package doc). Containers are opened and closed with Begin and End methods;
// inside an object, each member is a [Encoder.Key] followed by one value.
// Members may come in any order: [Encoder.EndObject] sorts them by key, and
// escapes an object of one member whose key is a tag key (" di").
//
// The zero value is ready to use; [Encoder.Reset] keeps its memory for the
// next value. Errors are sticky: a value Flask cannot hold (a time outside
// the years 1 to 9999, JSON that does not parse) is reported by
// [Encoder.Err], and what is written stays well-formed.
type Encoder struct {
	buf     []byte
	open    []container // the containers not yet closed, innermost last
	members []int32     // where each member of the open objects starts, innermost object's last
	spans   []span      // scratch: an object's members while they are sorted
	tmp     []byte      // scratch: an object's bytes while they are sorted or escaped
	raw     *Parser     // for JSONValue, made on first use
	err     error

	untagged bool // AppendJSON's: objects are not escaped
}

// container is an open list, tuple or object.
type container struct {
	kind  byte  // '[' a list, 't' a tuple, '{' an object
	n     int32 // values (members) written so far
	first int32 // objects: the index in members of the first member
}

// span is a member's bytes, `"key":value`, in the buffer.
type span struct{ start, end int32 }

// Reset empties the encoder and makes it append to buf[:0].
func (e *Encoder) Reset(buf []byte) {
	e.buf = buf[:0]
	e.open = e.open[:0]
	e.members = e.members[:0]
	e.err = nil
}

// Data returns the JSON written so far. It aliases the encoder's buffer.
func (e *Encoder) Data() []byte { return e.buf }

// Err returns the first error the encoder met, if any.
func (e *Encoder) Err() error { return e.err }

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

var errNesting = errors.New("flaskjson: Key, End or a value where the open container does not take it")

// value starts a value: after a comma in a list, after its key in an
// object.
func (e *Encoder) value() {
	if len(e.open) == 0 {
		return
	}
	c := &e.open[len(e.open)-1]
	if c.kind == '{' {
		return // Key wrote what goes before the value
	}
	if c.n > 0 {
		e.buf = append(e.buf, ',')
	}
	c.n++
}

// Key starts a member of the innermost open object; write its value next.
func (e *Encoder) Key(key string) {
	if len(e.open) == 0 || e.open[len(e.open)-1].kind != '{' {
		e.fail(errNesting)
		return
	}
	c := &e.open[len(e.open)-1]
	if c.n > 0 {
		e.buf = append(e.buf, ',')
	}
	c.n++
	e.members = append(e.members, int32(len(e.buf)))
	e.buf = appendString(e.buf, key)
	e.buf = append(e.buf, ':')
}

// Null appends null.
func (e *Encoder) Null() {
	e.value()
	e.buf = append(e.buf, "null"...)
}

// BoolValue appends true or false.
func (e *Encoder) BoolValue(v bool) {
	e.value()
	e.buf = strconv.AppendBool(e.buf, v)
}

// IntValue appends an integer.
func (e *Encoder) IntValue(v int64) {
	e.value()
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

// UintValue appends an unsigned integer.
func (e *Encoder) UintValue(v uint64) {
	e.value()
	e.buf = strconv.AppendUint(e.buf, v, 10)
}

// FloatValue appends a float as Python's repr writes it: NaN and the
// infinities as NaN, Infinity and -Infinity, which Python's json reads.
func (e *Encoder) FloatValue(v float64) {
	e.value()
	e.buf = appendFloat(e.buf, v)
}

// StringValue appends a string, ASCII only; invalid UTF-8 becomes U+FFFD.
func (e *Encoder) StringValue(v string) {
	e.value()
	e.buf = appendString(e.buf, v)
}

// BytesValue appends bytes, tagged: {" b":"<standard base64>"}.
func (e *Encoder) BytesValue(v []byte) {
	e.value()
	e.buf = append(e.buf, `{" b":"`...)
	e.buf = base64.StdEncoding.AppendEncode(e.buf, v)
	e.buf = append(e.buf, `"}`...)
}

// UUIDValue appends a UUID, tagged: {" u":"<32 lowercase hex digits>"}.
func (e *Encoder) UUIDValue(v [16]byte) {
	e.value()
	e.buf = append(e.buf, `{" u":"`...)
	e.buf = hex.AppendEncode(e.buf, v[:])
	e.buf = append(e.buf, `"}`...)
}

// MarkupValue appends a string as Markup, tagged: {" m":"..."}.
func (e *Encoder) MarkupValue(v string) {
	e.value()
	e.buf = append(e.buf, `{" m":`...)
	e.buf = appendString(e.buf, v)
	e.buf = append(e.buf, '}')
}

// httpTime is http.TimeFormat, what werkzeug's http_date writes.
const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

// TimeValue appends a time, tagged as a datetime: {" d":"Wed, 21 Oct 2015
// 07:28:00 GMT"}, in UTC, whole seconds (the rest is dropped, as werkzeug's
// http_date drops microseconds). A year outside 1 to 9999, which Python's
// datetime cannot hold, is an error (see [Encoder.Err]).
func (e *Encoder) TimeValue(v time.Time) {
	e.value()
	v = v.UTC()
	if y := v.Year(); y < 1 || y > 9999 {
		e.fail(fmt.Errorf("flaskjson: time %v is outside the years 1 to 9999 of Python's datetime", v))
		v = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	e.buf = append(e.buf, `{" d":"`...)
	e.buf = appendHTTPTime(e.buf, v)
	e.buf = append(e.buf, `"}`...)
}

const (
	dayNames   = "SunMonTueWedThuFriSat"
	monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// appendHTTPTime appends t, in UTC with a four-digit year, as
// t.AppendFormat(b, httpTime) does, faster.
func appendHTTPTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	wd := int(t.Weekday()) * 3
	m := (int(month) - 1) * 3
	return append(b, dayNames[wd], dayNames[wd+1], dayNames[wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		monthNames[m], monthNames[m+1], monthNames[m+2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':', byte('0'+sec/10), byte('0'+sec%10),
		' ', 'G', 'M', 'T')
}

// JSONValue appends a value given as JSON (a json.Marshaler's output) as
// Flask would write it after reading it with json.loads: compact, keys
// sorted, ASCII only, numbers as Python writes them back (an integer as it
// is, "-0" as 0; a float as its repr), one-key objects whose key is a tag
// key escaped. JSON that does not parse is an error (see [Encoder.Err]) and
// null is written instead.
func (e *Encoder) JSONValue(raw []byte) {
	if e.raw == nil {
		e.raw = &Parser{plain: true}
	}
	v, err := e.raw.Parse(raw)
	if err != nil {
		e.fail(fmt.Errorf("flaskjson: a value's JSON: %w", err))
		e.Null()
		return
	}
	e.writePlain(v)
}

// writePlain writes a value of a plain parse (no tags) canonically.
func (e *Encoder) writePlain(v Value) {
	switch n := v.node(); n.kind {
	case Null:
		e.Null()
	case Bool:
		e.BoolValue(v.doc.text[n.off] == 't')
	case Number:
		e.value()
		e.buf = appendNumber(e.buf, v.doc.text[n.off:n.end])
	case String:
		e.StringValue(v.doc.str(v.i))
	case List:
		e.BeginList()
		for i := v.i + 1; i < n.next; i = v.doc.nodes[i].next {
			e.writePlain(Value{v.doc, i})
		}
		e.EndList()
	case Object:
		e.BeginObject()
		m := Members{doc: v.doc, next: v.i + 1, end: n.next}
		for m.Next() {
			e.Key(m.Key())
			e.writePlain(m.Value())
		}
		e.EndObject()
	}
}

// writeUntagged writes a value of a parse as plain JSON (see
// Value.AppendJSON).
func (e *Encoder) writeUntagged(v Value) {
	switch n := v.node(); n.kind {
	case List:
		e.BeginList()
		for i := v.i + 1; i < n.next; i = v.doc.nodes[i].next {
			e.writeUntagged(Value{v.doc, i})
		}
		e.EndList()
	case Object, escapedDict:
		m, err := v.Members()
		e.BeginObject()
		if err != nil { // an escaped dict that is not one: as it came
			e.Key(" di")
			e.writeUntagged(Value{v.doc, n.aux})
		}
		for m.doc != nil && m.Next() {
			e.Key(m.Key())
			e.writeUntagged(m.Value())
		}
		e.EndObject()
	case UUID:
		if u, err := v.UUID(); err == nil {
			var b [36]byte
			hex.Encode(b[0:8], u[0:4])
			hex.Encode(b[9:13], u[4:6])
			hex.Encode(b[14:18], u[6:8])
			hex.Encode(b[19:23], u[8:10])
			hex.Encode(b[24:], u[10:])
			b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
			e.StringValue(string(b[:]))
			return
		}
		e.writeUntagged(Value{v.doc, n.aux})
	case Tuple, Bytes, Markup, Time:
		e.writeUntagged(Value{v.doc, n.aux})
	default:
		e.writePlain(v)
	}
}

// appendNumber appends a JSON number as Python writes back what it read:
// an integer as it is ("-0" as 0), a float as its repr.
func appendNumber(b []byte, text string) []byte {
	if isInteger(text) {
		if text == "-0" {
			text = "0"
		}
		return append(b, text...)
	}
	f, _ := strconv.ParseFloat(text, 64) // well-formed; out of range is ±Inf, as in Python
	return appendFloat(b, f)
}

// isInteger tells an integer's text from a float's.
func isInteger(text string) bool {
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '.', 'e', 'E', 'N', 'I':
			return false
		}
	}
	return true
}

// BeginList starts a list; append its values, then call [Encoder.EndList].
func (e *Encoder) BeginList() {
	e.value()
	e.open = append(e.open, container{kind: '['})
	e.buf = append(e.buf, '[')
}

// EndList closes the list begun last.
func (e *Encoder) EndList() {
	if e.close('[') {
		e.buf = append(e.buf, ']')
	}
}

// BeginTuple starts a tuple, tagged: {" t":[...]}; append its values, then
// call [Encoder.EndTuple].
func (e *Encoder) BeginTuple() {
	e.value()
	e.open = append(e.open, container{kind: 't'})
	e.buf = append(e.buf, `{" t":[`...)
}

// EndTuple closes the tuple begun last.
func (e *Encoder) EndTuple() {
	if e.close('t') {
		e.buf = append(e.buf, "]}"...)
	}
}

// BeginObject starts an object; append its members (a Key, then a value),
// in any order, then call [Encoder.EndObject].
func (e *Encoder) BeginObject() {
	e.value()
	e.open = append(e.open, container{kind: '{', first: int32(len(e.members))})
	e.buf = append(e.buf, '{')
}

// EndObject closes the object begun last: its members are put in order of
// their keys' code points, and an object of one member whose key is a tag
// key is escaped as {" di":{"<key>__":value}}, as Flask writes them.
func (e *Encoder) EndObject() {
	if len(e.open) == 0 || e.open[len(e.open)-1].kind != '{' {
		e.fail(errNesting)
		return
	}
	first := e.open[len(e.open)-1].first
	ms := e.members[first:]
	switch {
	case len(ms) == 1 && !e.untagged:
		if k := tagKeyAt(e.buf[ms[0]:]); k > 0 {
			e.escapeDict(int(ms[0]), k)
		}
	case len(ms) > 1:
		e.sortMembers(ms)
	}
	e.members = e.members[:first]
	e.open = e.open[:len(e.open)-1]
	e.buf = append(e.buf, '}')
}

func (e *Encoder) close(kind byte) bool {
	if len(e.open) == 0 || e.open[len(e.open)-1].kind != kind {
		e.fail(errNesting)
		return false
	}
	e.open = e.open[:len(e.open)-1]
	return true
}

// tagKeyAt returns the length of the quoted key member starts with when
// that key is a tag key, else 0. Tag keys are plain ASCII: their quoted
// form has no escapes.
func tagKeyAt(member []byte) int {
	if len(member) < 4 || member[1] != ' ' {
		return 0
	}
	for _, t := range tags {
		n := len(t.key) + 2
		if len(member) > n && member[n-1] == '"' && member[n] == ':' && string(member[1:n-1]) == t.key {
			return n
		}
	}
	return 0
}

// escapeDict rewrites the one member at, whose quoted key takes k bytes,
// as " di":{"<key>__":value}.
func (e *Encoder) escapeDict(at, k int) {
	e.tmp = append(e.tmp[:0], e.buf[at:]...)
	e.buf = append(e.buf[:at], `" di":{`...)
	e.buf = append(e.buf, e.tmp[:k-1]...)
	e.buf = append(e.buf, `__"`...)
	e.buf = append(e.buf, e.tmp[k:]...)
	e.buf = append(e.buf, '}')
}

// sortMembers puts the members starting at ms in order of their keys. Each
// but the last is followed by a comma.
func (e *Encoder) sortMembers(ms []int32) {
	e.spans = e.spans[:0]
	sorted := true
	for i, start := range ms {
		end := int32(len(e.buf))
		if i+1 < len(ms) {
			end = ms[i+1] - 1
		}
		e.spans = append(e.spans, span{start, end})
		if i > 0 && compareKeys(e.buf[e.spans[i-1].start:], e.buf[start:]) > 0 {
			sorted = false
		}
	}
	if sorted {
		return
	}
	buf := e.buf
	slices.SortStableFunc(e.spans, func(a, b span) int { return compareKeys(buf[a.start:], buf[b.start:]) })
	base := ms[0]
	e.tmp = append(e.tmp[:0], e.buf[base:]...)
	e.buf = e.buf[:base]
	for i, s := range e.spans {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, e.tmp[s.start-base:s.end-base]...)
	}
}

// compareKeys compares the quoted keys a and b start with (as the encoder
// writes them: ASCII, escaped) by the code points they stand for, as
// Python's sorted compares str.
func compareKeys(a, b []byte) int {
	i, j := 1, 1
	for {
		ca, cb := a[i], b[j]
		if ca == cb && ca != '\\' && ca != '"' {
			i++
			j++
			continue
		}
		if ca == '"' || cb == '"' {
			switch {
			case ca == cb:
				return 0
			case ca == '"':
				return -1
			}
			return 1
		}
		var ra, rb rune
		ra, i = quotedRune(a, i)
		rb, j = quotedRune(b, j)
		if ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
	}
}

// quotedRune decodes the character at s[i] of a string the encoder wrote.
func quotedRune(s []byte, i int) (rune, int) {
	if s[i] != '\\' {
		return rune(s[i]), i + 1
	}
	switch s[i+1] {
	case 'u':
		r := hex4(s[i+2 : i+6])
		i += 6
		if utf16.IsSurrogate(r) && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
			if d := utf16.DecodeRune(r, hex4(s[i+2:i+6])); d != utf8.RuneError {
				return d, i + 6
			}
		}
		return r, i
	case 'n':
		return '\n', i + 2
	case 'r':
		return '\r', i + 2
	case 't':
		return '\t', i + 2
	case 'b':
		return '\b', i + 2
	case 'f':
		return '\f', i + 2
	}
	return rune(s[i+1]), i + 2 // \" \\ \/
}

// hex4 decodes four hex digits; -1 if they are not.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as Python's json.dumps with ensure_ascii
// writes it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = appendU(b, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b = append(b, s[start:i]...)
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = appendU(appendU(b, r1), r2)
		} else {
			b = appendU(b, r) // an invalid byte decodes as U+FFFD
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendFloat appends f as Python's float repr writes it: the shortest
// digits that read back as f, in fixed notation with at least one decimal
// when the decimal exponent is in [-4, 16), else d.ddde±XX.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	var buf [32]byte
	d := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // [-]d[.ddd]e±dd
	if d[0] == '-' {
		b = append(b, '-')
		d = d[1:]
	}
	var digits [20]byte
	nd, exp := 0, 0
	for i, c := range d {
		if c == 'e' {
			exp, _ = strconv.Atoi(string(d[i+1:]))
			break
		}
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	if exp < -4 || exp >= 16 {
		b = append(b, digits[0])
		if nd > 1 {
			b = append(b, '.')
			b = append(b, digits[1:nd]...)
		}
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(exp), 10)
	}
	point := exp + 1 // digits before the decimal point
	switch {
	case point <= 0:
		b = append(b, '0', '.')
		for range -point {
			b = append(b, '0')
		}
		b = append(b, digits[:nd]...)
	case point >= nd:
		b = append(b, digits[:nd]...)
		for range point - nd {
			b = append(b, '0')
		}
		b = append(b, '.', '0')
	default:
		b = append(b, digits[:point]...)
		b = append(b, '.')
		b = append(b, digits[point:nd]...)
	}
	return b
}

// Member shorthands: a Key, then the value.

// Bool appends a member holding a bool.
func (e *Encoder) Bool(key string, v bool) { e.Key(key); e.BoolValue(v) }

// Int appends a member holding an integer.
func (e *Encoder) Int(key string, v int64) { e.Key(key); e.IntValue(v) }

// Uint appends a member holding an unsigned integer.
func (e *Encoder) Uint(key string, v uint64) { e.Key(key); e.UintValue(v) }

// Float appends a member holding a float.
func (e *Encoder) Float(key string, v float64) { e.Key(key); e.FloatValue(v) }

// String appends a member holding a string.
func (e *Encoder) String(key, v string) { e.Key(key); e.StringValue(v) }

// Bytes appends a member holding bytes (" b").
func (e *Encoder) Bytes(key string, v []byte) { e.Key(key); e.BytesValue(v) }

// Time appends a member holding a datetime (" d").
func (e *Encoder) Time(key string, v time.Time) { e.Key(key); e.TimeValue(v) }

// Bools appends a member holding a list of bools.
func Bools[T ~bool](e *Encoder, key string, v []T) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.BoolValue(bool(x))
	}
	e.EndList()
}

// Ints appends a member holding a list of integers.
func Ints[T wire.Signed](e *Encoder, key string, v []T) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.IntValue(int64(x))
	}
	e.EndList()
}

// Uints appends a member holding a list of unsigned integers.
func Uints[T wire.Unsigned](e *Encoder, key string, v []T) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.UintValue(uint64(x))
	}
	e.EndList()
}

// Floats appends a member holding a list of floats.
func Floats[T wire.Floating](e *Encoder, key string, v []T) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.FloatValue(float64(x))
	}
	e.EndList()
}

// Strings appends a member holding a list of strings.
func Strings[T ~string](e *Encoder, key string, v []T) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.StringValue(string(x))
	}
	e.EndList()
}

// ByteSlices appends a member holding a list of bytes values.
func ByteSlices[T ~[]byte](e *Encoder, key string, v []T) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.BytesValue(x)
	}
	e.EndList()
}

// Times appends a member holding a list of datetimes.
func Times(e *Encoder, key string, v []time.Time) {
	e.Key(key)
	e.BeginList()
	for _, x := range v {
		e.TimeValue(x)
	}
	e.EndList()
}
