// Package runtime is what sessiongen's generated code calls: everything about
// sessions that does not depend on the user's struct, written and tested
// once. Users rarely import it: the generated file re-exports what they
// configure.
//
// The centre is [Interface], Flask's SessionInterface: the policy that opens
// a request's session and saves it into the response (interface.go), the
// per-request decisions an application may override (policy.go, [Policy]),
// and the net/http middleware with its exported request lifecycle for other
// frameworks (middleware.go, writer.go). The policy is written once over
// two seams:
//
//   - storage (storage.go): where a session's bytes are kept between
//     requests, found from the request's cookie. The first implementation
//     is the signed cookie itself (signer.go, mac.go: securecookie's
//     format, HMAC-SHA256 and optionally AES); a server-side store is the
//     second, with an ID in the cookie.
//   - encoding (payload.go): how a session becomes bytes and back: the
//     framing of its metadata (permanent flag, flashes, creation time) and
//     its fields, which generated code writes through runtime/wire without
//     reflection. Flask's own cookie format is the second.
//
// Between them sits the verified cache (verified.go): decoded sessions
// remembered under what storage says identifies an unchanged payload.
// Configuration and its validation live in config.go and env.go; the
// per-session flags in state.go.
package runtime
