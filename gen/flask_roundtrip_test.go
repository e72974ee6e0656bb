package gen_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
	sessionwire "github.com/sessiongen/sessiongen/runtime/wire"

	"github.com/sessiongen/sessiongen/testdata/anonymous"
	"github.com/sessiongen/sessiongen/testdata/arrays"
	"github.com/sessiongen/sessiongen/testdata/basic"
	"github.com/sessiongen/sessiongen/testdata/deep"
	"github.com/sessiongen/sessiongen/testdata/docs"
	"github.com/sessiongen/sessiongen/testdata/embedded"
	"github.com/sessiongen/sessiongen/testdata/empty"
	"github.com/sessiongen/sessiongen/testdata/evolve_v1"
	"github.com/sessiongen/sessiongen/testdata/evolve_v2"
	flaskpkg "github.com/sessiongen/sessiongen/testdata/flask"
	importclash "github.com/sessiongen/sessiongen/testdata/import_clash"
	mapspkg "github.com/sessiongen/sessiongen/testdata/maps"
	"github.com/sessiongen/sessiongen/testdata/multi"
	"github.com/sessiongen/sessiongen/testdata/named"
	"github.com/sessiongen/sessiongen/testdata/nested"
	"github.com/sessiongen/sessiongen/testdata/pointers"
	"github.com/sessiongen/sessiongen/testdata/sharable"
	"github.com/sessiongen/sessiongen/testdata/slices"
	"github.com/sessiongen/sessiongen/testdata/tags"
	"github.com/sessiongen/sessiongen/testdata/textmarshal"
)

// flaskConfig is a configuration in Flask's cookie format.
var flaskConfig = sessionruntime.Config{SecretKey: roundTripKey, CookieFormat: sessionruntime.CookieFormatFlask}

// Every session type of testdata, filled with random values of every
// field, survives a save and an open in Flask's cookie format (through the
// generated encodeFlask, runtime/flaskjson and decodeFlaskMember) as the
// format documents it:
//
//   - times come back in UTC, whole seconds (a " d" datetime holds no zone
//     and no fraction);
//   - strings come back with each byte of invalid UTF-8 as U+FFFD (JSON
//     holds text), everything else exactly: non-ASCII, controls, quotes;
//   - floats exactly, NaN, the infinities and -0 included (Python's repr);
//   - nil and empty slices and maps both as nil (Flask sees [] and {});
//   - a nil pointer as absent (a session's field, a struct's field) or nil
//     (in a slice or map), and so is a pointer to a nil pointer (null).
func TestFlaskRandomRoundTrip(t *testing.T) {
	rounds := 60
	if testing.Short() {
		rounds = 10
	}
	t.Run("anonymous", func(t *testing.T) { flaskRandom(t, anonymous.NewSettingsManager, rounds) })
	t.Run("arrays", func(t *testing.T) { flaskRandom(t, arrays.NewFixedManager, rounds) })
	t.Run("basic", func(t *testing.T) { flaskRandom(t, basic.NewScalarsManager, rounds) })
	t.Run("deep", func(t *testing.T) { flaskRandom(t, deep.NewDeepManager, rounds) })
	t.Run("docs", func(t *testing.T) { flaskRandom(t, docs.NewCartManager, rounds) })
	t.Run("embedded", func(t *testing.T) { flaskRandom(t, embedded.NewOuterManager, rounds) })
	t.Run("empty", func(t *testing.T) { flaskRandom(t, empty.NewNothingManager, rounds) })
	t.Run("evolve_v1", func(t *testing.T) { flaskRandom(t, evolve_v1.NewVisitorManager, rounds) })
	t.Run("evolve_v2", func(t *testing.T) { flaskRandom(t, evolve_v2.NewVisitorManager, rounds) })
	t.Run("flask", func(t *testing.T) { flaskRandom(t, flaskpkg.NewSharedManager, rounds) })
	t.Run("import_clash", func(t *testing.T) { flaskRandom(t, importclash.NewGuestManager, rounds) })
	t.Run("maps", func(t *testing.T) { flaskRandom(t, mapspkg.NewIndexManager, rounds) })
	t.Run("multi/Admin", func(t *testing.T) { flaskRandom(t, multi.NewAdminManager, rounds) })
	t.Run("multi/Visitor", func(t *testing.T) { flaskRandom(t, multi.NewVisitorManager, rounds) })
	t.Run("named", func(t *testing.T) { flaskRandom(t, named.NewAccountManager, rounds) })
	t.Run("nested", func(t *testing.T) { flaskRandom(t, nested.NewProfileManager, rounds) })
	t.Run("pointers", func(t *testing.T) { flaskRandom(t, pointers.NewOptManager, rounds) })
	t.Run("sharable", func(t *testing.T) { flaskRandom(t, sharable.NewPeerManager, rounds) })
	t.Run("slices", func(t *testing.T) { flaskRandom(t, slices.NewListsManager, rounds) })
	t.Run("tags", func(t *testing.T) { flaskRandom(t, tags.NewPrefsManager, rounds) })
	t.Run("textmarshal", func(t *testing.T) { flaskRandom(t, textmarshal.NewConnManager, rounds) })
}

// accessor is one field's getter, setter and presence, found by name.
type accessor struct {
	name          string
	get, set, has reflect.Value
	typ           reflect.Type
}

// accessors returns the field methods of the session s: each HasX with
// its X and SetX.
func accessors(s reflect.Value) []accessor {
	var out []accessor
	for i := range s.NumMethod() {
		name := s.Type().Method(i).Name
		x, ok := strings.CutPrefix(name, "Has")
		if !ok || x == "" {
			continue
		}
		get, set := s.MethodByName(x), s.MethodByName("Set"+x)
		if !get.IsValid() || !set.IsValid() || get.Type().NumOut() != 1 {
			continue
		}
		out = append(out, accessor{name: x, get: get, set: set, has: s.Method(i), typ: get.Type().Out(0)})
	}
	return out
}

// flaskManager is what the Flask tests call of a generated manager.
type flaskManager[S any] interface {
	OpenSession(r *http.Request) (*S, error)
	SaveSession(w http.ResponseWriter, r *http.Request, s *S) error
}

func flaskRandom[S any, M flaskManager[S]](t *testing.T, newIface func(sessionruntime.Config, ...sessionruntime.Option[S]) (M, error), rounds int) {
	si, err := newIface(flaskConfig)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(len(t.Name())), 7))
	for round := range rounds {
		s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
		fields := accessors(reflect.ValueOf(s))
		want := map[string]reflect.Value{}
		for _, a := range fields {
			v := randomValue(rng, a.typ, 0)
			a.set.Call([]reflect.Value{v})
			want[a.name] = v
		}
		// A session too large for a cookie loses fields until it fits.
		var cookie *http.Cookie
		for {
			w := httptest.NewRecorder()
			err := si.SaveSession(w, httptest.NewRequest("GET", "https://example.com/", nil), s)
			if errors.Is(err, sessionruntime.ErrCookieTooLarge) && len(want) > 0 {
				for name := range want {
					reflect.ValueOf(s).MethodByName("Delete" + name).Call(nil)
					delete(want, name)
					break
				}
				continue
			}
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if cs := w.Result().Cookies(); len(cs) == 1 {
				cookie = cs[0]
			}
			break
		}
		if cookie == nil {
			continue // nothing left to store
		}
		r := httptest.NewRequest("GET", "https://example.com/", nil)
		r.AddCookie(cookie)
		got, err := si.OpenSession(r)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, a := range accessors(reflect.ValueOf(got)) {
			v, set := want[a.name]
			if !set {
				continue
			}
			exp, present := flaskNormal(v, true)
			if has := a.has.Call(nil)[0].Bool(); has != present {
				t.Fatalf("round %d: %s present %v; want %v (set to %s)", round, a.name, has, present, show(v))
			}
			if !present {
				continue
			}
			if g := a.get.Call(nil)[0]; !sameValue(g, exp) {
				t.Fatalf("round %d: %s reads back as\n%s\nwant\n%s", round, a.name, show(g), show(exp))
			}
		}
	}
}

func show(v reflect.Value) string {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprintf("%#v", v.Interface())
	}
	return string(b)
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	addrType     = reflect.TypeFor[netip.Addr]()
	prefixType   = reflect.TypeFor[netip.Prefix]()
	addrPortType = reflect.TypeFor[netip.AddrPort]()
)

// randomAddr is an IPv4 or IPv6 address, with a zone now and then.
func randomAddr(rng *rand.Rand) netip.Addr {
	if rng.IntN(2) == 0 {
		return netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	a := netip.AddrFrom16(b)
	if rng.IntN(3) == 0 {
		a = a.WithZone("eth" + strconv.Itoa(rng.IntN(3)))
	}
	return a
}

// isOpaque tells the types opaque makes.
func isOpaque(t reflect.Type) bool {
	return t == addrType || t == prefixType || t == addrPortType ||
		t != timeType && t.Kind() == reflect.Struct && t.NumField() > 0 && !t.Field(0).IsExported()
}

// opaque returns a random value of a type whose fields are not the test's
// to set (they are another package's, unexported), made through the
// type's own methods; ok false for any other type.
func opaque(rng *rand.Rand, t reflect.Type) (reflect.Value, bool) {
	switch t {
	case addrType:
		return reflect.ValueOf(randomAddr(rng)), true
	case prefixType:
		a := randomAddr(rng).WithZone("")
		return reflect.ValueOf(netip.PrefixFrom(a, rng.IntN(a.BitLen()+1))), true
	case addrPortType:
		return reflect.ValueOf(netip.AddrPortFrom(randomAddr(rng), uint16(rng.Uint32()))), true
	}
	if !isOpaque(t) {
		return reflect.Value{}, false
	}
	p := reflect.New(t)
	switch u := p.Interface().(type) {
	case interface{ UnmarshalJSON([]byte) error }:
		m := map[string]int{}
		for range rng.IntN(4) {
			m[randomKey(rng)] = int(rng.Int32())
		}
		b, _ := json.Marshal(m)
		if err := u.UnmarshalJSON(b); err != nil {
			panic(err)
		}
	case interface{ UnmarshalText([]byte) error }:
		// Level counts bytes, Port parses a port: both take digits.
		if err := u.UnmarshalText([]byte(strconv.Itoa(rng.IntN(65536)))); err != nil {
			panic(err)
		}
	}
	return p.Elem(), true
}

// Strings meant to trouble a JSON writer and reader.
var trickyStrings = []string{
	"", " t", " di", " b", "__", `"`, `\`, "\n\r\t\b\f\x00\x1f\x7f", "</script>&", "é", "😀", "\uffff", "\u2028",
	"\xff", "a\xe2\x82", "ü\xc3", " ", "_permanent",
}

func randomString(rng *rand.Rand, valid bool) string {
	var b strings.Builder
	for range rng.IntN(4) {
		s := trickyStrings[rng.IntN(len(trickyStrings))]
		if rng.IntN(3) == 0 {
			s = strconv.Itoa(rng.IntN(1000))
		}
		b.WriteString(s)
	}
	if valid {
		return strings.ToValidUTF8(b.String(), "?")
	}
	return b.String()
}

// randomKey is a map key: valid UTF-8 (keys that differ only in their
// invalid bytes would become one key), now and then a tag key alone.
func randomKey(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		return []string{" t", " b", " m", " u", " d", " di", " x"}[rng.IntN(7)]
	}
	return randomString(rng, true)
}

// Floats meant to trouble a float writer.
var trickyFloats = []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, math.MaxFloat64,
	0.1, 1.0 / 3, 1e16, 1e15, 1e-5, 1e-4, 123456789012345680, 2.5, -1}

// randomValue returns a random value of type t; depth bounds the sizes of
// deeply nested lists and maps.
func randomValue(rng *rand.Rand, t reflect.Type, depth int) reflect.Value {
	if v, ok := opaque(rng, t); ok {
		return v
	}
	v := reflect.New(t).Elem()
	n := rng.IntN(4)
	if depth > 2 {
		n = rng.IntN(2)
	}
	switch {
	case t == timeType:
		sec := rng.Int64N(253402300800+62135596800) - 62135596800 // years 1 to 9999
		tm := time.Unix(sec, rng.Int64N(1e9)).In(time.FixedZone("", (rng.IntN(49)-24)*1800))
		v.Set(reflect.ValueOf(tm))
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64() >> rng.IntN(64))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(rng.Uint64() >> rng.IntN(64))
	case reflect.Float32, reflect.Float64:
		f := math.Float64frombits(rng.Uint64())
		if rng.IntN(2) == 0 {
			f = trickyFloats[rng.IntN(len(trickyFloats))]
		}
		v.SetFloat(f)
	case reflect.String:
		v.SetString(randomString(rng, false))
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			b := make([]byte, n*3)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if n == 0 && rng.IntN(2) == 0 {
				b = nil
			}
			v.Set(reflect.ValueOf(b).Convert(t))
			return v
		}
		if n == 0 && rng.IntN(2) == 0 {
			return v // nil
		}
		v.Set(reflect.MakeSlice(t, n, n))
		for i := range n {
			v.Index(i).Set(randomValue(rng, t.Elem(), depth+1))
		}
	case reflect.Array:
		for i := range v.Len() {
			v.Index(i).Set(randomValue(rng, t.Elem(), depth+1))
		}
	case reflect.Map:
		if n == 0 && rng.IntN(2) == 0 {
			return v // nil
		}
		v.Set(reflect.MakeMap(t))
		for range n {
			v.SetMapIndex(reflect.ValueOf(randomKey(rng)).Convert(t.Key()), randomValue(rng, t.Elem(), depth+1))
		}
	case reflect.Pointer:
		if rng.IntN(3) > 0 {
			p := reflect.New(t.Elem())
			p.Elem().Set(randomValue(rng, t.Elem(), depth))
			v.Set(p)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				v.Field(i).Set(randomValue(rng, t.Field(i).Type, depth+1))
			}
		}
	}
	return v
}

// flaskNormal returns v as Flask's format gives it back, and whether a
// field holding v is present (a nil pointer field is absent).
func flaskNormal(v reflect.Value, top bool) (reflect.Value, bool) {
	t := v.Type()
	if isOpaque(t) {
		return v, true // round trips through its own methods, exactly
	}
	out := reflect.New(t).Elem()
	switch {
	case t == timeType:
		out.Set(reflect.ValueOf(v.Interface().(time.Time).UTC().Truncate(time.Second)))
		return out, true
	}
	switch t.Kind() {
	case reflect.String:
		out.SetString(string([]rune(v.String())))
	case reflect.Slice:
		if v.Len() == 0 {
			return out, true // nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return v, true
		}
		out.Set(reflect.MakeSlice(t, v.Len(), v.Len()))
		for i := range v.Len() {
			x, _ := flaskNormal(v.Index(i), false)
			out.Index(i).Set(x)
		}
	case reflect.Array:
		for i := range v.Len() {
			x, _ := flaskNormal(v.Index(i), false)
			out.Index(i).Set(x)
		}
	case reflect.Map:
		if v.Len() == 0 {
			return out, true
		}
		out.Set(reflect.MakeMap(t))
		for it := v.MapRange(); it.Next(); {
			x, _ := flaskNormal(it.Value(), false)
			out.SetMapIndex(it.Key(), x)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return out, !top
		}
		x, _ := flaskNormal(v.Elem(), false)
		if x.Kind() == reflect.Pointer && x.IsNil() {
			return out, !top // null: a pointer to nil reads as nil
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(x)
		out.Set(p)
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				x, _ := flaskNormal(v.Field(i), false)
				out.Field(i).Set(x)
			}
		}
	default:
		out.Set(v)
	}
	return out, true
}

// sameValue is reflect.DeepEqual with NaN equal to NaN (and -0 not equal
// to 0), times equal when Equal and read back in UTC.
func sameValue(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		return ta.Equal(tb) && ta.Location() == time.UTC
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		fa, fb := a.Float(), b.Float()
		return fa == fb && math.Signbit(fa) == math.Signbit(fb) || math.IsNaN(fa) && math.IsNaN(fb)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			x := b.MapIndex(it.Key())
			if !x.IsValid() || !sameValue(it.Value(), x) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !a.Type().Field(i).IsExported() {
				return reflect.DeepEqual(a.Interface(), b.Interface())
			}
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// flaskCookieJSON saves s with si and returns the JSON of the Flask cookie
// it set: the first of the value's three dot-separated parts, base64url.
func flaskCookieJSON[S any](t *testing.T, si opener[S], s *S) string {
	t.Helper()
	w := httptest.NewRecorder()
	if err := si.SaveSession(w, httptest.NewRequest("GET", "https://example.com/", nil), s); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("Set-Cookie %q", w.Header().Values("Set-Cookie"))
	}
	parts := strings.Split(cs[0].Value, ".")
	if len(parts) != 3 {
		t.Fatalf("cookie %q: not payload.timestamp.signature (compressed?)", cs[0].Value)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The generated code writes what Flask writes for the same values. Each
// want was made by Flask 3.1.3:
//
//	python3 -c 'from flask import Flask; from flask.json.tag import TaggedJSONSerializer as T; import uuid; app = Flask("x"); app.app_context().push(); print(T().dumps(SESSION))'
func TestFlaskJSONIsFlasks(t *testing.T) {
	t.Run("arrays", func(t *testing.T) {
		// {"id": uuid.UUID(bytes=bytes(range(1, 17))), "hash": bytes(range(32)), "rgb": bytes([1, 2, 255]),
		//  "scores": [0.5, -0.0, 1e16, 1.5e-05, float("inf")], "names": ["\u00e9", "</x>"],
		//  "grid": [[1, 2], [3, 4]], "i_ds": [uuid.UUID(int=0), uuid.UUID(int=2**128-1)]}
		si, err := arrays.NewFixedManager(flaskConfig)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
		var id arrays.UUID
		var hash [32]byte
		for i := range id {
			id[i] = byte(i + 1)
		}
		for i := range hash {
			hash[i] = byte(i)
		}
		s.SetID(id)
		s.SetHash(hash)
		s.SetRGB([3]uint8{1, 2, 255})
		s.SetScores([5]float64{0.5, math.Copysign(0, -1), 1e16, 1.5e-05, math.Inf(1)})
		s.SetNames([2]string{"é", "</x>"})
		s.SetGrid([2][2]int{{1, 2}, {3, 4}})
		s.SetIDs([]arrays.UUID{{}, {0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff}})
		want := `{"grid":[[1,2],[3,4]],"hash":{" b":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},"i_ds":[{" u":"00000000000000000000000000000000"},{" u":"ffffffffffffffffffffffffffffffff"}],"id":{" u":"0102030405060708090a0b0c0d0e0f10"},"names":["\u00e9","</x>"],"rgb":{" b":"AQL/"},"scores":[0.5,-0.0,1e+16,1.5e-05,Infinity]}`
		if got := flaskCookieJSON(t, si, s); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("pointers", func(t *testing.T) {
		// {"count": 3, "many": [{"x": 1, "y": 2}, None], "nested": None, "by_key": {" t": None}}
		si, err := pointers.NewOptManager(flaskConfig)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
		three := 3
		var nilBool *bool
		s.SetCount(&three)
		s.SetName(nil) // absent
		s.SetMany([]*pointers.Point{{X: 1, Y: 2}, nil})
		s.SetNested(&nilBool)
		s.SetByKeyKey(" t", nil)
		want := `{"by_key":{" di":{" t__":null}},"count":3,"many":[{"x":1,"y":2},null],"nested":null}`
		if got := flaskCookieJSON(t, si, s); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("named", func(t *testing.T) {
		// {"id": -7, "role": "admin", "roles": ["a", "b"], "admin": True, "avatar": b"\x00\x01",
		//  "scores": [0.10000000149011612], "display": "\U0001F600", "timeout": 90000000000, "friends": [1, 2]}
		si, err := named.NewAccountManager(flaskConfig)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
		s.SetID(-7)
		s.SetRole("admin")
		s.SetRoles([]named.Role{"a", "b"})
		s.SetAdmin(true)
		s.SetAvatar(named.Blob{0, 1})
		s.SetScores([]named.Score{0.1})
		s.SetDisplay("😀")
		s.SetTimeout(90 * time.Second) // a Duration is its nanoseconds
		s.SetFriends([]named.UserID{1, 2})
		want := `{"admin":true,"avatar":{" b":"AAE="},"display":"\ud83d\ude00","friends":[1,2],"id":-7,"role":"admin","roles":["a","b"],"scores":[0.10000000149011612],"timeout":90000000000}`
		if got := flaskCookieJSON(t, si, s); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

// A Flask cookie written by one release of a struct opens under the next,
// as the wire format's do: a field whose type changed is dropped alone and
// reported.
func TestFlaskSchemaEvolution(t *testing.T) {
	v1, err := evolve_v1.NewVisitorManager(flaskConfig)
	if err != nil {
		t.Fatal(err)
	}
	var reported []error
	cfg := flaskConfig
	cfg.OnError = func(_ *http.Request, err error) { reported = append(reported, err) }
	v2, err := evolve_v2.NewVisitorManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := v1.OpenSession(httptest.NewRequest("GET", "/", nil))
	old.SetName("Ada")
	old.SetAge(36)
	old.SetRemoved("gone")
	old.SetScore("high")
	old.SetNick("ada")
	w := httptest.NewRecorder()
	if err := v1.SaveSession(w, httptest.NewRequest("GET", "https://example.com/", nil), old); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	s, err := v2.OpenSession(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.IsNew() || s.FullName() != "Ada" || s.Age() != 36 || s.Nick() != "ada" || s.HasScore() || s.HasAdded() {
		t.Errorf("v2 read: name %q, age %d, nick %q, score present %v, added present %v", s.FullName(), s.Age(), s.Nick(), s.HasScore(), s.HasAdded())
	}
	var fe *sessionruntime.FieldError
	if len(reported) != 1 || !errors.As(reported[0], &fe) || fe.Key != "score" || !errors.Is(reported[0], sessionwire.ErrMismatch) {
		t.Errorf("reported %v; want one FieldError for key score", reported)
	}
}

// flaskCookie signs payload as Flask signs its session cookie (itsdangerous:
// the secret key derived with the salt "cookie-session", HMAC-SHA1 over
// payload.timestamp, base64url without padding).
func flaskCookie(key, payload []byte, now time.Time) string {
	derive := hmac.New(sha1.New, key)
	derive.Write([]byte("cookie-session"))
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.Unix()))
	stamp := ts[:]
	for len(stamp) > 1 && stamp[0] == 0 {
		stamp = stamp[1:]
	}
	b64 := base64.RawURLEncoding
	signed := b64.EncodeToString(payload) + "." + b64.EncodeToString(stamp)
	mac := hmac.New(sha1.New, derive.Sum(nil))
	mac.Write([]byte(signed))
	return signed + "." + b64.EncodeToString(mac.Sum(nil))
}

// flaskOpener opens a request with a session type's Interface in Flask's
// format, reading every field.
func flaskOpener[S any, M flaskManager[S]](f *testing.F, newIface func(sessionruntime.Config, ...sessionruntime.Option[S]) (M, error)) func(*http.Request) {
	si, err := newIface(flaskConfig)
	if err != nil {
		f.Fatal(err)
	}
	return func(r *http.Request) {
		s, _ := si.OpenSession(r)
		for _, a := range accessors(reflect.ValueOf(s)) {
			a.get.Call(nil)
		}
	}
}

// FuzzGeneratedFlaskDecoders signs arbitrary JSON as Flask would, so that it
// reaches every generated Flask decoder in testdata, and opens it: no panic,
// ever, whatever the JSON holds.
func FuzzGeneratedFlaskDecoders(f *testing.F) {
	openers := []func(*http.Request){
		flaskOpener(f, anonymous.NewSettingsManager), flaskOpener(f, arrays.NewFixedManager),
		flaskOpener(f, basic.NewScalarsManager), flaskOpener(f, deep.NewDeepManager),
		flaskOpener(f, docs.NewCartManager), flaskOpener(f, embedded.NewOuterManager),
		flaskOpener(f, empty.NewNothingManager), flaskOpener(f, evolve_v1.NewVisitorManager),
		flaskOpener(f, evolve_v2.NewVisitorManager), flaskOpener(f, flaskpkg.NewSharedManager),
		flaskOpener(f, importclash.NewGuestManager), flaskOpener(f, mapspkg.NewIndexManager),
		flaskOpener(f, multi.NewAdminManager), flaskOpener(f, multi.NewVisitorManager),
		flaskOpener(f, named.NewAccountManager), flaskOpener(f, nested.NewProfileManager),
		flaskOpener(f, pointers.NewOptManager), flaskOpener(f, sharable.NewPeerManager),
		flaskOpener(f, slices.NewListsManager), flaskOpener(f, tags.NewPrefsManager),
		flaskOpener(f, textmarshal.NewConnManager),
	}
	for _, seed := range []string{
		`{"home":{"street":"a","town":"b","geo":[1.5,2]},"cart":[{"sku":"x","qty":1,"price":2.5,"tags":["t"]}],"grants":{" di":{" t__":true}},"id":{" u":"0102030405060708090a0b0c0d0e0f10"},"seen":{"k":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}},"ptrs":[null,"s"],"extra":{"a":1},"matrix":[[1],{" t":[2,3]}]}`,
		`{"_permanent":true,"_flashes":[{" t":["message","hi"]}],"s":"x","i8":-128,"u64":18446744073709551615,"f32":0.5,"raw":{" b":"AAE="},"at":{" d":"Mon, 01 Jan 0001 00:00:00 GMT"},"ttl":1}`,
		`{"count":null,"many":[{"x":1},null],"nested":null,"by_key":{"a":1,"b":null}}`,
		`{"strings":["a"],"bools":[true],"ints":[1e3],"int8s":[300],"floats":[NaN,Infinity],"blobs":[{" b":"%%"}],"times":[{" d":"x"}],"durations":[-1]}`,
		`{"addr":"::1%eth0","prefix":"10.0.0.0/8","peers":["[::1]:80"],"level":"!!","payload":{" t":[1]},"secret":"s"}`,
		`{"chain":{"next":{"next":{}}},"lists":[[[[[]]]]],"maps":{"k":[[["w"]]]}}`,
	} {
		f.Add([]byte(seed))
	}
	now := time.Now()
	{
		si, _ := nested.NewProfileManager(flaskConfig)
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: flaskCookie(roundTripKey, []byte(`{"home":{"street":"a"}}`), now)})
		if s, _ := si.OpenSession(r); s.IsNew() || s.Home().Street != "a" {
			f.Fatal("a cookie signed as the fuzzer signs does not open: the fuzzer would reach no decoder")
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		cookie := flaskCookie(roundTripKey, payload, now)
		for _, open := range openers {
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
			open(r)
		}
	})
}
