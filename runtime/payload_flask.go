package runtime

import (
	"errors"
	"strconv"
	"sync"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
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
type flaskEncoding[S any] struct {
	codec Codec[S]
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

var errNoFlaskCodec = errors.New("sessiongen: the session type's Codec has no Flask encoding (EncodeFlask, DecodeFlaskMember): regenerate it with this release's sessiongen")

func (fe flaskEncoding[S]) marshal(sc *scratch, s *S) ([]byte, error) {
	if fe.codec.EncodeFlask == nil {
		return nil, errNoFlaskCodec
	}
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
	st := fe.codec.State(s)
	e.BeginObject()
	if st.has(statusPermanentSet) {
		e.Bool(flaskPermanentKey, st.has(statusPermanent))
	}
	if len(st.flashes) > 0 {
		e.Key(flaskFlashesKey)
		e.BeginList()
		for _, f := range st.flashes {
			e.BeginTuple()
			e.StringValue(f.Category)
			e.StringValue(f.Message)
			e.EndTuple()
		}
		e.EndList()
	}
	if err := fe.codec.EncodeFlask(s, e); err != nil {
		return nil, err
	}
	for _, m := range st.flaskKept {
		e.Key(m.key)
		e.RawValue(m.json)
	}
	e.EndObject()
	if err := e.Err(); err != nil {
		return nil, err
	}
	return e.Data(), nil
}

func (fe flaskEncoding[S]) unmarshal(_ *scratch, s *S, payload []byte) ([]error, error) {
	if fe.codec.DecodeFlaskMember == nil {
		return nil, errNoFlaskCodec
	}
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
	st := fe.codec.State(s)
	var dropped []error
	for members.Next() {
		switch key := members.Key(); key {
		case flaskPermanentKey:
			// Flask reads any value here, as Python's truth; anything but a
			// bool is not what Flask writes, and is left unset.
			if p, err := members.Value().Bool(); err == nil {
				st.status |= statusPermanentSet
				if p {
					st.status |= statusPermanent
				}
			}
		case flaskFlashesKey:
			decodeFlaskFlashes(st, members.Value())
		default:
			err := fe.codec.DecodeFlaskMember(s, key, members.Value())
			switch {
			case errors.Is(err, flaskjson.ErrUnknownMember):
				st.flaskKept = append(st.flaskKept, keptMember{key: key, json: members.Value().AppendTagged(nil)})
			case err != nil:
				dropped = append(dropped, &FieldError{Key: key, Err: err})
			}
		}
	}
	return dropped, nil
}

// keptMember is a member of a Flask session that no field reads, as Flask
// writes it; it goes back into the cookie as it came.
type keptMember struct {
	key  string
	json []byte
}

var errFlaskNotObject = errors.New("sessiongen: the Flask session's JSON is not an object")

// decodeFlaskFlashes reads _flashes: a list of (category, message) tuples
// (or lists). A flash whose category or message is not a string (or
// Markup) is left out; the others are kept.
func decodeFlaskFlashes(st *State, v flaskjson.Value) {
	flaskjson.Slice(v, func(x flaskjson.Value) (struct{}, error) {
		pair, err := flaskjson.Slice(x, flaskjson.ReadString[string])
		if err == nil && len(pair) == 2 {
			st.flashes = append(st.flashes, Flash{Category: pair[0], Message: pair[1]})
		}
		return struct{}{}, nil
	})
}

func (flaskEncoding[S]) field(payload []byte, key string) string {
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
