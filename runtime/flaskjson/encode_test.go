package flaskjson_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
)

// encode returns what write writes.
func encode(write func(e *flaskjson.Encoder)) (string, error) {
	var e flaskjson.Encoder
	write(&e)
	return string(e.Data()), e.Err()
}

// Each want was made by Flask 3.1.3 inside an app context (so that
// app.json.dumps sorts the keys), with:
//
//	python3 -c 'from flask import Flask; from flask.json.tag import TaggedJSONSerializer as T; app = Flask("x"); app.app_context().push(); print(T().dumps(VALUE))'
//
// VALUE is in each case's comment; the imports it needs (uuid, datetime,
// markupsafe.Markup) are left out.
var flaskVectors = []struct {
	name  string
	write func(e *flaskjson.Encoder)
	want  string
}{
	{
		// {"b": 1, "a": [1, 2.5, "x"], "é": "\u00e9\U0001F600<>&/\"\\\n\r\t\b\f\x00\x1f\x7f"}
		name: "sorted keys and ASCII escapes",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			e.Int("b", 1)
			e.Key("a")
			e.BeginList()
			e.IntValue(1)
			e.FloatValue(2.5)
			e.StringValue("x")
			e.EndList()
			e.String("é", "é😀<>&/\"\\\n\r\t\b\f\x00\x1f\x7f")
			e.EndObject()
		},
		want: `{"a":[1,2.5,"x"],"b":1,"\u00e9":"\u00e9\ud83d\ude00<>&/\"\\\n\r\t\b\f\u0000\u001f\u007f"}`,
	},
	{
		// {" t": 1}
		name:  "a one-key dict whose key is a tag",
		write: func(e *flaskjson.Encoder) { e.BeginObject(); e.Int(" t", 1); e.EndObject() },
		want:  `{" di":{" t__":1}}`,
	},
	{
		// {"x": {" t": (1, 2)}}
		name: "an escaped dict holding a tuple",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			e.Key("x")
			e.BeginObject()
			e.Key(" t")
			e.BeginTuple()
			e.IntValue(1)
			e.IntValue(2)
			e.EndTuple()
			e.EndObject()
			e.EndObject()
		},
		want: `{"x":{" di":{" t__":{" t":[1,2]}}}}`,
	},
	{
		// {"t": (1, "a"), "b": b"\x00\xffhi", "m": Markup("<b>"),
		//  "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
		//  "d": datetime.datetime(2015, 10, 21, 7, 28, 0, 123456)}
		name: "every tag",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			e.Key("t")
			e.BeginTuple()
			e.IntValue(1)
			e.StringValue("a")
			e.EndTuple()
			e.Bytes("b", []byte("\x00\xffhi"))
			e.Key("m")
			e.MarkupValue("<b>")
			e.Key("u")
			e.UUIDValue([16]byte{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78})
			e.Time("d", time.Date(2015, 10, 21, 7, 28, 0, 123456000, time.UTC))
			e.EndObject()
		},
		want: `{"b":{" b":"AP9oaQ=="},"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"},"m":{" m":"<b>"},"t":{" t":[1,"a"]},"u":{" u":"12345678123456781234567812345678"}}`,
	},
	{
		// {"f": [1.0, 1e16, 1e15, 0.0001, 0.00001, 1.5e-5, -0.0, 0.1, 1/3, 5e-324,
		//        1.7976931348623157e308, float("nan"), float("inf"), -float("inf"),
		//        123456789012345680.0, 2**70]}
		name: "floats as Python's repr",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			flaskjson.Floats(e, "f", []float64{1, 1e16, 1e15, 0.0001, 0.00001, 1.5e-5, math.Copysign(0, -1), 0.1, 1.0 / 3, 5e-324,
				math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1), 123456789012345680})
			e.EndObject()
			// 2**70 is a Python int: Go has no such integer; the list
			// above leaves it out, and the want below does too.
		},
		want: `{"f":[1.0,1e+16,1000000000000000.0,0.0001,1e-05,1.5e-05,-0.0,0.1,0.3333333333333333,5e-324,1.7976931348623157e+308,NaN,Infinity,-Infinity,1.2345678901234568e+17]}`,
	},
	{
		// {"_permanent": True, "_flashes": [("message", "Hello"), ("error", "Bad \u00e9")], "user_id": 42}
		name: "a session with a permanent flag and flashes",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			e.Int("user_id", 42)
			e.Bool("_permanent", true)
			e.Key("_flashes")
			e.BeginList()
			for _, f := range [][2]string{{"message", "Hello"}, {"error", "Bad é"}} {
				e.BeginTuple()
				e.StringValue(f[0])
				e.StringValue(f[1])
				e.EndTuple()
			}
			e.EndList()
			e.EndObject()
		},
		want: `{"_flashes":[{" t":["message","Hello"]},{" t":["error","Bad \u00e9"]}],"_permanent":true,"user_id":42}`,
	},
	{
		// {"B": 1, "a": 2, "_": 3, "Z": 4, "\u00e9": 5, "\U0001F600": 6, "\uffff": 7, "e": 8}
		name: "keys by code point, past the BMP",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			for i, k := range []string{"B", "a", "_", "Z", "é", "😀", "\uffff", "e"} {
				e.Int(k, int64(i+1))
			}
			e.EndObject()
		},
		want: `{"B":1,"Z":4,"_":3,"a":2,"e":8,"\u00e9":5,"\uffff":7,"\ud83d\ude00":6}`,
	},
	{
		// {"m": {" t": 1, " b": 2}, "n": {" x": 1}, "o": {" di": {" t": [1]}},
		//  "p": {" m": "a"}, "q": {" u": "a"}, "r": {" d": "a"}, "s": {" b": "a"}}
		name: "dicts that look like tags",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			e.Key("m")
			e.BeginObject()
			e.Int(" t", 1)
			e.Int(" b", 2)
			e.EndObject()
			e.Key("n")
			e.BeginObject()
			e.Int(" x", 1)
			e.EndObject()
			e.Key("o")
			e.BeginObject()
			e.Key(" di")
			e.BeginObject()
			flaskjson.Ints(e, " t", []int{1})
			e.EndObject()
			e.EndObject()
			for _, k := range []string{"p", "q", "r", "s"} {
				e.Key(k)
				e.BeginObject()
				e.String(map[string]string{"p": " m", "q": " u", "r": " d", "s": " b"}[k], "a")
				e.EndObject()
			}
			e.EndObject()
		},
		want: `{"m":{" b":2," t":1},"n":{" x":1},"o":{" di":{" di__":{" di":{" t__":[1]}}}},"p":{" di":{" m__":"a"}},"q":{" di":{" u__":"a"}},"r":{" di":{" d__":"a"}},"s":{" di":{" b__":"a"}}}`,
	},
	{
		// [{" t": 1}]
		name:  "an escaped dict in a list",
		write: func(e *flaskjson.Encoder) { e.BeginList(); e.BeginObject(); e.Int(" t", 1); e.EndObject(); e.EndList() },
		want:  `[{" di":{" t__":1}}]`,
	},
	{
		// {}
		name:  "an empty session",
		write: func(e *flaskjson.Encoder) { e.BeginObject(); e.EndObject() },
		want:  `{}`,
	},
	{
		// {"e": [], "o": {}, "n": None, "t": (), "b": b"", "bb": [b"a", b"ab", b"abc"]}
		name: "empty values",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			flaskjson.Strings[string](e, "e", nil)
			e.Key("o")
			e.BeginObject()
			e.EndObject()
			e.Key("n")
			e.Null()
			e.Key("t")
			e.BeginTuple()
			e.EndTuple()
			e.Bytes("b", nil)
			flaskjson.ByteSlices(e, "bb", [][]byte{[]byte("a"), []byte("ab"), []byte("abc")})
			e.EndObject()
		},
		want: `{"b":{" b":""},"bb":[{" b":"YQ=="},{" b":"YWI="},{" b":"YWJj"}],"e":[],"n":null,"o":{},"t":{" t":[]}}`,
	},
	{
		// {"big": 2**64 - 1, "neg": -2**63, "i": [0, -1, 9007199254740993]}
		// (Flask printed 2**64 as 18446744073709551616; 2**64 - 1 is the
		// largest uint64.)
		name: "integers",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			e.Uint("big", math.MaxUint64)
			e.Int("neg", math.MinInt64)
			flaskjson.Ints(e, "i", []int64{0, -1, 9007199254740993})
			e.EndObject()
		},
		want: `{"big":18446744073709551615,"i":[0,-1,9007199254740993],"neg":-9223372036854775808}`,
	},
	{
		// {"dt": [datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
		//         datetime.datetime(2024, 2, 29, 12, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))]}
		name: "datetimes in UTC, whole seconds",
		write: func(e *flaskjson.Encoder) {
			e.BeginObject()
			flaskjson.Times(e, "dt", []time.Time{
				{},
				time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
				time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("", 5*3600)),
			})
			e.EndObject()
		},
		want: `{"dt":[{" d":"Mon, 01 Jan 0001 00:00:00 GMT"},{" d":"Fri, 31 Dec 9999 23:59:59 GMT"},{" d":"Thu, 29 Feb 2024 07:00:00 GMT"}]}`,
	},
}

func TestEncodeAsFlask(t *testing.T) {
	for _, c := range flaskVectors {
		got, err := encode(c.write)
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.name, got, err, c.want)
		}
	}
}

// Invalid UTF-8 is written as U+FFFD, one for each byte that does not
// start a character, as Go's range over a string reads it.
func TestEncodeInvalidUTF8(t *testing.T) {
	got, _ := encode(func(e *flaskjson.Encoder) { e.StringValue("a\xffb\xe2\x82c") })
	if want := `"a\ufffdb\ufffd\ufffdc"`; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}

// A member written before another that sorts first, nested at every level,
// ends up in order, with the commas where they belong.
func TestEncodeSortsEveryLevel(t *testing.T) {
	got, err := encode(func(e *flaskjson.Encoder) {
		e.BeginObject()
		e.Key("z")
		e.BeginObject()
		e.Int("y", 1)
		e.Key("x")
		e.BeginList()
		e.BeginObject()
		e.Int("b", 2)
		e.Int("a", 1)
		e.EndObject()
		e.EndList()
		e.EndObject()
		e.Int("a", 0)
		e.EndObject()
	})
	if want := `{"a":0,"z":{"x":[{"a":1,"b":2}],"y":1}}`; got != want || err != nil {
		t.Errorf("got %s (%v); want %s", got, err, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	got, err := encode(func(e *flaskjson.Encoder) {
		e.BeginList()
		e.TimeValue(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
		e.EndList()
	})
	if err == nil || got != `[{" d":"Mon, 01 Jan 0001 00:00:00 GMT"}]` {
		t.Errorf("year 10000: %s, %v; want an error and well-formed JSON", got, err)
	}
	got, err = encode(func(e *flaskjson.Encoder) { e.BeginList(); e.JSONValue([]byte(`{"a":`)); e.EndList() })
	if !errors.Is(err, flaskjson.ErrMalformed) || got != `[null]` {
		t.Errorf("bad JSON: %s, %v; want ErrMalformed and null", got, err)
	}
	_, err = encode(func(e *flaskjson.Encoder) { e.BeginList(); e.Key("k"); e.EndObject() })
	if err == nil {
		t.Error("a key in a list: no error")
	}
}

// JSONValue writes what Flask would write after json.loads of the value:
// compact, sorted, ASCII, numbers as Python writes them back, one-key
// objects that look like tags escaped.
func TestEncodeJSONValue(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{ "b" : [1, 2.50, -0, 1E400, 1e2, -0.0], "a" : "\u003c\/é" }`, `{"a":"</\u00e9","b":[1,2.5,0,Infinity,100.0,-0.0]}`},
		{`{" t": [1]}`, `{" di":{" t__":[1]}}`},
		{`{" di": {"x__": 1}}`, `{" di":{" di__":{"x__":1}}}`},
		{`[NaN, -Infinity, true, null, {"a":1,"a":2}]`, `[NaN,-Infinity,true,null,{"a":2}]`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
	} {
		got, err := encode(func(e *flaskjson.Encoder) { e.JSONValue([]byte(c.in)) })
		if err != nil || got != c.want {
			t.Errorf("JSONValue(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestEncodeReset(t *testing.T) {
	var e flaskjson.Encoder
	e.BeginObject()
	e.Key("a")
	e.Reset(make([]byte, 0, 64))
	e.BeginObject()
	e.String("b", strings.Repeat("x", 3))
	e.EndObject()
	if got := string(e.Data()); got != `{"b":"xxx"}` || e.Err() != nil {
		t.Errorf("after Reset: %s, %v", got, e.Err())
	}
}
