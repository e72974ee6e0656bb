package runtime

import "bytes"

// FlaskMarshal and FlaskUnmarshal run the Flask encoding (payload_flask.go)
// alone, for the tests of package runtime_test.

func FlaskMarshal[S any](c Codec[S], s *S) ([]byte, error) {
	var sc scratch
	p, err := flaskEncoding[S]{codec: c}.marshal(&sc, s)
	return bytes.Clone(p), err
}

func FlaskUnmarshal[S any](c Codec[S], s *S, payload []byte) ([]error, error) {
	var sc scratch
	return flaskEncoding[S]{codec: c}.unmarshal(&sc, s, payload)
}
