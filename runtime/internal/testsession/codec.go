package testsession

// Codec and VisitorCodec are the generated codecs, exported for the tests
// that hand a codec to the runtime themselves (runtime.New,
// runtime.FlaskMarshal) or reach a session's State the way the runtime
// does (Codec.State).
var (
	Codec        = testCodec
	VisitorCodec = visitorCodec
)
