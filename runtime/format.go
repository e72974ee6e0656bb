package runtime

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// cookieFormat is one row of the table of cookie formats: everything about
// a format that the rest of the runtime asks, so that configuration, the
// environment loader and New read one place, and adding a format is adding
// a row (docs/cookie-formats.md), with a signer and an encoding, in files
// of its own. The core knows no format by name.
type cookieFormat struct {
	name CookieFormat
	// about says what the format is, for error messages and the docs.
	about string
	// isDefault marks the format an empty Config.CookieFormat means.
	isDefault bool
	// aheadSkew is how far ahead of the clock, in seconds, a cookie of
	// the format may be dated and still open (see checkCookieAge).
	aheadSkew int64
	// salt is what the signer binds when Config.Salt is empty; empty
	// means the session type's name.
	salt string
	// keyHint, if not empty, ends the error for a secret key too short
	// for this side, for a format whose other side accepts short keys.
	keyHint string
	// check refuses what the format cannot carry in a validated Config
	// (nil: it carries all of it).
	check func(c *Config) error
	// signer returns what seals and unseals cookie values, with the keys
	// of the validated Config c and the salt settled from Config.Salt and
	// the row's.
	signer func(c *Config, salt string) (signer, error)
	// encoding returns how sessions of the codec become payloads, or a
	// *ConfigError when the generated code lacks what the format needs.
	encoding func(c *codec) (encoding, error)
}

// signer turns a payload into a cookie value and back. A signer only seals
// and unseals: it reports the date a value carries and never judges it, so
// that one rule (checkCookieAge, age.go) decides for every format, whether
// the value is unsealed afresh or found in a verified cache.
type signer interface {
	// seal appends the cookie value of payload for the cookie name to dst,
	// which must not be sc.buf; now is the date it carries.
	seal(sc *scratch, dst []byte, name string, payload []byte, now time.Time) ([]byte, error)
	// open verifies value and returns its payload, which may alias sc, and
	// the date it was sealed (Unix seconds), unchecked. A value with bytes
	// net/http refuses in a cookie (see validCookieValue) gets
	// errNotCookieValue: such a cookie is ignored, as net/http ignores it.
	open(sc *scratch, name, value string) (payload []byte, date int64, err error)
}

// encoding is how a session becomes the bytes storage keeps: the framing of
// its metadata (the permanent flag, flashes, creation time) and of its
// fields, which the generated code writes.
type encoding interface {
	// marshal returns s's payload, which may alias sc.
	marshal(sc *scratch, s session) ([]byte, error)
	// unmarshal fills the zero session s from payload. A structurally
	// broken payload is an error (the session is then discarded, and the
	// caller wraps it in ErrPayload); a field whose stored value no longer
	// fits is dropped and returned as a *FieldError in dropped, and the
	// rest is kept.
	unmarshal(sc *scratch, s session, payload []byte) (dropped []error, err error)
	// field returns the top-level field key of a payload as text (a
	// string as it is, an integer in decimal), or "" if it is absent or of
	// another type, without decoding the session: server-side sessions
	// are indexed by user with it (Config.UserKey).
	field(payload []byte, key string) string
}

// errNoEncoding is the encoding constructors' error for generated code
// that lacks what the format needs (an older release's).
func errNoEncoding(format string) error {
	return &ConfigError{Field: "CookieFormat", Err: ErrCookieConfig, Hint: "the session type's generated code has no " + format + " encoding: regenerate it with this release's sessiongen (go generate ./...)"}
}

// A merger is an encoding that can merge concurrent changes of one
// session (Config.Concurrency): given the payload a request loaded (base),
// the one committed since (theirs), the one the request would commit (ours)
// and what the request read and wrote, it returns theirs with the
// request's writes applied, or the keys of the fields the request read
// that theirs changed (a true conflict; with lastWriterWins, reads do not
// count). fields gives each field's index by its key.
type merger interface {
	merge(base, theirs, ours []byte, m *sessionimpl.Meta, fields fieldIndex, lastWriterWins bool) (merged []byte, conflicts []string, err error)
}

// formats is the table, filled by each format's file (registerFormat), in
// the order of their files' names; formatOrder keeps that order for
// messages.
var (
	formats     = map[CookieFormat]*cookieFormat{}
	formatOrder []CookieFormat
)

// registerFormat adds a row to the table. Called from the init of the
// format's file; a test may add a format of its own the same way.
func registerFormat(f *cookieFormat) {
	if _, dup := formats[f.name]; dup || f.name == "" || f.signer == nil || f.encoding == nil {
		panic(fmt.Sprintf("sessiongen: cookie format %q registered twice or incomplete", f.name))
	}
	formats[f.name] = f
	formatOrder = append(formatOrder, f.name)
}

// formatNamed returns the row of the format name; empty means the
// default format.
func formatNamed(name CookieFormat) (*cookieFormat, error) {
	if f, ok := formats[name]; ok {
		return f, nil
	}
	if name == "" {
		for _, f := range formats {
			if f.isDefault {
				return f, nil
			}
		}
	}
	var use []string
	for _, n := range formatOrder {
		f := formats[n]
		if f.isDefault {
			use = slices.Insert(use, 0, fmt.Sprintf("%q (the default: %s)", f.name, f.about))
		} else {
			use = append(use, fmt.Sprintf("%q (%s)", f.name, f.about))
		}
	}
	return nil, fmt.Errorf("%q is not a cookie format: use %s", name, strings.Join(use, " or "))
}

// ParseCookieFormat reads a cookie format as SESSION_COOKIE_FORMAT spells
// it: "wire" or "flask" (case-insensitive); empty means "wire".
func ParseCookieFormat(s string) (CookieFormat, error) {
	f, err := formatNamed(CookieFormat(strings.ToLower(strings.TrimSpace(s))))
	if err != nil {
		return "", err
	}
	return f.name, nil
}
