package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SchemaVersion is the version of the schema this release uses: Migrate
// brings a schema up to it.
const SchemaVersion = 2

// ErrSchemaOutdated is returned by New with Options.SkipMigrate when the
// schema is missing or older than SchemaVersion: run Migrate (with a role
// that may create tables) first.
var ErrSchemaOutdated = errors.New("pgstore: the schema is missing or older than this release's: run Migrate")

// migrations are the steps from each schema version to the next:
// migrations[i] brings version i to version i+1. "{{s}}" stands for the
// schema's name, quoted. A step only adds, or replaces functions in ways
// the previous release's statements still work with, so that instances
// of the previous release keep working while the next one rolls out.
var migrations = []string{
	// 0 -> 1: the records, their indexes, the commit with Replaces and
	// DeleteUser.
	`
CREATE TABLE {{s}}.sessiongen_sessions (
	key        text        PRIMARY KEY,
	data       bytea       NOT NULL,
	version    bigint      NOT NULL CHECK (version > 0),
	token      bytea,
	expires    timestamptz NOT NULL CHECK (isfinite(expires)),
	user_index text,
	created    timestamptz NOT NULL DEFAULT now(),
	updated    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessiongen_sessions_user_index ON {{s}}.sessiongen_sessions (user_index) WHERE user_index IS NOT NULL;
CREATE INDEX sessiongen_sessions_expires ON {{s}}.sessiongen_sessions (expires);

-- sessiongen_commit_replace writes a record that succeeds another
-- (runtime.Commit.Replaces): it returns 1 when written (or written
-- already by a Commit with this token), 0 on a conflict, having changed
-- nothing. Each statement of this VOLATILE function in READ COMMITTED
-- sees what committed before it began, so the checks after the user's
-- lock see a DeleteUser that held it.
CREATE FUNCTION {{s}}.sessiongen_commit_replace(
	p_key text, p_prev bigint, p_version bigint, p_data bytea, p_expires timestamptz,
	p_user text, p_token bytea, p_replaces text, p_replaces_version bigint)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
	-- A retry of this very Commit, already applied: done.
	IF p_token IS NOT NULL THEN
		PERFORM 1 FROM {{s}}.sessiongen_sessions
		WHERE key = p_key AND version = p_version AND token = p_token AND expires > now();
		IF FOUND THEN RETURN 1; END IF;
	END IF;
	-- The user's lock, shared with other commits, exclusive with
	-- DeleteUser of the user, held until this call's transaction ends:
	-- either DeleteUser ran first and the replaced record is gone, or it
	-- waits, then sees and deletes the record written here.
	IF p_user IS NOT NULL THEN
		PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_user, 0));
	END IF;
	-- The replaced record, live at its version, locked until the end.
	PERFORM 1 FROM {{s}}.sessiongen_sessions
	WHERE key = p_replaces AND version = p_replaces_version AND expires > now()
	FOR UPDATE;
	IF NOT FOUND THEN RETURN 0; END IF;
	-- The record: a create over nothing live, or a continue of p_prev.
	IF p_prev = 0 THEN
		INSERT INTO {{s}}.sessiongen_sessions AS cur (key, data, version, token, expires, user_index)
		VALUES (p_key, p_data, p_version, p_token, p_expires, p_user)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version,
			token = excluded.token, expires = excluded.expires, user_index = excluded.user_index,
			created = now(), updated = now()
		WHERE cur.expires <= now();
	ELSE
		UPDATE {{s}}.sessiongen_sessions SET data = p_data, version = p_version, token = p_token,
			expires = p_expires, user_index = p_user, updated = now()
		WHERE key = p_key AND version = p_prev AND expires > now();
	END IF;
	IF NOT FOUND THEN RETURN 0; END IF;
	DELETE FROM {{s}}.sessiongen_sessions WHERE key = p_replaces AND key <> p_key;
	RETURN 1;
END
$fn$;

-- sessiongen_delete_user deletes every record of a user and returns how
-- many were live. It first takes the user's lock exclusively: a commit
-- with Replaces of the user that holds it finishes first, and the DELETE,
-- a statement of its own, sees what it wrote.
CREATE FUNCTION {{s}}.sessiongen_delete_user(p_user text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
	n bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(p_user, 0));
	WITH d AS (
		DELETE FROM {{s}}.sessiongen_sessions WHERE user_index = p_user RETURNING expires
	)
	SELECT count(*) INTO n FROM d WHERE expires > now();
	RETURN n;
END
$fn$;
`,
	// 1 -> 2: devices (runtime.Device: created is the column of version 1,
	// used the last Commit or Touch, agent and addr), the user's limit
	// (runtime.Commit.UserLimit) and DeleteUser keeping one record
	// (runtime.User.Keep). Columns without a default: no table rewrite.
	// Release 1's statements go on working beside release 2's; rows they
	// write have no used (LastUsed then reads updated).
	//
	// And the index on expires goes, with room left in each page
	// (fillfactor), so that a Commit that continues a record (a new
	// expiry, data, version) changes no indexed column and is a HOT
	// update: the row's new version goes in the same page and no index is
	// written. The cleaner walks the table by block ranges instead (see
	// Sweep); release 1's cleaner, which looked expired rows up in that
	// index, scans instead while both run.
	`
ALTER TABLE {{s}}.sessiongen_sessions
	ADD COLUMN used  timestamptz,
	ADD COLUMN agent text,
	ADD COLUMN addr  text;
ALTER TABLE {{s}}.sessiongen_sessions SET (fillfactor = 80);
DROP INDEX IF EXISTS {{s}}.sessiongen_sessions_expires;

-- sessiongen_commit_user writes a record that succeeds another
-- (p_replaces, NULL for none), or a record of a user with a limit
-- (p_limit > 0), as sessiongen_commit_replace does, and more: a new
-- record takes the replaced record's device (created, agent, addr), else
-- p_agent and p_addr from now; with a limit, the commit takes the user's
-- lock exclusively, so that commits with a limit of one user run one at a
-- time, and ends the least recently used records of the user beyond it.
-- It returns 1 when written (or written already by a Commit with this
-- token), 0 on a conflict, having changed nothing.
CREATE FUNCTION {{s}}.sessiongen_commit_user(
	p_key text, p_prev bigint, p_version bigint, p_data bytea, p_expires timestamptz,
	p_user text, p_token bytea, p_replaces text, p_replaces_version bigint,
	p_agent text, p_addr text, p_limit integer)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
	d_created timestamptz := now();
	d_agent   text := p_agent;
	d_addr    text := p_addr;
BEGIN
	IF p_token IS NOT NULL THEN
		PERFORM 1 FROM {{s}}.sessiongen_sessions
		WHERE key = p_key AND version = p_version AND token = p_token AND expires > now();
		IF FOUND THEN RETURN 1; END IF;
	END IF;
	-- The user's lock: shared with other commits, exclusive with
	-- DeleteUser of the user and with commits with a limit.
	IF p_user IS NOT NULL AND p_limit > 0 THEN
		PERFORM pg_advisory_xact_lock(hashtextextended(p_user, 0));
	ELSIF p_user IS NOT NULL THEN
		PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_user, 0));
	END IF;
	-- The replaced record, live at its version, locked until the end.
	IF p_replaces IS NOT NULL THEN
		SELECT created, agent, addr INTO d_created, d_agent, d_addr FROM {{s}}.sessiongen_sessions
		WHERE key = p_replaces AND version = p_replaces_version AND expires > now()
		FOR UPDATE;
		IF NOT FOUND THEN RETURN 0; END IF;
	END IF;
	IF p_prev = 0 THEN
		INSERT INTO {{s}}.sessiongen_sessions AS cur
			(key, data, version, token, expires, user_index, created, updated, used, agent, addr)
		VALUES (p_key, p_data, p_version, p_token, p_expires, p_user, d_created, now(), now(), d_agent, d_addr)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version,
			token = excluded.token, expires = excluded.expires, user_index = excluded.user_index,
			created = excluded.created, updated = now(), used = now(), agent = excluded.agent, addr = excluded.addr
		WHERE cur.expires <= now();
	ELSE
		UPDATE {{s}}.sessiongen_sessions SET data = p_data, version = p_version, token = p_token,
			expires = p_expires, user_index = p_user, updated = now(), used = now()
		WHERE key = p_key AND version = p_prev AND expires > now();
	END IF;
	IF NOT FOUND THEN RETURN 0; END IF;
	IF p_replaces IS NOT NULL THEN
		DELETE FROM {{s}}.sessiongen_sessions WHERE key = p_replaces AND key <> p_key;
	END IF;
	-- The limit: keep the p_limit - 1 most recently used others.
	IF p_user IS NOT NULL AND p_limit > 0 THEN
		DELETE FROM {{s}}.sessiongen_sessions WHERE key IN (
			SELECT key FROM {{s}}.sessiongen_sessions
			WHERE user_index = p_user AND key <> p_key AND expires > now()
			ORDER BY coalesce(used, updated) DESC, created DESC, key DESC
			OFFSET p_limit - 1);
	END IF;
	RETURN 1;
END
$fn$;

-- sessiongen_delete_user with p_keep: every record of the user but that
-- one (NULL: none), as the one-argument form.
CREATE FUNCTION {{s}}.sessiongen_delete_user(p_user text, p_keep text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
	n bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(p_user, 0));
	WITH d AS (
		DELETE FROM {{s}}.sessiongen_sessions WHERE user_index = p_user AND key IS DISTINCT FROM p_keep RETURNING expires
	)
	SELECT count(*) INTO n FROM d WHERE expires > now();
	RETURN n;
END
$fn$;
`,
}

// Advisory lock keys of the two-int form (class, object): the object is
// hashtext of the schema's name, so stores of different schemas do not
// wait for each other. The users' locks use the one-bigint form, a
// space of its own.
const (
	lockClassMigrate = 0x5e55_0001
	lockClassSweep   = 0x5e55_0002
)

// ddl returns a migration with the schema's quoted name in place.
func (s *Store) ddl(sql string) string {
	return strings.ReplaceAll(sql, "{{s}}", s.schemaIdent)
}

// Migrate creates the store's schema, or brings it up to SchemaVersion:
// the tables and functions of each version it lacks, in order, in one
// transaction, recording each version in the table
// sessiongen_schema_version. It holds a transaction-level advisory lock
// of the schema meanwhile, so that instances that start at once run it
// one after the other, the later ones finding nothing to do. A schema
// already newer than this release's is left alone. New runs it unless
// Options.SkipMigrate is set.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, SchemaVersion)
}

// migrateTo is Migrate up to version target.
func (s *Store) migrateTo(ctx context.Context, target int) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.fail(ctx, "migrate", err)
	}
	defer func() {
		// After a commit, a no-op. Not bound by ctx, which may be what
		// failed the migration, but never unbounded.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", lockClassMigrate, s.schema); err != nil {
		return s.fail(ctx, "migrate: the lock", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", s.schema).Scan(&exists); err != nil {
		return s.fail(ctx, "migrate", err)
	}
	if !exists {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+s.schemaIdent); err != nil {
			return s.fail(ctx, "migrate: creating the schema", err)
		}
	}
	if _, err := tx.Exec(ctx, s.ddl(`CREATE TABLE IF NOT EXISTS {{s}}.sessiongen_schema_version (
	version integer PRIMARY KEY,
	applied timestamptz NOT NULL DEFAULT now()
)`)); err != nil {
		return s.fail(ctx, "migrate: the version table", err)
	}
	var cur int
	if err := tx.QueryRow(ctx, s.ddl("SELECT coalesce(max(version), 0) FROM {{s}}.sessiongen_schema_version")).Scan(&cur); err != nil {
		return s.fail(ctx, "migrate", err)
	}
	for v := cur; v < target; v++ {
		if _, err := tx.Exec(ctx, s.ddl(migrations[v])); err != nil {
			return s.fail(ctx, fmt.Sprintf("migrate: version %d to %d", v, v+1), err)
		}
		if _, err := tx.Exec(ctx, s.ddl("INSERT INTO {{s}}.sessiongen_schema_version (version) VALUES ($1)"), v+1); err != nil {
			return s.fail(ctx, "migrate", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return s.fail(ctx, "migrate: commit", err)
	}
	return nil
}

// schemaVersion returns the version the schema is at, 0 if there is none.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 ELSE -1 END`, s.schemaIdent+".sessiongen_schema_version").Scan(&v)
	if err != nil || v == 0 {
		return v, err
	}
	err = s.pool.QueryRow(ctx, s.ddl("SELECT coalesce(max(version), 0) FROM {{s}}.sessiongen_schema_version")).Scan(&v)
	return v, err
}
