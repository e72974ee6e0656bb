package runtime

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// A third cookie format, added as docs/cookie-formats.md says: one row in
// the table, a signer and an encoding, in files of its own (this one), and
// no change to the core. format_toy_e2e_test.go serves sessions in it.

// CookieFormatToy is the toy format's name.
const CookieFormatToy CookieFormat = "toy"

func init() {
	registerFormat(&cookieFormat{
		name:      CookieFormatToy,
		about:     "a test format: hex HMAC-SHA512",
		aheadSkew: 2,
		salt:      "toy-salt",
		check: func(c *Config) error {
			if c.Store != nil {
				return &ConfigError{Field: "Store", Err: ErrCookieConfig, Hint: "the toy format keeps sessions in the cookie"}
			}
			return nil
		},
		signer: func(c *Config, salt string) (signer, error) {
			ts := &toySigner{salt: salt}
			for _, k := range append([][]byte{c.SecretKey}, c.SecretKeyFallbacks...) {
				ts.keys = append(ts.keys, k)
			}
			return ts, nil
		},
		encoding: func(c *codec) (encoding, error) {
			if c.encode == nil {
				return nil, &ConfigError{Field: "CookieFormat", Err: ErrCookieConfig, Hint: "no wire codec"}
			}
			return toyEncoding{c}, nil
		},
	})
}

// toySigner seals a payload as
//
//	hex(date, 8 bytes big-endian) "~" base64url(payload) "~" hex(HMAC-SHA512(key, salt "|" name "|" the two first parts))
type toySigner struct {
	keys [][]byte
	salt string
}

func (ts *toySigner) mac(key []byte, name, signed string) []byte {
	h := hmac.New(sha512.New, key)
	h.Write([]byte(ts.salt + "|" + name + "|" + signed))
	return h.Sum(nil)
}

func (ts *toySigner) seal(_ *scratch, dst []byte, name string, payload []byte, now time.Time) ([]byte, error) {
	var d [8]byte
	binary.BigEndian.PutUint64(d[:], uint64(now.Unix()))
	signed := hex.EncodeToString(d[:]) + "~" + base64.RawURLEncoding.EncodeToString(payload)
	dst = append(dst, signed...)
	dst = append(dst, '~')
	return hex.AppendEncode(dst, ts.mac(ts.keys[0], name, signed)), nil
}

func (ts *toySigner) open(_ *scratch, name, value string) ([]byte, int64, error) {
	if !validCookieValue(value) {
		return nil, -1, errNotCookieValue
	}
	fail := func(err, cause error) ([]byte, int64, error) {
		return nil, -1, &CookieError{Name: name, Size: len(value), Err: err, Cause: cause}
	}
	i := strings.LastIndexByte(value, '~')
	if i < 0 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	signed := value[:i]
	mac, err := hex.DecodeString(value[i+1:])
	if err != nil {
		return fail(ErrCookieInvalid, errBadMAC)
	}
	ok := false
	for _, k := range ts.keys {
		ok = ok || subtle.ConstantTimeCompare(mac, ts.mac(k, name, signed)) == 1
	}
	if !ok {
		return fail(ErrCookieInvalid, errBadMAC)
	}
	dateHex, b64, found := strings.Cut(signed, "~")
	d, err := hex.DecodeString(dateHex)
	if !found || err != nil || len(d) != 8 {
		return fail(ErrCookieInvalid, errMalformed)
	}
	payload, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return fail(ErrPayload, err)
	}
	return payload, int64(binary.BigEndian.Uint64(d)), nil
}

// toyEncoding frames a session as "TOY" flags, then the wire entries of
// its metadata and fields, written by the generated code.
type toyEncoding struct{ c *codec }

const toyMagic = "TOY"

func (te toyEncoding) marshal(sc *scratch, s session) ([]byte, error) {
	e := &sc.enc
	e.Reset(e.Data())
	var flags byte
	if s.m.Has(sessionimpl.StatusPermanentSet) {
		flags |= 1
	}
	if s.m.Has(sessionimpl.StatusPermanent) {
		flags |= 2
	}
	e.Raw(toyMagic[0], toyMagic[1], toyMagic[2], flags)
	encodeMeta(e, s.m)
	if err := te.c.encode(s.v, e); err != nil {
		return nil, err
	}
	return e.Data(), nil
}

func (te toyEncoding) unmarshal(_ *scratch, s session, payload []byte) ([]error, error) {
	if len(payload) < 4 || !bytes.HasPrefix(payload, []byte(toyMagic)) || payload[3] > 3 {
		return nil, wire.ErrCorrupt
	}
	if payload[3]&1 != 0 {
		s.m.Status |= sessionimpl.StatusPermanentSet
	}
	if payload[3]&2 != 0 {
		s.m.Status |= sessionimpl.StatusPermanent
	}
	var d wire.Decoder
	d.Reset(payload[4:])
	var dropped []error
	for d.Next() {
		if key := d.Key(); len(key) > 0 && key[0] == metaPrefix {
			decodeMeta(s.m, key, &d)
			continue
		}
		if err := te.c.decodeEntry(s.v, d.Key(), &d); err != nil {
			if d.Err() != nil {
				break
			}
			dropped = append(dropped, &FieldError{Key: string(d.Key()), Err: err})
		}
	}
	return dropped, d.Err()
}

func (toyEncoding) field(payload []byte, key string) string { return "" }
