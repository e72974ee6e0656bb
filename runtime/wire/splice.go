package wire

import "errors"

// ErrNotList is returned by SpliceList for an entry that does not hold a
// list, or lists of different element types.
var ErrNotList = errors.New("wire: not lists of one element type")

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
