package runtime

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifiedCache(t *testing.T) {
	c := newVerifiedCache[string](64)
	value := strings.Repeat("v", 40) + "xyz=="
	header := "session=" + value
	c.put(c.hash(value), "session", header[len("session="):], 1234, "decoded")
	header = "" // the cache holds its own copy of the key

	e, ok := c.get(c.hash(value), "session", value)
	if !ok || e.date != 1234 || e.v != "decoded" {
		t.Fatalf("get = %+v, %v; want the stored entry", e, ok)
	}
	if _, ok := c.get(c.hash(value), "other", value); ok {
		t.Error("a value remembered for one cookie name was found under another")
	}
	if _, ok := c.get(c.hash(value[:len(value)-1]), "session", value[:len(value)-1]); ok {
		t.Error("a prefix of a remembered value was found")
	}
	if _, ok := c.get(c.hash(value+"A"), "session", value+"A"); ok {
		t.Error("a longer value was found")
	}
	var none *verifiedCache[string]
	if _, ok := none.get(0, "session", value); ok {
		t.Error("a nil cache found something")
	}
}

// admit says yes the second time a value is offered, not the first; a
// value that lost its slot to another is only delayed.
func TestVerifiedCacheAdmit(t *testing.T) {
	c := newVerifiedCache[string](64)
	if c.admit(c.hash("a")) {
		t.Fatal("admitted on first sight")
	}
	if !c.admit(c.hash("a")) {
		t.Fatal("not admitted on second sight")
	}
	for i := range 10 * len(c.seen) {
		c.admit(c.hash(fmt.Sprint("other-", i)))
	}
	if c.admit(c.hash("a")) {
		t.Error("admitted after its fingerprint was overwritten")
	}
	if !c.admit(c.hash("a")) {
		t.Error("not admitted on its next sight")
	}
}

// The cache never holds more than its size, and keeps the entries in use
// when it turns over.
func TestVerifiedCacheBound(t *testing.T) {
	const size = 64
	c := newVerifiedCache[int](size)
	hot := "hot-value-0123456789abcdefghijABCDEFGHIJ0123456789"
	c.put(c.hash(hot), "s", hot, 1, -1)
	for i := range 100 * size {
		v := fmt.Sprintf("value-%d-%x", i, i*7919)
		c.put(c.hash(v), "s", v, int64(i), i)
		if _, ok := c.get(c.hash(hot), "s", hot); !ok {
			t.Fatalf("the value in use was dropped after %d others", i+1)
		}
	}
	if total := c.len(); total != size {
		t.Errorf("%d entries; want %d, the size", total, size)
	}
}

// Under -race: readers and writers on the same shards, with generations
// turning over.
func TestVerifiedCacheConcurrent(t *testing.T) {
	c := newVerifiedCache[string](32)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				v := fmt.Sprintf("value-%d-%d", g, i%50)
				if e, ok := c.get(c.hash(v), "s", v); ok {
					if e.v != v {
						t.Errorf("entry for %q holds %q", v, e.v)
						return
					}
					continue
				}
				if c.admit(c.hash(v)) {
					c.put(c.hash(v), "s", v, int64(i), v)
				}
			}
		}()
	}
	wg.Wait()
}

// A value net/http would not parse is not one, even if base64 skips the
// byte that makes it so.
func TestMacSignerRefusesInvalidBytes(t *testing.T) {
	m := &macSigner{keys: macKeys[:1]}
	var sc scratch
	now := time.Unix(1_800_000_000, 0)
	v, _ := sign(m, &sc, "s", []byte("payload"), now)
	if _, date, err := m.open(&sc, "s", v); err != nil || date != now.Unix() {
		t.Fatalf("clean value: date %d, err %v", date, err)
	}
	for _, bad := range []string{v[:20] + "\n" + v[20:], v[:20] + "\r" + v[20:]} {
		if _, _, err := m.open(&sc, "s", bad); err != errNotCookieValue {
			t.Errorf("%q: err %v; want errNotCookieValue", bad, err)
		}
	}
}
