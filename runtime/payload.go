package runtime

import (
	"strconv"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// encoding is the seam between a session and the bytes storage keeps: the
// framing of the session's metadata (the permanent flag, flashes, creation
// time) and of its fields. The wire format below is the first; a second
// format (Flask's tagged JSON) sits beside it, and the open and save policy
// does not change.
type encoding[S any] interface {
	// marshal returns s's payload, which may alias sc.
	marshal(sc *scratch, s *S) ([]byte, error)
	// unmarshal fills the zero session s from payload. A structurally
	// broken payload is an error matching ErrPayload (the session is then
	// discarded); a field whose stored value no longer fits is dropped and
	// returned as a *FieldError in dropped, and the rest is kept.
	unmarshal(sc *scratch, s *S, payload []byte) (dropped []error, err error)
	// field returns the top-level field key of a payload as text (a
	// string as it is, an integer in decimal), or "" if it is absent or of
	// another type, without decoding the session: server-side sessions
	// are indexed by user with it (Config.UserKey).
	field(payload []byte, key string) string
}

// wireEncoding frames a session in the wire format, the fields written and
// read by the generated code without reflection:
//
//	payload = version flags entry*
//	version = 1
//	flags   = bit 0: the permanent flag is stored; bit 1: its value
//	entry   = a wire entry: metadata (keys starting with NUL) or a field
type wireEncoding[S any] struct {
	codec Codec[S]
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

func (we wireEncoding[S]) marshal(sc *scratch, s *S) ([]byte, error) {
	e := &sc.enc
	e.Reset(e.Data())
	st := we.codec.State(s)
	var flags byte
	if st.has(statusPermanentSet) {
		flags |= flagPermanentSet
	}
	if st.has(statusPermanent) {
		flags |= flagPermanent
	}
	e.Raw(payloadVersion, flags)
	encodeMeta(e, st)
	if err := we.codec.Encode(s, e); err != nil {
		return nil, err
	}
	return e.Data(), nil
}

func (we wireEncoding[S]) unmarshal(sc *scratch, s *S, payload []byte) ([]error, error) {
	if len(payload) < 2 || payload[0] != payloadVersion || payload[1]&^(flagPermanentSet|flagPermanent) != 0 {
		return nil, wire.ErrCorrupt
	}
	st := we.codec.State(s)
	if payload[1]&flagPermanentSet != 0 {
		st.status |= statusPermanentSet
	}
	if payload[1]&flagPermanent != 0 {
		st.status |= statusPermanent
	}
	d := &sc.dec
	// One string holds every string the payload carries.
	d.ResetText(payload[2:], string(payload[2:]))
	defer d.Reset(nil) // the pool must not keep the strings alive
	var dropped []error
	for d.Next() {
		if key := d.Key(); len(key) > 0 && key[0] == metaPrefix {
			decodeMeta(st, key, d)
			continue
		}
		if err := we.codec.DecodeEntry(s, d.Key(), d); err != nil {
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
func decodeMeta(st *State, key []byte, d *wire.Decoder) {
	switch string(key) {
	case metaCreated:
		if v, err := d.Int(); err == nil && v > 0 {
			st.created = v
		}
	case metaFlashes:
		v, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
		if err != nil || len(v)%2 != 0 {
			return
		}
		for i := 0; i < len(v); i += 2 {
			st.flashes = append(st.flashes, Flash{Category: v[i], Message: v[i+1]})
		}
	}
}

func encodeMeta(e *wire.Encoder, st *State) {
	if st.created != 0 {
		e.Int(metaCreated, st.created)
	}
	if len(st.flashes) == 0 {
		return
	}
	mark := e.BeginList(metaFlashes, wire.TypeBytes, 2*len(st.flashes))
	for _, f := range st.flashes {
		e.StringValue(f.Category)
		e.StringValue(f.Message)
	}
	e.EndList(mark)
}

func (wireEncoding[S]) field(payload []byte, key string) string {
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
