package wire_test

import (
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// A cookie's payload is signed, but what it holds may still be hostile: a
// value the application stored for a user, or a cookie written before a
// field's type changed. These tests read such payloads into types whose
// elements are large, and check that what decoding allocates is bounded by
// the bytes of the payload, not by the counts it states.

// bytesAllocated returns the fewest bytes a call of f allocates over runs
// calls, after one to warm up. As in testing.AllocsPerRun, one P runs, so
// that nothing else allocates meanwhile; taking the fewest keeps anything
// that still does from failing a test.
func bytesAllocated(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	least := uint64(math.MaxUint64)
	var before, after runtime.MemStats
	for range runs {
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// page is a field type of 4 KiB; as generated code reads a byte array, an
// element of another length does not fit.
type page [4096]byte

func readPage(d *wire.Decoder) (page, error) {
	var v page
	b, err := d.Bytes()
	if err != nil {
		return v, err
	}
	if len(b) != len(v) {
		return v, wire.Mismatch("%d bytes for an array of %d", len(b), len(v))
	}
	copy(v[:], b)
	return v, nil
}

// record is a struct of 4 KiB read from a group, as generated code reads one:
// every field is optional, so an empty group is a record.
type record struct {
	id   int
	data page
}

func readRecord(d *wire.Decoder) (record, error) {
	var v record
	g, err := d.Group()
	if err != nil {
		return v, err
	}
	for g.Next() {
		switch string(g.Key()) {
		case "id":
			if v.id, err = wire.ReadInt[int](&g); err != nil {
				return v, err
			}
		case "data":
			if v.data, err = readPage(&g); err != nil {
				return v, err
			}
		}
	}
	return v, g.Err()
}

// emptyStrings is an entry "l" holding n empty strings: n+6 bytes, as a
// []string field writes it.
func emptyStrings(n int) []byte {
	return encode(func(e *wire.Encoder) { wire.Strings(e, "l", make([]string, n)) })
}

// smallLists is n entries "l", each a list of one empty string: 7 bytes.
func smallLists(n int) []byte {
	return encode(func(e *wire.Encoder) {
		for range n {
			wire.Strings(e, "l", []string{""})
		}
	})
}

// nestedEmptyStrings is an entry "l" holding outer lists of inner empty
// strings.
func nestedEmptyStrings(outer, inner int) []byte {
	return encode(func(e *wire.Encoder) {
		l := e.BeginList("l", wire.TypeList, outer)
		for range outer {
			m := e.ListValue(wire.TypeBytes, inner)
			for range inner {
				e.StringValue("")
			}
			e.EndList(m)
		}
		e.EndList(l)
	})
}

// emptyGroups is an entry "l" holding a list of n groups, empty but the
// first, which holds an "id" that is not an int.
func emptyGroups(n int) []byte {
	return encode(func(e *wire.Encoder) {
		l := e.BeginList("l", wire.TypeGroup, n)
		g := e.GroupValue()
		e.String("id", "not an int")
		e.EndGroup(g)
		for range n - 1 {
			e.EndGroup(e.GroupValue())
		}
		e.EndList(l)
	})
}

// hostilePayloads are the payloads of these tests, as fuzz seeds.
func hostilePayloads() [][]byte {
	return [][]byte{emptyStrings(3000), smallLists(400), nestedEmptyStrings(700, 1), nestedEmptyStrings(1, 700), nestedEmptyStrings(30, 90), emptyGroups(3000)}
}

// readEntries reads every entry of p as generated code reads a session's
// fields, with read for each, going on past fields that do not fit.
func readEntries(t testing.TB, p []byte, read func(*wire.Decoder) error) (mismatches int) {
	var d wire.Decoder
	d.ResetText(p, string(p))
	for d.Next() {
		err := read(&d)
		if errors.Is(err, wire.ErrMismatch) {
			mismatches++
		} else if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	if err := d.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	return mismatches
}

// The review's case: a 3 KB payload holding 3000 empty strings, read into a
// field whose type became [][4096]byte. The list's count may reserve only
// what the payload's bytes justify, not 3000 pages (12 MB, on every request
// bringing the cookie).
func TestAllocationBoundedByPayload(t *testing.T) {
	p := emptyStrings(3000)
	if len(p) > 3100 {
		t.Fatalf("payload of %d bytes", len(p))
	}
	read := func(d *wire.Decoder) error {
		_, err := wire.Slice(d, wire.TypeBytes, readPage)
		return err
	}
	if n := readEntries(t, p, read); n != 1 {
		t.Fatalf("%d mismatches; want 1", n)
	}
	got := bytesAllocated(5, func() { readEntries(t, p, read) })
	if got >= 64<<10 {
		t.Errorf("reading %d bytes into [][4096]byte allocates %d bytes; want under 64 KiB", len(p), got)
	}
}

// What the count of a list may reserve is bounded by the bytes of that list,
// so that many small lists cannot each reserve a large element: 400 entries,
// each a list of one empty string (7 bytes), read into [][4096]byte.
func TestHugeElementListAmplification(t *testing.T) {
	p := smallLists(400)
	read := func(d *wire.Decoder) error {
		_, err := wire.Slice(d, wire.TypeBytes, readPage)
		return err
	}
	if n := readEntries(t, p, read); n != 400 {
		t.Fatalf("%d mismatches; want 400", n)
	}
	// The mismatch errors themselves take some 60 bytes an entry.
	got := bytesAllocated(5, func() { readEntries(t, p, read) })
	if limit := 32 * uint64(len(p)); got > limit {
		t.Errorf("reading %d lists of one empty string (%d bytes) into [][4096]byte allocates %d bytes; want at most %d", 400, len(p), got, limit)
	}
}

// Lists of lists: each inner list reserves by its own bytes, and the first
// that does not fit loses the outer one.
func TestNestedListAmplification(t *testing.T) {
	for _, shape := range []struct {
		name         string
		outer, inner int
	}{{"700x1", 700, 1}, {"1x700", 1, 700}, {"30x90", 30, 90}} {
		p := nestedEmptyStrings(shape.outer, shape.inner)
		read := func(d *wire.Decoder) error {
			_, err := wire.Slice(d, wire.TypeList, func(d *wire.Decoder) ([]page, error) {
				return wire.Slice(d, wire.TypeBytes, readPage)
			})
			return err
		}
		if n := readEntries(t, p, read); n != 1 {
			t.Fatalf("%s: %d mismatches; want 1", shape.name, n)
		}
		got := bytesAllocated(5, func() { readEntries(t, p, read) })
		if limit := 32*uint64(len(p)) + 1024; got > limit {
			t.Errorf("%s: reading %d bytes into [][][4096]byte allocates %d bytes; want at most %d", shape.name, len(p), got, limit)
		}
	}
}

// Groups inside a list: a list of 3000 groups whose first does not fit the
// struct reserves nothing like 3000 structs. (Groups that do fit are
// structs, however few bytes they take: a list of empty groups is a list of
// zero records, and reads as one.)
func TestGroupListAmplification(t *testing.T) {
	p := emptyGroups(3000)
	read := func(d *wire.Decoder) error {
		_, err := wire.Slice(d, wire.TypeGroup, readRecord)
		return err
	}
	if n := readEntries(t, p, read); n != 1 {
		t.Fatalf("%d mismatches; want 1", n)
	}
	got := bytesAllocated(5, func() { readEntries(t, p, read) })
	if got >= 64<<10 {
		t.Errorf("reading %d bytes into []record (4 KiB each) allocates %d bytes; want under 64 KiB", len(p), got)
	}
}

// Lists of large elements that do fit still read, growing past what their
// count was allowed to reserve.
func TestLargeElementsStillRead(t *testing.T) {
	var want [20]page
	for i := range want {
		want[i][i] = byte(i + 1)
	}
	p := encode(func(e *wire.Encoder) {
		l := e.BeginList("pages", wire.TypeBytes, len(want))
		for i := range want {
			e.BytesValue(want[i][:])
		}
		e.EndList(l)
		l = e.BeginList("records", wire.TypeGroup, 100)
		for i := range 100 {
			g := e.GroupValue()
			if i%2 == 0 {
				e.Int("id", int64(i))
			}
			e.EndGroup(g)
		}
		e.EndList(l)
	})
	d := decoder(p)
	next(t, d, "pages", wire.TypeList)
	pages := must[[]page](t, "pages")(wire.Slice(d, wire.TypeBytes, readPage))
	if len(pages) != len(want) {
		t.Fatalf("%d pages; want %d", len(pages), len(want))
	}
	for i := range want {
		if pages[i] != want[i] {
			t.Errorf("page %d differs", i)
		}
	}
	next(t, d, "records", wire.TypeList)
	records := must[[]record](t, "records")(wire.Slice(d, wire.TypeGroup, readRecord))
	if len(records) != 100 {
		t.Fatalf("%d records; want 100", len(records))
	}
	for i, r := range records {
		if want := i * (1 - i%2); r.id != want || r.data != (page{}) {
			t.Errorf("record %d: id %d; want %d", i, r.id, want)
		}
	}
	end(t, d)
}

// Lists of the sizes a cookie holds still get their exact capacity in one
// allocation: no element type but a struct takes more than 24 bytes of
// memory for each byte of the list.
func TestListsKeepExactCapacity(t *testing.T) {
	check := func(name string, p []byte, read func(*wire.Decoder) (int, int, error), n int) {
		t.Helper()
		d := decoder(p)
		d.Next()
		l, c, err := read(d)
		if err != nil || l != n || c != n {
			t.Errorf("%s: len %d cap %d, %v; want %d elements in one allocation", name, l, c, err, n)
		}
	}
	lc := func(l, c int, err error) (int, int, error) { return l, c, err }
	check("3000 ints", encode(func(e *wire.Encoder) { wire.Ints(e, "l", make([]int, 3000)) }),
		func(d *wire.Decoder) (int, int, error) {
			v, err := wire.Slice(d, wire.TypeInt, wire.ReadInt[int])
			return lc(len(v), cap(v), err)
		}, 3000)
	check("2000 empty strings", emptyStrings(2000),
		func(d *wire.Decoder) (int, int, error) {
			v, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
			return lc(len(v), cap(v), err)
		}, 2000)
	check("1000 empty byte slices", encode(func(e *wire.Encoder) { wire.ByteSlices(e, "l", make([][]byte, 1000)) }),
		func(d *wire.Decoder) (int, int, error) {
			v, err := wire.Slice(d, wire.TypeBytes, wire.ReadBytes[[]byte])
			return lc(len(v), cap(v), err)
		}, 1000)
	check("500 empty lists", nestedIntLists(500, nil),
		func(d *wire.Decoder) (int, int, error) {
			v, err := wire.Slice(d, wire.TypeList, func(d *wire.Decoder) ([]int, error) {
				return wire.Slice(d, wire.TypeInt, wire.ReadInt[int])
			})
			return lc(len(v), cap(v), err)
		}, 500)
}
