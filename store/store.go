// Package store is the contract between sessiongen and a server-side
// session store: the Store interface, the records it keeps and the errors
// it reports. runtime/memstore, runtime/redisstore and runtime/pgstore
// implement it; runtime/storetest is its conformance suite. An application
// only picks a store; this package is for those who write one.
package store

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
// Keys are opaque strings chosen by the runtime: the application's
// namespace, then the SHA-256 of the session ID, so a dump of the store holds
// no live cookie and two applications on one server never meet. The record
// of a logged-in session and its user's index share a Redis Cluster hash
// tag (see docs/stores.md), so a store that has slots can change both in
// one atomic step; a store without slots ignores that.
//
// Every method takes the request's context, which carries the runtime's
// per-operation deadline (Config.StoreTimeout), and must honour its
// cancellation and deadline. An error that is not ErrNotFound or
// ErrConflict should wrap ErrStoreUnavailable when the store could not be
// reached, or did not answer in time, so the middleware can answer 503.
// Implementations must be safe for concurrent use.
//
// The promises every Store keeps, each a test in runtime/storetest:
//
//   - Nothing is undone: every write or removal of a loaded record is
//     conditional on the version the request loaded (Commit, Touch,
//     Delete with a version); only Delete with version 0 and DeleteUser,
//     which end sessions, are unconditional.
//   - A Commit that creates or continues a record of a user is atomic with
//     respect to DeleteUser of that user: once DeleteUser has returned, no
//     record it ended comes back, and a Commit that replaced one of them
//     (Commit.Replaces) fails instead of creating its successor.
//   - A Commit with UserLimit leaves the user at most that many live
//     records, whatever other Commits of the user run at once.
//   - A Commit retried with the same Token (a client library's retry after
//     a timeout) recognises its own write and succeeds, leaving the
//     record as that write left it.
type Store interface {
	// Find returns the record under key, or ErrNotFound if there is none
	// or it has expired: expiry is enforced on every read, not only by a
	// sweeper or the server's TTL.
	Find(ctx context.Context, key string) (Record, error)
	// Commit writes c.Record under c.Key, only if the record there is
	// still at version c.Prev (0: there must be no live record under
	// c.Key), and, when c.Replaces is set, only if the record under
	// c.Replaces is still at c.ReplacesVersion, which it then removes in
	// the same step. Otherwise it returns ErrConflict and changes
	// nothing, so a request that loaded a session before a logout can
	// never bring it back, and two requests that regenerate one session
	// cannot fork it. The record is written whole, with c.Record.Version
	// (c.Prev+1) and c.Record.Expires; if c.Record.User is set, c.Key is
	// added to that user's index (see DeleteUser) in the same step.
	//
	// If the record under c.Key is already at c.Record.Version and was
	// written by a Commit with the same c.Token, Commit returns nil and
	// leaves that record as it is (a store may write it again unchanged,
	// its LastUsed aside): it is a retry of a Commit that was applied.
	Commit(ctx context.Context, c Commit) error
	// Touch moves the expiry of the record under key to expires, only if it
	// is still at version; the data is not rewritten. It returns
	// ErrNotFound or ErrConflict when the record is gone or has changed.
	Touch(ctx context.Context, key string, version uint64, expires time.Time) error
	// Delete removes the record under key if it is at version, and returns
	// ErrConflict if it is at another (a change this request never saw
	// would be lost). Version 0 removes it whatever its version (a
	// logout). Removing an absent record is not an error.
	Delete(ctx context.Context, key string, version uint64) error
	// DeleteUser removes every record indexed under u.Index, but the one
	// under u.Keep if set, and the index itself unless it still lists
	// that one, and returns how many live records it removed. It is
	// atomic with respect to Commit (see Store).
	DeleteUser(ctx context.Context, u User) (int, error)
	// ListUser returns the live records indexed under u.Index (and, in a
	// store whose earlier layout indexed users by name, under u.Name),
	// each with its key, in any order. Record.Data may be left empty: the
	// runtime reads only Version, Expires, User and Device.
	ListUser(ctx context.Context, u User) ([]UserRecord, error)
}

// UserRecord is one record of a user's (Store.ListUser).
type UserRecord struct {
	Key    string
	Record Record
}

// Record is one server-side session as a Store keeps it.
type Record struct {
	Data    []byte    // the session's payload
	Version uint64    // 1 for a new record, one more at each Commit
	Expires time.Time // when the record dies unless touched or committed again
	// User is the key of the index of the user the record belongs to
	// (User.Index), "" for none.
	User string
	// Device is what the record knows of the browser whose session it
	// is, on the store's clock: Created when a Commit created the record,
	// LastUsed at its last Commit or Touch. A Commit reads only its
	// UserAgent and Addr, and only when it creates a record without
	// Replaces; a Commit with Replaces carries the replaced record's
	// Created, UserAgent and Addr over (a login or Regenerate is not a new
	// device), and one that continues a record keeps them. Find need not
	// return it; ListUser does.
	Device Device
}

// Device is what a store keeps of the browser a server-side session
// serves, for a user's list of sessions (Interface.ListUser).
type Device struct {
	// Created is when the session began, on the store's clock; a new ID
	// (a login, Regenerate) keeps it.
	Created time.Time
	// LastUsed is when the session was last saved or touched, on the
	// store's clock: its last request, to Config.TouchInterval.
	LastUsed time.Time
	// UserAgent and Addr are the User-Agent header (at most
	// MaxUserAgentLen bytes) and the client's IP address of the request
	// that began the session, when Config.RecordDevices is set; else "".
	// Both are personal data: see Config.RecordDevices.
	UserAgent string
	Addr      string
}

// Commit is one write of a session's record (see Store.Commit).
type Commit struct {
	Key    string // where the record goes
	Prev   uint64 // the version this request loaded; 0: a new record
	Record Record // the record, at version Prev+1
	// Token is unique to this save (random, 16 bytes): a retried Commit
	// finds it on the record it wrote and succeeds.
	Token string
	// Fresh reports that Key was made for this Commit from a new random
	// 256-bit session ID (Prev is 0): no record can be under it but the
	// one a retry of this same Commit wrote, so a store may write the
	// record without looking for one (redisstore then writes an anonymous
	// session with HSET and PEXPIREAT in one MULTI, no script). A store
	// may also ignore it.
	Fresh bool
	// Replaces, when set, is the key of the record this one succeeds (the
	// session got a new ID: a login, Regenerate, Clear), removed in the
	// same step if it is still at ReplacesVersion.
	Replaces        string
	ReplacesVersion uint64
	// UserLimit, when positive and Record.User is set, is the most live
	// records the user may have once the Commit is applied, its own
	// included: it removes the others beyond that, least recently used
	// first (Device.LastUsed), in the same atomic step as its write, as
	// DeleteUser would remove them (Config.MaxSessionsPerUser, at a
	// login). Two Commits of one user with UserLimit never both count the
	// records the other is about to remove.
	UserLimit int
}

// User names one user's sessions in a Store (Store.DeleteUser).
type User struct {
	// Index is the key of the user's index in the application's
	// namespace: what Record.User holds for the user's records.
	Index string
	// Name is the user's name (the Config.UserKey field's value). A store
	// whose earlier layout indexed users by name (redisstore before
	// namespaces) ends the sessions indexed there too; others ignore it.
	Name string
	// Keep, when set, is the key of one record of the user DeleteUser
	// leaves live (Interface.DestroyOthers: the current session).
	Keep string
}

// Errors of a Store.
var (
	// ErrNotFound: no live record under the key.
	ErrNotFound = errors.New("sessiongen: no session record")
	// ErrConflict: the record changed, or was deleted, since it was
	// loaded; nothing was written.
	ErrConflict = errors.New("sessiongen: the session record changed or was deleted since this request loaded it")
	// ErrStoreUnavailable: the store could not be reached, or did not
	// answer within Config.StoreTimeout. After a timeout the outcome of a
	// write is unknown: it may have been applied.
	ErrStoreUnavailable = errors.New("sessiongen: session store unavailable")
)
