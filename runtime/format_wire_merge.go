package runtime

import (
	"bytes"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// The wire encoding merges concurrent changes of one session (merger) entry
// by entry: a field is one top-level entry, keyed by its session key, so
// two payloads compare field by field without decoding a value, and a
// merged payload is spliced from the entries of the two.

// wirePayload is a payload taken apart: its flags, its creation time, its
// flashes, and its other entries as they are encoded, in order.
type wirePayload struct {
	flags   byte
	created int64
	flashes []Flash
	keys    []string
	entries map[string][]byte // by key
}

func parseWirePayload(p []byte) (wirePayload, error) {
	var w wirePayload
	if len(p) < 2 || p[0] != payloadVersion {
		return w, wire.ErrCorrupt
	}
	w.flags = p[1]
	w.entries = map[string][]byte{}
	var d wire.Decoder
	d.Reset(p[2:])
	for d.Next() {
		key := string(d.Key())
		if len(key) > 0 && key[0] == metaPrefix {
			var m sessionimpl.Meta
			decodeMeta(&m, d.Key(), &d)
			if key == metaCreated {
				w.created = m.Created
			} else if key == metaFlashes {
				w.flashes = m.Flashes
			}
			continue
		}
		entry := d.Entry()
		if entry == nil {
			break
		}
		if _, dup := w.entries[key]; !dup {
			w.keys = append(w.keys, key)
		}
		w.entries[key] = entry
	}
	return w, d.Err()
}

// merge applies the request's changes (ours, from base) onto theirs:
//
//   - a field the request read (its value or presence) that theirs changed
//     from base is a conflict, unless lastWriterWins;
//   - a field the request wrote takes ours' entry (or its absence); every
//     other entry, a later release's fields included, is theirs';
//   - a list the request only appended to takes theirs' elements, then the
//     ones the request appended; a map it only changed key by key takes
//     theirs' keys with the request's key changes applied;
//   - the permanent flag is ours' if the request set it, else theirs';
//   - flashes: theirs', less the ones the request showed (by value, one
//     for one), then the ones it added.
func (wireEncoding) merge(base, theirs, ours []byte, m *sessionimpl.Meta, index fieldIndex, lastWriterWins bool) ([]byte, []string, error) {
	b, err := parseWirePayload(base)
	if err != nil {
		return nil, nil, err
	}
	t, err := parseWirePayload(theirs)
	if err != nil {
		return nil, nil, err
	}
	o, err := parseWirePayload(ours)
	if err != nil {
		return nil, nil, err
	}
	var conflicts []string
	if !lastWriterWins {
		seen := map[string]bool{}
		for _, list := range [][]string{b.keys, t.keys} {
			for _, k := range list {
				i, known := index[k]
				if seen[k] || !known || !m.Reads.Has(i) {
					continue
				}
				seen[k] = true
				if !bytes.Equal(b.entries[k], t.entries[k]) {
					conflicts = append(conflicts, k)
				}
			}
		}
		if len(conflicts) > 0 {
			return nil, conflicts, nil
		}
	}
	written := func(k string) bool {
		i, known := index[k]
		return known && m.Writes.Has(i)
	}
	// A list the request only appended to, or a map it only changed key
	// by key, without reading it, that another request changed: the
	// request's changes are replayed onto theirs.
	for _, k := range o.keys {
		i, known := index[k]
		if !known || !m.Replays.Has(i) || m.Reads.Has(i) || bytes.Equal(b.entries[k], t.entries[k]) {
			continue
		}
		var err error
		if entryType(o.entries[k]) == wire.TypeGroup { // a map changed key by key
			o.entries[k], err = wire.MergeGroup(b.entries[k], t.entries[k], o.entries[k])
		} else { // a list appended to
			var from int
			if from, err = wire.ListLen(b.entries[k]); err == nil {
				o.entries[k], err = wire.SpliceList(t.entries[k], o.entries[k], from)
			}
		}
		if err != nil {
			return nil, []string{k}, nil
		}
	}

	flags := t.flags
	if m.Has(sessionimpl.StatusPermanentWritten) {
		flags = o.flags
	}
	meta := sessionimpl.Meta{Created: t.created, Flashes: mergeFlashes(b.flashes, t.flashes, m)}
	if meta.Created == 0 {
		meta.Created = o.created
	}
	var e wire.Encoder
	e.Raw(payloadVersion, flags)
	encodeMeta(&e, &meta)
	for _, k := range t.keys {
		if !written(k) {
			e.Raw(t.entries[k]...)
		}
	}
	for _, k := range o.keys {
		if written(k) {
			e.Raw(o.entries[k]...)
		}
	}
	return e.Data(), nil, nil
}

// entryType returns the wire type of an entry's value (0 for none).
func entryType(entry []byte) wire.Type {
	var d wire.Decoder
	d.Reset(entry)
	if !d.Next() {
		return 0
	}
	return d.Type()
}

// mergeFlashes returns theirs' flashes less those the request showed, one
// for one, then those the request added: m.Flashes is what the request
// would store, the flashes it loaded (base) first unless it showed them.
func mergeFlashes(base, theirs []Flash, m *sessionimpl.Meta) []Flash {
	added := m.Flashes
	if !m.Popped && len(added) >= len(base) {
		added = added[len(base):]
	}
	out := make([]Flash, 0, len(theirs)+len(added))
	shown := append([]Flash(nil), m.Shown...)
	for _, f := range theirs {
		if i := indexFlash(shown, f); i >= 0 {
			shown = append(shown[:i], shown[i+1:]...)
			continue
		}
		out = append(out, f)
	}
	return append(out, added...)
}

func indexFlash(list []Flash, f Flash) int {
	for i, g := range list {
		if g == f {
			return i
		}
	}
	return -1
}
