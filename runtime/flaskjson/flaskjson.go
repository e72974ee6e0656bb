// Package flaskjson reads and writes Flask's tagged JSON (flask.json.tag,
// TaggedJSONSerializer), the payload of Flask's session cookie, byte for byte
// as Flask 3.1 writes it, without reflection: sessiongen's generated code
// writes a session's fields with an [Encoder] and reads them from a [Value]
// that a [Parser] returns.
//
// # What Flask writes
//
// The session dict goes through TaggedJSONSerializer.dumps inside the app,
// which is json.dumps with separators=(",", ":"), sort_keys=True and
// ensure_ascii=True:
//
//   - compact, object members sorted by the code points of their keys, at
//     every level;
//   - strings ASCII only: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other
//     control characters, DEL and every non-ASCII character as a lowercase
//     `\uXXXX` (a surrogate pair outside the BMP); `<`, `>`, `&` and `/` as
//     they are. The Encoder writes invalid UTF-8 as U+FFFD;
//   - integers in decimal; floats as Python's repr (the shortest digits
//     that read back the same, `1.0`, `1e+16`, `1.5e-05`), NaN and the
//     infinities as `NaN`, `Infinity`, `-Infinity`;
//   - values JSON has no type for, tagged as one-member objects: a tuple
//     `{" t":[...]}`, bytes `{" b":"<standard base64>"}`, Markup
//     `{" m":"..."}`, a UUID `{" u":"<32 lowercase hex digits>"}`, a
//     datetime `{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}` (UTC, whole seconds);
//   - a dict of exactly one key that is a tag key escaped as
//     `{" di":{"<key>__":value}}`, so that it is not read as a tag. The
//     Encoder does this by itself for every object it closes.
//
// # What Flask reads
//
// json.loads, then every object of exactly one key that is a tag key is
// untagged, innermost first; other keys starting with a space are plain keys.
// Duplicate keys: the last wins, as in Python. Numbers keep their text, so
// that an integer too large for a field is that field's mismatch, not a
// failure of the whole payload. NaN, Infinity and -Infinity are read as
// Python writes them. The Parser bounds what it accepts: the input's size,
// the nesting of lists and objects, the number of values (see [Parser]).
//
// # Go types
//
// The typed readers ([ReadString], [ReadInt], [Slice], [Value.Members], ...)
// return an error matching wire.ErrMismatch when the JSON does not fit the
// Go type, as runtime/wire's readers do: a string for an int, 2**70 for an
// int64, 1.5 for an int, a list of 3 for a [4]int, null for anything but a
// pointer. The mapping sessiongen uses:
//
//	bool, string                  true/false, a string (Markup reads as a string)
//	ints, uints, time.Duration    an integer (a Duration in nanoseconds: Flask has no duration type)
//	float32, float64              a number; an integer reads if the float holds it exactly
//	[]byte, [N]byte               " b" bytes ([16]byte also reads " u"; see below)
//	time.Time                     " d", UTC, whole seconds: the zone and sub-second digits are lost
//	slices, arrays                a list; a " t" tuple reads too; arrays need the exact length
//	maps with string keys         an object
//	structs                       an object keyed by session keys; unknown keys are skipped
//	pointers                      the target, or null for nil (a pointer to a nil pointer is null too)
//	encoding.TextMarshaler        a string
//	json.Marshaler                its JSON, re-written as Flask would write it (see [Encoder.JSONValue])
//
// A nil and an empty slice are both written [] (and a map {}): Flask sees an
// empty list; both read back as nil, as the wire format reads them. A
// [16]byte is a UUID when its type's name ends in "UUID" (uuid.UUID,
// UserUUID): it is written " u"; any other [N]byte is written " b", and
// every [16]byte reads either.
package flaskjson

import (
	"errors"
	"strconv"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// Kind is the kind of a [Value]: a JSON type, or one of Flask's tags.
type Kind uint8

// The kinds. An escaped dict (" di") is an Object.
const (
	Null Kind = iota + 1
	Bool
	Number
	String
	List
	Object
	Tuple  // " t": a list inside
	Bytes  // " b": standard base64 inside
	Markup // " m": a string inside
	UUID   // " u": 32 hex digits inside
	Time   // " d": an HTTP date inside

	escapedDict // " di": an Object to its readers
)

var kindNames = [...]string{
	Null: "null", Bool: "a bool", Number: "a number", String: "a string", List: "a list",
	Object: "an object", Tuple: "a tuple", Bytes: "bytes", Markup: "Markup", UUID: "a UUID",
	Time: "a datetime", escapedDict: "an object",
}

// String returns the kind's name as error messages use it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(?)"
}

// The tag keys Flask 3.1 registers, and the kind each untags to.
var tags = [...]struct {
	key  string
	kind Kind
}{
	{" t", Tuple}, {" b", Bytes}, {" m", Markup}, {" u", UUID}, {" d", Time}, {" di", escapedDict},
}

// tagKind returns the kind a one-key object with key untags to, or 0.
func tagKind(key string) Kind {
	if len(key) < 2 || key[0] != ' ' {
		return 0
	}
	for _, t := range tags {
		if t.key == key {
			return t.kind
		}
	}
	return 0
}

// ErrMalformed reports input that is not JSON as Python's json module reads
// it (or not UTF-8). The errors of [Parser.Parse] match it or [ErrLimit].
var ErrMalformed = errors.New("flaskjson: malformed JSON")

// ErrLimit reports input beyond one of a [Parser]'s bounds.
var ErrLimit = errors.New("flaskjson: JSON beyond the parser's limits")

// SyntaxError is an [ErrMalformed] with where it was found.
type SyntaxError struct {
	Offset int    // byte offset in the input
	Msg    string // what was wrong
}

func (e *SyntaxError) Error() string {
	return "flaskjson: malformed JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Is makes errors.Is(err, ErrMalformed) hold.
func (e *SyntaxError) Is(target error) bool { return target == ErrMalformed }

// mismatch returns an error matching wire.ErrMismatch.
func mismatch(why string) error { return &wire.MismatchError{Why: why} }

// kindMismatch reports a value of kind got where want was needed.
func kindMismatch(want string, got Kind) error {
	return mismatch("want " + want + ", have " + got.String())
}
