package runtime

import (
	"crypto/sha256"
	"hash"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// scratch is the memory one request's save or open works in, pooled by the
// Interface so that a request allocates as little as possible. Each
// format's signer and encoding use the parts they need.
type scratch struct {
	enc  wire.Encoder
	dec  wire.Decoder
	buf  []byte      // the signer's
	line []byte      // the Set-Cookie line
	macs []hash.Hash // one HMAC state per key, for the signer
	sum  [sha256.Size]byte

	// Between a storage's verify and load: the payload verify unsealed
	// (aliasing buf) and its date, or restored true when verify found the
	// session decoded in the verified cache; hash is the value's hash
	// there.
	payload  []byte
	date     int64
	restored bool
	hash     uint64

	// A save that met a concurrent change says so here, for
	// Config.OnConcurrentChange.
	change    ConcurrentChange
	changeSet bool
}
