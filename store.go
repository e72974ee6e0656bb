package sessiongen

import (
	"time"

	"github.com/sessiongen/sessiongen/store"
)

// Store keeps server-side sessions (Config.Store): runtime/memstore,
// runtime/redisstore, runtime/pgstore, or your own (go doc
// github.com/sessiongen/sessiongen/store Store).
type Store = store.Store

// Device is what a store keeps of the browser a session serves.
type Device = store.Device

// Errors of a store, as requests meet them: ErrStoreUnavailable is a 503,
// ErrConflict a 409 (see Config.ErrorHandler); ErrNotFound is a record
// that is gone.
var (
	ErrNotFound         = store.ErrNotFound
	ErrConflict         = store.ErrConflict
	ErrStoreUnavailable = store.ErrStoreUnavailable
)

// MaxUserAgentLen is the most bytes of a User-Agent header a record keeps
// (Config.RecordDevices).
const MaxUserAgentLen = 256

// UserSession is one live server-side session of a user, as
// Interface.ListUser lists it.
type UserSession struct {
	// Handle names the session for DestroySession. It is opaque: neither
	// the session ID nor its store key, nothing a cookie can be made
	// from. It changes when the session gets a new ID.
	Handle string
	// Current reports that it is the session of the request whose
	// context ListUser was given.
	Current bool
	// Expires is when the session ends unless used again.
	Expires time.Time
	Device
}
