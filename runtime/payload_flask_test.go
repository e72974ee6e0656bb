package runtime_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// A session saved in the Flask format is the JSON Flask itself writes for
// the same session: the wants were made by Flask 3.1.3 with
//
//	python3 -c 'from flask import Flask; from flask.json.tag import TaggedJSONSerializer as T; app = Flask("x"); app.app_context().push(); print(T().dumps(SESSION))'
//
// (the first is also, byte for byte, the payload of the cookie a Flask app
// sets for session.permanent = True; session["name"] = "Ada";
// session["count"] = 42; flash("Hello"); flash("Bad é", "error")).
func TestFlaskPayloadIsFlasks(t *testing.T) {
	for _, c := range []struct {
		name string
		fill func(s *testsession.TestSession)
		want string
	}{
		{
			// {"_permanent": True, "_flashes": [("message", "Hello"), ("error", "Bad \u00e9")], "name": "Ada", "count": 42}
			name: "permanent, with flashes",
			fill: func(s *testsession.TestSession) {
				s.SetName("Ada")
				s.SetCount(42)
				s.SetPermanent(true)
				s.Flash("Hello")
				s.FlashCategory("error", "Bad é")
			},
			want: `{"_flashes":[{" t":["message","Hello"]},{" t":["error","Bad \u00e9"]}],"_permanent":true,"count":42,"name":"Ada"}`,
		},
		{
			// {"_permanent": False, "name": "\u00c5sa <b>"}
			name: "permanent set to false",
			fill: func(s *testsession.TestSession) {
				s.SetName("Åsa <b>")
				s.SetPermanent(false)
			},
			want: `{"_permanent":false,"name":"\u00c5sa <b>"}`,
		},
		{
			// {"count": 0}
			name: "no metadata",
			fill: func(s *testsession.TestSession) { s.SetCount(0) },
			want: `{"count":0}`,
		},
	} {
		var s testsession.TestSession
		c.fill(&s)
		got, err := runtime.FlaskMarshal(testsession.Codec, &s)
		if err != nil || string(got) != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.name, got, err, c.want)
		}
		var back testsession.TestSession
		dropped, err := runtime.FlaskUnmarshal(testsession.Codec, &back, got)
		if err != nil || dropped != nil || back.Name() != s.Name() || back.Count() != s.Count() ||
			back.HasName() != s.HasName() || back.HasCount() != s.HasCount() ||
			back.Permanent() != s.Permanent() || !reflect.DeepEqual(back.Flashes(), s.Flashes()) {
			t.Errorf("%s: read back %+v, %v, %v", c.name, back, dropped, err)
		}
	}
}

// What a Flask app stored opens: its fields, its permanent flag and
// flashes; its own keys read no field (the runtime keeps them, to write
// them back); a member that does not fit its field drops that field alone.
func TestFlaskPayloadOpensFlasks(t *testing.T) {
	var s testsession.TestSession
	dropped, err := runtime.FlaskUnmarshal(testsession.Codec, &s, []byte(
		`{"_flashes":[{" t":["message","Hello"]},{" t":["error",{" m":"<b>Bad</b>"}]},{" t":["x",1]},["info","as a list"]],`+
			`"_fresh":true,"_id":"abc","_permanent":true,"_user_id":"7","count":1180591620717411303424,"csrf_token":"t","name":"Ada"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "Ada" || !s.HasName() || s.HasCount() || !s.Permanent() {
		t.Errorf("opened %+v", s)
	}
	wantFlashes := []runtime.Flash{{Category: "message", Message: "Hello"}, {Category: "error", Message: "<b>Bad</b>"}, {Category: "info", Message: "as a list"}}
	if got := s.Flashes(); !reflect.DeepEqual(got, wantFlashes) {
		t.Errorf("flashes %v; want %v", got, wantFlashes)
	}
	var fe *runtime.FieldError
	if len(dropped) != 1 || !errors.As(dropped[0], &fe) || fe.Key != "count" || !errors.Is(dropped[0], wire.ErrMismatch) {
		t.Errorf("dropped %v; want count's mismatch", dropped)
	}

	// _permanent false is a stored flag, as Flask keeps it.
	s = testsession.TestSession{}
	if _, err := runtime.FlaskUnmarshal(testsession.Codec, &s, []byte(`{"_permanent":false}`)); err != nil || s.Permanent() {
		t.Fatalf("_permanent false: %v, permanent %v", err, s.Permanent())
	}
	if got, _ := runtime.FlaskMarshal(testsession.Codec, &s); string(got) != `{"_permanent":false}` {
		t.Errorf("_permanent false written back as %s", got)
	}
}

// A payload that is not a JSON object, or not JSON, is an error: the
// caller discards the session (ErrPayload).
func TestFlaskPayloadRefused(t *testing.T) {
	for _, in := range []string{``, `{`, `[1]`, `"s"`, `{" t":[1]}`, `{"name":"a"} x`, "{\"name\":\"\xff\"}"} {
		var s testsession.TestSession
		if _, err := runtime.FlaskUnmarshal(testsession.Codec, &s, []byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	var s testsession.TestSession
	if _, err := runtime.FlaskUnmarshal(testsession.Codec, &s, []byte(`{" di":{"name__":"a"}}`)); err != nil || s.Name() != "a" {
		t.Errorf("an escaped dict at the top: %v, %+v", err, s)
	}
	if _, err := runtime.FlaskUnmarshal(testsession.Codec, &s, []byte(`{`)); !errors.Is(err, flaskjson.ErrMalformed) {
		t.Errorf("malformed: %v; want ErrMalformed", err)
	}
}

// A Codec without the Flask methods (generated by an older sessiongen)
// cannot use the format: New refuses it, once, at start-up (the format's
// row in the table asks for them), so no request has to check again.
func TestFlaskPayloadNeedsTheCodec(t *testing.T) {
	for _, drop := range []func(c *sessionimpl.Codec[testsession.TestSession]){
		func(c *sessionimpl.Codec[testsession.TestSession]) { c.EncodeFlask = nil },
		func(c *sessionimpl.Codec[testsession.TestSession]) { c.DecodeFlaskMember = nil },
	} {
		c := testsession.Codec
		drop(&c)
		_, err := runtime.New(runtime.Config{SecretKey: keyA, CookieFormat: runtime.CookieFormatFlask}, c)
		var ce *runtime.ConfigError
		if !errors.As(err, &ce) || ce.Field != "CookieFormat" || !strings.Contains(ce.Hint, "go generate") {
			t.Errorf("New without the Flask encoding: %v; want a ConfigError on CookieFormat saying to regenerate", err)
		}
	}
}
