package flaskjson_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// pyRepr renders a parsed value as Python's repr renders what Flask's
// TaggedJSONSerializer.loads returns for the same input, for the inputs of
// TestParseAsFlask (printable strings, no duplicate keys but the first
// ones).
func pyRepr(v flaskjson.Value) string {
	switch v.Kind() {
	case flaskjson.Null:
		return "None"
	case flaskjson.Bool:
		b, _ := v.Bool()
		if b {
			return "True"
		}
		return "False"
	case flaskjson.Number:
		text, _ := v.Number()
		if _, err := strconv.ParseInt(text, 10, 64); err == nil || !strings.ContainsAny(text, ".eEIN") {
			return strings.TrimPrefix(text, "-0") + map[bool]string{true: "0"}[text == "-0"]
		}
		f, _ := v.Float()
		s := string(v.AppendJSON(nil))
		switch s {
		case "NaN":
			return "nan"
		case "Infinity":
			return "inf"
		case "-Infinity":
			return "-inf"
		}
		_ = f
		return s
	case flaskjson.String:
		s, _ := v.String()
		return pyString(s)
	case flaskjson.Markup:
		s, _ := v.String()
		return "Markup(" + pyString(s) + ")"
	case flaskjson.Bytes:
		b, _ := v.Bytes()
		var out strings.Builder
		out.WriteString("b'")
		for _, c := range b {
			switch {
			case c == '\\' || c == '\'':
				out.WriteString(`\` + string(c))
			case c >= 0x20 && c < 0x7f:
				out.WriteByte(c)
			default:
				fmt.Fprintf(&out, `\x%02x`, c)
			}
		}
		return out.String() + "'"
	case flaskjson.UUID:
		u, _ := v.UUID()
		h := fmt.Sprintf("%x", u)
		return "UUID('" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:] + "')"
	case flaskjson.Time:
		t, _ := v.Time()
		s := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
		if t.Second() != 0 {
			s += fmt.Sprintf(", %d", t.Second())
		}
		return s + ", tzinfo=datetime.timezone.utc)"
	case flaskjson.List, flaskjson.Tuple:
		items, _ := flaskjson.Slice(v, func(x flaskjson.Value) (string, error) { return pyRepr(x), nil })
		if v.Kind() == flaskjson.List {
			return "[" + strings.Join(items, ", ") + "]"
		}
		if len(items) == 1 {
			return "(" + items[0] + ",)"
		}
		return "(" + strings.Join(items, ", ") + ")"
	case flaskjson.Object:
		m, err := v.Members()
		if err != nil {
			return "<" + err.Error() + ">"
		}
		var items []string
		for m.Next() {
			items = append(items, pyString(m.Key())+": "+pyRepr(m.Value()))
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return "?"
}

// pyString is Python's repr of a str, for the characters the tests use.
func pyString(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\' || string(r) == q:
			b.WriteString(`\` + string(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String() + q
}

// Each want is what Flask 3.1.3 reads from the input, printed by
//
//	python3 -c 'from flask import Flask; from flask.json.tag import TaggedJSONSerializer as T; app = Flask("x"); app.app_context().push(); print(repr(T().loads(INPUT)))'
//
// The inputs are Flask's own output (flaskVectors) and hand-made ones.
var flaskReads = []struct{ in, want string }{
	{`{"a":[1,2.5,"x"],"b":1,"\u00e9":"\u00e9\ud83d\ude00<>&/\"\\\n\r\t\b\f\u0000\u001f\u007f"}`,
		`{'a': [1, 2.5, 'x'], 'b': 1, 'é': 'é😀<>&/"\\\n\r\t\x08\x0c\x00\x1f\x7f'}`},
	{`{" di":{" t__":1}}`, `{' t': 1}`},
	{`{"x":{" di":{" t__":{" t":[1,2]}}}}`, `{'x': {' t': (1, 2)}}`},
	{`{"b":{" b":"AP9oaQ=="},"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"},"m":{" m":"<b>"},"t":{" t":[1,"a"]},"u":{" u":"12345678123456781234567812345678"}}`,
		`{'b': b'\x00\xffhi', 'd': datetime.datetime(2015, 10, 21, 7, 28, tzinfo=datetime.timezone.utc), 'm': Markup('<b>'), 't': (1, 'a'), 'u': UUID('12345678-1234-5678-1234-567812345678')}`},
	{`{"f":[1.0,1e+16,1000000000000000.0,0.0001,1e-05,1.5e-05,-0.0,0.1,0.3333333333333333,5e-324,1.7976931348623157e+308,NaN,Infinity,-Infinity,1.2345678901234568e+17]}`,
		`{'f': [1.0, 1e+16, 1000000000000000.0, 0.0001, 1e-05, 1.5e-05, -0.0, 0.1, 0.3333333333333333, 5e-324, 1.7976931348623157e+308, nan, inf, -inf, 1.2345678901234568e+17]}`},
	{`{"_flashes":[{" t":["message","Hello"]},{" t":["error","Bad \u00e9"]}],"_permanent":true,"user_id":42}`,
		`{'_flashes': [('message', 'Hello'), ('error', 'Bad é')], '_permanent': True, 'user_id': 42}`},
	{`{"m":{" b":2," t":1},"n":{" x":1},"o":{" di":{" di__":{" di":{" t__":[1]}}}},"p":{" di":{" m__":"a"}},"q":{" di":{" u__":"a"}},"r":{" di":{" d__":"a"}},"s":{" di":{" b__":"a"}}}`,
		`{'m': {' b': 2, ' t': 1}, 'n': {' x': 1}, 'o': {' di': {' t': [1]}}, 'p': {' m': 'a'}, 'q': {' u': 'a'}, 'r': {' d': 'a'}, 's': {' b': 'a'}}`},
	{`{"b":{" b":""},"bb":[{" b":"YQ=="},{" b":"YWI="},{" b":"YWJj"}],"e":[],"n":null,"o":{},"t":{" t":[]}}`,
		`{'b': b'', 'bb': [b'a', b'ab', b'abc'], 'e': [], 'n': None, 'o': {}, 't': ()}`},
	{`{"big":18446744073709551616,"i":[0,-1,9007199254740993],"neg":-9223372036854775808}`,
		`{'big': 18446744073709551616, 'i': [0, -1, 9007199254740993], 'neg': -9223372036854775808}`},
	{`{"dt":[{" d":"Wed, 01 Jan 1000 00:00:00 GMT"},{" d":"Fri, 31 Dec 9999 23:59:59 GMT"},{" d":"Thu, 29 Feb 2024 07:00:00 GMT"}]}`,
		`{'dt': [datetime.datetime(1000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc), datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc), datetime.datetime(2024, 2, 29, 7, 0, tzinfo=datetime.timezone.utc)]}`},
	{" { \"a\" : 1 , \"a\" : [ 2 ] , \" t\" : { \" x\" : null } } ", `{'a': [2], ' t': {' x': None}}`},
	{`{" t":[1]," t":[2]}`, `(2,)`},
	{`{" di":{"ab":1}}`, `{'': 1}`},
	{`{" di":{"\u00e9\u00e9\u00e9":1}}`, `{'é': 1}`},
	{`[NaN,Infinity,-Infinity,1E400,-0,1.0e2,"\ud83d\ude00"]`, `[nan, inf, -inf, inf, 0, 100.0, '😀']`},
	{`{"u":{" u":"{12345678-1234-5678-1234-567812345678}"},"v":{" u":"urn:uuid:12345678-1234-5678-1234-567812345678"}}`,
		`{'u': UUID('12345678-1234-5678-1234-567812345678'), 'v': UUID('12345678-1234-5678-1234-567812345678')}`},
}

func TestParseAsFlask(t *testing.T) {
	var p flaskjson.Parser
	for _, c := range flaskReads {
		v, err := p.Parse([]byte(c.in))
		if err != nil {
			t.Errorf("Parse(%s): %v", c.in, err)
			continue
		}
		if got := pyRepr(v); got != c.want {
			t.Errorf("Parse(%s):\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// What Flask writes parses back to what was written (the readers see it),
// and AppendJSON of a parse of plain JSON writes it back.
func TestParseFlaskVectors(t *testing.T) {
	var p flaskjson.Parser
	for _, c := range flaskVectors {
		if _, err := p.Parse([]byte(c.want)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	v, err := p.Parse([]byte(`{"_flashes":[{" t":["message","Hello"]}],"_permanent":true,"user_id":42}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(v.AppendJSON(nil)); got != `{"_flashes":[["message","Hello"]],"_permanent":true,"user_id":42}` {
		t.Errorf("AppendJSON = %s", got)
	}
}

// Everything Python's json refuses is refused, with an error matching
// ErrMalformed: the session is then discarded, where Flask would fail the
// request.
func TestParseMalformed(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `[`, `]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{a:1}`, `{'a':1}`,
		`01`, `1.`, `.5`, `1e`, `1e+`, `-`, `+1`, `0x1`, `nan`, `inf`, `-NaN`, `Infinity1`, `tru`, `nul`,
		`"abc`, `"a\x"`, `"\u12g4"`, `"\u12"`, "\"a\tb\"", "\"\x00\"", "\"\xff\"", "\"\xc3\"", "\"\\u00e9\xff\"",
		`{} {}`, `1 2`, "\xef\xbb\xbf{}", `{"a":1}x`, `[1]]`,
	} {
		var p flaskjson.Parser
		if _, err := p.Parse([]byte(in)); !errors.Is(err, flaskjson.ErrMalformed) {
			t.Errorf("Parse(%q) = %v; want ErrMalformed", in, err)
		}
	}
}

func TestParseLimits(t *testing.T) {
	p := flaskjson.Parser{MaxSize: 10}
	if _, err := p.Parse([]byte(`"0123456789"`)); !errors.Is(err, flaskjson.ErrLimit) {
		t.Errorf("12 bytes with MaxSize 10: %v", err)
	}
	p = flaskjson.Parser{}
	deep := strings.Repeat("[", flaskjson.DefaultMaxDepth) + strings.Repeat("]", flaskjson.DefaultMaxDepth)
	if _, err := p.Parse([]byte(deep)); err != nil {
		t.Errorf("%d levels: %v", flaskjson.DefaultMaxDepth, err)
	}
	if _, err := p.Parse([]byte("[" + deep + "]")); !errors.Is(err, flaskjson.ErrLimit) {
		t.Errorf("%d levels: %v; want ErrLimit", flaskjson.DefaultMaxDepth+1, err)
	}
	p = flaskjson.Parser{MaxValues: 5}
	if _, err := p.Parse([]byte(`{"a":1,"b":2}`)); err != nil {
		t.Errorf("5 values: %v", err)
	}
	if _, err := p.Parse([]byte(`[1,2,3,4,5]`)); !errors.Is(err, flaskjson.ErrLimit) {
		t.Errorf("6 values with MaxValues 5: %v", err)
	}
}

// A tag is read only from an object of exactly one (distinct) key that is a
// registered tag; " x" and the like are plain keys.
func TestParseTagRules(t *testing.T) {
	var p flaskjson.Parser
	for in, want := range map[string]flaskjson.Kind{
		`{" t":[1]}`:            flaskjson.Tuple,
		`{" t":[1]," t":[2]}`:   flaskjson.Tuple, // one distinct key
		`{" t":[1],"a":1}`:      flaskjson.Object,
		`{" x":1}`:              flaskjson.Object,
		`{"t":[1]}`:             flaskjson.Object,
		`{" T":[1]}`:            flaskjson.Object,
		`{" b":"YQ=="}`:         flaskjson.Bytes,
		`{" m":"x"}`:            flaskjson.Markup,
		`{" u":"x"}`:            flaskjson.UUID, // a bad UUID is the reader's mismatch
		`{" d":5}`:              flaskjson.Time,
		`{" di":{"k__":1}}`:     flaskjson.Object,
		`{"\u0020t":[1]}`:       flaskjson.Tuple, // the key as it reads, not as it is written
		`{" d":"x"," d":"y"}`:   flaskjson.Time,
		`{"a":1,"b":2,"a":3}`:   flaskjson.Object,
		`{" di":5}`:             flaskjson.Object,
		`[{" t":[1]},{" x":1}]`: flaskjson.List,
	} {
		v, err := p.Parse([]byte(in))
		if err != nil {
			t.Errorf("Parse(%s): %v", in, err)
			continue
		}
		if v.Kind() != want {
			t.Errorf("Parse(%s).Kind() = %v; want %v", in, v.Kind(), want)
		}
	}
	// An escaped dict that is not one (Flask would fail the request) is a
	// mismatch for whoever reads it.
	for _, in := range []string{`{" di":5}`, `{" di":{"a":1,"b":2}}`, `{" di":{}}`, `{" di":{" t":[1]}}`} {
		v, _ := p.Parse([]byte(in))
		if _, err := v.Members(); !errors.Is(err, wire.ErrMismatch) {
			t.Errorf("Members of %s: %v; want a mismatch", in, err)
		}
	}
}

// Each reader takes what fits and refuses the rest with a mismatch.
func TestReaders(t *testing.T) {
	var p flaskjson.Parser
	v, err := p.Parse([]byte(`{"i":-42,"big":1180591620717411303424,"neg0":-0,"f":2.5,"fi":3,"bigf":9007199254740993,` +
		`"s":"x","m":{" m":"<b>"},"b":true,"n":null,"l":[1,2],"t":{" t":[3,4]},"bs":{" b":"AAEC"},"bad64":{" b":"%%"},` +
		`"u":{" u":"000102030405060708090a0b0c0d0e0f"},"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"},"dbad":{" d":"2015-10-21"},` +
		`"nan":NaN,"inf":-Infinity,"max":18446744073709551615,"f32":0.1}`))
	if err != nil {
		t.Fatal(err)
	}
	get := func(key string) flaskjson.Value {
		m, _ := v.Members()
		for m.Next() {
			if m.Key() == key {
				return m.Value()
			}
		}
		t.Fatalf("no member %q", key)
		return flaskjson.Value{}
	}
	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	bad := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, wire.ErrMismatch) {
			t.Errorf("%s: %v; want a mismatch", what, err)
		}
	}
	i8, err := flaskjson.ReadInt[int8](get("i"))
	ok("ReadInt[int8](-42)", err)
	_, err = flaskjson.ReadInt[int64](get("big"))
	bad("ReadInt[int64](2**70)", err)
	_, err = flaskjson.ReadUint[uint8](get("i"))
	bad("ReadUint(-42)", err)
	u, err := flaskjson.ReadUint[uint64](get("max"))
	ok("ReadUint(2**64-1)", err)
	_, err = flaskjson.ReadInt[int64](get("max"))
	bad("ReadInt[int64](2**64-1)", err)
	z, err := flaskjson.ReadUint[uint](get("neg0"))
	ok("ReadUint(-0)", err)
	_, err = flaskjson.ReadInt[int](get("f"))
	bad("ReadInt(2.5)", err)
	_, err = flaskjson.ReadInt[int](get("s"))
	bad("ReadInt(string)", err)
	_, err = flaskjson.ReadInt[int](get("b"))
	bad("ReadInt(true)", err)
	f, err := flaskjson.ReadFloat[float64](get("fi"))
	ok("ReadFloat(3)", err)
	_, err = flaskjson.ReadFloat[float64](get("bigf"))
	bad("ReadFloat(2**53+1)", err)
	_, err = flaskjson.ReadFloat[float32](get("f32"))
	bad("ReadFloat[float32](0.1)", err)
	nan, err := flaskjson.ReadFloat[float32](get("nan"))
	ok("ReadFloat(NaN)", err)
	inf, err := flaskjson.ReadFloat[float64](get("inf"))
	ok("ReadFloat(-Infinity)", err)
	s, err := flaskjson.ReadString[string](get("m"))
	ok("ReadString(Markup)", err)
	_, err = flaskjson.ReadString[string](get("bs"))
	bad("ReadString(bytes)", err)
	_, err = flaskjson.ReadString[string](get("n"))
	bad("ReadString(null)", err)
	b, err := flaskjson.ReadBool[bool](get("b"))
	ok("ReadBool", err)
	_, err = flaskjson.ReadBool[bool](get("i"))
	bad("ReadBool(int)", err)
	bs, err := flaskjson.ReadBytes[[]byte](get("bs"))
	ok("ReadBytes", err)
	_, err = flaskjson.ReadBytes[[]byte](get("bad64"))
	bad("ReadBytes(%%)", err)
	_, err = flaskjson.ReadBytes[[]byte](get("s"))
	bad("ReadBytes(string)", err)
	var id [16]byte
	ok("ByteArray(UUID)", get("u").ByteArray(id[:]))
	var three [3]byte
	ok("ByteArray(bytes of 3)", get("bs").ByteArray(three[:]))
	bad("ByteArray(UUID into 3)", get("u").ByteArray(three[:]))
	bad("ByteArray(bytes of 3 into 16)", get("bs").ByteArray(id[:]))
	tm, err := flaskjson.ReadTime(get("d"))
	ok("ReadTime", err)
	_, err = flaskjson.ReadTime(get("dbad"))
	bad("ReadTime(ISO)", err)
	_, err = flaskjson.ReadTime(get("s"))
	bad("ReadTime(string)", err)
	l, err := flaskjson.Slice(get("l"), flaskjson.ReadInt[int])
	ok("Slice(list)", err)
	tu, err := flaskjson.Slice(get("t"), flaskjson.ReadInt[int])
	ok("Slice(tuple)", err)
	_, err = flaskjson.Slice(get("l"), flaskjson.ReadString[string])
	bad("Slice of strings from ints", err)
	_, err = flaskjson.Slice(get("n"), flaskjson.ReadInt[int])
	bad("Slice(null)", err)
	_, err = get("l").Members()
	bad("Members(list)", err)

	if i8 != -42 || u != 1<<64-1 || z != 0 || f != 3 || nan == nan || inf > 0 || s != "<b>" || !b ||
		string(bs) != "\x00\x01\x02" || id[15] != 15 || three != [3]byte{0, 1, 2} ||
		!tm.Equal(time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)) || tm.Location() != time.UTC ||
		fmt.Sprint(l) != "[1 2]" || fmt.Sprint(tu) != "[3 4]" {
		t.Errorf("read %v %v %v %v %v %v %q %v %q %v %v %v %v %v", i8, u, z, f, nan, inf, s, b, bs, id, three, tm, l, tu)
	}
}

// Strings are cut from the input, or from one string of the unescaped
// ones: they outlive the parser's next Parse.
func TestStringsOutliveTheParser(t *testing.T) {
	var p flaskjson.Parser
	in := []byte(`["plain","esc\u00e9"]`)
	v, _ := p.Parse(in)
	ss, err := flaskjson.Slice(v, flaskjson.ReadString[string])
	if err != nil {
		t.Fatal(err)
	}
	copy(in, strings.Repeat("x", len(in)))
	p.Parse([]byte(`["other","\u00e8\u00e8\u00e8\u00e8\u00e8"]`))
	if ss[0] != "plain" || ss[1] != "escé" {
		t.Errorf("strings changed: %q", ss)
	}
}
