// Package gen generates the typed session code of a Go struct; it is the
// library behind the sessiongen command.
//
// Generate loads the user's packages with golang.org/x/tools/go/packages,
// checks each named struct and builds a model of what to emit (model.go,
// shape.go: the fields, their session keys, how each value is stored), then
// renders one file per struct with jennifer: the API and the session type
// (emit.go), each field's methods (emit_accessors.go), the deep copies and
// the Codec (emit_codec.go), and the encoder and decoder of each cookie
// format: one walk over the fields and their shapes (walk.go) that each
// format plugs its encoding into (emit_wire.go, emit_flask.go). names.go
// chooses the generated file's import names and refuses user declarations
// it would clash with.
//
// gen writes nothing: Generate returns the Files, or every problem found in
// the user's declarations, all rules checked on all fields in one run, as
// an ErrorList sorted by position whose every Error names its
// file:line:col (relative to Config.RelativeTo). Each file's first line
// names the command that regenerates it (Header, ParseHeader;
// Config.Invocation), which is how sessiongen -check finds generated files.
// Writing, checking and exit codes belong to cmd/sessiongen.
// Generated code calls the runtime package, which gen never imports.
package gen
