package flaskjson

import "errors"

// ErrUnknownMember is what a generated DecodeFlaskMember returns for a key
// that is no field's: a key the Flask app stores for itself (Flask-Login's
// _user_id, Flask-WTF's csrf_token), or a field's since removed. The
// runtime keeps such members (AppendTagged) and writes them back
// (RawValue), as Flask keeps every key of its session dict, so a Go
// service saving a shared session never loses what the Flask app put in it.
var ErrUnknownMember = errors.New("flaskjson: no field has this session key")

// AppendTagged appends v as Flask writes the same value back after loading
// it: tags kept (tuple, bytes, Markup, UUID, datetime, escaped dict), object
// keys sorted, numbers and strings in Flask's spelling. A tagged value
// whose content Flask could not have written (bytes that are not base64)
// is written as null.
func (v Value) AppendTagged(dst []byte) []byte {
	e := Encoder{buf: dst}
	e.writeTagged(v)
	return e.buf
}

// RawValue appends, as the next value, JSON that AppendTagged wrote: it is
// copied as it is, not checked.
func (e *Encoder) RawValue(json []byte) {
	e.value()
	e.buf = append(e.buf, json...)
}

// writeTagged writes a value of a tagged parse back as Flask would.
func (e *Encoder) writeTagged(v Value) {
	switch n := v.node(); n.kind {
	case Null, Bool, Number, String:
		e.writePlain(v)
	case List, Tuple:
		if n.kind == Tuple {
			e.BeginTuple()
		} else {
			e.BeginList()
		}
		first, end, _, err := v.elements()
		if err == nil {
			for i := first; i < end; i = v.doc.nodes[i].next {
				e.writeTagged(Value{v.doc, i})
			}
		}
		if n.kind == Tuple {
			e.EndTuple()
		} else {
			e.EndList()
		}
	case Object, escapedDict:
		e.BeginObject()
		if m, err := v.Members(); err == nil {
			for m.Next() {
				e.Key(m.Key())
				e.writeTagged(m.Value())
			}
		}
		e.EndObject()
	case Bytes:
		if b, err := v.Bytes(); err == nil {
			e.BytesValue(b)
		} else {
			e.Null()
		}
	case Markup:
		if s, err := v.String(); err == nil {
			e.MarkupValue(s)
		} else {
			e.Null()
		}
	case UUID:
		if u, err := v.UUID(); err == nil {
			e.UUIDValue(u)
		} else {
			e.Null()
		}
	case Time:
		if t, err := v.Time(); err == nil {
			e.TimeValue(t)
		} else {
			e.Null()
		}
	default:
		e.Null()
	}
}
