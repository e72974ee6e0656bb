package runtime

import "github.com/sessiongen/sessiongen/runtime/sessionimpl"

// Payload is the payload encoding of a cookie format (its row in the table
// of formats, format.go) for the sessions of one codec, with a scratch of
// its own: the encoding alone, without the signing or the cookie, for the
// tests and benchmarks of package runtime_test.
type Payload[S any] struct {
	c   sessionimpl.Codec[S]
	enc encoding
	sc  scratch
}

// NewPayload returns the payload encoding of format for c.
func NewPayload[S any](format CookieFormat, c sessionimpl.Codec[S]) (*Payload[S], error) {
	f, err := formatNamed(format)
	if err != nil {
		return nil, err
	}
	enc, err := f.encoding(eraseCodec(c))
	if err != nil {
		return nil, err
	}
	return &Payload[S]{c: c, enc: enc}, nil
}

// Marshal returns s's payload, which may alias the Payload's scratch: the
// next call may overwrite it.
func (p *Payload[S]) Marshal(s *S) ([]byte, error) {
	return p.enc.marshal(&p.sc, session{s, p.c.State(s).Meta()})
}

// Unmarshal fills the zero session s from payload, as opening a cookie
// does: see encoding.unmarshal.
func (p *Payload[S]) Unmarshal(s *S, payload []byte) (dropped []error, err error) {
	return p.enc.unmarshal(&p.sc, session{s, p.c.State(s).Meta()}, payload)
}
