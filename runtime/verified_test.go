package runtime

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifiedCache(t *testing.T) {
	c := newVerifiedCache(64)
	value := strings.Repeat("v", 40) + "xyz=="
	payload := []byte("\x01\x00payload")
	c.put("session", value, 1234, payload)
	payload[2] = 'P' // the caller's memory is reused: the entry has a copy

	e, ok := c.get("session", value)
	if !ok || e.date != 1234 || string(e.payload) != "\x01\x00payload" || e.text != "\x01\x00payload" {
		t.Fatalf("get = %+v, %v; want the stored entry", e, ok)
	}
	if _, ok := c.get("other", value); ok {
		t.Error("a value remembered for one cookie name was found under another")
	}
	if _, ok := c.get("session", value[:len(value)-1]); ok {
		t.Error("a prefix of a remembered value was found")
	}
	if _, ok := c.get("session", value+"A"); ok {
		t.Error("a longer value was found")
	}
	var none *verifiedCache
	if _, ok := none.get("session", value); ok {
		t.Error("a nil cache found something")
	}
}

// admit says yes the second time a value is offered, not the first; a
// value that lost its slot to another is only delayed.
func TestVerifiedCacheAdmit(t *testing.T) {
	c := newVerifiedCache(64)
	if c.admit("a") {
		t.Fatal("admitted on first sight")
	}
	if !c.admit("a") {
		t.Fatal("not admitted on second sight")
	}
	for i := range 10 * len(c.seen) {
		c.admit(fmt.Sprint("other-", i))
	}
	if c.admit("a") {
		t.Error("admitted after its fingerprint was overwritten")
	}
	if !c.admit("a") {
		t.Error("not admitted on its next sight")
	}
}

// The cache never holds more than its size, and keeps the entries in use
// when it turns over.
func TestVerifiedCacheBound(t *testing.T) {
	const size = 64
	c := newVerifiedCache(size)
	hot := "hot-value-0123456789abcdefghijABCDEFGHIJ0123456789"
	c.put("s", hot, 1, []byte("hot"))
	for i := range 100 * size {
		c.put("s", fmt.Sprintf("value-%d-%x", i, i*7919), int64(i), []byte("p"))
		if _, ok := c.get("s", hot); !ok {
			t.Fatalf("the value in use was dropped after %d others", i+1)
		}
	}
	total := 0
	for i := range c.shards {
		s := &c.shards[i]
		total += len(s.cur) + len(s.old)
	}
	if total > size {
		t.Errorf("%d entries; want at most %d", total, size)
	}
	if total < size/4 {
		t.Errorf("%d entries: the cache forgets too much", total)
	}
}

// Under -race: readers and writers on the same shards, with generations
// turning over.
func TestVerifiedCacheConcurrent(t *testing.T) {
	c := newVerifiedCache(32)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				v := fmt.Sprintf("value-%d-%d", g, i%50)
				if e, ok := c.get("s", v); ok {
					if !bytes.Equal(e.payload, []byte(v)) || e.text != v {
						t.Errorf("entry for %q holds %q", v, e.payload)
						return
					}
					continue
				}
				c.put("s", v, int64(i), []byte(v))
			}
		}()
	}
	wg.Wait()
}

// A value is remembered only once it verified; a tampered one never is.
func TestMacSignerCachesOnlyVerified(t *testing.T) {
	m := &macSigner{keys: macKeys[:1], maxAge: 3600, cache: newVerifiedCache(64)}
	var sc scratch
	now := time.Unix(1_800_000_000, 0)
	v, _ := sign(m, &sc, "s", []byte("payload"), now)
	bad := v[:10] + string('A'+(v[10]-'A'+1)%26) + v[11:]
	if _, _, err := m.open(&sc, "s", bad, now); err == nil {
		t.Fatal("tampered value opened")
	}
	if _, ok := m.cache.get("s", bad); ok {
		t.Fatal("a tampered value was remembered")
	}
	if _, ok := m.cache.get("s", v); ok {
		t.Fatal("a value was remembered before it was opened")
	}
	// Verified twice (remembered the second time), then read from memory.
	for i, remembered := range []bool{false, false, true, true} {
		p, text, err := m.open(&sc, "s", v, now)
		if err != nil || string(p) != "payload" || (text != "") != remembered {
			t.Fatalf("open %d: %q %q %v; want remembered=%v", i+1, p, text, err, remembered)
		}
	}
	// A value net/http would not parse is not one, even if base64 skips
	// the byte that makes it so.
	nl := v[:20] + "\n" + v[20:]
	if _, _, err := m.open(&sc, "s", nl, now); err != errNotCookieValue {
		t.Errorf("value with a newline: err %v; want errNotCookieValue", err)
	}
}
