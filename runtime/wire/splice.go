package wire

import "errors"

// ErrNotList is returned by SpliceList for an entry that does not hold a
// list, or lists of different element types.
var ErrNotList = errors.New("wire: not lists of one element type")

// ErrNotGroup is returned by MergeGroup for an entry that does not hold a
// group.
var ErrNotGroup = errors.New("wire: not a group")

// ListLen returns the number of elements of the list an entry holds (see
// Decoder.Entry); 0 for nil.
func ListLen(entry []byte) (int, error) {
	if entry == nil {
		return 0, nil
	}
	_, _, count, _, err := listOf(entry)
	return count, err
}

// SpliceList returns an entry holding the list of entry theirs (none when
// nil) followed by the elements of the list of entry ours after its first
// skip: how an append made to a list of skip elements is applied again to
// the list as another writer left it. The key is ours'.
func SpliceList(theirs, ours []byte, skip int) ([]byte, error) {
	key, elem, count, elems, err := listOf(ours)
	if err != nil {
		return nil, err
	}
	if skip < 0 || skip > count {
		return nil, ErrNotList
	}
	suffixAt, err := elementsEnd(elem, elems, count, skip)
	if err != nil {
		return nil, err
	}
	suffix := elems[suffixAt:]
	var prefix []byte
	n := count - skip
	if theirs != nil {
		_, telem, tcount, telems, err := listOf(theirs)
		if err != nil {
			return nil, err
		}
		if telem != elem {
			return nil, ErrNotList
		}
		if _, err := elementsEnd(elem, telems, tcount, tcount); err != nil {
			return nil, err
		}
		prefix, n = telems, n+tcount
	}
	var e Encoder
	e.Key(string(key), TypeList)
	mark := e.ListValue(elem, n)
	e.buf = append(e.buf, prefix...)
	e.buf = append(e.buf, suffix...)
	e.EndList(mark)
	return e.Data(), nil
}

// elementsEnd checks that elems holds exactly count elements of type elem
// and returns where the element at index at begins.
func elementsEnd(elem Type, elems []byte, count, at int) (int, error) {
	d := Decoder{buf: elems, depth: 1}
	pos := 0
	for i := range count {
		if i == at {
			pos = d.pos
		}
		d.typ, d.pending = elem, true
		if !d.skip() {
			return 0, ErrCorrupt
		}
	}
	if at == count {
		pos = d.pos
	}
	if d.pos != len(elems) {
		return 0, ErrCorrupt
	}
	return pos, nil
}

// listOf takes apart an entry holding a list: its key, element type,
// count and elements' bytes.
func listOf(entry []byte) (key []byte, elem Type, count int, elems []byte, err error) {
	d := Decoder{buf: entry}
	if !d.Next() || d.typ != TypeList {
		return nil, 0, 0, nil, ErrNotList
	}
	key = d.key
	elem, count, end, ok := d.listHeader()
	if !ok || end != len(entry) {
		return nil, 0, 0, nil, ErrCorrupt
	}
	return key, elem, count, entry[d.pos:end], nil
}

// MergeGroup returns an entry holding the map (a group of entries keyed by
// map keys) of entry theirs (none when nil) with the changes that took the
// map of entry base (none when nil) to that of entry ours applied key by
// key: a key whose entry differs between base and ours takes ours' entry,
// or is removed when ours has none. How a request's key changes are
// applied again to the map as another writer left it. The key is ours'.
func MergeGroup(base, theirs, ours []byte) ([]byte, error) {
	key, oursKeys, oursEntries, err := groupOf(ours)
	if err != nil {
		return nil, err
	}
	_, _, baseEntries, err := groupOf(base)
	if err != nil {
		return nil, err
	}
	_, theirsKeys, theirsEntries, err := groupOf(theirs)
	if err != nil {
		return nil, err
	}
	changed := func(k string) bool { return string(baseEntries[k]) != string(oursEntries[k]) }
	var e Encoder
	mark := e.BeginGroup(string(key))
	seen := map[string]bool{}
	for _, k := range theirsKeys {
		seen[k] = true
		switch {
		case !changed(k):
			e.buf = append(e.buf, theirsEntries[k]...)
		case oursEntries[k] != nil:
			e.buf = append(e.buf, oursEntries[k]...)
		}
	}
	for _, k := range oursKeys {
		if !seen[k] && changed(k) {
			e.buf = append(e.buf, oursEntries[k]...)
		}
	}
	e.EndGroup(mark)
	return e.Data(), nil
}

// groupOf takes apart an entry holding a group (nil: an empty one): its
// key, its inner keys in order, and each inner entry as encoded.
func groupOf(entry []byte) (key []byte, keys []string, entries map[string][]byte, err error) {
	entries = map[string][]byte{}
	if entry == nil {
		return nil, nil, entries, nil
	}
	d := Decoder{buf: entry}
	if !d.Next() || d.typ != TypeGroup {
		return nil, nil, nil, ErrNotGroup
	}
	key = d.key
	g, err := d.Group()
	if err != nil || d.pos != len(entry) {
		return nil, nil, nil, ErrCorrupt
	}
	for g.Next() {
		k := string(g.Key())
		raw := g.Entry()
		if raw == nil {
			break
		}
		if _, dup := entries[k]; !dup {
			keys = append(keys, k)
		}
		entries[k] = raw
	}
	if g.Err() != nil {
		return nil, nil, nil, g.Err()
	}
	return key, keys, entries, nil
}
