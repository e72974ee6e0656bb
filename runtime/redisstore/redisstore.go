// Package redisstore is a runtime.Store on Redis, through go-redis's
// redis.UniversalClient: one server (redis.NewClient), Sentinel
// (redis.NewFailoverClient), Redis Cluster (redis.NewClusterClient) and
// redis.Ring all work. It needs Redis 7.0 or later (PEXPIREAT NX and GT).
//
// # Layout
//
// A record is a Redis hash under the key the runtime gives (used as it
// is), with the fields version (decimal), data (the payload's bytes), user
// (Record.User: the key of the user's index), exp (the record's Expires, in
// Unix milliseconds), tok (the Commit.Token that wrote it), ixp (see
// below) and the device (runtime.Device): crt (Created, Unix ms), used
// (LastUsed, Unix ms: the server's clock at each Commit and Touch; the
// client's for a fresh anonymous record, written without a script), ua
// and addr; and a PEXPIREAT at the instant of exp: Redis forgets a record
// when it expires, and Find, one HMGET, reads the expiry from the record
// itself (a read-only request costs what a bare GET costs). Find does
// not read the device; ListUser does.
//
// A user's index is a SET, under the key the runtime gives in
// Record.User and runtime.User.Index, of the keys of the user's records.
// The index must outlive every record it lists, or DeleteUser would miss a
// session: a Commit makes the index live until at least the record's
// expiry plus Options.IndexGrace, and writes that instant into the
// record's ixp field; a Touch that moves the record's expiry past ixp
// extends the index again (once per IndexGrace of touching). Each Commit
// that creates a record of a user also drops from the index up to two
// keys, picked at random, that no longer hold a record of that user, so
// the index of a user who logs in every day does not grow for ever: it
// stays within about twice the user's live records.
//
// ListUser is one read-only script on the index's slot (EVALSHA_RO, which
// a replica may serve): the index's members, and the fields of each that
// is a live record naming the index. A Commit with a UserLimit (a login
// under runtime.Config.MaxSessionsPerUser) counts, in the same script
// that writes the record and indexes it, the user's other live records,
// and ends those beyond the limit, least recently used (used) first, as
// DeleteUser ends them; so logins at once never leave more. A user's
// records and index always share a slot (below), so this holds in a
// Cluster too.
//
// The user's revocation epoch is a counter at the index's key followed by
// ":epoch", in the index's slot: DeleteUser increments it, and a Commit
// that cannot change the replaced record and the new one in one step
// checks it did not move (see Redis Cluster below). It lives
// Options.IndexGrace, and at least an hour, after the last DeleteUser.
//
// DeleteUser leaves in the place of each record it deletes, for a minute,
// a tombstone: a hash with only an ended field, which is no record. A
// go-redis retry of the Commit that created the record, whose first
// attempt was applied just before DeleteUser ran, finds the key taken and
// fails, instead of creating the ended session again.
//
// # Redis Cluster
//
// A Commit that gives a session a new ID (a login, Regenerate) must remove
// the old record, create the new one and index it under its user, as one
// step with respect to DeleteUser of that user, or "log out everywhere"
// could miss a session that was being renewed at that instant. In a
// Cluster a step is atomic only within one hash slot. There were two
// designs. Write-then-validate: write the new record, then check in the
// index's slot that the user was not revoked meanwhile, and undo the
// write if so; it leaves a window in which a revoked session is live, and
// a crash in that window leaves it live and unindexed, out of reach of the
// next DeleteUser too. Co-location: keep a user's records and index in
// one slot, so that the step is one Lua script; it costs 8 bytes in the
// cookie. The runtime co-locates: the session cookie carries the user's
// tag next to the session ID, and the record's key and the user's index
// share it as a hash tag ({16 hex digits}). A logged-in session's every
// Commit, Touch and Delete is then one script (or one DEL) in one slot,
// and DeleteUser one script per batch in that slot too.
//
// What co-location cannot cover is the move of a session between slots:
// a login from an anonymous session (whose key has no tag), a logout, a
// change of user, and the move of a record of the previous layout (below)
// to the new one. Commit then runs, each step one round trip:
//
//  1. when the new record has a user, it reads the user's epoch;
//  2. on the replaced record's slot, it deletes the replaced record only
//     if it is live at Commit.ReplacesVersion, and leaves in its place a
//     tombstone, a hash with a moved field (the Commit's token) and the
//     record's device, that expires in a minute: a retry of this step by
//     go-redis finds its own tombstone and succeeds, and the tombstone is
//     no record to Find, Touch, Commit, Delete or DeleteUser;
//  3. on the new record's slot, it creates the new record (a retry finds
//     its own token) and indexes it, only if the epoch is still the one
//     read in step 1.
//
// So a login costs three round trips, a logout two (its new record has no
// user), and every other Commit one. If step 2 finds the replaced record
// changed or gone, Commit returns runtime.ErrConflict having written
// nothing. If step 3 finds the epoch moved, DeleteUser ran in between: the
// replaced session is ended and stays ended, and Commit returns
// ErrConflict. A crash (or a timeout past the request's deadline) between
// steps 2 and 3 loses the session: the replaced record is gone and its
// successor was never written, so the user must log in again; a session
// is never resurrected. DeleteUser ends the records of the previous layout
// before it increments the epoch, so a move from that layout racing it
// either finds its record gone (step 2) or the epoch moved (step 3).
//
// Keys the runtime does not make may put a record and its user's index in
// different slots. Commit then indexes the record in a fourth step, on
// the index's slot, checking the epoch there, and deletes the record it
// wrote if the epoch moved (write-then-validate, with its window);
// DeleteUser deletes such records one by one after its script.
//
// On a *redis.Client every key is in one place and each Commit is one
// script. A redis.Ring (and any other client) is treated as sharded by
// hash tag: keys are together only if their hash tags are equal.
//
// # The previous layout
//
// The release before namespaces kept records under
// "sessiongen:session:" and the SHA-256 of the session ID, their user
// field holding the user's name, and each user's index under
// Options.IndexPrefix and the SHA-256 (hex) of the name. Such records are
// still read (their Record.User is the name), touched (their index is
// still extended), and moved to the new layout by the runtime at their
// next save; DeleteUser ends the sessions of runtime.User.Name's index in
// that layout too. A record written by this release has a tok field;
// one without is of the previous layout.
//
// # Hostile or foreign contents
//
// Nothing read from Redis is trusted: a key of another type (WRONGTYPE), a
// hash without a version or data field, a version that is not the
// canonical decimal form of an integer from 1 to 2^64-1, or an exp that is
// not the canonical decimal form of a positive integer of at most 15
// digits is not a record: Find and Touch report ErrNotFound, Commit
// ErrConflict (it will not overwrite what it does not understand, unless
// prev is 0 and the key is absent), Delete with a version leaves it, and
// DeleteUser deletes only the records that name the index. An exp in the
// past is an expired record (not found, and never continued), whatever
// Redis's own expiry of the key says: Find judges it by the client's
// clock, the scripts by the server's. An index or an epoch of another type
// is refused (Commit, Touch) or replaced (DeleteUser). No method panics on
// what it reads.
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
// The runtime gives every store operation a deadline
// (runtime.Config.StoreTimeout, a second by default). go-redis honours a
// context's deadline while it waits for a reply only with
// ContextTimeoutEnabled set in the client's options; without it a request
// waits for the client's own ReadTimeout, retries included, whatever the
// runtime said. So New refuses a *redis.Client, *redis.ClusterClient or
// *redis.Ring without it (ErrContextTimeoutDisabled). A cancellation is
// noticed only before a command is sent, or when ReadTimeout ends the
// wait.
//
// For a session store, keep the client's timeouts short, under the
// runtime's StoreTimeout, so that a stalled connection is given up and the
// command retried on another within the request's deadline: DialTimeout,
// ReadTimeout and WriteTimeout of a few hundred milliseconds, PoolSize
// for the requests in flight at once (each holds a connection for one
// round trip at a time), a PoolTimeout as short, and MaxRetries of 2 or
// so. Retries are safe: go-redis retries a command whose reply did not
// come in time on a new connection, and the first attempt may have been
// applied; every write here recognises its own earlier attempt (a Commit
// finds its token on the record, or on the tombstone it left, a Delete
// finds the record gone, a Touch sets the same expiry again, DeleteUser
// finds less to delete). See the example of New.
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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
)

// Options configure a Store.
type Options struct {
	// IndexPrefix begins the key of each user's index in the layout of
	// the previous release (records under "sessiongen:session:"); the
	// SHA-256 (hex) of the user name follows. DeleteUser ends the
	// sessions listed there too, and Touch keeps such an index alive for
	// the records it lists. Empty means "sessiongen:user:", that
	// release's default: set it to what that release was given.
	IndexPrefix string
	// IndexGrace is how long a user's index outlives the expiry given to
	// one of its records by Commit or Touch, and so how often at most a
	// Touch extends the index. Zero means 24 hours.
	IndexGrace time.Duration
	// DeleteBatch is how many records DeleteUser deletes per script (and,
	// in the previous layout, per pipeline). Zero means 512.
	DeleteBatch int
}

// ErrContextTimeoutDisabled is returned by New for a go-redis client whose
// options do not have ContextTimeoutEnabled set: such a client ignores the
// deadline the runtime gives each store operation while it waits for a
// reply.
var ErrContextTimeoutDisabled = errors.New("redisstore: the client ignores the deadline of each store operation: set ContextTimeoutEnabled: true in its options")

// Store is a runtime.Store on Redis. It is safe for concurrent use; it
// does not own the client (closing it is the caller's business).
type Store struct {
	client      redis.UniversalClient
	indexPrefix string
	grace       time.Duration
	epochTTL    time.Duration
	batch       int
	// direct: the client is a *redis.Client without a client-side cache,
	// so reads need no pipeline to bypass one (see uncached).
	direct bool
	// slots tells which keys a script may change together.
	slots slotMode
	// anywhere is the scripts' first argument: "1" when every key is on
	// one server (a script may reach any key), else "0" (only keys of the
	// same hash tag as its own).
	anywhere string
}

// slotMode tells which keys one script may touch.
type slotMode uint8

const (
	oneServer slotMode = iota // every key: a *redis.Client
	cluster                   // keys of one hash slot: a *redis.ClusterClient
	sharded                   // keys of one hash tag: a *redis.Ring, or a client unknown
)

const (
	// tombstoneTTL is how long the tombstone of a record moved to another
	// slot, or ended by DeleteUser, lives: far longer than go-redis's
	// retries of the Commit that moved or created it, which end with the
	// operation's deadline.
	tombstoneTTL = time.Minute
	// minEpochTTL is the shortest life of a user's epoch after a
	// DeleteUser: far longer than a Commit in flight.
	minEpochTTL = time.Hour
)

// tombstoneArg is tombstoneTTL in milliseconds as a script's argument,
// boxed once.
var tombstoneArg any = tombstoneTTL.Milliseconds()

// New returns a Store keeping its records through client. It refuses a
// *redis.Client (Sentinel's included), *redis.ClusterClient or
// *redis.Ring without ContextTimeoutEnabled (ErrContextTimeoutDisabled);
// see "Configuring the client" in the package documentation.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: New: nil client")
	}
	s := &Store{client: client, indexPrefix: opts.IndexPrefix, grace: opts.IndexGrace, batch: opts.DeleteBatch, slots: sharded, anywhere: "0"}
	if s.indexPrefix == "" {
		s.indexPrefix = "sessiongen:user:"
	}
	if s.grace <= 0 {
		s.grace = 24 * time.Hour
	}
	s.epochTTL = max(s.grace, minEpochTTL)
	if s.batch <= 0 {
		s.batch = 512
	}
	var enabled bool
	switch c := client.(type) {
	case *redis.Client:
		o := c.Options()
		enabled = o.ContextTimeoutEnabled
		s.direct = o.ClientSideCacheConfig == nil && o.ClientSideCache == nil
		s.slots, s.anywhere = oneServer, "1"
	case *redis.ClusterClient:
		enabled = c.Options().ContextTimeoutEnabled
		s.slots = cluster
	case *redis.Ring:
		enabled = c.Options().ContextTimeoutEnabled
	default:
		// Its options are out of sight: trust it.
		enabled = true
	}
	if !enabled {
		return nil, fmt.Errorf("%w (redis.Options, redis.ClusterOptions, redis.RingOptions, redis.FailoverOptions or redis.UniversalOptions)", ErrContextTimeoutDisabled)
	}
	return s, nil
}

var _ runtime.Store = (*Store)(nil)

// libLua holds the Lua helpers of every script. valid and validExp are
// the twins of parseVersion and parseExp: a version is the canonical
// decimal form of an integer from 1 to 2^64-1 (compared as strings: Lua
// numbers are doubles, exact only to 2^53); an exp the canonical decimal
// form of a positive integer of at most 15 digits; live tells an exp still
// ahead on the server's clock. near tells whether the script may reach
// key b beside key a: anywhere on one server (ARGV[1] == '1'), else only
// with the same hash tag (tag is Redis's rule, as hashTag).
const libLua = `
local anywhere = ARGV[1] == '1'
local function valid(v)
  return v and string.match(v, '^[1-9]%d*$') ~= nil
    and (#v < 20 or (#v == 20 and v <= '18446744073709551615'))
end
local function validExp(e)
  return e and #e <= 15 and string.match(e, '^[1-9]%d*$') ~= nil
end
local nowms
-- clock returns the server's time in Unix milliseconds.
local function clock()
  if not nowms then
    local t = redis.call('TIME')
    nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return nowms
end
local function live(e)
  if not validExp(e) then return false end
  return tonumber(e) > clock()
end
local function tag(k)
  local s = string.find(k, '{', 1, true)
  if s then
    local e = string.find(k, '}', s + 1, true)
    if e and e > s + 1 then return string.sub(k, s + 1, e - 1) end
  end
  return k
end
local function near(a, b)
  return anywhere or tag(a) == tag(b)
end
-- isIndex: a key that is an index or may become one.
local function isIndex(k)
  local t = redis.call('TYPE', k)['ok']
  return t == 'set' or t == 'none'
end
-- expireIndex keeps the index idx live until at least ixp: GT only moves
-- an expiry later, and NX gives a new index (which has none) one.
local function expireIndex(idx, ixp)
  if redis.call('PEXPIREAT', idx, ixp, 'GT') == 0 then
    redis.call('PEXPIREAT', idx, ixp, 'NX')
  end
end
-- index adds k to the index idx and keeps idx live until at least ixp.
local function index(idx, k, ixp)
  redis.call('SADD', idx, k)
  expireIndex(idx, ixp)
end
-- unindex removes k from the index named by its record's user field, if
-- the record is of this layout (tok) and the index within reach.
local function unindex(k, user, tok)
  if tok and user and user ~= '' and near(k, user) then redis.pcall('SREM', user, k) end
end
-- epochIs tells whether the epoch under ek reads e ('' for none, or not
-- a string).
local function epochIs(ek, e)
  local cur = redis.pcall('GET', ek)
  if type(cur) ~= 'string' then cur = '' end
  return cur == e
end
-- endRecord deletes the record k of a user and leaves a tombstone (a
-- hash with only an ended field) for ttl ms: a go-redis retry of the
-- Commit that created the record, whose first attempt was applied, finds
-- the key taken and fails instead of creating it again.
local function endRecord(k, ttl)
  redis.call('DEL', k)
  redis.call('HSET', k, 'ended', '1')
  redis.call('PEXPIRE', k, ttl)
end
-- userRecord returns the fields of the live record k of the index idx
-- (version, exp, crt, used, ua, addr), or nil if k is not one.
local function userRecord(idx, k)
  local cur = redis.pcall('HMGET', k, 'user', 'version', 'data', 'exp', 'crt', 'used', 'ua', 'addr')
  if cur['err'] or cur[1] ~= idx or not valid(cur[2]) or not cur[3] or not live(cur[4]) then return nil end
  return {cur[2], cur[4], cur[5] or '', cur[6] or '', cur[7] or '', cur[8] or ''}
end
`

// commitScript writes a record. KEYS[1] the record; then, as ARGV says,
// the replaced record, the index, the epoch. ARGV: anywhere, prev,
// version, data, user, expiry (Unix ms), index expiry (Unix ms), token,
// the replaced record's version (empty for none here), '1' to index here,
// '1' to check the epoch, the epoch expected, the device's User-Agent and
// address, its creation (Unix ms; empty: now, or the replaced record's),
// the user's limit (runtime.Commit.UserLimit, '0' for none), the
// tombstones' life (ms). It returns 1 when written (or written already
// with this token), 0 on a conflict, -1 when the index is not a set, -2
// when the epoch moved. Every check comes before every write, and only the
// first write may fail (SADD to a key that is not a set): nothing is ever
// left half done.
var commitScript = redis.NewScript(libLua + `
local k, n = KEYS[1], 2
local r, idx, ek
if ARGV[9] ~= '' then r = KEYS[n]; n = n + 1 end
if ARGV[10] == '1' then idx = KEYS[n]; n = n + 1 end
if ARGV[11] == '1' then ek = KEYS[n]; n = n + 1 end
local user, tok = ARGV[5], ARGV[8]
-- First, a retry of this very Commit, already applied: done, nothing
-- written. Then the compare and set: not a hash, no data, no valid
-- expiry, or another version (a garbage version never equals the
-- canonical prev): nothing to continue.
local old
if ARGV[2] == '0' then
  if tok ~= '' then
    local cur = redis.pcall('HMGET', k, 'version', 'tok')
    if not cur['err'] and cur[1] == ARGV[3] and cur[2] == tok then return 1 end
  end
  if redis.call('EXISTS', k) == 1 then return 0 end
else
  old = redis.pcall('HMGET', k, 'version', 'data', 'exp', 'user', 'tok')
  if old['err'] then return 0 end
  if tok ~= '' and old[1] == ARGV[3] and old[5] == tok then return 1 end
  if old[1] ~= ARGV[2] or not old[2] or not live(old[3]) then return 0 end
end
local rold
if r then
  rold = redis.pcall('HMGET', r, 'version', 'data', 'exp', 'user', 'tok', 'crt', 'ua', 'addr')
  if rold['err'] or rold[1] ~= ARGV[9] or not rold[2] or not live(rold[3]) then return 0 end
end
if ek and not epochIs(ek, ARGV[12]) then return -2 end
-- The writes, the first of which may fail: an index that is not a set.
local indexed = idx and live(ARGV[6])
if indexed then
  if type(redis.pcall('SADD', idx, k)) ~= 'number' then return -1 end
  expireIndex(idx, ARGV[7])
end
if r then
  redis.call('DEL', r)
  unindex(r, rold[4], rold[5])
end
if old and old[4] ~= user then unindex(k, old[4], old[5]) end
if indexed then
  if not old then
    -- Drop up to two keys that no longer hold a record of this index.
    for _, m in ipairs(redis.call('SRANDMEMBER', idx, 2)) do
      if m ~= k and near(idx, m) then
        local u = redis.pcall('HGET', m, 'user')
        if u ~= idx then redis.call('SREM', idx, m) end
      end
    end
  end
end
if user == '' then
  redis.call('HSET', k, 'version', ARGV[3], 'data', ARGV[4], 'user', '', 'exp', ARGV[6], 'tok', tok, 'used', clock())
  if old then redis.call('HDEL', k, 'ixp') end
else
  redis.call('HSET', k, 'version', ARGV[3], 'data', ARGV[4], 'user', user, 'exp', ARGV[6], 'ixp', ARGV[7], 'tok', tok, 'used', clock())
end
-- A new record's device: the replaced record's, or the one given.
if not old then
  if rold then
    redis.call('HSET', k, 'crt', rold[6] or '', 'ua', rold[7] or '', 'addr', rold[8] or '')
  else
    local crt = ARGV[15]
    if crt == '' then crt = clock() end
    redis.call('HSET', k, 'crt', crt, 'ua', ARGV[13], 'addr', ARGV[14])
  end
end
-- The user's limit: the least recently used of the user's other records
-- beyond it end, as DeleteUser ends them.
local limit = tonumber(ARGV[16]) or 0
if indexed and limit > 0 then
  local others = {}
  for _, m in ipairs(redis.call('SMEMBERS', idx)) do
    if m ~= k and near(idx, m) then
      local f = userRecord(idx, m)
      if f then
        others[#others + 1] = {m, tonumber(f[4]) or tonumber(f[3]) or 0}
      else
        redis.call('SREM', idx, m)
      end
    end
  end
  local extra = #others + 1 - limit
  if extra > 0 then
    table.sort(others, function(a, b)
      if a[2] ~= b[2] then return a[2] < b[2] end
      return a[1] < b[1]
    end)
    for i = 1, extra do
      endRecord(others[i][1], ARGV[17])
      redis.call('SREM', idx, others[i][1])
    end
  end
end
-- Last: an expiry in the past deletes the key at once.
redis.call('PEXPIREAT', k, ARGV[6])
return 1
`)

// moveScript is step 2 of a Commit across slots: it deletes the replaced
// record and leaves a tombstone, which keeps the record's device for a
// retry. KEYS[1] the replaced record; ARGV: anywhere, its version, the
// token, the tombstone's life (ms). It returns {'1', crt, ua, addr} (the
// record's device) when done (or done already with this token), {'0'} on
// a conflict.
var moveScript = redis.NewScript(libLua + `
local r = KEYS[1]
local cur = redis.pcall('HMGET', r, 'version', 'data', 'exp', 'user', 'tok', 'moved', 'crt', 'ua', 'addr')
if cur['err'] then return {'0'} end
local dev = {'1', cur[7] or '', cur[8] or '', cur[9] or ''}
if ARGV[3] ~= '' and cur[6] == ARGV[3] then return dev end
if cur[1] ~= ARGV[2] or not cur[2] or not live(cur[3]) then return {'0'} end
redis.call('DEL', r)
unindex(r, cur[4], cur[5])
if ARGV[3] ~= '' then
  redis.call('HSET', r, 'moved', ARGV[3], 'crt', dev[2], 'ua', dev[3], 'addr', dev[4])
  redis.call('PEXPIRE', r, ARGV[4])
end
return dev
`)

// indexScript indexes a record from another slot (a Touch of a record
// whose index is out of its script's reach, step 4 of a Commit across
// slots). KEYS[1] the index, KEYS[2] the epoch if checked; ARGV:
// anywhere, the record's key, the index expiry (Unix ms), '1' to check the
// epoch, the epoch expected. It returns 1 when indexed, -1 when the index
// is not a set, -2 when the epoch moved.
var indexScript = redis.NewScript(libLua + `
if ARGV[4] == '1' and not epochIs(KEYS[2], ARGV[5]) then return -2 end
if not isIndex(KEYS[1]) then return -1 end
index(KEYS[1], ARGV[2], ARGV[3])
return 1
`)

// dropScript undoes step 3 of a Commit across slots whose step 4 found the
// epoch moved. KEYS[1] the record; ARGV: anywhere, the token. It deletes
// the record only if this token wrote it.
var dropScript = redis.NewScript(libLua + `
if redis.pcall('HGET', KEYS[1], 'tok') == ARGV[2] then redis.call('DEL', KEYS[1]) end
return 1
`)

// touchScript: KEYS[1] the record; ARGV anywhere, version, expiry (Unix
// ms), index expiry (Unix ms). It returns {0} when there is no record,
// {-1} on a conflict, {-2} when the index is not a set, {1} when touched,
// {2, user, layout} when touched past the index's expiry with the index
// out of reach: the caller extends the index (layout '1': user is the
// index's key; '0': the previous layout's user name).
var touchScript = redis.NewScript(libLua + `
local k = KEYS[1]
local cur = redis.pcall('HMGET', k, 'version', 'data', 'user', 'ixp', 'exp', 'tok')
if cur['err'] or not valid(cur[1]) or not cur[2] or not live(cur[5]) then return {0} end
if cur[1] ~= ARGV[2] then return {-1} end
local user = cur[3]
local reindex = user and user ~= '' and (tonumber(cur[4]) or 0) < tonumber(ARGV[3]) and live(ARGV[3])
if reindex and cur[6] and near(k, user) then
  if not isIndex(user) then return {-2} end
  index(user, k, ARGV[4])
  redis.call('HSET', k, 'exp', ARGV[3], 'ixp', ARGV[4], 'used', clock())
  redis.call('PEXPIREAT', k, ARGV[3])
  return {1}
end
if reindex then
  redis.call('HSET', k, 'exp', ARGV[3], 'ixp', ARGV[4], 'used', clock())
else
  redis.call('HSET', k, 'exp', ARGV[3], 'used', clock())
end
redis.call('PEXPIREAT', k, ARGV[3])
if reindex then
  if cur[6] then return {2, user, '1'} end
  return {2, user, '0'}
end
return {1}
`)

// deleteScript: KEYS[1] the record; ARGV anywhere, version. It deletes
// the record if it is at version, and returns 1; 0 if it is a live record
// at another version. What is not a live record is left alone (1).
var deleteScript = redis.NewScript(libLua + `
local k = KEYS[1]
local cur = redis.pcall('HMGET', k, 'version', 'data', 'exp', 'user', 'tok')
if cur['err'] or not valid(cur[1]) or not cur[2] or not live(cur[3]) then return 1 end
if cur[1] ~= ARGV[2] then return 0 end
redis.call('DEL', k)
unindex(k, cur[4], cur[5])
return 1
`)

// deleteUserScript ends a batch of a user's sessions. KEYS[1] the index,
// KEYS[2] the epoch; ARGV anywhere, the batch size, the epoch's life (ms),
// the tombstones' life (ms), the key of the record to keep (empty for
// none). It first increments the epoch (so that a Commit across slots
// that read it before fails), then pops up to a batch of keys from the
// index, the kept one aside, and deletes those within reach that are
// hashes naming the index, leaving in the place of each a tombstone
// (endRecord). It returns {live records deleted, keys left in the index
// but the kept one, {keys out of reach}}. An index that is not a set is
// deleted.
var deleteUserScript = redis.NewScript(libLua + `
local idx, ek, keep = KEYS[1], KEYS[2], ARGV[5]
if type(redis.pcall('INCR', ek)) ~= 'number' then redis.call('SET', ek, '1') end
redis.call('PEXPIRE', ek, ARGV[3])
if not isIndex(idx) then
  redis.call('DEL', idx)
  return {0, 0, {}}
end
local kept = keep ~= '' and redis.call('SREM', idx, keep) == 1
local n, far = 0, {}
for _, m in ipairs(redis.call('SPOP', idx, ARGV[2])) do
  if near(idx, m) then
    local cur = redis.pcall('HMGET', m, 'user', 'version', 'data', 'exp')
    if not cur['err'] and cur[1] == idx then
      endRecord(m, ARGV[4])
      if valid(cur[2]) and cur[3] and live(cur[4]) then n = n + 1 end
    end
  else
    far[#far + 1] = m
  end
end
local left = redis.call('SCARD', idx)
if kept then redis.call('SADD', idx, keep) end
return {n, left, far}
`)

// listScript lists a user's live records. KEYS[1] the index; ARGV
// anywhere. It returns {{key, version, exp, crt, used, ua, addr}, ...} for
// the records within reach that are live and name the index, and {key}
// for each key out of reach.
var listScript = redis.NewScript(libLua + `
local idx = KEYS[1]
if redis.call('TYPE', idx)['ok'] ~= 'set' then return {} end
local out = {}
for _, m in ipairs(redis.call('SMEMBERS', idx)) do
  if near(idx, m) then
    local f = userRecord(idx, m)
    if f then out[#out + 1] = {m, f[1], f[2], f[3], f[4], f[5], f[6]} end
  else
    out[#out + 1] = {m}
  end
end
return out
`)

// deleteOneScript: KEYS[1] a key listed in a user's index; ARGV anywhere,
// what its user field must be. It deletes the key only if it is a hash
// naming that user (an index may list a key whose record has since
// changed hands, or garbage), and returns 1 if that was a live record,
// else 0.
var deleteOneScript = redis.NewScript(libLua + `
local k = KEYS[1]
local cur = redis.pcall('HMGET', k, 'user', 'version', 'data', 'exp')
if cur['err'] or cur[1] ~= ARGV[2] then return 0 end
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
	// found; a tombstone has no version. A record past its exp is
	// expired, even if Redis has not yet removed the key.
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

// Commit writes c.Record under c.Key if the record there is at c.Prev,
// removes c.Replaces if it is at c.ReplacesVersion, and indexes the record
// under c.Record.User: one script when the keys are together, else the
// steps described in the package documentation (Redis Cluster). The first
// version of an anonymous session under a fresh key (c.Fresh) needs no
// script: HSET and PEXPIREAT in one MULTI, a first visit costing the
// server about what scs's one SET does.
func (s *Store) Commit(ctx context.Context, c runtime.Commit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.Record.Version == 0 {
		return errors.New("redisstore: commit: a record's version starts at 1")
	}
	user := c.Record.User
	if c.Fresh && c.Prev == 0 && c.Replaces == "" && user == "" {
		return s.commitFresh(ctx, c)
	}
	replacesHere := c.Replaces == "" || s.together(c.Key, c.Replaces)
	indexHere := user == "" || s.together(c.Key, user)
	if replacesHere && indexHere {
		return s.commit(ctx, c, c.Replaces != "", user != "", nil, nil)
	}

	// Across slots. 1: the user's epoch, before anything is changed.
	var epoch *string
	if user != "" {
		e, err := s.readEpoch(ctx, user)
		if err != nil {
			return err
		}
		epoch = &e
	}
	// 2: the replaced record, on its own slot; its device goes on.
	var dev []string
	if !replacesHere {
		res, err := moveScript.Run(ctx, s.client, []string{c.Replaces},
			s.anywhere, strconv.FormatUint(c.ReplacesVersion, 10), c.Token, tombstoneTTL.Milliseconds()).StringSlice()
		if err != nil {
			return s.fail(ctx, "commit: the replaced record", err)
		}
		if len(res) != 4 || res[0] != "1" {
			return runtime.ErrConflict
		}
		dev = res[1:]
	}
	// 3: the record, and its index when they are together.
	if indexHere {
		return s.commit(ctx, c, replacesHere && c.Replaces != "", user != "", epoch, dev)
	}
	if err := s.commit(ctx, c, replacesHere && c.Replaces != "", false, nil, dev); err != nil {
		return err
	}
	// 4: the index, apart, if the epoch did not move.
	if !c.Record.Expires.After(time.Now()) {
		return nil // never indexed (see commitScript)
	}
	ek, err := s.epochKey(user)
	if err != nil {
		return err
	}
	res, err := indexScript.Run(ctx, s.client, []string{user, ek},
		s.anywhere, c.Key, unixMilli(c.Record.Expires.Add(s.grace)), "1", *epoch).Int64()
	switch {
	case err != nil:
		s.forgetIndexed(ctx, c.Key)
		return s.fail(ctx, "commit: the user index", err)
	case res == -2:
		// DeleteUser ran since step 1: undo step 3.
		if err := dropScript.Run(ctx, s.client, []string{c.Key}, s.anywhere, c.Token).Err(); err != nil {
			return s.fail(ctx, "commit: undoing a revoked record", err)
		}
		return fmt.Errorf("%w: the user's sessions were ended meanwhile", runtime.ErrConflict)
	case res == -1:
		s.forgetIndexed(ctx, c.Key)
		return fmt.Errorf("redisstore: commit: the user index %q is not a set", user)
	}
	return nil
}

// commitFresh writes the first version of an anonymous session under a
// key made from a new random ID (runtime.Commit.Fresh): no record can be
// there but one a retry of this Commit wrote, which HSET writes again as
// it was, so no script is needed to look first. MULTI makes the record
// and its expiry one step: a record is never left without its PEXPIREAT.
// On the server this costs what a SET with an expiry costs, not a script.
func (s *Store) commitFresh(ctx context.Context, c runtime.Commit) error {
	exp := unixMilli(c.Record.Expires)
	now := any(time.Now().UnixMilli()) // no script: the client's clock; boxed once for both fields
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, c.Key, "version", strconv.FormatUint(c.Record.Version, 10), "data", c.Record.Data,
			"user", "", "exp", strconv.FormatInt(exp, 10), "tok", c.Token,
			"crt", now, "used", now, "ua", c.Record.Device.UserAgent, "addr", c.Record.Device.Addr)
		p.PExpireAt(ctx, c.Key, time.UnixMilli(exp))
		return nil
	})
	if err != nil {
		return s.fail(ctx, "commit", err)
	}
	return nil
}

// commit runs commitScript for c on c.Key's slot: with the replaced
// record if replaces, indexing the record if index, checking the user's
// epoch if epoch is not nil; dev is the device (crt, ua, addr) of a
// record replaced on another slot, nil for none.
func (s *Store) commit(ctx context.Context, c runtime.Commit, replaces, index bool, epoch *string, dev []string) error {
	keys := make([]string, 1, 4)
	keys[0] = c.Key
	rv := ""
	if replaces {
		keys = append(keys, c.Replaces)
		rv = strconv.FormatUint(c.ReplacesVersion, 10)
	}
	ix, check, want := "0", "0", ""
	if index {
		keys = append(keys, c.Record.User)
		ix = "1"
	}
	if epoch != nil {
		ek, err := s.epochKey(c.Record.User)
		if err != nil {
			return err
		}
		keys = append(keys, ek)
		check, want = "1", *epoch
	}
	ua, addr, crt := c.Record.Device.UserAgent, c.Record.Device.Addr, ""
	if dev != nil {
		crt, ua, addr = dev[0], dev[1], dev[2]
		if crt == "" {
			crt = "0" // the replaced record's creation is unknown
		}
	}
	res, err := commitScript.Run(ctx, s.client, keys,
		s.anywhere,
		strconv.FormatUint(c.Prev, 10),
		strconv.FormatUint(c.Record.Version, 10),
		c.Record.Data,
		c.Record.User,
		unixMilli(c.Record.Expires),
		unixMilli(c.Record.Expires.Add(s.grace)),
		c.Token,
		rv, ix, check, want,
		ua, addr, crt, max(c.UserLimit, 0), tombstoneArg,
	).Int64()
	if err != nil {
		return s.fail(ctx, "commit", err)
	}
	switch res {
	case 1:
		return nil
	case -1:
		return fmt.Errorf("redisstore: commit: the user index %q is not a set", c.Record.User)
	case -2:
		return fmt.Errorf("%w: the user's sessions were ended meanwhile", runtime.ErrConflict)
	}
	return runtime.ErrConflict
}

// readEpoch reads the epoch of the index idx ("" for none), never from a
// client-side cache.
func (s *Store) readEpoch(ctx context.Context, idx string) (string, error) {
	ek, err := s.epochKey(idx)
	if err != nil {
		return "", err
	}
	cmd, err := uncached(ctx, s, func(c redis.Cmdable) *redis.StringCmd { return c.Get(ctx, ek) })
	switch {
	case err == nil:
		return cmd.Val(), nil
	case errors.Is(err, redis.Nil), isWrongType(err):
		// None, or not a counter (as epochIs reads it).
		return "", nil
	}
	return "", s.fail(ctx, "commit: the user's epoch", err)
}

// epochKey returns the key of the epoch of the index idx: idx and
// ":epoch", in idx's slot as long as idx has a hash tag; else the whole
// of idx made the tag.
func (s *Store) epochKey(idx string) (string, error) {
	if k := idx + ":epoch"; s.together(idx, k) {
		return k, nil
	}
	if k := "{" + idx + "}:epoch"; s.together(idx, k) {
		return k, nil
	}
	return "", fmt.Errorf("redisstore: the user index %q has no key for its epoch in its own slot", idx)
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
// version: one script, which also extends the user's index when the
// record's new expiry passes the index's; a second round trip only for an
// index out of the script's reach (a record of the previous layout in a
// Cluster).
func (s *Store) Touch(ctx context.Context, key string, version uint64, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ixp := unixMilli(expires.Add(s.grace))
	res, err := touchScript.Run(ctx, s.client, []string{key},
		s.anywhere, strconv.FormatUint(version, 10), unixMilli(expires), ixp).Slice()
	if err != nil {
		return s.fail(ctx, "touch", err)
	}
	if len(res) == 0 {
		return errors.New("redisstore: touch: unexpected empty reply")
	}
	code, _ := res[0].(int64)
	switch code {
	case 0:
		return runtime.ErrNotFound
	case -1:
		return runtime.ErrConflict
	case -2:
		return errors.New("redisstore: touch: the user index is not a set")
	case 1:
		return nil
	case 2:
		var user, layout string
		if len(res) > 2 {
			user, _ = res[1].(string)
			layout, _ = res[2].(string)
		}
		if user == "" {
			return nil
		}
		idx := user
		if layout != "1" {
			idx = s.legacyIndexKey(user)
		}
		res, err := indexScript.Run(ctx, s.client, []string{idx}, s.anywhere, key, ixp, "0").Int64()
		if err == nil && res != 1 {
			err = fmt.Errorf("redisstore: touch: the user index %q is not a set", idx)
			s.forgetIndexed(ctx, key)
			return err
		}
		if err != nil {
			s.forgetIndexed(ctx, key)
			return s.fail(ctx, "touch: the user index", err)
		}
		return nil
	}
	return fmt.Errorf("redisstore: touch: unexpected reply %v", res)
}

// Delete removes the record under key: with version 0 whatever it is (one
// DEL), else only if it is at version (ErrConflict if it is a live record
// at another), in one script that also removes it from its user's index.
func (s *Store) Delete(ctx context.Context, key string, version uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if version == 0 {
		// A logout. The key stays in its user's index until DeleteUser or
		// a Commit's pruning finds it gone, or the index expires.
		if err := s.client.Del(ctx, key).Err(); err != nil {
			return s.fail(ctx, "delete", err)
		}
		return nil
	}
	res, err := deleteScript.Run(ctx, s.client, []string{key}, s.anywhere, strconv.FormatUint(version, 10)).Int64()
	if err != nil {
		return s.fail(ctx, "delete", err)
	}
	if res != 1 {
		return runtime.ErrConflict
	}
	return nil
}

// DeleteUser ends every session of u: first those of the previous
// layout's index of u.Name (records naming u.Name), then, in scripts on
// the slot of u.Index, those of u.Index (records naming u.Index), the
// epoch incremented by each. It returns how many live records it deleted.
// The order matters to a Commit moving a record of the previous layout to
// the new one (see the package documentation).
//
// The index is emptied a batch at a time (Options.DeleteBatch), each
// batch one script, until it is empty: a Commit between two batches that
// continues or replaces a record of the index leaves its record in the
// index, where a later batch finds it, and a Commit across slots fails on
// the epoch. So DeleteUser is atomic with respect to Commit as one script
// would be.
func (s *Store) DeleteUser(ctx context.Context, u runtime.User) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	if u.Name != "" {
		deleted, err := s.deleteLegacyUser(ctx, u.Name, u.Keep)
		n += deleted
		if err != nil {
			return n, err
		}
	}
	if u.Index == "" {
		return n, nil
	}
	ek, err := s.epochKey(u.Index)
	if err != nil {
		return n, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		res, err := deleteUserScript.Run(ctx, s.client, []string{u.Index, ek},
			s.anywhere, s.batch, s.epochTTL.Milliseconds(), tombstoneTTL.Milliseconds(), u.Keep).Slice()
		if err != nil {
			return n, s.fail(ctx, "delete user", err)
		}
		if len(res) != 3 {
			return n, fmt.Errorf("redisstore: delete user: unexpected reply %v", res)
		}
		deleted, _ := res[0].(int64)
		left, _ := res[1].(int64)
		n += int(deleted)
		if far, _ := res[2].([]any); len(far) > 0 {
			keys := make([]string, 0, len(far))
			for _, k := range far {
				if k, ok := k.(string); ok && k != u.Keep {
					keys = append(keys, k)
				}
			}
			deleted, err := s.deleteBatch(ctx, u.Index, keys)
			n += deleted
			if err != nil {
				return n, s.fail(ctx, "delete user", err)
			}
		}
		if left == 0 {
			return n, nil
		}
	}
}

// ListUser returns the live records of u: those of u.Index in one script
// on the index's slot (a read-only one, which a replica may serve), those
// out of its reach and those of the previous layout's index of u.Name
// read in one pipeline each. Record.Data is left empty.
func (s *Store) ListUser(ctx context.Context, u runtime.User) ([]runtime.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []runtime.UserRecord
	var far []string
	if u.Index != "" {
		res, err := listScript.RunRO(ctx, s.client, []string{u.Index}, s.anywhere).Slice()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, s.fail(ctx, "list user", err)
		}
		for _, item := range res {
			f, _ := item.([]any)
			fields := make([]string, len(f))
			for i, v := range f {
				fields[i], _ = v.(string)
			}
			switch len(fields) {
			case 1:
				far = append(far, fields[0])
			case 7:
				if r, ok := listedRecord(u.Index, fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]); ok {
					out = append(out, runtime.UserRecord{Key: fields[0], Record: r})
				}
			}
		}
	}
	if len(far) > 0 {
		recs, err := s.readListed(ctx, u.Index, far)
		if err != nil {
			return nil, s.fail(ctx, "list user", err)
		}
		out = append(out, recs...)
	}
	if u.Name != "" {
		idx := s.legacyIndexKey(u.Name)
		cmd, err := uncached(ctx, s, func(c redis.Cmdable) *redis.StringSliceCmd { return c.SMembers(ctx, idx) })
		if err != nil && !isWrongType(err) {
			return nil, s.fail(ctx, "list user", err)
		}
		if members := cmd.Val(); err == nil && len(members) > 0 {
			recs, err := s.readListed(ctx, u.Name, members)
			if err != nil {
				return nil, s.fail(ctx, "list user", err)
			}
			out = append(out, recs...)
		}
	}
	return out, nil
}

// readListed reads the records under keys in one pipeline, and returns
// those that are live and name user.
func (s *Store) readListed(ctx context.Context, user string, keys []string) ([]runtime.UserRecord, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.SliceCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HMGet(ctx, k, "user", "version", "data", "exp", "crt", "used", "ua", "addr")
	}
	if _, err := pipe.Exec(ctx); err != nil && !isWrongType(err) {
		return nil, err
	}
	var out []runtime.UserRecord
	for i, c := range cmds {
		v := c.Val()
		if c.Err() != nil || len(v) != 8 {
			continue
		}
		f := make([]string, len(v))
		for j, x := range v {
			f[j], _ = x.(string)
		}
		if f[0] != user || v[2] == nil {
			continue
		}
		if r, ok := listedRecord(user, f[1], f[3], f[4], f[5], f[6], f[7]); ok && r.Expires.After(time.Now()) {
			out = append(out, runtime.UserRecord{Key: keys[i], Record: r})
		}
	}
	return out, nil
}

// listedRecord makes the record ListUser lists of its fields, or reports
// that they are not a record's.
func listedRecord(user, version, exp, crt, used, ua, addr string) (runtime.Record, bool) {
	v, ok := parseVersion(version)
	if !ok {
		return runtime.Record{}, false
	}
	e, ok := parseExp(exp)
	if !ok {
		return runtime.Record{}, false
	}
	return runtime.Record{
		Version: v,
		Expires: time.UnixMilli(e),
		User:    user,
		Device:  runtime.Device{Created: deviceTime(crt), LastUsed: deviceTime(used), UserAgent: ua, Addr: addr},
	}, true
}

// deviceTime reads a device's time (Unix ms); the zero time for none, or
// for what is not one.
func deviceTime(ms string) time.Time {
	if n, ok := parseExp(ms); ok {
		return time.UnixMilli(n)
	}
	return time.Time{}
}

// deleteLegacyUser ends the sessions of the previous layout's index of
// the user name: each record is deleted on its own node (go-redis routes
// each command of a pipeline by its key), and only the keys read leave the
// index.
func (s *Store) deleteLegacyUser(ctx context.Context, name, keep string) (int, error) {
	idx := s.legacyIndexKey(name)
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
	if keep != "" {
		members = slices.DeleteFunc(members, func(m string) bool { return m == keep })
	}
	n := 0
	for start := 0; start < len(members); start += s.batch {
		batch := members[start:min(start+s.batch, len(members))]
		deleted, err := s.deleteBatch(ctx, name, batch)
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

// deleteBatch deletes the records naming user under keys in one
// pipeline, and returns how many were live.
func (s *Store) deleteBatch(ctx context.Context, user string, keys []string) (int, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = deleteOneScript.EvalSha(ctx, pipe, []string{k}, s.anywhere, user)
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
			cmds[i] = deleteOneScript.Eval(ctx, pipe, []string{keys[i]}, s.anywhere, user)
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
// alone (HMGET, GET, SMEMBERS) and drops an entry when Redis pushes an
// invalidation, which reaches the client after the write that caused it
// has returned (to this client or another). A record read from it could be
// one a logout, a Regenerate or another instance's Commit has already
// replaced, and an epoch one DeleteUser has already moved: every read here
// must see the server's current state. So the command goes in a pipeline
// (which the cache never answers), except on a *redis.Client without that
// cache (s.direct), where it is sent alone, sparing the pipeline's
// allocations. The error is the pipeline's, else the command's.
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

// legacyIndexKey is the key of user's index in the previous layout: the
// prefix and the SHA-256 of the name.
func (s *Store) legacyIndexKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return s.indexPrefix + hex.EncodeToString(sum[:])
}

// together reports whether one script may change keys a and b (see
// slotMode).
func (s *Store) together(a, b string) bool {
	switch s.slots {
	case oneServer:
		return true
	case cluster:
		return hashSlot(a) == hashSlot(b)
	}
	return hashTag(a) == hashTag(b)
}

// hashTag returns the part of key Redis Cluster hashes: the bytes between
// the first '{' and the first '}' after it, if there are any, else the
// whole key.
func hashTag(key string) string {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			return key[s+1 : s+1+e]
		}
	}
	return key
}

// hashSlot returns the Redis Cluster slot of key: CRC16 (XMODEM) of its
// hash tag, modulo 16384.
func hashSlot(key string) int {
	var crc uint16
	for _, b := range []byte(hashTag(key)) {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^b]
	}
	return int(crc & 16383)
}

// crc16Table is the table of CRC16 XMODEM (polynomial 0x1021).
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

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
