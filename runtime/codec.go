package runtime

import (
	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// codec is a generated type's sessionimpl.Codec with the session type
// erased, as the seams below the Interface see it: storage and encodings
// are written once, not once per session type, and the cookie formats'
// table holds them. Each function takes the *S as an any: a pointer fits
// an interface value, so passing one allocates nothing.
type codec struct {
	keys []string // the fields' session keys, by index
	// The generated encoders and decoders, nil when the generated code
	// has none (an older release).
	encode            func(s any, e *wire.Encoder) error
	decodeEntry       func(s any, key []byte, d *wire.Decoder) error
	encodeFlask       func(s any, e *flaskjson.Encoder) error
	decodeFlaskMember func(s any, key string, v flaskjson.Value) error
	// newSession and copy are nil when the generated code has no Copy:
	// decoded sessions cannot be remembered then.
	newSession func() any
	copy       func(dst, src any)
}

// eraseCodec returns c with the session type erased.
func eraseCodec[S any](c sessionimpl.Codec[S]) *codec {
	ec := &codec{
		keys: c.Keys,
	}
	if c.Encode != nil && c.DecodeEntry != nil {
		ec.encode = func(s any, e *wire.Encoder) error { return c.Encode(s.(*S), e) }
		ec.decodeEntry = func(s any, key []byte, d *wire.Decoder) error { return c.DecodeEntry(s.(*S), key, d) }
	}
	if c.EncodeFlask != nil && c.DecodeFlaskMember != nil {
		ec.encodeFlask = func(s any, e *flaskjson.Encoder) error { return c.EncodeFlask(s.(*S), e) }
		ec.decodeFlaskMember = func(s any, key string, v flaskjson.Value) error { return c.DecodeFlaskMember(s.(*S), key, v) }
	}
	if c.Copy != nil {
		ec.newSession = func() any { return new(S) }
		ec.copy = func(dst, src any) { c.Copy(dst.(*S), src.(*S)) }
	}
	return ec
}

// fieldIndex finds a field's index by its session key.
type fieldIndex map[string]int

func newFieldIndex(keys []string) fieldIndex {
	index := make(fieldIndex, len(keys))
	for i, k := range keys {
		index[k] = i
	}
	return index
}

// session is one request's session as storage and encodings see it: the
// generated value (a *S) and its metadata.
type session struct {
	v any
	m *sessionimpl.Meta
}
