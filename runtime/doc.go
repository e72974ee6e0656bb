// Package runtime is what sessiongen's generated code calls: everything about
// sessions that does not depend on the user's struct, written and tested
// once. Applications do not import it: what they name (Config, the errors,
// the formats, the Store contract) is declared in the package sessiongen at
// the module's root, and aliased here for the runtime's own code and for
// generated code. What only generated code calls is fenced off in
// runtime/sessionimpl.
//
// The centre is [Interface], Flask's SessionInterface: the policy that opens
// a request's session (open.go) and saves it into the response (save.go),
// the per-request decisions an application may override (policy.go,
// [Policy]), the operations on server-side sessions (ops.go), and the
// net/http middleware with its exported request lifecycle for other
// frameworks (middleware.go, writer.go). The core is written once over
// one seam and one table, and names no implementation of either:
//
//   - storage (storage.go): where a session is kept between requests,
//     found from the request's cookie, with its verified cache: the signed
//     cookie itself (cookiestorage.go), or a Store with a signed ID in the
//     cookie (storestorage.go, storekeys.go).
//   - the table of cookie formats (format.go): per format, a signer that
//     seals and unseals cookie values and reports their date, an encoding
//     from a session to bytes and back, what the format refuses in a
//     Config, and how far ahead of the clock its cookies may be dated.
//     Each format registers its row from files of its own: the wire format
//     (format_wire*.go: securecookie's format, HMAC-SHA256 and optionally
//     AES, over the generated wire codec) and Flask's (format_flask*.go:
//     itsdangerous over Flask's tagged JSON). Adding a format is described
//     in docs/cookie-formats.md.
//
// Below both: the scratch memory of a request (scratch.go), the generated
// code's Codec with its type erased (codec.go), the date rule (age.go), the
// verified cache (verified.go). Configuration and its validation live in
// config.go and env.go.
package runtime
