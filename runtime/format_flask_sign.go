package runtime

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"
)

// flaskSigner writes and reads Flask's own session cookie: itsdangerous's
// URLSafeTimedSerializer as Flask's SecureCookieSessionInterface configures
// it (itsdangerous 2.2, Flask 3.1). Step by step, as itsdangerous writes a
// value:
//
//	value     = payload "." timestamp "." signature
//	payload   = b64(json), or "." b64(zlib(json)) when that is shorter than
//	            len(json) - 1 bytes (URLSafeSerializerMixin.dump_payload;
//	            Go tries it from 1 KiB of JSON, see flaskCompressMin)
//	timestamp = b64(Unix seconds, big-endian, leading zero bytes dropped)
//	signature = b64(HMAC-SHA1(derived, payload "." timestamp))
//	derived   = HMAC-SHA1(secret key, salt)   (key_derivation "hmac")
//	salt      = "cookie-session"
//	b64       = base64url without "=" padding
//
// The JSON is Flask's tagged JSON (flaskEncoding's); the signer neither
// reads nor writes it. Nothing else is bound into the MAC: not the cookie
// name, not the session type. That is Flask's format, and what lets a Flask
// app open the cookie.
//
// Reading is stricter than itsdangerous in one way: base64 is decoded
// strictly (itsdangerous skips bytes outside the alphabet and ignores the
// unused bits of the last character), so one value stands for one content.
// Nothing Flask writes is refused by it.
type flaskSigner struct {
	// derived holds the signing keys derived from the secret key, then from
	// each fallback, in order.
	derived [][]byte
	// maxJSON bounds a compressed payload's JSON: one that inflates past it
	// is refused before it is all inflated.
	maxJSON int
}

// MaxFlaskJSON is the most a compressed Flask cookie may inflate to: 64 KiB,
// sixteen times the largest cookie a browser keeps. zlib inflates up to
// about a thousand times, so a signed 4 KB cookie could otherwise make
// megabytes; Flask sets no bound of its own.
const MaxFlaskJSON = 64 << 10

// newFlaskSigner returns Flask's signer for the keys of c and the salt.
func newFlaskSigner(c *Config, salt string) (signer, error) {
	fs := &flaskSigner{maxJSON: MaxFlaskJSON}
	for _, k := range append([][]byte{c.SecretKey}, c.SecretKeyFallbacks...) {
		fs.derived = append(fs.derived, flaskDeriveKey(k, salt))
	}
	return fs, nil
}

// flaskDeriveKey is itsdangerous's Signer.derive_key with key_derivation
// "hmac" and SHA-1: HMAC(key=secret, msg=salt).
func flaskDeriveKey(secret []byte, salt string) []byte {
	h := hmac.New(sha1.New, secret)
	h.Write([]byte(salt))
	return h.Sum(nil)
}

// b64raw is itsdangerous's base64: URL-safe, no padding; decoded strictly.
var b64raw = base64.RawURLEncoding.Strict()

// hashes returns sc's HMAC-SHA1 states, one per derived key, made on first
// use. They share sc.macs with macSigner's HMAC-SHA256 states: a scratch
// belongs to one Interface's pool, and an Interface has one signer, so the
// states are always this signer's (the size check keeps the two kinds apart
// should a scratch ever cross over).
func (fs *flaskSigner) hashes(sc *scratch) []hash.Hash {
	if len(sc.macs) != len(fs.derived) || sc.macs[0].Size() != sha1.Size {
		sc.macs = make([]hash.Hash, len(fs.derived))
		for i, k := range fs.derived {
			sc.macs[i] = hmac.New(sha1.New, k)
		}
	}
	return sc.macs
}

// seal appends the cookie value of the JSON payload to dst. The name is
// not signed: Flask does not sign it.
func (fs *flaskSigner) seal(sc *scratch, dst []byte, _ string, payload []byte, now time.Time) ([]byte, error) {
	b := sc.buf[:0]
	if len(payload) >= flaskCompressMin {
		z := deflaters.Get().(*deflater)
		if z.compress(payload) && len(z.out) < len(payload)-1 {
			b = append(b, '.')
			b = b64raw.AppendEncode(b, z.out)
		} else {
			b = b64raw.AppendEncode(b, payload)
		}
		z.release()
	} else {
		b = b64raw.AppendEncode(b, payload)
	}
	b = append(b, '.')
	b = b64raw.AppendEncode(b, flaskTimestamp(sc.sum[:0], now.Unix()))
	h := fs.hashes(sc)[0]
	h.Reset()
	h.Write(b)
	sum := h.Sum(sc.sum[:0])
	b = append(b, '.')
	b = b64raw.AppendEncode(b, sum)
	sc.buf = b
	return append(dst, b...), nil
}

// flaskTimestamp appends itsdangerous's int_to_bytes(t) to dst: t as eight
// big-endian bytes with the leading zero bytes dropped (nothing at all for
// zero; a time before 1970, which struct.pack refuses, counts as zero).
func flaskTimestamp(dst []byte, t int64) []byte {
	if t < 0 {
		t = 0
	}
	var be [8]byte
	for i := range be {
		be[7-i] = byte(t >> (8 * i))
	}
	i := 0
	for i < len(be) && be[i] == 0 {
		i++
	}
	return append(dst, be[i:]...)
}

// open verifies value and returns its JSON payload, which aliases sc, and
// its timestamp. Following TimestampSigner.unsign and URLSafeTimedSerializer:
//
//  1. split on the last two dots: payload, timestamp, signature;
//  2. compare the signature, in constant time, with HMAC-SHA1 of
//     payload "." timestamp under each derived key (current, then the
//     fallbacks); none matches: ErrCookieInvalid;
//  3. the timestamp: malformed is ErrCookieInvalid; its age is not
//     checked here but by the caller, with checkCookieAge (age.go), whose
//     rule for the Flask format is itsdangerous's: older than Lifetime
//     or dated in the future at all is ErrCookieExpired;
//  4. the payload: base64, and zlib for a payload starting with
//     ".", inflating at most maxJSON bytes; failures are ErrPayload (Flask
//     answers 500 there: a fresh session is better).
func (fs *flaskSigner) open(sc *scratch, name, value string) ([]byte, int64, error) {
	if !validCookieValue(value) {
		return nil, -1, errNotCookieValue
	}
	fail := func(err, cause error) ([]byte, int64, error) {
		return nil, -1, &CookieError{Name: name, Size: len(value), Err: err, Cause: cause}
	}
	sigAt := lastDot(value)
	if sigAt < 0 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	signed, sig := value[:sigAt], value[sigAt+1:]
	tsAt := lastDot(signed) // in value and in its copy
	if tsAt < 0 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	// Layout of sc.buf: [value copy][signature][timestamp][payload][json].
	b := append(sc.buf[:0], value...)
	macAt := len(b)
	var err error
	if len(sig) != b64raw.EncodedLen(sha1.Size) {
		sc.buf = b
		return fail(ErrCookieInvalid, errBadMAC)
	}
	b, err = b64raw.AppendDecode(b, b[sigAt+1:macAt])
	if err != nil {
		sc.buf = b
		return fail(ErrCookieInvalid, errBadMAC)
	}
	mac := b[macAt:]
	ok := false
	for _, h := range fs.hashes(sc) {
		h.Reset()
		h.Write(b[:sigAt])
		sum := h.Sum(sc.sum[:0])
		if subtle.ConstantTimeCompare(mac, sum) == 1 {
			ok = true
			break
		}
	}
	if !ok {
		sc.buf = b
		return fail(ErrCookieInvalid, errBadMAC)
	}
	// The MAC verified: from here on the bytes are the server's own (or
	// those of a Flask app holding one of its keys).
	tsStart := len(b)
	b, err = b64raw.AppendDecode(b, b[tsAt+1:sigAt])
	sc.buf = b
	if err != nil || len(b)-tsStart > 8 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	var date uint64
	for _, c := range b[tsStart:] {
		date = date<<8 | uint64(c)
	}
	if date > 1<<63-1 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	payload := b[:tsAt]
	compressed := len(payload) > 0 && payload[0] == '.'
	if compressed {
		payload = payload[1:]
	}
	payloadAt := len(b)
	b, err = b64raw.AppendDecode(b, payload)
	sc.buf = b
	if err != nil {
		return fail(ErrPayload, err)
	}
	if !compressed {
		return b[payloadAt:], int64(date), nil
	}
	jsonAt := len(b)
	b, err = inflate(b, b[payloadAt:jsonAt], fs.maxJSON)
	sc.buf = b
	if err != nil {
		return fail(ErrPayload, err)
	}
	return b[jsonAt:], int64(date), nil
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// errInflatedTooLarge is the cause of an ErrPayload for a compressed Flask
// cookie that inflates past MaxFlaskJSON.
var errInflatedTooLarge = errorString(fmt.Sprintf("the compressed payload inflates past %d bytes", MaxFlaskJSON))

// errTrailingData is the cause of an ErrPayload for bytes after the zlib
// stream.
var errTrailingData = errorString("bytes after the compressed payload")

// inflate appends to dst what the zlib stream src inflates to, reading at
// most limit+1 bytes of it: a stream that inflates past limit is refused
// without being inflated any further. src must not alias dst's spare
// capacity.
func inflate(dst, src []byte, limit int) ([]byte, error) {
	z := inflaters.Get().(*inflater)
	defer inflaters.Put(z)
	z.src.Reset(src)
	if z.zr == nil {
		zr, err := zlib.NewReader(&z.src)
		if err != nil {
			return dst, err
		}
		z.zr = zr
	} else if err := z.zr.(zlib.Resetter).Reset(&z.src, nil); err != nil {
		return dst, err
	}
	start := len(dst)
	for {
		if len(dst)-start > limit {
			return dst[:start], errInflatedTooLarge
		}
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		end := min(cap(dst), start+limit+1)
		n, err := z.zr.Read(dst[len(dst):end])
		dst = dst[:len(dst)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return dst[:start], err
		}
	}
	if len(dst)-start > limit {
		return dst[:start], errInflatedTooLarge
	}
	if z.src.Len() != 0 {
		return dst[:start], errTrailingData
	}
	return dst, nil
}

// inflater is a pooled zlib reader: compressed cookies are rare, and a new
// reader costs tens of kilobytes.
type inflater struct {
	src bytes.Reader
	zr  io.ReadCloser
}

var inflaters = sync.Pool{New: func() any { return new(inflater) }}

// deflater is a pooled zlib writer with its output buffer.
type deflater struct {
	zw  *zlib.Writer
	out []byte
}

var deflaters = sync.Pool{New: func() any { return new(deflater) }}

// flaskCompression is the zlib level Go compresses Flask cookies at:
// Python's zlib.compress default, so that a session near the size limit
// fits here when it fits in Flask.
const flaskCompression = zlib.DefaultCompression

// flaskCompressMin is the shortest JSON Go tries to compress. itsdangerous
// tries every payload; compressing costs microseconds (a save with
// SESSION_REFRESH_EACH_REQUEST happens on every request) and saves a few
// bytes on a small session, and only a large one comes near the 4096 bytes
// a browser keeps: below 1 KiB of JSON the cookie is under 1,400 bytes
// either way. Flask reads both forms, whichever side wrote them.
const flaskCompressMin = 1024

func (z *deflater) Write(p []byte) (int, error) {
	z.out = append(z.out, p...)
	return len(p), nil
}

// compress zlib-compresses payload into z.out; false if it failed.
func (z *deflater) compress(payload []byte) bool {
	z.out = z.out[:0]
	if z.zw == nil {
		zw, err := zlib.NewWriterLevel(z, flaskCompression)
		if err != nil {
			return false
		}
		z.zw = zw
	} else {
		z.zw.Reset(z)
	}
	if _, err := z.zw.Write(payload); err != nil {
		return false
	}
	return z.zw.Close() == nil
}

// release returns z to the pool, without a buffer grown past a cookie's
// size.
func (z *deflater) release() {
	if cap(z.out) > 2*MaxCookieSize {
		z.out = nil
	}
	deflaters.Put(z)
}
