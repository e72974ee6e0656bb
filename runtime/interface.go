package runtime

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// Interface is Flask's SessionInterface for the session type S: the policy
// that opens a request's session (open.go) and saves it into the response
// (save.go), written once over the storage seam (storage.go: a signed
// cookie, or a Store with an ID in the cookie), itself built from a row of
// the table of cookie formats (format.go: a signer and an encoding). The
// methods that decide a request's cookie (policy.go), the operations on
// server-side sessions (ops.go) and the middleware (middleware.go) complete
// it. Its methods are safe for concurrent use; the sessions it opens belong
// to one request each.
type Interface[S any] struct {
	warned  atomic.Bool // ErrInsecureTransport was reported
	cfg     *settings
	codec   sessionimpl.Codec[S]
	policy  Policy[S]
	hooks   []AfterRequest[S]
	storage storage   // nil for null sessions: no secret key
	pool    sync.Pool // of *scratch
}

// An Option configures an Interface beyond its Config: what depends on the
// session type S.
type Option[S any] func(*Interface[S])

// WithPolicy overrides some of the methods of Flask's SessionInterface (see
// [Policy]). The policy is part of the Interface from then on: every way of
// serving a request with it honours the overrides.
func WithPolicy[S any](p Policy[S]) Option[S] {
	return func(si *Interface[S]) { si.policy = p }
}

// WithAfterRequest adds hooks that run after the handler and before the
// session is saved, in order (see [AfterRequest]).
func WithAfterRequest[S any](hooks ...AfterRequest[S]) Option[S] {
	return func(si *Interface[S]) { si.hooks = append(si.hooks, hooks...) }
}

// New validates cfg and returns an Interface for S, whose generated code
// gives codec. Every problem a request could hit because of the
// configuration is reported here, at start-up.
func New[S any](cfg Config, codec sessionimpl.Codec[S], opts ...Option[S]) (*Interface[S], error) {
	s, err := validateConfig(cfg)
	if err != nil {
		return nil, err
	}
	si := &Interface[S]{cfg: s, codec: codec}
	for _, o := range opts {
		o(si)
	}
	si.pool.New = func() any { return new(scratch) }
	if len(s.SecretKey) == 0 {
		return si, nil // null sessions
	}
	f := s.format
	salt := s.Salt
	if salt == "" {
		salt = f.salt
	}
	if salt == "" {
		salt = codec.Name
	}
	sg, err := f.signer(&s.Config, salt)
	if err != nil {
		return nil, err
	}
	c := eraseCodec(codec)
	enc, err := f.encoding(c)
	if err != nil {
		return nil, err
	}
	if s.Store != nil {
		si.storage = newStoreStorage(s, salt, sg, enc, c.keys)
	} else {
		si.storage = newCookieStorage(s, sg, enc, c)
	}
	return si, nil
}

// VerifiedCacheStats reports how the verified-cookie cache is doing (see
// Config.VerifiedCacheSize): for server-side sessions, the cache of
// verified session IDs. All zero when it is off.
func (si *Interface[S]) VerifiedCacheStats() VerifiedCacheStats {
	if si.storage == nil {
		return VerifiedCacheStats{}
	}
	return si.storage.cacheStats()
}

// meta returns the metadata of s.
func (si *Interface[S]) meta(s *S) *sessionimpl.Meta { return si.codec.State(s).Meta() }

// view returns s as storage and encodings see it.
func (si *Interface[S]) view(s *S) session { return session{v: s, m: si.meta(s)} }

func (si *Interface[S]) report(r *http.Request, err error) {
	if si.cfg.OnError != nil {
		si.cfg.OnError(r, err)
	}
}
