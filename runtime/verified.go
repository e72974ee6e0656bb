package runtime

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
)

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
// It holds at most size entries, spread over shards by a seeded hash of
// the value (so no choice of values crowds one shard). A full shard evicts
// one of two slots picked at random, sparing one that was read since it was
// last considered: entries in use stay, and a working set a little larger
// than a shard loses a share of its hits in proportion, rather than all of
// them as least-recently-used eviction does on a round-robin of clients.
type verifiedCache[E any] struct {
	shards []verifiedShard[E]
	seed   maphash.Seed
	mix    uint64          // from seed, for hash
	seen   []atomic.Uint64 // fingerprints of values verified once
}

// entriesPerShard is how many entries a shard aims for: enough that the
// shards' loads, drawn at random, stay close to their average.
const entriesPerShard = 128

// maxVerifiedShards bounds the shards, and so the lock contention, for
// large caches.
const maxVerifiedShards = 16

type verifiedShard[E any] struct {
	size   int // entries it holds at most
	mu     sync.RWMutex
	index  map[string]int32 // value -> its slot
	slots  []verifiedSlot[E]
	rand   uint64        // xorshift state for picking victims; under mu
	hits   atomic.Uint64 // for Interface.VerifiedCacheStats
	misses atomic.Uint64
}

type verifiedSlot[E any] struct {
	value string
	entry verifiedEntry[E]
	used  atomic.Bool // read since the eviction last passed it over
}

// verifiedEntry is what a verification established. v is never written
// after the entry is made: every request that finds it shares it.
type verifiedEntry[E any] struct {
	name string // the cookie name the MAC covered
	date int64  // the value's timestamp, Unix seconds
	v    E
}

func newVerifiedCache[E any](size int) *verifiedCache[E] {
	// A power of two, so that picking a shard is a mask.
	n := 1
	for n*2 <= min(max(size/entriesPerShard, 1), maxVerifiedShards) {
		n *= 2
	}
	c := &verifiedCache[E]{
		shards: make([]verifiedShard[E], n),
		seed:   maphash.MakeSeed(),
		seen:   make([]atomic.Uint64, seenWays*max(size, seenWays)),
	}
	c.mix = maphash.Comparable(c.seed, "mix")
	for i := range c.shards {
		s := &c.shards[i]
		s.size = size / n
		if i < size%n {
			s.size++
		}
		s.rand = maphash.Comparable(c.seed, i) | 1
	}
	return c
}

// hash returns value's hash, which picks its shard and its fingerprint.
// Values are signed cookie values: their last characters before the
// base64 padding encode the MAC, random bytes no one can choose without
// the key, so 8 of them mixed with the cache's seed spread values as well
// as a hash of the whole value would, at a fraction of its cost on the
// path of every request. Only values that verified are ever stored, and a
// lookup compares the whole value, so the choice affects only how evenly
// the cache fills. Short values are hashed whole.
func (c *verifiedCache[E]) hash(value string) uint64 {
	const window = 8
	n := len(value) - 4 // past at most two "=" of padding and the last, partial character
	if n < 2*window {
		return maphash.String(c.seed, value)
	}
	x := binary.LittleEndian.Uint64([]byte(value[n-window : n]))
	x = (x ^ c.mix) * 0x9e3779b97f4a7c15
	return x ^ x>>29
}

func (c *verifiedCache[E]) shard(h uint64) *verifiedShard[E] {
	return &c.shards[h&uint64(len(c.shards)-1)]
}

// get returns what verifying value (whose hash is h) as cookie name
// established, if it is remembered. A nil cache remembers nothing.
func (c *verifiedCache[E]) get(h uint64, name, value string) (verifiedEntry[E], bool) {
	if c == nil {
		return verifiedEntry[E]{}, false
	}
	s := c.shard(h)
	s.mu.RLock()
	i, ok := s.index[value]
	var e verifiedEntry[E]
	if ok {
		slot := &s.slots[i]
		e = slot.entry
		if !slot.used.Load() {
			slot.used.Store(true)
		}
	}
	s.mu.RUnlock()
	if !ok || e.name != name {
		s.misses.Add(1)
		return verifiedEntry[E]{}, false
	}
	s.hits.Add(1)
	return e, true
}

// admit tells whether value (whose hash is h), which just verified, has
// verified before and should now be remembered. The first time it only
// leaves its fingerprint, in a free way of its bucket (or one picked by the
// hash when none is free); admitting frees it again. A fingerprint pushed
// out by others only delays remembering its value.
func (c *verifiedCache[E]) admit(h uint64) bool {
	fp := h | 1 // zero is a free way
	n := uint64(len(c.seen) / seenWays)
	bucket := c.seen[(h>>1)%n*seenWays:][:seenWays]
	free := -1
	for i := range bucket {
		switch bucket[i].Load() {
		case fp:
			bucket[i].CompareAndSwap(fp, 0)
			return true
		case 0:
			if free < 0 {
				free = i
			}
		}
	}
	if free < 0 {
		free = int(h>>60) % seenWays
	}
	bucket[free].Store(fp)
	return false
}

// seenWays is how many fingerprints share a bucket of the admission
// table, which has seenWays slots per entry the cache holds: with about
// one fingerprint per bucket on average, values rarely push each other
// out.
const seenWays = 4

// put remembers that value (whose hash is h) verified as cookie name,
// dated date, and decoded to v, which the cache owns from now on. value is
// copied: it is usually a piece of a request header.
func (c *verifiedCache[E]) put(h uint64, name, value string, date int64, v E) {
	s := c.shard(h)
	e := verifiedEntry[E]{name: name, date: date, v: v}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[value]; ok {
		s.slots[i].entry = e
		return
	}
	key := string([]byte(value))
	if s.index == nil {
		s.index = make(map[string]int32)
	}
	if len(s.slots) < s.size {
		s.index[key] = int32(len(s.slots))
		s.slots = append(s.slots, verifiedSlot[E]{value: key, entry: e})
		return
	}
	i := s.victim()
	delete(s.index, s.slots[i].value)
	s.index[key] = int32(i)
	s.slots[i].value, s.slots[i].entry = key, e
	s.slots[i].used.Store(false)
}

// victim picks the slot to evict from a full shard: a slot chosen at
// random that was not read since it was last considered. A slot that was
// read loses that mark and is passed over, for a few tries; reading it
// again gives it a new chance. The caller holds s.mu.
func (s *verifiedShard[E]) victim() int {
	var spared [victimTries]uint64 // passed over by this call
	var i uint64
	for n := range victimTries {
		i = s.next() % uint64(len(s.slots))
		if !slices.Contains(spared[:n], i) && !s.slots[i].used.Load() {
			return int(i)
		}
		s.slots[i].used.Store(false)
		spared[n] = i
	}
	return int(i)
}

// victimTries is how many slots victim looks at before it evicts one that
// was read.
const victimTries = 4

// next steps the shard's xorshift64 generator: victims need spreading,
// not secrecy.
func (s *verifiedShard[E]) next() uint64 {
	x := s.rand
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	s.rand = x
	return x
}

// len returns how many entries the cache holds.
func (c *verifiedCache[E]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.slots)
		s.mu.RUnlock()
	}
	return n
}

func (c *verifiedCache[E]) stats() VerifiedCacheStats {
	if c == nil {
		return VerifiedCacheStats{}
	}
	st := VerifiedCacheStats{Entries: c.len()}
	for i := range c.shards {
		st.Capacity += c.shards[i].size
		st.Hits += c.shards[i].hits.Load()
		st.Misses += c.shards[i].misses.Load()
	}
	return st
}
