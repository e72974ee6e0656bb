// Package pgstore is a runtime.Store on PostgreSQL (12 or later; tested
// on 15), through a github.com/jackc/pgx/v5 *pgxpool.Pool: sessions
// shared by every instance of an application, in the database it already
// has.
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db/app")
//	...
//	store, err := pgstore.New(ctx, pool, pgstore.Options{}) // migrates the schema
//	...
//	defer store.Close() // stops the cleaner; the pool is yours to close
//	cfg.Store = store
//
// # Schema
//
// Everything lives in one schema (Options.Schema, "public" by default):
//
//   - sessiongen_sessions: one row per record. key (text, the primary
//     key: the runtime's key, its namespace then the SHA-256 of the
//     session ID, so the table holds no live cookie), data (bytea, the
//     payload), version (bigint, > 0), token (bytea, the
//     runtime.Commit.Token that wrote it), expires (timestamptz, finite),
//     user_index (text, runtime.Record.User, NULL for an anonymous
//     session), created (the device's Created: when the session began,
//     kept across new IDs), updated (the last Commit), used (the device's
//     LastUsed: the last Commit or Touch; NULL in rows of schema version
//     1, read as updated), agent and addr (the device's User-Agent and
//     address, NULL unless runtime.Config.RecordDevices). One index
//     besides the key: on user_index (partial, for DeleteUser, ListUser
//     and the user's limit); none on expires (see Cleanup). Fillfactor
//     80: a continued record's new version fits in its page (a HOT
//     update, no index written).
//   - sessiongen_schema_version: the schema versions applied (see
//     Migrate).
//   - the functions sessiongen_commit_user, sessiongen_delete_user
//     (PL/pgSQL), and version 1's sessiongen_commit_replace, kept for
//     instances of the previous release.
//
// There is no table of users: a user's sessions are the rows of that
// user_index, and what makes DeleteUser atomic with respect to a Commit
// is a transaction-level advisory lock per user (below).
//
// # Round trips
//
// Each method is one statement, so one round trip (pgx prepares each
// statement once per connection, and then sends only its execution):
//
//   - Find: one SELECT of the row whose expires is after the database's
//     now(): an expired row is never returned, swept or not.
//   - Commit without Replaces: one INSERT ... ON CONFLICT (a create, which
//     may overwrite only an expired row) or one UPDATE ... WHERE version =
//     Prev AND expires > now() (a continue), each also matching the row
//     at Record.Version with this Token: a retry of a Commit that was
//     applied succeeds, writing the same record again (its creation
//     kept). One row affected is success, none a conflict. Commit.Fresh
//     needs nothing else: it takes the create path.
//   - Commit with Replaces, or of a user's record with a UserLimit (a
//     login under runtime.Config.MaxSessionsPerUser): one call of
//     sessiongen_commit_user, which (its own statements, in the call's one
//     transaction) looks for its own earlier write (the token), takes the
//     new record's user's lock (shared; exclusive with a limit), locks the
//     replaced row if it is live at ReplacesVersion (else it returns a
//     conflict having written nothing) and reads its device, writes the
//     new record as above with that device (a conflict if that fails),
//     deletes the replaced row and, with a limit, deletes the user's live
//     rows beyond it, the least recently used (used, then created) first.
//   - ListUser: one SELECT of the user's live rows, without their data.
//   - Touch: one UPDATE of expires, conditional on the version and on the
//     row being live, in a CTE that also reads the live row's version, to
//     tell ErrNotFound from ErrConflict.
//   - Delete: one DELETE (conditional on the version, unless 0), in a CTE
//     that also tells whether a live row at another version is there
//     (ErrConflict).
//   - DeleteUser: one call of sessiongen_delete_user, which takes the
//     user's lock exclusively, then deletes the user's rows (but
//     runtime.User.Keep's) in a statement of its own, and returns how many
//     were live.
//
// pgx never sends a statement again once it has sent it, and the runtime
// does not retry a Commit, so there is no retry of a create applied
// before a DeleteUser to bring its record back (redisstore leaves
// tombstones against go-redis's retries); a caller that retries anyway
// is recognised by the token while the record lives.
//
// # DeleteUser and racing commits
//
// A row's own lock orders a DeleteUser with a Commit that continues the
// row, a Touch or a Delete: whichever comes second sees the first's
// result (PostgreSQL re-checks a row changed under a waiting UPDATE or
// DELETE). The one race row locks do not cover is a Commit that replaces
// a record of the user with a new one (a Regenerate): DeleteUser's DELETE,
// from a snapshot taken before the new row committed, would wait for the
// old row, find it deleted, and miss the new one. So both take the user's
// advisory lock, pg_advisory_xact_lock(hashtextextended(user_index, 0)),
// the commit shared and DeleteUser exclusive, before looking at any row,
// and hold it until their transaction ends: if the commit holds it,
// DeleteUser waits and then deletes the new record; if DeleteUser holds
// it, the commit waits and then finds the replaced record gone
// (ErrConflict). Commits without a limit never wait for each other on it.
//
// The user's limit needs more: two logins at once, each counting the
// other's rows before either committed, would both keep one too many. So
// a commit with a limit takes the user's lock exclusively: logins of one
// user with a limit run one after the other, each counting (in a
// statement that begins after it holds the lock) the rows the previous
// one left. This lock does what a locked row of a table of users would,
// without a table to keep: it is taken in the same statement as the
// write, and released with its transaction. Two users whose keys hash
// alike only share a lock: they may wait, never err.
//
// # Cleanup
//
// Expired rows are never returned; the cleaner deletes them. Every
// Options.CleanupInterval (a minute by default; negative: never) each
// Store tries pg_try_advisory_lock for its schema on a connection of its
// own; the one instance that gets it walks the table once, a range of
// sweepSpan blocks (8 MB) at a time, deleting in each the expired rows,
// at most Options.CleanupBatch (1000) per statement: DELETE ... WHERE ctid
// = ANY (the ctids of the range's expired rows, LIMIT n, FOR UPDATE SKIP
// LOCKED), a TID range scan. So no statement reads more than a range,
// holds many row locks or waits for a request's; no index on expires is
// kept up to date by every Commit (which can then update a row in place:
// see Migrate's version 2). Then it unlocks. The others skip that round. Sweep runs one round now. Close stops the
// cleaner and waits for it.
//
// # Migrate and upgrades
//
// New runs Migrate (unless Options.SkipMigrate: then New only checks the
// version and returns ErrSchemaOutdated if it is behind, for an
// application whose role may not create tables; run Migrate from a
// deploy step with one that may). Migrate takes a transaction-level
// advisory lock of the schema, creates the schema if it is missing and
// the table sessiongen_schema_version, and applies, in one transaction,
// every step from the version recorded there to SchemaVersion, recording
// each: instances that start at once migrate once, and a failed step
// leaves the schema as it was. A later release adds steps; each only adds
// to the schema, or replaces functions in ways the previous release's
// statements still work with, so instances of both releases can share a
// database while a new release rolls out. A schema newer than this
// release's is left alone.
//
// # Errors
//
// A connection that cannot be made or is lost, a pool that is closed or
// exhausted until the deadline, the context's deadline passing, and the
// server's answers that it cannot serve now (SQLSTATE classes 08, 53, 57,
// 58, a deadlock or serialization failure, a read-only transaction on a
// standby) wrap runtime.ErrStoreUnavailable. A canceled context comes back
// matching context.Canceled and does not claim the store unavailable; a
// context past its deadline matches context.DeadlineExceeded and
// runtime.ErrStoreUnavailable. Any other server error (a missing table:
// run Migrate) is returned as it is. Nothing read is trusted: a row whose
// version is not positive or whose expiry is not a finite time is no
// record (ErrNotFound), and no method panics on what it reads. Keys and
// user indexes must be valid UTF-8 without NUL bytes (PostgreSQL's text),
// as the runtime's are when its namespace is.
//
// # Why in the main module
//
// Like runtime/redisstore with go-redis, this package sits in the main
// module with pgx in go.mod, so that the store and the runtime it serves
// are released and tested together (the conformance suites of
// runtime/storetest run against a real PostgreSQL in CI) and the version of
// pgx is one the runtime was tested with. An application that does not
// import the package does not build pgx or link it: Go's module graph
// pruning only reads pgx's go.mod.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
)

// Defaults of Options.
const (
	DefaultCleanupInterval = time.Minute
	DefaultCleanupBatch    = 1000
)

// Options configure a Store.
type Options struct {
	// Schema is the PostgreSQL schema of the store's tables and
	// functions, created by Migrate if missing. Empty means "public".
	Schema string
	// CleanupInterval is how often the cleaner deletes expired rows; zero
	// means DefaultCleanupInterval (a minute), negative means never
	// (expiry is still enforced on every read).
	CleanupInterval time.Duration
	// CleanupBatch is the most rows one statement of the cleaner deletes.
	// Zero means DefaultCleanupBatch (1000).
	CleanupBatch int
	// SkipMigrate makes New check the schema's version instead of running
	// Migrate (see the package documentation).
	SkipMigrate bool
	// OnCleanupError, if set, is called with each error of the cleaner
	// (the cleaner goes on at its next interval).
	OnCleanupError func(error)
}

// Store is a runtime.Store on PostgreSQL. It is safe for concurrent use.
// It does not own the pool (closing it is the caller's business, after
// Close).
type Store struct {
	pool        *pgxpool.Pool
	schema      string
	schemaIdent string // quoted
	batch       int
	onError     func(error)

	// The statements, with the schema's name in place.
	qFind, qCreate, qContinue, qCommitUser, qTouch, qDelete, qDeleteAny, qDeleteUser, qList, qSweep, qBlocks string

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	batchHook func() // tests: called by the cleaner after each batch, within the lock
}

// ErrSweepBusy is returned by Sweep when another Store (of this process or
// another) is sweeping the schema.
var ErrSweepBusy = errors.New("pgstore: another store is deleting the expired rows of this schema")

// New returns a Store on pool, having run Migrate (or, with
// Options.SkipMigrate, checked the schema's version: ErrSchemaOutdated),
// and starts its cleaner; Close stops it. ctx bounds the migration.
func New(ctx context.Context, pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: New: nil pool")
	}
	s := &Store{pool: pool, schema: opts.Schema, batch: opts.CleanupBatch, onError: opts.OnCleanupError}
	if s.schema == "" {
		s.schema = "public"
	}
	s.schemaIdent = pgx.Identifier{s.schema}.Sanitize()
	if s.batch <= 0 {
		s.batch = DefaultCleanupBatch
	}
	s.prepare()
	if opts.SkipMigrate {
		v, err := s.schemaVersion(ctx)
		if err != nil {
			return nil, s.fail(ctx, "checking the schema", err)
		}
		if v < SchemaVersion {
			return nil, fmt.Errorf("%w (schema %s: version %d, this release uses %d)", ErrSchemaOutdated, s.schema, v, SchemaVersion)
		}
	} else if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	interval := opts.CleanupInterval
	if interval == 0 {
		interval = DefaultCleanupInterval
	}
	if interval < 0 {
		close(s.done)
	} else {
		go s.cleaner(interval)
	}
	return s, nil
}

var _ runtime.Store = (*Store)(nil)

func (s *Store) prepare() {
	s.qFind = s.ddl(`SELECT data, version, expires, user_index FROM {{s}}.sessiongen_sessions WHERE key = $1 AND expires > now()`)
	// $1 key, $2 version, $3 data, $4 expires, $5 user, $6 token, $7
	// agent, $8 addr.
	// A row is written if there is none, or only an expired one, or if
	// it is this Commit's own earlier write (its version and token: a
	// retry), which is then written again as it was (its creation and
	// expiry, which a Touch may have moved since, kept): one row affected
	// either way, none on a conflict.
	s.qCreate = s.ddl(`INSERT INTO {{s}}.sessiongen_sessions AS cur (key, data, version, token, expires, user_index, used, agent, addr)
VALUES ($1, $3, $2, $6, $4, $5, now(), $7, $8)
ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version,
	token = excluded.token, user_index = excluded.user_index,
	expires = CASE WHEN cur.expires <= now() THEN excluded.expires ELSE cur.expires END,
	created = CASE WHEN cur.expires <= now() THEN now() ELSE cur.created END,
	updated = now(), used = now(), agent = excluded.agent, addr = excluded.addr
WHERE cur.expires <= now() OR (cur.version = excluded.version AND cur.token = excluded.token)`)
	// $1 key, $2 version, $3 data, $4 expires, $5 user, $6 token, $7 prev.
	// The live row at prev, or this Commit's own earlier write (a retry,
	// written again as it was, its expiry kept): one row affected, none on
	// a conflict.
	s.qContinue = s.ddl(`UPDATE {{s}}.sessiongen_sessions SET data = $3, version = $2, token = $6, user_index = $5,
	expires = CASE WHEN version = $7 THEN $4 ELSE expires END, updated = now(), used = now()
WHERE key = $1 AND expires > now() AND (version = $7 OR (version = $2 AND token = $6))`)
	s.qCommitUser = s.ddl(`SELECT {{s}}.sessiongen_commit_user($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`)
	// $1 key, $2 version, $3 expires. Returns the live row's version
	// (NULL: none) and whether it was touched.
	s.qTouch = s.ddl(`WITH cur AS (
	SELECT version FROM {{s}}.sessiongen_sessions WHERE key = $1 AND expires > now()
), w AS (
	UPDATE {{s}}.sessiongen_sessions SET expires = $3, used = now()
	WHERE key = $1 AND version = $2 AND expires > now()
	RETURNING 1
)
SELECT (SELECT version FROM cur), EXISTS (SELECT 1 FROM w)`)
	// $1 key, $2 version. Returns whether it deleted, and whether a live
	// row at another version is there.
	s.qDelete = s.ddl(`WITH d AS (
	DELETE FROM {{s}}.sessiongen_sessions WHERE key = $1 AND version = $2 RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM d), EXISTS (
	SELECT 1 FROM {{s}}.sessiongen_sessions WHERE key = $1 AND version <> $2 AND expires > now())`)
	s.qDeleteAny = s.ddl(`DELETE FROM {{s}}.sessiongen_sessions WHERE key = $1`)
	s.qDeleteUser = s.ddl(`SELECT {{s}}.sessiongen_delete_user($1, $2)`)
	s.qList = s.ddl(`SELECT key, version, expires, created, coalesce(used, updated), agent, addr
FROM {{s}}.sessiongen_sessions WHERE user_index = $1 AND expires > now()`)
	// $1 the first block, $2 the block after the last, $3 the batch:
	// the expired rows of that block range, by a TID range scan.
	s.qSweep = s.ddl(`DELETE FROM {{s}}.sessiongen_sessions WHERE ctid = ANY (ARRAY(
	SELECT ctid FROM {{s}}.sessiongen_sessions
	WHERE ctid >= ('(' || $1::bigint || ',0)')::tid AND ctid < ('(' || $2::bigint || ',0)')::tid AND expires <= now()
	LIMIT $3 FOR UPDATE SKIP LOCKED))`)
	s.qBlocks = s.ddl(`SELECT pg_relation_size('{{s}}.sessiongen_sessions') / current_setting('block_size')::bigint`)
}

// sqlVersion returns v as a bigint for a comparison: a version above
// the bigint range can be no row's, and -1 is none's (versions are
// positive).
func sqlVersion(v uint64) int64 {
	if v > math.MaxInt64 {
		return -1
	}
	return int64(v)
}

// nullable returns nil for "" (SQL NULL), else s.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// tokenArg returns the token as bytea, nil (NULL, which never matches)
// for none.
func tokenArg(t string) any {
	if t == "" {
		return nil
	}
	return []byte(t)
}

// Find returns the live record under key, in one SELECT.
func (s *Store) Find(ctx context.Context, key string) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, err
	}
	var (
		data    []byte
		version int64
		expires pgtype.Timestamptz
		user    pgtype.Text
	)
	err := s.pool.QueryRow(ctx, s.qFind, key).Scan(&data, &version, &expires, &user)
	if errors.Is(err, pgx.ErrNoRows) {
		return runtime.Record{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.Record{}, s.fail(ctx, "find", err)
	}
	// What the schema's checks should rule out, in case they were dropped:
	// not a record.
	if version <= 0 || !finite(expires) {
		return runtime.Record{}, runtime.ErrNotFound
	}
	if data == nil {
		data = []byte{}
	}
	return runtime.Record{Data: data, Version: uint64(version), Expires: expires.Time, User: user.String}, nil
}

// Commit writes c.Record under c.Key if the live record there is at
// c.Prev (0: there is none), and with c.Replaces removes the record there
// if it is at c.ReplacesVersion, in one statement (see the package
// documentation). A retry of an applied Commit (the same Token on the
// record at c.Record.Version) succeeds, writing that record again as it
// is.
func (s *Store) Commit(ctx context.Context, c runtime.Commit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.Record.Version == 0 || c.Record.Version > math.MaxInt64 {
		return fmt.Errorf("pgstore: commit: version %d is out of the range 1 to 2^63-1", c.Record.Version)
	}
	if c.Prev > math.MaxInt64 {
		return runtime.ErrConflict // no record is at such a version
	}
	data := c.Record.Data
	if data == nil {
		data = []byte{} // NOT NULL
	}
	version, user, token := int64(c.Record.Version), nullable(c.Record.User), tokenArg(c.Token)
	expires := c.Record.Expires
	var ok bool
	var err error
	agent, addr := nullable(c.Record.Device.UserAgent), nullable(c.Record.Device.Addr)
	switch {
	case c.Replaces != "" || c.UserLimit > 0 && c.Record.User != "":
		var res int32
		err = s.pool.QueryRow(ctx, s.qCommitUser, c.Key, int64(c.Prev), version, data, expires, user, token,
			nullable(c.Replaces), sqlVersion(c.ReplacesVersion), agent, addr, int32(min(max(c.UserLimit, 0), math.MaxInt32))).Scan(&res)
		ok = res == 1
	case c.Prev == 0:
		var tag pgconn.CommandTag
		tag, err = s.pool.Exec(ctx, s.qCreate, c.Key, version, data, expires, user, token, agent, addr)
		ok = tag.RowsAffected() == 1
	default:
		var tag pgconn.CommandTag
		tag, err = s.pool.Exec(ctx, s.qContinue, c.Key, version, data, expires, user, token, int64(c.Prev))
		ok = tag.RowsAffected() == 1
	}
	if err != nil {
		return s.fail(ctx, "commit", err)
	}
	if !ok {
		return runtime.ErrConflict
	}
	return nil
}

// Touch moves the expiry of the live record under key, if it is at
// version, in one UPDATE.
func (s *Store) Touch(ctx context.Context, key string, version uint64, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var cur pgtype.Int8
	var touched bool
	if err := s.pool.QueryRow(ctx, s.qTouch, key, sqlVersion(version), expires).Scan(&cur, &touched); err != nil {
		return s.fail(ctx, "touch", err)
	}
	switch {
	case touched:
		return nil
	case !cur.Valid || cur.Int64 <= 0:
		return runtime.ErrNotFound
	}
	return runtime.ErrConflict
}

// Delete removes the record under key if it is at version (0: at any
// version), in one DELETE; a live record at another version is
// runtime.ErrConflict, an absent or expired one nil.
func (s *Store) Delete(ctx context.Context, key string, version uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if version == 0 {
		if _, err := s.pool.Exec(ctx, s.qDeleteAny, key); err != nil {
			return s.fail(ctx, "delete", err)
		}
		return nil
	}
	var deleted, other bool
	if err := s.pool.QueryRow(ctx, s.qDelete, key, sqlVersion(version)).Scan(&deleted, &other); err != nil {
		return s.fail(ctx, "delete", err)
	}
	if !deleted && other {
		return runtime.ErrConflict
	}
	return nil
}

// DeleteUser removes every record whose user_index is u.Index, and
// returns how many of them were live, in one call of
// sessiongen_delete_user. u.Name is not used: this store never indexed
// users by name.
func (s *Store) DeleteUser(ctx context.Context, u runtime.User) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if u.Index == "" {
		return 0, nil
	}
	var n int64
	if err := s.pool.QueryRow(ctx, s.qDeleteUser, u.Index, nullable(u.Keep)).Scan(&n); err != nil {
		return 0, s.fail(ctx, "delete user", err)
	}
	return int(n), nil
}

// ListUser returns the live records whose user_index is u.Index, without
// their data, in one SELECT (on the user_index index). u.Name is not
// used.
func (s *Store) ListUser(ctx context.Context, u runtime.User) ([]runtime.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if u.Index == "" {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.qList, u.Index)
	if err != nil {
		return nil, s.fail(ctx, "list user", err)
	}
	var out []runtime.UserRecord
	for rows.Next() {
		var (
			key                    string
			version                int64
			expires, created, used pgtype.Timestamptz
			agent, addr            pgtype.Text
		)
		if err := rows.Scan(&key, &version, &expires, &created, &used, &agent, &addr); err != nil {
			rows.Close()
			return nil, s.fail(ctx, "list user", err)
		}
		if version <= 0 || !finite(expires) {
			continue // not a record (see Find)
		}
		r := runtime.Record{Version: uint64(version), Expires: expires.Time, User: u.Index,
			Device: runtime.Device{UserAgent: agent.String, Addr: addr.String}}
		if finite(created) {
			r.Device.Created = created.Time
		}
		if finite(used) {
			r.Device.LastUsed = used.Time
		}
		out = append(out, runtime.UserRecord{Key: key, Record: r})
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "list user", err)
	}
	return out, nil
}

// finite reports whether t is a time, not NULL or infinity.
func finite(t pgtype.Timestamptz) bool {
	return t.Valid && t.InfinityModifier == pgtype.Finite
}

// fail wraps an error of pgx (see Errors in the package documentation).
func (s *Store) fail(ctx context.Context, op string, err error) error {
	cerr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && cerr == nil && !time.Now().Before(dl) {
		// pgx gave up at the context's deadline, before its timer fired.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && !errors.Is(err, context.DeadlineExceeded) && !unavailableCode(pgErr.Code) {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	return fmt.Errorf("pgstore: %s: %w: %w", op, runtime.ErrStoreUnavailable, err)
}

// unavailableCode reports whether a SQLSTATE means the server cannot serve
// now rather than that the statement was wrong.
func unavailableCode(code string) bool {
	if len(code) < 2 {
		return false
	}
	switch code[:2] {
	case "08", // connection exception
		"53", // insufficient resources
		"57", // operator intervention: shutdown, canceled, statement timeout
		"58": // system error
		return true
	}
	switch code {
	case "40001", "40P01", // serialization failure, deadlock
		"55P03", // lock not available (lock_timeout)
		"25006": // read-only transaction: a standby
		return true
	}
	return false
}
