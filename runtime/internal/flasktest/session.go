// Package flasktest ports Flask's own session tests (tests/test_basic.py and
// tests/test_reqctx.py of pallets/flask) to sessiongen: the same scenarios
// and assertions, through the generated middleware, an httptest server and a
// real cookie jar. Where sessiongen deliberately does better (typed values,
// refusing oversized cookies), the test asserts the better behaviour and says
// so.
package flasktest

import "time"

//go:generate go tool sessiongen -type=Flask

// Flask holds the keys Flask's tests store; Flask's sessions are untyped, so
// each key gets the type its test stores in it.
type Flask struct {
	Value   string `session:"value"`
	Testing int    `session:"testing"`
	A       int    `session:"a"`
	Test    string `session:"test"`
	Foo     int    `session:"foo"`
	UserID  int    `session:"user_id"`

	// test_session_special_types
	Tuple   []int     `session:"t"`
	Bytes   []byte    `session:"b"`
	Markup  string    `session:"m"`
	UUID    string    `session:"u"`
	Date    time.Time `session:"d"`
	TTag    string    `session:"t_tag"`
	DiTTag  string    `session:"di_t_tag"`
	DiTag   string    `session:"di_tag"`
	Counter int       `session:"test_int"`
}
