package runtime

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

// flaskVectorTime is the timestamp of every vector: 1700000000, "ZVPxAA".
var flaskVectorTime = time.Unix(1_700_000_000, 0)

// testFlaskSigner returns the signer New builds for key and fallbacks.
func testFlaskSigner(t testing.TB, key string, fallbacks ...string) *flaskSigner {
	t.Helper()
	cfg := Config{SecretKey: []byte(key), CookieFormat: CookieFormatFlask, Development: true}
	for _, f := range fallbacks {
		cfg.SecretKeyFallbacks = append(cfg.SecretKeyFallbacks, []byte(f))
	}
	s, err := validateConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return flaskSignerFor(s)
}

func flaskSign(fs *flaskSigner, sc *scratch, payload string, now time.Time) string {
	b, _ := fs.seal(sc, nil, "session", []byte(payload), now)
	return string(b)
}

// itsdangerousSign signs payload (the value's first part, already base64,
// or "." and base64 of zlib) as itsdangerous does, written apart from
// flaskSigner to check it, and to sign what flaskSigner would never write.
func itsdangerousSign(secret, payload string, ts []byte) string {
	d := hmac.New(sha1.New, []byte(secret))
	d.Write([]byte("cookie-session"))
	signed := payload + "." + base64.RawURLEncoding.EncodeToString(ts)
	h := hmac.New(sha1.New, d.Sum(nil))
	h.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

func b64json(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }

// zlibb64 is "." and the base64 of json compressed, as itsdangerous writes
// a compressed payload.
func zlibb64(t testing.TB, json []byte) string {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(json)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return "." + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

var flaskVectorTS = []byte{0x65, 0x53, 0xf1, 0x00}

// The vectors of shared/FLASK.md, made by real Flask (itsdangerous 2.2):
// Go writes the same bytes and reads them back.
func TestFlaskSignerVectors(t *testing.T) {
	for _, v := range []struct{ key, fallback, json, cookie string }{
		{"dev", "", `{"a":1}`, "eyJhIjoxfQ.ZVPxAA.D3QXMI0ZQYNZDxORB__kVZyT7hk"},
		{"dev", "", `{"_permanent":true,"user_id":42}`, "eyJfcGVybWFuZW50Ijp0cnVlLCJ1c2VyX2lkIjo0Mn0.ZVPxAA.Q7GpvELr0ewV0aq6dXHmRJWSK9g"},
		{"dev", "", `{"_flashes":[{" t":["message","Hello"]}]}`, "eyJfZmxhc2hlcyI6W3siIHQiOlsibWVzc2FnZSIsIkhlbGxvIl19XX0.ZVPxAA.dKVEi2zJluuhMhQVmpOlokukFrE"},
		{"old", "", `{"a":1}`, "eyJhIjoxfQ.ZVPxAA.AyLvnx8ZSVH5AZ1qMRpmlR3I6wc"},
		// Non-ASCII, as Flask escapes it.
		{"dev", "", `{"n":"h\u00e9llo \ud83d\ude00"}`, "eyJuIjoiaFx1MDBlOWxsbyBcdWQ4M2RcdWRlMDAifQ.ZVPxAA.qitfXNrjg6Qwu6rxTkckloM6z_g"},
	} {
		fs := testFlaskSigner(t, v.key)
		var sc scratch
		if got := flaskSign(fs, &sc, v.json, flaskVectorTime); got != v.cookie {
			t.Errorf("%s signed with %q:\n got  %s\n want %s", v.json, v.key, got, v.cookie)
		}
		got, date, err := fs.open(&sc, "session", v.cookie)
		if err != nil || string(got) != v.json || date != 1_700_000_000 {
			t.Errorf("open %s: %q, %d, %v", v.cookie, got, date, err)
		}
		if v.key == "old" {
			// Under key "new" with the fallbacks ["old"], as Flask's
			// test_session_secret_key_fallbacks rotates.
			rotated := testFlaskSigner(t, "new", "old")
			if got, _, err := rotated.open(&sc, "session", v.cookie); err != nil || string(got) != v.json {
				t.Errorf("the fallback does not open %s: %q, %v", v.cookie, got, err)
			}
			if resigned := flaskSign(rotated, &sc, v.json, flaskVectorTime); resigned == v.cookie || !strings.HasPrefix(resigned, "eyJhIjoxfQ.ZVPxAA.") {
				t.Errorf("the rotated signer signs %s; want the new key's signature", resigned)
			}
			if _, _, err := testFlaskSigner(t, "new").open(&sc, "session", v.cookie); !errors.Is(err, ErrCookieInvalid) {
				t.Errorf("without the fallback: %v; want ErrCookieInvalid", err)
			}
		}
	}
}

// The cookie name is not signed in Flask's format: a value opens under any
// name, as in Flask.
func TestFlaskSignerIgnoresCookieName(t *testing.T) {
	fs := testFlaskSigner(t, "dev")
	var sc scratch
	v := flaskSign(fs, &sc, `{"a":1}`, flaskVectorTime)
	if _, _, err := fs.open(&sc, "__Host-other", v); err != nil {
		t.Fatal(err)
	}
}

// The timestamp's encoding: big-endian, leading zero bytes dropped
// (itsdangerous's int_to_bytes).
func TestFlaskTimestamp(t *testing.T) {
	for _, c := range []struct {
		t    int64
		want string
	}{{0, ""}, {1, "AQ"}, {255, "_w"}, {256, "AQA"}, {1_700_000_000, "ZVPxAA"}, {-5, ""}, {1 << 40, "AQAAAAAA"}} {
		if got := base64.RawURLEncoding.EncodeToString(flaskTimestamp(nil, c.t)); got != c.want {
			t.Errorf("flaskTimestamp(%d) = %q; want %q", c.t, got, c.want)
		}
	}
}

// Max age as itsdangerous checks it: an age of exactly Lifetime opens, one
// second more is expired, and any age below zero (a timestamp in the
// future) is expired too. The signer reports the date; the Flask format's
// date rule (checkCookieAge) judges it.
func TestFlaskSignerAge(t *testing.T) {
	fs := testFlaskSigner(t, "dev")
	var sc scratch
	v := "eyJhIjoxfQ.ZVPxAA.D3QXMI0ZQYNZDxORB__kVZyT7hk"
	for _, c := range []struct {
		age     time.Duration
		expired bool
	}{{0, false}, {DefaultLifetime, false}, {DefaultLifetime + time.Second, true}, {-time.Second, true}, {-time.Hour, true}} {
		_, _, err := openDated(fs, CookieFormatFlask, DefaultLifetime, &sc, "session", v, flaskVectorTime.Add(c.age))
		if got := errors.Is(err, ErrCookieExpired); got != c.expired || (!c.expired && err != nil) {
			t.Errorf("age %v: %v; expired %v", c.age, err, c.expired)
		}
	}
}

// What a Flask cookie must not be, each refused with the right error and
// no panic: the inputs of shared/SECURITY.md's list that apply. Opened as
// the Flask format's storage opens it: unsealed, then dated by its rule.
func TestFlaskSignerRejects(t *testing.T) {
	fs := testFlaskSigner(t, "dev")
	var sc scratch
	good := "eyJhIjoxfQ.ZVPxAA.D3QXMI0ZQYNZDxORB__kVZyT7hk"
	ts := func(b ...byte) []byte { return b }
	now := flaskVectorTime.Add(time.Minute)
	for _, c := range []struct {
		name, value string
		want        error
	}{
		{"empty", "", ErrCookieInvalid},
		{"one part", "eyJhIjoxfQ", ErrCookieInvalid},
		{"two parts", "eyJhIjoxfQ.ZVPxAA", ErrCookieInvalid},
		{"signed without a timestamp", "eyJhIjoxfQ.D3QXMI0ZQYNZDxORB__kVZyT7hk", ErrCookieInvalid},
		{"dots only", "...", ErrCookieInvalid},
		{"spaces", "   ", ErrCookieInvalid},
		{"flipped payload byte", "eyJhIjoxfR.ZVPxAA.D3QXMI0ZQYNZDxORB__kVZyT7hk", ErrCookieInvalid},
		{"flipped timestamp byte", "eyJhIjoxfQ.ZVPxAB.D3QXMI0ZQYNZDxORB__kVZyT7hk", ErrCookieInvalid},
		{"flipped MAC byte", "eyJhIjoxfQ.ZVPxAA.D3QXMI0ZQYNZDxORB__kVZyT7hj", ErrCookieInvalid},
		{"MAC's unused bits set", "eyJhIjoxfQ.ZVPxAA.D3QXMI0ZQYNZDxORB__kVZyT7hl", ErrCookieInvalid},
		{"truncated MAC", good[:len(good)-1], ErrCookieInvalid},
		{"trailing bytes", good + "A", ErrCookieInvalid},
		{"trailing dot", good + ".", ErrCookieInvalid},
		{"padded MAC", good + "=", ErrCookieInvalid},
		{"standard alphabet", strings.ReplaceAll(good, "_", "/"), ErrCookieInvalid},
		{"NUL", good[:5] + "\x00" + good[6:], errNotCookieValue},
		{"quote", `"` + good, errNotCookieValue},
		{"non-ASCII", "é" + good, errNotCookieValue},
		{"newline", good + "\n", errNotCookieValue},
		{"a wire cookie", "MTcwMDAwMDAwMHxBUUF8Zm9v", ErrCookieInvalid},
		{"another key", itsdangerousSign("other", b64json(`{"a":1}`), flaskVectorTS), ErrCookieInvalid},
		{"another salt", strings.Replace(itsdangerousSign("dev", "x", flaskVectorTS), "x.", "y.", 1), ErrCookieInvalid},
		// Signed, so only a key holder could make these: the MAC verifies.
		{"empty timestamp (zero)", itsdangerousSign("dev", b64json(`{"a":1}`), nil), ErrCookieExpired},
		{"huge timestamp", itsdangerousSign("dev", b64json(`{"a":1}`), ts(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), ErrCookieInvalid},
		{"nine-byte timestamp", itsdangerousSign("dev", b64json(`{"a":1}`), ts(1, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0)), ErrCookieInvalid},
		{"negative-looking timestamp", itsdangerousSign("dev", b64json(`{"a":1}`), ts(0x80, 0, 0, 0, 0, 0, 0, 0)), ErrCookieInvalid},
		{"future timestamp", itsdangerousSign("dev", b64json(`{"a":1}`), ts(0x70, 0, 0, 0)), ErrCookieExpired},
		{"timestamp not base64", strings.Replace(itsdangerousSign("dev", b64json(`{"a":1}`), flaskVectorTS), "ZVPxAA", "ZVP$AA", 1), ErrCookieInvalid},
		{"payload not base64", itsdangerousSign("dev", "eyJhIjo!fQ", flaskVectorTS), ErrPayload},
		{"payload with a dot inside", itsdangerousSign("dev", "eyJh.IjoxfQ", flaskVectorTS), ErrPayload},
		{"compressed, not zlib", itsdangerousSign("dev", "."+b64json(`{"a":1}`), flaskVectorTS), ErrPayload},
		{"compressed, empty", itsdangerousSign("dev", ".", flaskVectorTS), ErrPayload},
		{"compressed, truncated", itsdangerousSign("dev", zlibb64(t, []byte(`{"a":1}`))[:12], flaskVectorTS), ErrPayload},
		{"compressed, trailing bytes", itsdangerousSign("dev", "."+base64.RawURLEncoding.EncodeToString(append(zlibBytes(t, []byte(`{"a":1}`)), 0)), flaskVectorTS), ErrPayload},
		{"compressed, bad checksum", itsdangerousSign("dev", "."+base64.RawURLEncoding.EncodeToString(badChecksum(zlibBytes(t, []byte(`{"a":1}`)))), flaskVectorTS), ErrPayload},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, date, err := openDated(fs, CookieFormatFlask, DefaultLifetime, &sc, "session", c.value, now)
			if err != c.want && !errors.Is(err, c.want) {
				t.Errorf("%q: %v (%q, %d); want %v", c.value, err, p, date, c.want)
			}
			if err != nil && (p != nil || date != -1) {
				t.Errorf("an error with a payload or a date: %q, %d", p, date)
			}
		})
	}
}

func zlibBytes(t testing.TB, json []byte) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(zlibb64(t, json)[1:])
	return b
}

func badChecksum(z []byte) []byte {
	z = bytes.Clone(z)
	z[len(z)-1] ^= 1
	return z
}

// Compression: what itsdangerous compresses opens here; Go compresses a
// large payload when that is shorter by two bytes or more, never a small
// one, and never when compressing does not pay.
func TestFlaskSignerCompression(t *testing.T) {
	fs := testFlaskSigner(t, "dev")
	var sc scratch
	// Real Flask: {"x": "a"*500}.
	flask := ".eJyrVqpQslJKHAUjDijVAgAHc7-n.ZVPxAA.7dZLX_vQmF0n_25vfUi9sBvb524"
	want := `{"x":"` + strings.Repeat("a", 500) + `"}`
	if got, _, err := fs.open(&sc, "session", flask); err != nil || string(got) != want {
		t.Fatalf("Flask's compressed cookie: %.40q, %v", got, err)
	}
	// Under flaskCompressMin: plain, byte for byte what Flask would
	// write uncompressed.
	if v := flaskSign(fs, &sc, want, flaskVectorTime); strings.HasPrefix(v, ".") || !strings.HasPrefix(v, b64json(want)+".") {
		t.Errorf("a small payload was compressed: %.40s", v)
	}
	big := `{"x":"` + strings.Repeat("ab", 2000) + `"}`
	v := flaskSign(fs, &sc, big, flaskVectorTime)
	if !strings.HasPrefix(v, ".") || len(v) > 200 {
		t.Errorf("a large repetitive payload: %d bytes, %.20s...", len(v), v)
	}
	if got, _, err := fs.open(&sc, "session", v); err != nil || string(got) != big {
		t.Errorf("reading our compressed cookie: %v", err)
	}
	// Random text does not compress: sent plain.
	random := make([]byte, 3000)
	for i := range random {
		random[i] = b64alphabet[(i*7919+i*i*31)%61]
	}
	noisy := `{"x":"` + base64.RawURLEncoding.EncodeToString(random)[:2000] + `"}`
	var plain bytes.Buffer
	zw := zlib.NewWriter(&plain)
	zw.Write([]byte(noisy))
	zw.Close()
	v = flaskSign(fs, &sc, noisy, flaskVectorTime)
	if compressed := strings.HasPrefix(v, "."); compressed != (plain.Len() < len(noisy)-1) {
		t.Errorf("compressed %v with zlib giving %d bytes for %d", compressed, plain.Len(), len(noisy))
	}
}

// A decompression bomb: a validly signed cookie whose payload inflates to
// 100 MB is refused as unreadable once 64 KiB came out, without inflating
// the rest or allocating for it. (A 4 KB cookie inflates to at most about
// 4 MB: this one is longer than a browser keeps, to push the bound; the
// Interface refuses it by length before any of this.)
func TestFlaskSignerDecompressionBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 100 {
		zw.Write(zeros)
	}
	zw.Close()
	value := itsdangerousSign("dev", "."+base64.RawURLEncoding.EncodeToString(buf.Bytes()), flaskVectorTS)
	fs := testFlaskSigner(t, "dev")
	var sc scratch
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	start := time.Now()
	_, _, err := fs.open(&sc, "session", value)
	elapsed := time.Since(start)
	goruntime.ReadMemStats(&after)
	if !errors.Is(err, ErrPayload) || !errors.Is(err, errInflatedTooLarge) {
		t.Fatalf("a 100 MB bomb: %v; want ErrPayload caused by errInflatedTooLarge", err)
	}
	// The value itself (130 KB), its decoded copy and 64 KiB of output.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("opening the bomb allocated %d bytes", alloc)
	}
	t.Logf("refused in %v (%d-byte value)", elapsed, len(value))

	// Exactly the bound inflates; one byte more does not.
	for _, n := range []int{MaxFlaskJSON, MaxFlaskJSON + 1} {
		json := []byte(`{"x":"` + strings.Repeat("a", n-8) + `"}`)
		v := itsdangerousSign("dev", zlibb64(t, json), flaskVectorTS)
		got, _, err := fs.open(&sc, "session", v)
		if ok := n <= MaxFlaskJSON; ok != (err == nil) || (ok && !bytes.Equal(got, json)) {
			t.Errorf("%d bytes of JSON: %v", n, err)
		}
	}
}

// Opening a cookie the pooled scratch has seen allocates nothing; signing
// allocates only the value it returns.
func TestFlaskSignerAllocs(t *testing.T) {
	fs := testFlaskSigner(t, "dev", "old")
	var sc scratch
	v := flaskSign(fs, &sc, `{"_permanent":true,"user_id":42,"username":"alice"}`, flaskVectorTime)
	if n := testing.AllocsPerRun(100, func() {
		if _, _, err := fs.open(&sc, "session", v); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("open: %v allocations", n)
	}
	dst := make([]byte, 0, 256)
	payload := []byte(`{"a":1}`)
	if n := testing.AllocsPerRun(100, func() {
		fs.seal(&sc, dst, "session", payload, flaskVectorTime)
	}); n != 0 {
		t.Errorf("appendValue: %v allocations", n)
	}
}

// BenchmarkFlaskSignerOpen prices verifying a Flask cookie the verified
// cache does not hold (compare BenchmarkMacSignerOpen).
func BenchmarkFlaskSignerOpen(b *testing.B) {
	fs := testFlaskSigner(b, "dev")
	var sc scratch
	v := flaskSign(fs, &sc, `{"_permanent":true,"username":"`+strings.Repeat("p", 60)+`","visits":3}`, flaskVectorTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := fs.open(&sc, "session", v); err != nil {
			b.Fatal(err)
		}
	}
}
