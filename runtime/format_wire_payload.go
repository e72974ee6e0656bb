package runtime

import (
	"strconv"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// wireEncoding frames a session in the wire format, the fields written and
// read by the generated code without reflection:
//
//	payload = version flags entry*
//	version = 1
//	flags   = bit 0: the permanent flag is stored; bit 1: its value
//	entry   = a wire entry: metadata (keys starting with NUL) or a field
type wireEncoding struct {
	c *codec
}

// payloadVersion is the first byte of every payload. A payload with another
// first byte is refused as a whole (ErrPayload) and the request gets a
// fresh session.
const payloadVersion = 1

// Flag bits, the payload's second byte.
const (
	flagPermanentSet = 1 << iota
	flagPermanent
)

// Metadata entries have keys that start with a NUL byte, which the
// generator refuses in session keys: they cannot collide with user fields.
const (
	metaPrefix  = 0
	metaFlashes = "\x00flashes" // a list of strings: category, message, category, message...
	metaCreated = "\x00created" // Unix seconds; written only with Config.AbsoluteLifetime
)

func (we wireEncoding) marshal(sc *scratch, s session) ([]byte, error) {
	e := &sc.enc
	e.Reset(e.Data())
	var flags byte
	if s.m.Has(sessionimpl.StatusPermanentSet) {
		flags |= flagPermanentSet
	}
	if s.m.Has(sessionimpl.StatusPermanent) {
		flags |= flagPermanent
	}
	e.Raw(payloadVersion, flags)
	encodeMeta(e, s.m)
	if err := we.c.encode(s.v, e); err != nil {
		return nil, err
	}
	return e.Data(), nil
}

func (we wireEncoding) unmarshal(sc *scratch, s session, payload []byte) ([]error, error) {
	if len(payload) < 2 || payload[0] != payloadVersion || payload[1]&^(flagPermanentSet|flagPermanent) != 0 {
		return nil, wire.ErrCorrupt
	}
	if payload[1]&flagPermanentSet != 0 {
		s.m.Status |= sessionimpl.StatusPermanentSet
	}
	if payload[1]&flagPermanent != 0 {
		s.m.Status |= sessionimpl.StatusPermanent
	}
	d := &sc.dec
	// One string holds every string the payload carries.
	d.ResetText(payload[2:], string(payload[2:]))
	defer d.Reset(nil) // the pool must not keep the strings alive
	var dropped []error
	for d.Next() {
		if key := d.Key(); len(key) > 0 && key[0] == metaPrefix {
			decodeMeta(s.m, key, d)
			continue
		}
		if err := we.c.decodeEntry(s.v, d.Key(), d); err != nil {
			if d.Err() != nil {
				break
			}
			dropped = append(dropped, &FieldError{Key: string(d.Key()), Err: err})
		}
	}
	return dropped, d.Err()
}

// decodeMeta reads a metadata entry; unknown ones, from a later release, are
// skipped.
func decodeMeta(m *sessionimpl.Meta, key []byte, d *wire.Decoder) {
	switch string(key) {
	case metaCreated:
		if v, err := d.Int(); err == nil && v > 0 {
			m.Created = v
		}
	case metaFlashes:
		v, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
		if err != nil || len(v)%2 != 0 {
			return
		}
		for i := 0; i < len(v); i += 2 {
			m.Flashes = append(m.Flashes, Flash{Category: v[i], Message: v[i+1]})
		}
	}
}

func encodeMeta(e *wire.Encoder, m *sessionimpl.Meta) {
	if m.Created != 0 {
		e.Int(metaCreated, m.Created)
	}
	if len(m.Flashes) == 0 {
		return
	}
	mark := e.BeginList(metaFlashes, wire.TypeBytes, 2*len(m.Flashes))
	for _, f := range m.Flashes {
		e.StringValue(f.Category)
		e.StringValue(f.Message)
	}
	e.EndList(mark)
}

func (wireEncoding) field(payload []byte, key string) string {
	if len(payload) < 2 {
		return ""
	}
	var d wire.Decoder
	d.Reset(payload[2:])
	for d.Next() {
		if string(d.Key()) != key {
			continue
		}
		switch d.Type() {
		case wire.TypeBytes:
			v, _ := d.String()
			return v
		case wire.TypeInt:
			v, _ := d.Int()
			return strconv.FormatInt(v, 10)
		case wire.TypeUint:
			v, _ := d.Uint()
			return strconv.FormatUint(v, 10)
		}
		return ""
	}
	return ""
}
