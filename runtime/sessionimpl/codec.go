package sessionimpl

import (
	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// Codec binds a generated session type S to the runtime. The generated file
// fills one in; nothing else needs to.
type Codec[S any] struct {
	// Name is the session type's name. It is bound into every cookie's
	// MAC, beside the cookie name, so that a cookie minted for one session
	// type never opens as another that shares its cookie name and keys.
	Name string
	// Keys are the session keys of the fields, by the index the generated
	// code records reads and writes with (State.Read, State.Write).
	Keys []string
	// State returns the session's metadata.
	State func(*S) *State
	// Empty reports whether no field of the session holds a value.
	Empty func(*S) bool
	// Encode writes every present field as an entry. It fails only when a
	// field's own MarshalText or MarshalJSON does.
	Encode func(*S, *wire.Encoder) error
	// DecodeEntry reads the entry at d into the field with that key, if
	// any. It returns an error matching wire.ErrMismatch when the stored
	// value no longer fits the field; the field stays absent.
	DecodeEntry func(s *S, key []byte, d *wire.Decoder) error
	// EncodeFlask writes every present field as a member of the session's
	// object in Flask's tagged JSON (see runtime/flaskjson), keyed by its
	// session key and valued as Flask would write the same Python value: a
	// []byte as " b" bytes, a time.Time as a " d" datetime, a [16]byte
	// whose type's name ends in UUID as a " u" UUID, a slice as a list. It
	// fails only when a field's own MarshalText or MarshalJSON does; a
	// value Flask cannot hold (a time outside the years 1 to 9999) is the
	// Encoder's error (flaskjson.Encoder.Err).
	EncodeFlask func(*S, *flaskjson.Encoder) error
	// DecodeFlaskMember reads one member of Flask's session object into
	// the field with that session key; keys of no field are ignored. It
	// returns an error matching wire.ErrMismatch when the value does not
	// fit the field; the field stays absent.
	DecodeFlaskMember func(s *S, key string, v flaskjson.Value) error
	// Copy copies the fields of src and their presence to dst, deeply: the
	// two share no memory afterwards. The State is not copied. With Copy
	// nil, verified cookies are not remembered (Config.VerifiedCacheSize).
	Copy func(dst, src *S)
}
