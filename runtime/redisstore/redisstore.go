// Package redisstore is a runtime.Store on Redis, through go-redis's
// redis.UniversalClient: one server (redis.NewClient), Sentinel
// (redis.NewFailoverClient) and Redis Cluster (redis.NewClusterClient) all
// work. It needs Redis 7.0 or later (PEXPIREAT NX and GT).
//
// # Layout
//
// A record is a Redis hash under the key the runtime gives (already
// prefixed and hashed; used as it is), with the fields version (decimal),
// data (the payload's bytes), user, exp (the record's Expires, in Unix
// milliseconds) and ixp (see below), and a PEXPIREAT at that same instant:
// Redis forgets a record when it expires, and Find, one HMGET, reads the
// expiry from the record itself (a read-only request costs what a bare GET
// costs, with no MULTI and no PTTL).
//
// Commit is one Lua script on the record's key doing the compare-and-set
// on the version (prev 0: only if the key does not exist). When the record
// has a user, the key is also added to that user's index, a SET under
// Options.IndexPrefix followed by the SHA-256 (hex) of the user name, so
// the index key holds no personal data and no user-chosen bytes. In a
// Cluster the index lives in another slot than the record, so it is not
// touched by the script but by commands pipelined with it: a Commit is one
// network round trip (after each node has cached the script once).
//
// The index must outlive every record it lists, or DeleteUser would miss a
// session. A Commit makes the index live until at least the record's
// expiry plus Options.IndexGrace, and writes that instant into the
// record's ixp field; Touch moves only the record's expiry, in one round
// trip, unless it moves it past ixp: then it also extends the index (a
// second round trip, once per IndexGrace of touching).
//
// # Hostile or foreign contents
//
// Nothing read from Redis is trusted: a key of another type (WRONGTYPE), a
// hash without a version or data field, a version that is not the
// canonical decimal form of an integer from 1 to 2^64-1, or an exp that is
// not the canonical decimal form of a positive integer of at most 15
// digits is not a record: Find and Touch report ErrNotFound, Commit
// ErrConflict (it will not overwrite what it does not understand, unless
// prev is 0 and the key is absent), and DeleteUser deletes only the
// records that name the user. An exp in the past is an expired record
// (not found, and never continued), whatever Redis's own expiry of the
// key says: Find judges it by the client's clock, the scripts by the
// server's. No method panics on what it reads.
//
// # Errors
//
// A transport failure (dial, read or write error, timeout, an exhausted
// pool, a closed client) and the replies that mean the server cannot serve
// now (LOADING, READONLY, MASTERDOWN, CLUSTERDOWN, TRYAGAIN, BUSY, ...)
// wrap runtime.ErrStoreUnavailable and still match the original error with
// errors.Is. A canceled context comes back matching context.Canceled, and
// does not claim the store is unavailable; a context past its deadline
// matches context.DeadlineExceeded and runtime.ErrStoreUnavailable.
//
// # Configuring the client
//
// Every method checks its context first and passes it to every call, but
// go-redis itself looks at a context only before it sends a command, and,
// with ContextTimeoutEnabled set in the client's options, uses its deadline
// as the socket's; a cancellation while a reply is awaited is noticed when
// ReadTimeout ends the wait. So give the client ContextTimeoutEnabled: true
// and a ReadTimeout (and DialTimeout) short enough for a request to wait.
//
// The client may have go-redis's client-side cache on
// (ClientSideCacheConfig) for the application's own reads: the store sends
// its reads in pipelines, which that cache never answers, because its
// invalidations arrive after the write that caused them and a session read
// from it could be one a logout has just deleted.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
)

// Options configure a Store.
type Options struct {
	// IndexPrefix begins the key of each user's index (a SET of the keys
	// of the user's records); the SHA-256 (hex) of the user name follows.
	// Empty means "sessiongen:user:". In a Cluster, a hash tag in it, as
	// "{sessiongen}:user:", would put every index in one slot: leave it
	// out.
	IndexPrefix string
	// IndexGrace is how long a user's index outlives the expiry given to
	// one of its records by Commit, and so how far Touch may move that
	// expiry before it needs a second round trip to extend the index.
	// Zero means 24 hours.
	IndexGrace time.Duration
	// DeleteBatch is how many records DeleteUser deletes per pipeline.
	// Zero means 512.
	DeleteBatch int
}

// Store is a runtime.Store on Redis. It is safe for concurrent use; it
// does not own the client (closing it is the caller's business).
type Store struct {
	client      redis.UniversalClient
	indexPrefix string
	grace       time.Duration
	batch       int
	// direct: the client is a *redis.Client without a client-side cache,
	// so reads need no pipeline to bypass one (see uncached).
	direct bool
}

// New returns a Store keeping its records through client.
func New(client redis.UniversalClient, opts Options) *Store {
	s := &Store{client: client, indexPrefix: opts.IndexPrefix, grace: opts.IndexGrace, batch: opts.DeleteBatch}
	if s.indexPrefix == "" {
		s.indexPrefix = "sessiongen:user:"
	}
	if s.grace <= 0 {
		s.grace = 24 * time.Hour
	}
	if s.batch <= 0 {
		s.batch = 512
	}
	if c, ok := client.(*redis.Client); ok {
		o := c.Options()
		s.direct = o.ClientSideCacheConfig == nil && o.ClientSideCache == nil
	}
	return s
}

var _ runtime.Store = (*Store)(nil)

// validLua holds the Lua tests of a record's fields, the twins of
// parseVersion and parseExp: a version is the canonical decimal form of an
// integer from 1 to 2^64-1 (compared as strings: Lua numbers are doubles,
// exact only to 2^53); an exp the canonical decimal form of a positive
// integer of at most 15 digits; live tells an exp still ahead on the
// server's clock.
const validLua = `
local function valid(v)
  return v and string.match(v, '^[1-9]%d*$') ~= nil
    and (#v < 20 or (#v == 20 and v <= '18446744073709551615'))
end
local function validExp(e)
  return e and #e <= 15 and string.match(e, '^[1-9]%d*$') ~= nil
end
local function live(e)
  if not validExp(e) then return false end
  local t = redis.call('TIME')
  return tonumber(e) > tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

// commitScript: KEYS[1] the record; ARGV prev, version, data, user,
// expiry (Unix ms), index expiry (Unix ms). It returns 1 when written, 0
// on a conflict. redis.pcall turns a WRONGTYPE into a table with an err
// field instead of ending the script: a key of another type conflicts.
var commitScript = redis.NewScript(validLua + `
local k = KEYS[1]
if ARGV[1] == '0' then
  if redis.call('EXISTS', k) == 1 then return 0 end
else
  -- Not a hash, no data, no valid expiry, or another version (a
  -- non-canonical or garbage version never equals the canonical prev):
  -- nothing to continue.
  local cur = redis.pcall('HMGET', k, 'version', 'data', 'exp', 'ixp')
  if cur['err'] or cur[1] ~= ARGV[1] or not cur[2] or not live(cur[3]) then return 0 end
  -- A record leaving its user leaves its index's expiry behind.
  if ARGV[4] == '' and cur[4] then redis.call('HDEL', k, 'ixp') end
end
if ARGV[4] == '' then
  redis.call('HSET', k, 'version', ARGV[2], 'data', ARGV[3], 'user', '', 'exp', ARGV[5])
else
  redis.call('HSET', k, 'version', ARGV[2], 'data', ARGV[3], 'user', ARGV[4], 'exp', ARGV[5], 'ixp', ARGV[6])
end
-- Last: an expiry in the past deletes the key at once.
redis.call('PEXPIREAT', k, ARGV[5])
return 1
`)

// touchScript: KEYS[1] the record; ARGV version, expiry (Unix ms), index
// expiry to note if the index must be extended (Unix ms). It returns {0}
// when there is no record, {-1} on a conflict, {1} when touched, {2, user}
// when touched past the index's expiry: the caller extends the index.
var touchScript = redis.NewScript(validLua + `
local k = KEYS[1]
local cur = redis.pcall('HMGET', k, 'version', 'data', 'user', 'ixp', 'exp')
if cur['err'] or not valid(cur[1]) or not cur[2] or not live(cur[5]) then return {0} end
if cur[1] ~= ARGV[1] then return {-1} end
local user = cur[3]
local reindex = user and user ~= '' and (tonumber(cur[4]) or 0) < tonumber(ARGV[2])
if reindex then
  redis.call('HSET', k, 'exp', ARGV[2], 'ixp', ARGV[3])
else
  redis.call('HSET', k, 'exp', ARGV[2])
end
redis.call('PEXPIREAT', k, ARGV[2])
if reindex then return {2, user} end
return {1}
`)

// deleteUserScript: KEYS[1] a key listed in the user's index; ARGV[1] the
// user. It deletes the key only if it is a hash naming that user (an index
// may list a key whose record has since changed hands, or garbage), and
// returns 1 if that was a live record, else 0.
var deleteUserScript = redis.NewScript(validLua + `
local k = KEYS[1]
local cur = redis.pcall('HMGET', k, 'user', 'version', 'data', 'exp')
if cur['err'] or cur[1] ~= ARGV[1] then return 0 end
redis.call('DEL', k)
if valid(cur[2]) and cur[3] and live(cur[4]) then return 1 end
return 0
`)

// Find returns the live record under key, in one round trip: one HMGET,
// the record's expiry included, never answered from a client-side cache.
func (s *Store) Find(ctx context.Context, key string) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, err
	}
	// Never from a client-side cache: it could still hold a record a
	// logout has deleted.
	cmd, err := uncached(ctx, s, func(c redis.Cmdable) *redis.SliceCmd {
		return c.HMGet(ctx, key, "version", "data", "user", "exp")
	})
	vals := cmd.Val()
	if err != nil {
		if isWrongType(err) {
			// A key of another type is not a record: not found.
			return runtime.Record{}, runtime.ErrNotFound
		}
		return runtime.Record{}, s.fail(ctx, "find", err)
	}
	if len(vals) != 4 {
		return runtime.Record{}, runtime.ErrNotFound
	}
	// Missing or mistyped fields, a version or an expiry that is not
	// canonical: not a record (see the package documentation), so not
	// found. A record past its exp is expired, even if Redis has not yet
	// removed the key.
	vs, _ := vals[0].(string)
	version, ok := parseVersion(vs)
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	data, ok := vals[1].(string)
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	es, _ := vals[3].(string)
	exp, ok := parseExp(es)
	if !ok || exp <= time.Now().UnixMilli() {
		return runtime.Record{}, runtime.ErrNotFound
	}
	user, _ := vals[2].(string) // a missing user is no user
	return runtime.Record{
		Data:    []byte(data), // a copy
		Version: version,
		Expires: time.UnixMilli(exp),
		User:    user,
	}, nil
}

// Commit writes rec under key if the record there is at version prev
// (prev 0: there is no key), and indexes it under rec.User: one script and,
// for a user, the index's commands, in one pipeline. The index's commands
// run whatever the script decides, so a conflicting Commit may list key in
// rec.User's index: DeleteUser deletes only the records naming the user.
func (s *Store) Commit(ctx context.Context, key string, prev uint64, rec runtime.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if rec.Version == 0 {
		return errors.New("redisstore: commit: a record's version starts at 1")
	}
	now := time.Now()
	expires := unixMilli(rec.Expires)
	ixp := unixMilli(rec.Expires.Add(s.grace))
	keys := []string{key}
	args := []any{
		strconv.FormatUint(prev, 10),
		strconv.FormatUint(rec.Version, 10),
		rec.Data,
		rec.User,
		expires,
		ixp,
	}
	// A record already expired is never written with an index entry: an
	// index made for it would expire at once, possibly with live entries.
	indexed := rec.User != "" && rec.Expires.After(now)

	pipe := s.client.Pipeline()
	script := commitScript.EvalSha(ctx, pipe, keys, args...)
	var index []redis.Cmder
	if indexed {
		index = s.index(ctx, pipe, rec.User, key, ixp)
	}
	_, _ = pipe.Exec(ctx)
	res, err := script.Int64()
	if isNoScript(err) {
		// This node had not cached the script (first use, a restart, a
		// failover): EVAL caches it for the next time.
		res, err = commitScript.Eval(ctx, s.client, keys, args...).Int64()
	}
	if err != nil {
		return s.fail(ctx, "commit", err)
	}
	if res != 1 {
		return runtime.ErrConflict
	}
	for _, c := range index {
		if err := c.Err(); err != nil {
			// The record is written but maybe not indexed: forget the
			// record's note that its index lives long enough, so that the
			// next Touch indexes it again.
			s.forgetIndexed(ctx, key)
			return s.fail(ctx, "commit: the user index", err)
		}
	}
	return nil
}

// index queues on pipe the commands adding key to user's index, and making
// the index live until at least ixp (Unix ms): NX sets an expiry on a new
// index (which has none), GT only ever moves it later.
func (s *Store) index(ctx context.Context, pipe redis.Pipeliner, user, key string, ixp int64) []redis.Cmder {
	idx := s.indexKey(user)
	return []redis.Cmder{
		pipe.SAdd(ctx, idx, key),
		pipe.Do(ctx, "pexpireat", idx, ixp, "nx"),
		pipe.Do(ctx, "pexpireat", idx, ixp, "gt"),
	}
}

// forgetIndexed removes the ixp field of the record under key after its
// index could not be written, so that the next Touch writes it again.
// HDEL never creates a key. It is best effort: the caller is returning an
// error anyway.
func (s *Store) forgetIndexed(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = s.client.HDel(ctx, key, "ixp").Err()
}

// Touch moves the expiry of the record under key to expires if it is at
// version: one script, and a second round trip only when the user's index
// must live longer too.
func (s *Store) Touch(ctx context.Context, key string, version uint64, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ixp := unixMilli(expires.Add(s.grace))
	res, err := touchScript.Run(ctx, s.client, []string{key},
		strconv.FormatUint(version, 10), unixMilli(expires), ixp).Slice()
	if err != nil {
		return s.fail(ctx, "touch", err)
	}
	if len(res) == 0 {
		return fmt.Errorf("redisstore: touch: unexpected empty reply")
	}
	code, _ := res[0].(int64)
	switch code {
	case 0:
		return runtime.ErrNotFound
	case -1:
		return runtime.ErrConflict
	case 1:
		return nil
	case 2:
		var user string
		if len(res) > 1 {
			user, _ = res[1].(string)
		}
		if user == "" || !expires.After(time.Now()) {
			return nil
		}
		pipe := s.client.Pipeline()
		index := s.index(ctx, pipe, user, key, ixp)
		_, _ = pipe.Exec(ctx)
		for _, c := range index {
			if err := c.Err(); err != nil {
				s.forgetIndexed(ctx, key)
				return s.fail(ctx, "touch: the user index", err)
			}
		}
		return nil
	}
	return fmt.Errorf("redisstore: touch: unexpected reply %v", res)
}

// Delete removes the record under key. It leaves the key in its user's
// index: DeleteUser skips keys that are gone, and the index expires.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.client.Del(ctx, key).Err(); err != nil {
		return s.fail(ctx, "delete", err)
	}
	return nil
}

// DeleteUser removes every record indexed under user, then the index. In a
// Cluster each record is deleted on its own node (go-redis routes each
// command of a pipeline by its key). Only the keys it read are removed
// from the index, so a session committed meanwhile stays indexed.
func (s *Store) DeleteUser(ctx context.Context, user string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	idx := s.indexKey(user)
	cmd, err := uncached(ctx, s, func(c redis.Cmdable) *redis.StringSliceCmd { return c.SMembers(ctx, idx) })
	members := cmd.Val()
	if isWrongType(err) {
		// Not a set, so not an index: there is nothing indexed; remove it.
		if err := s.client.Del(ctx, idx).Err(); err != nil {
			return 0, s.fail(ctx, "delete user", err)
		}
		return 0, nil
	}
	if err != nil {
		return 0, s.fail(ctx, "delete user", err)
	}
	n := 0
	for start := 0; start < len(members); start += s.batch {
		batch := members[start:min(start+s.batch, len(members))]
		deleted, err := s.deleteBatch(ctx, user, batch)
		n += deleted
		if err != nil {
			return n, s.fail(ctx, "delete user", err)
		}
		rm := make([]any, len(batch))
		for i, m := range batch {
			rm[i] = m
		}
		// Only now: a key leaves the index once its record is gone.
		if err := s.client.SRem(ctx, idx, rm...).Err(); err != nil {
			return n, s.fail(ctx, "delete user", err)
		}
	}
	return n, nil
}

// deleteBatch deletes the records of user under keys in one pipeline, and
// returns how many were live.
func (s *Store) deleteBatch(ctx context.Context, user string, keys []string) (int, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = deleteUserScript.EvalSha(ctx, pipe, []string{k}, user)
	}
	_, _ = pipe.Exec(ctx)
	n := 0
	var retry []int
	for i, c := range cmds {
		v, err := c.Int64()
		switch {
		case isNoScript(err):
			retry = append(retry, i)
		case err != nil:
			return n, err
		default:
			n += int(v)
		}
	}
	if len(retry) > 0 {
		pipe := s.client.Pipeline()
		for _, i := range retry {
			cmds[i] = deleteUserScript.Eval(ctx, pipe, []string{keys[i]}, user)
		}
		_, _ = pipe.Exec(ctx)
		for _, i := range retry {
			v, err := cmds[i].Int64()
			if err != nil {
				return n, err
			}
			n += int(v)
		}
	}
	return n, nil
}

// uncached sends the command send makes, so that its reply never comes
// from go-redis's client-side cache: that cache answers read commands sent
// alone (HMGET, SMEMBERS) and drops an entry when Redis pushes an
// invalidation, which reaches the client after the write that caused it
// has returned (to this client or another). A record read from it could be
// one a logout, a Regenerate or another instance's Commit has already
// replaced: every read here must see the server's current state. So the
// command goes in a pipeline (which the cache never answers), except on a
// *redis.Client without that cache (s.direct), where it is sent alone,
// sparing the pipeline's allocations. The error is the pipeline's, else
// the command's.
func uncached[C redis.Cmder](ctx context.Context, s *Store, send func(c redis.Cmdable) C) (C, error) {
	if s.direct {
		cmd := send(s.client)
		return cmd, cmd.Err()
	}
	p := s.client.Pipeline()
	cmd := send(p)
	if _, err := p.Exec(ctx); err != nil {
		return cmd, err
	}
	return cmd, cmd.Err()
}

// indexKey is the key of user's index: the prefix and the SHA-256 of the
// name, so the key holds no personal data and no bytes a user chose.
func (s *Store) indexKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return s.indexPrefix + hex.EncodeToString(sum[:])
}

// parseVersion reads a version field: the canonical decimal form of an
// integer from 1 to 2^64-1, nothing else (no sign, no leading zero).
func parseVersion(s string) (uint64, bool) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 || strconv.FormatUint(v, 10) != s {
		return 0, false
	}
	return v, true
}

// parseExp reads an exp field: the canonical decimal form of a positive
// integer of at most 15 digits (Unix milliseconds until the year 33658),
// nothing else.
func parseExp(s string) (int64, bool) {
	if len(s) > 15 {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || strconv.FormatInt(v, 10) != s {
		return 0, false
	}
	return v, true
}

// unixMilli is t in Unix milliseconds for PEXPIREAT, at least 1: an instant
// before 1970 (the zero time.Time) is as past as the epoch.
func unixMilli(t time.Time) int64 {
	return max(t.UnixMilli(), 1)
}

// fail wraps an error of the client: a canceled context matches
// context.Canceled; a reply of the server that it cannot serve now, and
// every other error of the client (transport, timeouts, pool, a closed
// client) wraps runtime.ErrStoreUnavailable; any other reply of the server
// (a bug, or contents it refuses) is an error as it is.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	cerr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && cerr == nil && !time.Now().Before(dl) {
		// The client read until the context's deadline (ContextTimeoutEnabled)
		// and may return before the context's own timer has fired.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil && !errors.Is(err, cerr) {
		// The context ended while the client was blocked: the client's
		// error only says a read timed out or a connection was closed.
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	var reply redis.Error
	if errors.As(err, &reply) && !unavailableReply(reply.Error()) {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	return fmt.Errorf("redisstore: %s: %w: %w", op, runtime.ErrStoreUnavailable, err)
}

// unavailableReply reports whether an error reply of the server means it
// cannot serve now (loading, failing over, a cluster without quorum, out
// of clients or memory) rather than that the command was wrong.
func unavailableReply(msg string) bool {
	msg = strings.TrimPrefix(msg, "ERR ")
	for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS", "BUSY", "OOM", "max number of clients", "MOVED", "ASK"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func isWrongType(err error) bool { return redis.HasErrorPrefix(err, "WRONGTYPE") }

func isNoScript(err error) bool { return redis.HasErrorPrefix(err, "NOSCRIPT") }
