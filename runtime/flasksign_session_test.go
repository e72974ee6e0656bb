package runtime_test

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/wire"
	"github.com/sessiongen/sessiongen/testdata/basic"
	"github.com/sessiongen/sessiongen/testdata/flask"
	"github.com/sessiongen/sessiongen/testdata/flask/pyflask"
)

// flaskVectors is testdata/flask/vectors.json, made by make_vectors.py
// with real Flask.
type flaskVectors struct {
	MadeBy    map[string]string `json:"made_by"`
	Timestamp int64             `json:"timestamp"`
	Key       string            `json:"key"`
	Fallbacks []string          `json:"fallbacks"`
	Vectors   []struct {
		Name       string `json:"name"`
		SignedWith string `json:"signed_with"`
		Cookie     string `json:"cookie"`
		JSON       string `json:"json"`
		Compressed bool   `json:"compressed"`
	} `json:"vectors"`
}

func loadFlaskVectors(t testing.TB) flaskVectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pyflask.Dir, "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v flaskVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) == 0 || !strings.HasPrefix(v.MadeBy["flask"], "3.1.") {
		t.Fatalf("vectors.json: %d vectors made by Flask %q", len(v.Vectors), v.MadeBy["flask"])
	}
	return v
}

// errorLog collects what an Interface reports to OnError.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) onError(_ *http.Request, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) take() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := l.errs
	l.errs = nil
	return errs
}

// sharedInterface is the Flask format for flask.Shared, with the vectors'
// keys, its clock at the vectors' timestamp.
func sharedInterface(t testing.TB, v flaskVectors, log *errorLog) *flask.SharedManager {
	t.Helper()
	cfg := flask.SharedConfig{
		SecretKey:    []byte(v.Key),
		CookieFormat: runtime.CookieFormatFlask,
		Now:          func() time.Time { return time.Unix(v.Timestamp, 0) },
	}
	for _, k := range v.Fallbacks {
		cfg.SecretKeyFallbacks = append(cfg.SecretKeyFallbacks, []byte(k))
	}
	if log != nil {
		cfg.OnError = log.onError
	}
	si, err := flask.NewSharedManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return si
}

// openCookie opens the session a request carrying the session cookie value
// would have.
func openCookie(t testing.TB, si *flask.SharedManager, value string) *flask.SharedSession {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "session="+value)
	s, err := si.OpenSession(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// cookieJSON returns the JSON inside a Flask cookie value.
func cookieJSON(t testing.TB, value string) (string, bool) {
	t.Helper()
	payload := value[:strings.LastIndexByte(value[:strings.LastIndexByte(value, '.')], '.')]
	compressed := strings.HasPrefix(payload, ".")
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(payload, "."))
	if err != nil {
		t.Fatalf("%s: %v", value, err)
	}
	if compressed {
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return string(b), compressed
}

var (
	vectorUUID = flask.UUID{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	vectorTime = time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
)

// sharedFields is what a flask.Shared holds, to compare sessions in one
// go. Absent fields are zero; has lists the present ones.
type sharedFields struct {
	Username  string
	UserID    int64
	Visits    int
	Avatar    []byte
	Token     flask.UUID
	LastSeen  time.Time
	Point     [2]int
	Tags      []string
	Prefs     map[string]string
	Bio, Note string
	Permanent bool
	Flashes   []runtime.Flash
	Has       []string
}

// fields reads every field of s; Flashes pops the flashes, so it comes last.
func fields(s *flask.SharedSession) sharedFields {
	f := sharedFields{
		Username: s.Username(), UserID: s.UserID(), Visits: s.Visits(), Avatar: s.Avatar(), Token: s.Token(),
		LastSeen: s.LastSeen(), Point: s.Point(), Tags: s.Tags(), Prefs: s.Prefs(), Bio: s.Bio(), Note: s.Note(),
		Permanent: s.Permanent(),
	}
	for name, has := range map[string]bool{
		"username": s.HasUsername(), "user_id": s.HasUserID(), "visits": s.HasVisits(), "avatar": s.HasAvatar(),
		"token": s.HasToken(), "last_seen": s.HasLastSeen(), "point": s.HasPoint(), "tags": s.HasTags(),
		"prefs": s.HasPrefs(), "bio": s.HasBio(), "note": s.HasNote(),
	} {
		if has {
			f.Has = append(f.Has, name)
		}
	}
	slices.Sort(f.Has)
	f.Flashes = s.Flashes()
	return f
}

// wantFields is what each vector of cases.py must read as, in Go's types.
func wantFields(name string) sharedFields {
	switch name {
	case "plain", "fallback":
		return sharedFields{Username: "alice", UserID: 42, Has: []string{"user_id", "username"}}
	case "permanent":
		return sharedFields{Username: "alice", Permanent: true, Has: []string{"username"}}
	case "flashes":
		return sharedFields{Flashes: []runtime.Flash{{Category: "message", Message: "You were logged in"}, {Category: "error", Message: "Bad password"}}}
	case "bytes":
		return sharedFields{Avatar: []byte("\x00\x01\x02\xfe\xffGIF89a"), Has: []string{"avatar"}}
	case "uuid":
		return sharedFields{Token: vectorUUID, Has: []string{"token"}}
	case "datetime":
		return sharedFields{LastSeen: vectorTime, Has: []string{"last_seen"}}
	case "tuple":
		return sharedFields{Point: [2]int{3, -4}, Has: []string{"point"}}
	case "tag_escaped_dict":
		return sharedFields{Prefs: map[string]string{" t": "not a tuple"}, Has: []string{"prefs"}}
	case "markup":
		return sharedFields{Bio: "<b>Zoë</b> &amp; co", Has: []string{"bio"}}
	case "compressed":
		return sharedFields{Note: strings.Repeat("the same words again and again; ", 120), Has: []string{"note"}}
	case "non_ascii":
		return sharedFields{Username: "Zoë 😀 Ünïcödé \u2028 <script>&\"\\", Has: []string{"username"}}
	case "nested":
		return sharedFields{Tags: []string{"a", "b", "ü"}, Prefs: map[string]string{"theme": "dark", "lang": "fr"}, Has: []string{"prefs", "tags"}}
	case "everything", "older_fallback":
		return sharedFields{
			Username: "alice", UserID: 42, Visits: 7, Avatar: []byte("\x00\x01\x02\xfe\xffGIF89a"), Token: vectorUUID,
			LastSeen: vectorTime, Point: [2]int{3, -4}, Tags: []string{"a", "b", "ü"},
			Prefs: map[string]string{"theme": "dark", "lang": "fr"}, Bio: "<b>Zoë</b> &amp; co", Permanent: true,
			Flashes: []runtime.Flash{{Category: "info", Message: "Welcome back"}},
			Has:     []string{"avatar", "bio", "last_seen", "point", "prefs", "tags", "token", "user_id", "username", "visits"},
		}
	}
	panic("no expectation for vector " + name)
}

// goJSON is the JSON Go writes for a Flask vector's session: Flask's own,
// but for the tuple and the Markup, which Go has no type for: it writes a
// list and a string, which Flask reads as such.
func goJSON(flaskJSON string) string {
	return strings.NewReplacer(
		`{" t":[3,-4]}`, `[3,-4]`,
		`{" m":"<b>Zo\u00eb</b> &amp; co"}`, `"<b>Zo\u00eb</b> &amp; co"`,
	).Replace(flaskJSON)
}

// Every cookie real Flask made opens into the generated session type with
// the values Flask stored, and Go writes the session back as Flask would:
// the same JSON (a tuple and Markup aside), and for a cookie Flask did not
// compress and signed with the current key, the same cookie, byte for
// byte. Then Flask reads Go's cookies back (check_go_cookies.py) and finds
// the same sessions.
func TestFlaskVectors(t *testing.T) {
	v := loadFlaskVectors(t)
	var log errorLog
	si := sharedInterface(t, v, &log)
	goCookies := map[string]string{}
	for _, vec := range v.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			s := openCookie(t, si, vec.Cookie)
			if s.IsNew() {
				t.Fatalf("Flask's cookie did not open: %v", log.take())
			}
			if errs := log.take(); len(errs) > 0 {
				t.Errorf("reported: %v", errs)
			}
			c, err := si.Cookie(nil, s)
			if err != nil {
				t.Fatal(err)
			}
			goCookies[vec.Name] = c.Value
			if got := fields(s); !reflect.DeepEqual(got, wantFields(vec.Name)) {
				t.Errorf("read as\n %+v\nwant\n %+v", got, wantFields(vec.Name))
			}
			js, compressed := cookieJSON(t, c.Value)
			if want := goJSON(vec.JSON); js != want {
				t.Errorf("Go writes\n %s\nFlask wrote\n %s", js, want)
			}
			if compressed != (vec.Compressed && len(js) >= 1024) {
				// Go compresses from 1 KiB of JSON (flaskCompressMin).
				t.Errorf("compressed %v; Flask's %v, %d bytes of JSON", compressed, vec.Compressed, len(js))
			}
			if js == vec.JSON && !vec.Compressed && vec.SignedWith == v.Key && c.Value != vec.Cookie {
				t.Errorf("Go's cookie differs from Flask's:\n %s\n %s", c.Value, vec.Cookie)
			}
			// Re-signed with the current key: opens without the fallbacks.
			if again := openCookie(t, sharedCurrentKeyOnly(t, v), c.Value); again.IsNew() {
				t.Errorf("Go's cookie does not open under the current key alone")
			}
		})
	}
	if t.Failed() {
		return
	}
	in, _ := json.Marshal(map[string]any{"cookies": goCookies})
	out, err := pyflask.Run(t, "check_go_cookies.py", in)
	for line := range strings.Lines(string(out)) {
		var r struct {
			Name      string
			OK        bool `json:"ok"`
			Got, Want string
		}
		if json.Unmarshal([]byte(line), &r) == nil && !r.OK {
			t.Errorf("Flask reads Go's %s cookie as\n %s\nwant\n %s", r.Name, r.Got, r.Want)
		}
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(string(out), `"ok": true`); n != len(goCookies) {
		t.Errorf("Flask checked %d of %d cookies:\n%s", n, len(goCookies), out)
	}
}

func sharedCurrentKeyOnly(t testing.TB, v flaskVectors) *flask.SharedManager {
	v.Fallbacks = nil
	return sharedInterface(t, v, nil)
}

// The vectors signed with the fallbacks need them, as in Flask: without
// the fallbacks they do not open, and a fresh session begins.
func TestFlaskVectorsNeedTheirKeys(t *testing.T) {
	v := loadFlaskVectors(t)
	var log errorLog
	cur := sharedInterface(t, flaskVectors{Key: v.Key, Timestamp: v.Timestamp}, &log)
	for _, vec := range v.Vectors {
		s := openCookie(t, cur, vec.Cookie)
		if opened := !s.IsNew(); opened != (vec.SignedWith == v.Key) {
			t.Errorf("%s (signed with %q) opened %v under the current key alone", vec.Name, vec.SignedWith, opened)
		}
		if errs := log.take(); vec.SignedWith != v.Key && (len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieInvalid)) {
			t.Errorf("%s: reported %v; want ErrCookieInvalid", vec.Name, errs)
		}
	}
	// A day past the lifetime, every vector has expired, as in Flask.
	late := v
	late.Timestamp += int64(runtime.DefaultLifetime/time.Second) + 1
	old := sharedInterface(t, late, &log)
	for _, vec := range v.Vectors {
		if s := openCookie(t, old, vec.Cookie); !s.IsNew() {
			t.Errorf("%s opened after the lifetime", vec.Name)
		}
	}
	for _, err := range log.take() {
		if !errors.Is(err, runtime.ErrCookieExpired) {
			t.Errorf("after the lifetime: %v; want ErrCookieExpired", err)
		}
	}
}

// Flask's format binds neither the session type nor the cookie name into
// its MAC: only the salt "cookie-session" (Config.Salt replaces it). So a
// Flask cookie opens as any session type with the same keys, and under
// another cookie name, exactly as it does in Flask. (The wire format binds
// both: TestCookieOfOneSessionTypeOpensAsAnother.)
func TestFlaskFormatBindsNoSessionType(t *testing.T) {
	v := loadFlaskVectors(t)
	plain := v.Vectors[0]
	if plain.Name != "plain" {
		t.Fatalf("the first vector is %s", plain.Name)
	}
	// Another session type, testdata/basic's Scalars, under another
	// cookie name: the cookie opens (none of its keys are Scalars' fields).
	now := func() time.Time { return time.Unix(v.Timestamp, 0) }
	other, err := basic.NewScalarsManager(basic.ScalarsConfig{SecretKey: []byte(v.Key), CookieFormat: runtime.CookieFormatFlask, CookieName: "sid", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "sid="+plain.Cookie)
	if s, _ := other.OpenSession(r); s.IsNew() {
		t.Error("a Flask cookie made for flask.Shared does not open as basic.Scalars")
	}
	// With a salt of its own, Flask's cookie does not open.
	salted, err := flask.NewSharedManager(flask.SharedConfig{SecretKey: []byte(v.Key), CookieFormat: runtime.CookieFormatFlask, Salt: "other-app", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if s := openCookie(t, salted, plain.Cookie); !s.IsNew() {
		t.Error("a Flask cookie opened under another salt")
	}
}

// signFlask signs json as itsdangerous does for Flask (key derivation
// "hmac", HMAC-SHA1, salt cookie-session), compressed when asked: a cookie
// whose MAC verifies whatever it holds.
func signFlask(key string, json []byte, compress bool, at time.Time) string {
	if !compress {
		return signFlaskPayload(key, base64.RawURLEncoding.EncodeToString(json), at)
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(json)
	zw.Close()
	return signFlaskPayload(key, "."+base64.RawURLEncoding.EncodeToString(buf.Bytes()), at)
}

// signFlaskPayload signs the payload part of a Flask cookie as it is.
func signFlaskPayload(key, payload string, at time.Time) string {
	ts := at.Unix()
	var be []byte
	for i := 7; i >= 0; i-- {
		if b := byte(ts >> (8 * i)); b != 0 || len(be) > 0 {
			be = append(be, b)
		}
	}
	signed := payload + "." + base64.RawURLEncoding.EncodeToString(be)
	d := hmac.New(sha1.New, []byte(key))
	d.Write([]byte("cookie-session"))
	h := hmac.New(sha1.New, d.Sum(nil))
	h.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// A valid signature over hostile JSON: the session opens with the field
// that does not fit dropped (reported as a *FieldError), or, for a payload
// that is not a session at all, a fresh session (reported as ErrPayload).
// Never a panic, never a 500.
func TestFlaskHostilePayloads(t *testing.T) {
	v := loadFlaskVectors(t)
	var log errorLog
	si := sharedInterface(t, v, &log)
	at := time.Unix(v.Timestamp, 0)
	deep := strings.Repeat(`[`, 100_000) + strings.Repeat(`]`, 100_000)
	for _, c := range []struct {
		name, json string
		fresh      bool     // the whole session refused
		dropped    []string // fields dropped
		check      func(s *flask.SharedSession) bool
	}{
		{"deep nesting", `{"tags":` + deep + `}`, true, nil, nil},
		{"nesting past the parser's depth", `{"tags":` + strings.Repeat(`[`, 1000) + strings.Repeat(`]`, 1000) + `}`, true, nil, nil},
		{"deep nesting in an unknown key", `{"zzz":` + deep + `,"username":"a"}`, true, nil, nil},
		{"deep objects", `{"prefs":` + strings.Repeat(`{"a":`, 50_000) + `1` + strings.Repeat(`}`, 50_000) + `}`, true, nil, nil},
		{"a huge integer", `{"user_id":1` + strings.Repeat("0", 400) + `,"username":"a"}`, false, []string{"user_id"}, func(s *flask.SharedSession) bool { return s.Username() == "a" }},
		{"2**64", `{"user_id":18446744073709551616}`, false, []string{"user_id"}, nil},
		{"a huge float", `{"user_id":1e400}`, false, []string{"user_id"}, nil},
		{"NaN for an int", `{"visits":NaN,"username":"a"}`, false, []string{"visits"}, nil},
		{"a float for an int", `{"visits":1.5}`, false, []string{"visits"}, nil},
		{"a string for an int", `{"visits":"7"}`, false, []string{"visits"}, nil},
		{"null", `{"username":null}`, false, []string{"username"}, nil},
		{"a UUID tag with bad hex", `{"token":{" u":"zz"}}`, false, []string{"token"}, nil},
		{"a UUID tag holding a number", `{"token":{" u":5}}`, false, []string{"token"}, nil},
		{"a date tag that is no date", `{"last_seen":{" d":"yesterday"}}`, false, []string{"last_seen"}, nil},
		{"a bytes tag with bad base64", `{"avatar":{" b":"!!!"}}`, false, []string{"avatar"}, nil},
		{"a tuple of three for [2]int", `{"point":{" t":[1,2,3]}}`, false, []string{"point"}, nil},
		{"a tuple tag for a string", `{"username":{" t":["a"]}}`, false, []string{"username"}, nil},
		{"an unknown tag", `{"prefs":{" x":"y"}}`, false, nil, func(s *flask.SharedSession) bool { return s.Prefs()[" x"] == "y" }},
		{"duplicate keys: the last wins", `{"username":"first","username":"last"}`, false, nil, func(s *flask.SharedSession) bool { return s.Username() == "last" }},
		{"a lone surrogate", `{"username":"\ud800"}`, false, nil, nil},
		{"flashes that are not a list", `{"_flashes":"x","username":"a"}`, false, nil, func(s *flask.SharedSession) bool { return s.Username() == "a" }},
		{"a flash of one item", `{"_flashes":[{" t":["only"]}],"username":"a"}`, false, nil, func(s *flask.SharedSession) bool { return s.Username() == "a" }},
		{"permanent that is not a bool", `{"_permanent":"yes","username":"a"}`, false, nil, func(s *flask.SharedSession) bool { return s.Username() == "a" }},
		{"a list, not an object", `[1,2]`, true, nil, nil},
		{"null, not an object", `null`, true, nil, nil},
		{"a string", `"x"`, true, nil, nil},
		{"trailing garbage", `{"username":"a"} x`, true, nil, nil},
		{"not UTF-8", "{\"username\":\"\xff\"}", true, nil, nil},
		{"empty", ``, true, nil, nil},
		{"a wire-format payload", "\x01\x00\x08username\x05alice", true, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, compress := range []bool{false, true} {
				value := signFlask(v.Key, []byte(c.json), compress, at)
				if len("session=")+len(value) > runtime.MaxCookieSize {
					continue // refused by its length; compressed, it is read
				}
				s := openCookie(t, si, value)
				errs := log.take()
				if c.fresh {
					if !s.IsNew() || len(errs) != 1 || !errors.Is(errs[0], runtime.ErrPayload) {
						t.Errorf("new %v, reported %v; want a fresh session and ErrPayload", s.IsNew(), errs)
					}
					continue
				}
				if s.IsNew() {
					t.Fatalf("refused as a whole: %v", errs)
				}
				var dropped []string
				for _, err := range errs {
					var fe *runtime.FieldError
					if !errors.As(err, &fe) || !errors.Is(err, wire.ErrMismatch) {
						t.Errorf("reported %v; want *FieldErrors only", err)
						continue
					}
					dropped = append(dropped, fe.Key)
				}
				if !slices.Equal(dropped, c.dropped) {
					t.Errorf("dropped %v; want %v", dropped, c.dropped)
				}
				if c.check != nil && !c.check(s) {
					t.Errorf("the rest of the session is wrong: %+v", fields(s))
				}
			}
		})
	}
}

// The two formats do not read each other's cookies: each is a bad cookie
// to the other, and the request goes on with a fresh session.
func TestFlaskAndWireFormatsApart(t *testing.T) {
	key := []byte("k3Xq9vL2mP7wR4tY8uB1nC6zD0aE5fGh")
	var log errorLog
	wireSI, err := flask.NewSharedManager(flask.SharedConfig{SecretKey: key, OnError: log.onError})
	if err != nil {
		t.Fatal(err)
	}
	flaskSI, err := flask.NewSharedManager(flask.SharedConfig{SecretKey: key, CookieFormat: runtime.CookieFormatFlask, OnError: log.onError})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(si *flask.SharedManager) string {
		s := openCookie(t, si, "")
		s.SetUsername("alice")
		s.Flash("hello")
		c, err := si.Cookie(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		return c.Value
	}
	for _, c := range []struct {
		name     string
		from, to *flask.SharedManager
	}{{"wire to flask", wireSI, flaskSI}, {"flask to wire", flaskSI, wireSI}} {
		v := mint(c.from)
		if s := openCookie(t, c.from, v); s.IsNew() || s.Username() != "alice" {
			t.Fatalf("%s: the cookie does not open where it was made", c.name)
		}
		log.take()
		if s := openCookie(t, c.to, v); !s.IsNew() || s.HasUsername() {
			t.Errorf("%s: opened", c.name)
		}
		if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieInvalid) {
			t.Errorf("%s: reported %v; want ErrCookieInvalid", c.name, errs)
		}
	}
}

// A cookie a browser could carry (3 KB) that inflates to megabytes is
// refused as a whole (ErrPayload), cheaply.
func TestFlaskDecompressionBombInACookie(t *testing.T) {
	v := loadFlaskVectors(t)
	var log errorLog
	si := sharedInterface(t, v, &log)
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write([]byte(`{"note":"`))
	as := bytes.Repeat([]byte("a"), 1<<20)
	for range 2 {
		zw.Write(as)
	}
	zw.Write([]byte(`"}`))
	zw.Close()
	value := signFlaskPayload(v.Key, "."+base64.RawURLEncoding.EncodeToString(buf.Bytes()), time.Unix(v.Timestamp, 0))
	if len("session")+len(value) > runtime.MaxCookieSize {
		t.Fatalf("the bomb takes %d bytes: more than a browser keeps", len(value))
	}
	s := openCookie(t, si, value)
	if errs := log.take(); !s.IsNew() || len(errs) != 1 || !errors.Is(errs[0], runtime.ErrPayload) {
		t.Errorf("a 2 MB bomb in %d bytes: new %v, reported %v; want a fresh session and ErrPayload", len(value), s.IsNew(), errs)
	}
}

// FuzzFlaskCookie drives the Flask format's whole read path (signer,
// inflation, tagged JSON, the generated decoder) with two inputs: a raw
// cookie value, and a JSON payload signed with the key (so that it gets
// past the MAC), compressed or not. It must never panic; what opens must
// write back into a cookie that opens to the same session.
func FuzzFlaskCookie(f *testing.F) {
	v := loadFlaskVectors(f)
	for _, vec := range v.Vectors {
		f.Add(vec.Cookie, []byte(vec.JSON), vec.Compressed)
	}
	f.Add("", []byte(`{"tags":[[[[]]]]}`), false)
	f.Add("x.y.z", []byte(`{"point":{" t":[1,{" t":[2]}]},"prefs":{" di":{" u__":"a"}}}`), true)
	f.Add("..", []byte(`{"_flashes":[{" t":["a","b"]},["c","d"]],"_permanent":true}`), false)
	si := sharedInterface(f, v, nil)
	at := time.Unix(v.Timestamp, 0)
	f.Fuzz(func(t *testing.T, raw string, js []byte, compress bool) {
		openCookie(t, si, raw)
		s := openCookie(t, si, signFlask(v.Key, js, compress, at))
		if s.IsNew() {
			return
		}
		first := fields(s)
		// Flashes popped them: put them back to write the same session.
		for _, fl := range first.Flashes {
			s.FlashCategory(fl.Category, fl.Message)
		}
		c, err := si.Cookie(nil, s)
		if err != nil {
			if errors.Is(err, runtime.ErrCookieTooLarge) {
				return
			}
			if first.Has == nil && first.Flashes == nil && !first.Permanent {
				return // an empty session sets no cookie
			}
			t.Fatalf("writing back %+v: %v", first, err)
		}
		again := openCookie(t, si, c.Value)
		if again.IsNew() {
			t.Fatalf("Go's cookie of %q does not open", js)
		}
		if second := fields(again); !reflect.DeepEqual(first, second) {
			t.Fatalf("%q read back differently:\n %+v\n %+v", js, first, second)
		}
	})
}

// The verified cache holds Flask cookies too (the signer shows their date):
// a cookie sent again unchanged is found there, and its age is still
// checked on every hit, as Flask checks it on every request.
func TestFlaskVerifiedCache(t *testing.T) {
	v := loadFlaskVectors(t)
	now := time.Unix(v.Timestamp, 0)
	var log errorLog
	si, err := flask.NewSharedManager(flask.SharedConfig{SecretKey: []byte(v.Key), CookieFormat: runtime.CookieFormatFlask,
		Now: func() time.Time { return now }, OnError: log.onError})
	if err != nil {
		t.Fatal(err)
	}
	everything := v.Vectors[12]
	if everything.Name != "everything" {
		t.Fatalf("vector 12 is %s", everything.Name)
	}
	want := wantFields("everything")
	for i := range 4 {
		if got := fields(openCookie(t, si, everything.Cookie)); !reflect.DeepEqual(got, want) {
			t.Fatalf("request %d read %+v", i+1, got)
		}
	}
	if st := si.VerifiedCacheStats(); st.Hits < 2 || st.Entries != 1 {
		t.Errorf("cache stats %+v; want the cookie remembered and found", st)
	}
	now = now.Add(runtime.DefaultLifetime + time.Second)
	if s := openCookie(t, si, everything.Cookie); !s.IsNew() {
		t.Error("a remembered cookie opened after its lifetime")
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieExpired) {
		t.Errorf("reported %v; want ErrCookieExpired", errs)
	}
}

// A session shared with a Flask app holds the app's own keys (Flask-Login's
// _user_id and _fresh, Flask-WTF's csrf_token, a tuple, bytes, a nested
// dict): when Go changes the session and saves it, they go back into the
// cookie as Flask would write them, so the Flask app keeps its login. A
// clear drops them, as Flask's session.clear() does.
func TestFlaskKeepsTheAppsKeys(t *testing.T) {
	v := loadFlaskVectors(t)
	si := sharedInterface(t, v, nil)
	theirs := `"_fresh":true,"_user_id":"42","csrf_token":"abc\u00e9","extra":{" t":[1,{" b":"AAE="}]},"nested":{"a":[{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}],"b":{" di":{" t__":1}}}`
	in := `{` + theirs + `,"username":"ada"}`
	cookie := signFlask(v.Key, []byte(in), false, time.Unix(v.Timestamp, 0))
	s := openCookie(t, si, cookie)
	if s.Username() != "ada" {
		t.Fatalf("username %q", s.Username())
	}
	s.SetVisits(3)
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if err := si.SaveSession(w, r, s); err != nil {
		t.Fatal(err)
	}
	var value string
	for _, c := range w.Result().Cookies() {
		value = c.Value
	}
	got, _ := cookieJSON(t, value)
	if want := `{` + theirs + `,"username":"ada","visits":3}`; got != want {
		t.Errorf("saved\n%s\nwant\n%s", got, want)
	}
	s = openCookie(t, si, value)
	s.Clear()
	s.SetUsername("bob")
	w = httptest.NewRecorder()
	if err := si.SaveSession(w, r, s); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		value = c.Value
	}
	if got, _ := cookieJSON(t, value); got != `{"username":"bob"}` {
		t.Errorf("after Clear: %s", got)
	}
}
