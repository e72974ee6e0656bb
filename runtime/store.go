package runtime

import (
	"context"
	"errors"
	"time"
)

// Store keeps the records of server-side sessions (Config.Store): the
// cookie then carries only a signed session ID, and the session's bytes (the
// same wire payload a cookie session carries) live in the store under a key
// derived from that ID. runtime/memstore and runtime/redisstore implement
// it; runtime/storetest is the conformance suite any implementation must
// pass.
//
// Keys are opaque strings chosen by the runtime (a prefix and the SHA-256 of
// the session ID, so a dump of the store holds no live cookie). Every method
// takes the request's context and must honour its cancellation. An error
// that is not ErrNotFound or ErrConflict should wrap ErrStoreUnavailable
// when the store could not be reached, so the middleware can answer 503.
// Implementations must be safe for concurrent use.
type Store interface {
	// Find returns the record under key, or ErrNotFound if there is none
	// or it has expired: expiry is enforced on every read, not only by a
	// sweeper or the server's TTL.
	Find(ctx context.Context, key string) (Record, error)
	// Commit writes rec under key, only if the record there is still at
	// version prev: prev 0 means there must be no live record under key.
	// Otherwise it returns ErrConflict and changes nothing, so a request
	// that loaded a session before a logout can never bring it back. The
	// record is written whole, with rec.Version (the caller's prev+1) and
	// rec.Expires; if rec.User is set, key is added to that user's index
	// (see DeleteUser).
	Commit(ctx context.Context, key string, prev uint64, rec Record) error
	// Touch moves the expiry of the record under key to expires, only if it
	// is still at version; the data is not rewritten. It returns
	// ErrNotFound or ErrConflict when the record is gone or has changed.
	Touch(ctx context.Context, key string, version uint64, expires time.Time) error
	// Delete removes the record under key. Removing an absent record is not
	// an error.
	Delete(ctx context.Context, key string) error
	// DeleteUser removes every record indexed under user and the index
	// itself, and returns how many live records it removed.
	DeleteUser(ctx context.Context, user string) (int, error)
}

// Record is one server-side session as a Store keeps it.
type Record struct {
	Data    []byte    // the session's payload
	Version uint64    // 1 for a new record, one more at each Commit
	Expires time.Time // when the record dies unless touched or committed again
	User    string    // the user the record is indexed under, "" for none
}

// Errors of a Store.
var (
	// ErrNotFound: no live record under the key.
	ErrNotFound = errors.New("sessiongen: no session record")
	// ErrConflict: the record changed, or was deleted, since it was
	// loaded; nothing was written.
	ErrConflict = errors.New("sessiongen: the session record changed or was deleted since this request loaded it")
	// ErrStoreUnavailable: the store could not be reached. Stores wrap
	// their transport errors with it.
	ErrStoreUnavailable = errors.New("sessiongen: session store unavailable")
)
