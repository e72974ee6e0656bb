package runtime

import (
	"errors"
	"strconv"
	"sync"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// flaskEncoding frames a session as Flask's own session cookie holds it: one
// object in Flask's tagged JSON (runtime/flaskjson), written as Flask 3.1
// writes it, the fields as members keyed by their session keys (the
// generated Codec.EncodeFlask and DecodeFlaskMember), and Flask's metadata
// keys among them, in the same sorted order:
//
//	_permanent  true or false, only while the permanent flag is stored (Flask
//	            writes it once session.permanent is set, even to False)
//	_flashes    while flashes are stored: a list of (category, message) tuples,
//	            [{" t":["message","Hello"]}], as flask.flash stores them
//
// The creation time (Config.AbsoluteLifetime) has no key in Flask's
// sessions and is not written. Members of no field (a Flask app's own keys,
// such as Flask-Login's _user_id or Flask-WTF's csrf_token) are kept as
// they came and written back with the fields, as Flask keeps every key of
// its session, until the session is cleared: a Go service that saves a
// shared session never loses what the Flask app put in it.
type flaskEncoding struct {
	c *codec
}

// Flask's metadata keys. The generator refuses them as session keys.
const (
	flaskPermanentKey = "_permanent"
	flaskFlashesKey   = "_flashes"
)

// flaskScratch is the memory one marshal or unmarshal works in. The JSON
// itself is written into the request's scratch (see marshal); what is kept
// here is the encoder's and parser's bookkeeping, which nothing returned
// refers to.
type flaskScratch struct {
	enc    flaskjson.Encoder
	parser flaskjson.Parser
}

var flaskScratchPool = sync.Pool{New: func() any { return new(flaskScratch) }}

func (fe flaskEncoding) marshal(sc *scratch, s session) ([]byte, error) {
	fs := flaskScratchPool.Get().(*flaskScratch)
	defer flaskScratchPool.Put(fs)
	e := &fs.enc
	// The JSON goes into the memory of sc's wire encoder, which this format
	// leaves unused: the payload lives as long as sc, as marshal promises,
	// and sc keeps the memory (grown) for the next request.
	e.Reset(sc.enc.Data())
	defer func() {
		sc.enc.Reset(e.Data())
		e.Reset(nil)
	}()
	e.BeginObject()
	if s.m.Has(sessionimpl.StatusPermanentSet) {
		e.Bool(flaskPermanentKey, s.m.Has(sessionimpl.StatusPermanent))
	}
	if len(s.m.Flashes) > 0 {
		e.Key(flaskFlashesKey)
		e.BeginList()
		for _, f := range s.m.Flashes {
			e.BeginTuple()
			e.StringValue(f.Category)
			e.StringValue(f.Message)
			e.EndTuple()
		}
		e.EndList()
	}
	if err := fe.c.encodeFlask(s.v, e); err != nil {
		return nil, err
	}
	for _, m := range s.m.Kept {
		e.Key(m.Key)
		e.RawValue(m.Raw)
	}
	e.EndObject()
	if err := e.Err(); err != nil {
		return nil, err
	}
	return e.Data(), nil
}

func (fe flaskEncoding) unmarshal(_ *scratch, s session, payload []byte) ([]error, error) {
	fs := flaskScratchPool.Get().(*flaskScratch)
	defer flaskScratchPool.Put(fs)
	defer fs.parser.Reset() // the pool must not keep the payload alive
	root, err := fs.parser.Parse(payload)
	if err != nil {
		return nil, err
	}
	members, err := root.Members()
	if err != nil {
		return nil, errFlaskNotObject
	}
	var dropped []error
	for members.Next() {
		switch key := members.Key(); key {
		case flaskPermanentKey:
			// Flask reads any value here, as Python's truth; anything but a
			// bool is not what Flask writes, and is left unset.
			if p, err := members.Value().Bool(); err == nil {
				s.m.Status |= sessionimpl.StatusPermanentSet
				if p {
					s.m.Status |= sessionimpl.StatusPermanent
				}
			}
		case flaskFlashesKey:
			decodeFlaskFlashes(s.m, members.Value())
		default:
			err := fe.c.decodeFlaskMember(s.v, key, members.Value())
			switch {
			case errors.Is(err, flaskjson.ErrUnknownMember):
				s.m.Kept = append(s.m.Kept, sessionimpl.Member{Key: key, Raw: members.Value().AppendTagged(nil)})
			case err != nil:
				dropped = append(dropped, &FieldError{Key: key, Err: err})
			}
		}
	}
	return dropped, nil
}

var errFlaskNotObject = errors.New("sessiongen: the Flask session's JSON is not an object")

// decodeFlaskFlashes reads _flashes: a list of (category, message) tuples
// (or lists). A flash whose category or message is not a string (or
// Markup) is left out; the others are kept.
func decodeFlaskFlashes(m *sessionimpl.Meta, v flaskjson.Value) {
	flaskjson.Slice(v, func(x flaskjson.Value) (struct{}, error) {
		pair, err := flaskjson.Slice(x, flaskjson.ReadString[string])
		if err == nil && len(pair) == 2 {
			m.Flashes = append(m.Flashes, Flash{Category: pair[0], Message: pair[1]})
		}
		return struct{}{}, nil
	})
}

func (flaskEncoding) field(payload []byte, key string) string {
	fs := flaskScratchPool.Get().(*flaskScratch)
	defer flaskScratchPool.Put(fs)
	defer fs.parser.Reset()
	root, err := fs.parser.Parse(payload)
	if err != nil {
		return ""
	}
	members, err := root.Members()
	if err != nil {
		return ""
	}
	for members.Next() {
		if members.Key() != key {
			continue
		}
		v := members.Value()
		if s, err := v.String(); err == nil {
			return s
		}
		if n, err := v.Int(); err == nil {
			return strconv.FormatInt(n, 10)
		}
		return ""
	}
	return ""
}
