package runtime

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"time"
)

// macSigner is securecookie's format without encryption, written for the hot
// path: securecookie's own Encode and Decode take 28 allocations a round
// trip (measured with v1.1.2), more than a whole request's budget here. This
// one takes one: the string it returns. The format, step by step as
// securecookie writes it:
//
//	value   = base64url(date "|" base64url(payload) "|" mac)
//	mac     = HMAC-SHA256(key, prefix name "|" date "|" base64url(payload))
//	date    = Unix seconds, decimal
//
// (base64url with padding; prefix is the salt and a dot, see newSigner).
// Tests check it both ways against securecookie. Both base64 layers are
// decoded strictly: securecookie ignores the unused bits of the last
// character, so several values would verify to the same content.
type macSigner struct {
	keys   [][]byte // current key first, then the fallbacks
	prefix string
}

var b64 = base64.URLEncoding.Strict()

// hashes returns sc's HMAC states, made on first use.
func (m *macSigner) hashes(sc *scratch) []hash.Hash {
	if len(sc.macs) != len(m.keys) {
		sc.macs = make([]hash.Hash, len(m.keys))
		for i, k := range m.keys {
			sc.macs[i] = hmac.New(sha256.New, k)
		}
	}
	return sc.macs
}

func (m *macSigner) seal(sc *scratch, dst []byte, name string, payload []byte, now time.Time) ([]byte, error) {
	// prefix name|date|b64(payload) is what the MAC covers; the value
	// drops prefix name|.
	b := append(sc.buf[:0], m.prefix...)
	b = append(b, name...)
	b = append(b, '|')
	dateAt := len(b)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '|')
	b = b64.AppendEncode(b, payload)
	h := m.hashes(sc)[0]
	h.Reset()
	h.Write(b)
	b = append(b, '|')
	b = h.Sum(b)
	sc.buf = b
	return b64.AppendEncode(dst, b[dateAt:]), nil
}

// open verifies value and returns its payload, which aliases sc, and its
// date, unchecked: checkCookieAge judges it.
func (m *macSigner) open(sc *scratch, name, value string) ([]byte, int64, error) {
	if !validCookieValue(value) {
		return nil, -1, errNotCookieValue
	}
	date, payload, err := m.verify(sc, name, value)
	if err != nil {
		return nil, -1, err
	}
	return payload, date, nil
}

// verify checks value's MAC under each key and returns its date and
// payload, which aliases sc.
func (m *macSigner) verify(sc *scratch, name, value string) (int64, []byte, error) {
	fail := func(err, cause error) (int64, []byte, error) {
		return 0, nil, &CookieError{Name: name, Size: len(value), Err: err, Cause: cause}
	}
	// Layout of sc.buf: [value copy][decoded value][name|date|b64][payload].
	n := len(value)
	b := append(sc.buf[:0], value...)
	decAt := len(b)
	b, err := b64.AppendDecode(b, b[:n])
	if err != nil {
		return fail(ErrCookieInvalid, err)
	}
	msg := b[decAt:]
	// date|b64(payload)|mac, split at the first two bars: the MAC is raw
	// bytes and may hold bars itself.
	i := bytes.IndexByte(msg, '|')
	if i < 0 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	j := bytes.IndexByte(msg[i+1:], '|')
	if j < 0 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	signed, mac := msg[:i+1+j], msg[i+2+j:]
	macAt := len(b)
	b = append(b, m.prefix...)
	b = append(b, name...)
	b = append(b, '|')
	b = append(b, signed...)
	covered := b[macAt:]
	ok := false
	for _, h := range m.hashes(sc) {
		h.Reset()
		h.Write(covered)
		sum := h.Sum(sc.sum[:0])
		if len(mac) == len(sum) && subtle.ConstantTimeCompare(mac, sum) == 1 {
			ok = true
			break
		}
	}
	sc.buf = b
	if !ok {
		return fail(ErrCookieInvalid, errBadMAC)
	}
	// The MAC verified: from here on the bytes are the server's own.
	date, ok := parseUnix(msg[:i])
	if !ok {
		return fail(ErrCookieInvalid, errMalformed)
	}
	payloadAt := len(b)
	b, err = b64.AppendDecode(b, msg[i+1:i+1+j])
	sc.buf = b
	if err != nil {
		return fail(ErrPayload, err)
	}
	return date, b[payloadAt:], nil
}

// parseUnix parses a signed decimal as strconv.ParseInt(s, 10, 64) does,
// without making a string of it.
func parseUnix(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if (!neg && v > 1<<63-1) || (neg && v > 1<<63) {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}
