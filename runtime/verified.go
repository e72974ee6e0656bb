package runtime

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// DefaultVerifiedCacheSize is how many cookie values an Interface remembers
// as verified when Config.VerifiedCacheSize is zero.
const DefaultVerifiedCacheSize = 1024

// MaxVerifiedCacheSize bounds Config.VerifiedCacheSize: at 4 KB a cookie,
// a full cache of this many holds a few GB.
const MaxVerifiedCacheSize = 1 << 20

// verifiedCache remembers signed cookie values that verified, with their
// date and what they decoded to (an E), so that a browser sending the same
// cookie again (every request that leaves the session unchanged does)
// costs a map lookup and a copy instead of two base64 decodings, an HMAC
// and a decoding.
//
// Only values whose MAC verified are ever stored, and a value is found
// only by presenting it byte for byte, under the cookie name its MAC
// covered: a hit is exactly as trustworthy as a fresh verification. The age
// check still runs on every hit, against the stored date.
//
// A value is remembered the second time it verifies, not the first: a
// session that changes on every request sends each cookie value once, and
// remembering those would cost allocations on every request for entries
// never read. The first verification leaves a fingerprint in seen, a fixed
// table with no allocation; the second, finding it, stores the entry. Seen
// is only an admission filter: a fingerprint never skips a verification.
//
// It holds at most size entries in two generations per shard: when the
// current one is full it becomes the old one, and the previous old one is
// dropped. An entry found in the old generation moves to the current one,
// so the cookies in use stay.
type verifiedCache[E any] struct {
	shards   [verifiedShards]verifiedShard[E]
	perShard int // entries per generation in a shard
	seed     maphash.Seed
	seen     []atomic.Uint64 // fingerprints of values verified once
}

const verifiedShards = 16

type verifiedShard[E any] struct {
	mu       sync.RWMutex
	cur, old map[string]verifiedEntry[E]
}

// verifiedEntry is what a verification established. v is never written
// after the entry is made: every request that finds it shares it.
type verifiedEntry[E any] struct {
	name string // the cookie name the MAC covered
	date int64  // the value's timestamp, Unix seconds
	v    E
}

func newVerifiedCache[E any](size int) *verifiedCache[E] {
	per := size / (2 * verifiedShards)
	if per < 1 {
		per = 1
	}
	return &verifiedCache[E]{perShard: per, seed: maphash.MakeSeed(), seen: make([]atomic.Uint64, 2*size)}
}

// shard picks value's shard from a character near its end. A signed value
// ends with the base64 of its HMAC (then at most two '=' of padding), so
// that character is as good as random; values that did not verify are
// never stored, so choosing it cannot crowd a shard.
func (c *verifiedCache[E]) shard(value string) *verifiedShard[E] {
	var b byte
	if len(value) >= 3 {
		b = value[len(value)-3]
	}
	return &c.shards[b%verifiedShards]
}

// get returns what verifying value as cookie name established, if it is
// remembered. A nil cache remembers nothing.
func (c *verifiedCache[E]) get(name, value string) (verifiedEntry[E], bool) {
	if c == nil {
		return verifiedEntry[E]{}, false
	}
	s := c.shard(value)
	s.mu.RLock()
	e, ok := s.cur[value]
	old := false
	if !ok {
		e, ok = s.old[value]
		old = ok
	}
	s.mu.RUnlock()
	if !ok || e.name != name {
		return verifiedEntry[E]{}, false
	}
	if old {
		s.mu.Lock()
		s.insert(c.perShard, value, e)
		s.mu.Unlock()
	}
	return e, true
}

// admit tells whether value, which just verified, has verified before and
// should now be remembered. The first time it only leaves its fingerprint.
// Fingerprints that share a slot evict each other, which only delays
// remembering a value.
func (c *verifiedCache[E]) admit(value string) bool {
	h := maphash.String(c.seed, value) | 1 // zero is an empty slot
	slot := &c.seen[h%uint64(len(c.seen))]
	if slot.Load() == h {
		return true
	}
	slot.Store(h)
	return false
}

// put remembers that value verified as cookie name, dated date, and
// decoded to v, which the cache owns from now on. value is copied: it is
// usually a piece of a request header.
func (c *verifiedCache[E]) put(name, value string, date int64, v E) {
	key := string([]byte(value))
	s := c.shard(value)
	s.mu.Lock()
	s.insert(c.perShard, key, verifiedEntry[E]{name: name, date: date, v: v})
	s.mu.Unlock()
}

// insert adds e under key, starting a new generation when the current one
// is full. The caller holds s.mu.
func (s *verifiedShard[E]) insert(per int, key string, e verifiedEntry[E]) {
	if _, ok := s.cur[key]; !ok && len(s.cur) >= per {
		s.old, s.cur = s.cur, nil
	}
	if s.cur == nil {
		s.cur = make(map[string]verifiedEntry[E], per)
	}
	s.cur[key] = e
}
