package runtime

import (
	"bytes"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// FlaskMarshal and FlaskUnmarshal run the Flask encoding (payload_flask.go)
// alone, for the tests of package runtime_test.

func FlaskMarshal[S any](c sessionimpl.Codec[S], s *S) ([]byte, error) {
	var sc scratch
	p, err := flaskEncoding{eraseCodec(c)}.marshal(&sc, session{s, c.State(s).Meta()})
	return bytes.Clone(p), err
}

func FlaskUnmarshal[S any](c sessionimpl.Codec[S], s *S, payload []byte) ([]error, error) {
	var sc scratch
	return flaskEncoding{eraseCodec(c)}.unmarshal(&sc, session{s, c.State(s).Meta()}, payload)
}

// flaskSignerFor returns the Flask signer New makes for s.
func flaskSignerFor(s *settings) *flaskSigner {
	salt := s.Salt
	if salt == "" {
		salt = s.format.salt
	}
	sg, _ := newFlaskSigner(&s.Config, salt)
	return sg.(*flaskSigner)
}
