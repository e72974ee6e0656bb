package wire_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// The benchmarks decode as generated code does: ResetText, then a reader per
// field, wire.Slice for lists, a group per struct.

type benchUser struct {
	name  string
	age   int
	seen  time.Time
	roles []Role
}

func readBenchUser(d *wire.Decoder) (benchUser, error) {
	var u benchUser
	g, err := d.Group()
	if err != nil {
		return u, err
	}
	for g.Next() {
		switch string(g.Key()) {
		case "name":
			u.name, err = g.String()
		case "age":
			u.age, err = wire.ReadInt[int](&g)
		case "seen":
			u.seen, err = g.Time()
		case "roles":
			u.roles, err = wire.Slice(&g, wire.TypeBytes, wire.ReadString[Role])
		}
		if err != nil {
			return u, err
		}
	}
	return u, g.Err()
}

// sessionPayload is a session of the kind a cookie carries: scalars, a few
// lists, a struct, a list of structs and a map.
func sessionPayload() []byte {
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	return encode(func(e *wire.Encoder) {
		e.Int("user_id", 123456)
		e.String("csrf", "8c1d6a5f0e2b4c3d9a7f")
		e.Bool("admin", false)
		e.Time("login", when)
		wire.Ints(e, "recent", []int{101, 2020, 30303, 4, 55555, 6, 7, 88, 9, 1000})
		wire.Strings(e, "tabs", []string{"home", "settings", "billing", "team"})
		writeUser := func(name string, age int) {
			e.Key("name", wire.TypeBytes)
			e.StringValue(name)
			e.Int("age", int64(age))
			e.Time("seen", when)
			wire.Strings(e, "roles", []Role{"admin", "dev"})
		}
		m := e.BeginGroup("user")
		writeUser("Zoë", 41)
		e.EndGroup(m)
		l := e.BeginList("friends", wire.TypeGroup, 8)
		for i := range 8 {
			g := e.GroupValue()
			writeUser(fmt.Sprint("friend", i), 20+i)
			e.EndGroup(g)
		}
		e.EndList(l)
		m = e.BeginGroup("prefs") // a map[string]int
		for i, k := range []string{"a", "bb", "ccc", "dddd", "eeeee"} {
			e.Int(k, int64(i))
		}
		e.EndGroup(m)
	})
}

type benchSession struct {
	userID  int64
	csrf    string
	admin   bool
	login   time.Time
	recent  []int
	tabs    []string
	user    benchUser
	friends []benchUser
	prefs   map[string]int
}

func decodeBenchSession(d *wire.Decoder, s *benchSession) error {
	for d.Next() {
		var err error
		switch string(d.Key()) {
		case "user_id":
			s.userID, err = d.Int()
		case "csrf":
			s.csrf, err = d.String()
		case "admin":
			s.admin, err = d.Bool()
		case "login":
			s.login, err = d.Time()
		case "recent":
			s.recent, err = wire.Slice(d, wire.TypeInt, wire.ReadInt[int])
		case "tabs":
			s.tabs, err = wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
		case "user":
			s.user, err = readBenchUser(d)
		case "friends":
			s.friends, err = wire.Slice(d, wire.TypeGroup, readBenchUser)
		case "prefs":
			var g wire.Decoder
			if g, err = d.Group(); err != nil {
				break
			}
			for g.Next() {
				var v int
				if v, err = wire.ReadInt[int](&g); err != nil {
					break
				}
				if s.prefs == nil {
					s.prefs = make(map[string]int)
				}
				s.prefs[string(g.Key())] = v
			}
			if err == nil {
				err = g.Err()
			}
		}
		if err != nil && d.Err() != nil {
			return err
		}
	}
	return d.Err()
}

func BenchmarkDecodeSession(b *testing.B) {
	p := sessionPayload()
	text := string(p)
	var d wire.Decoder
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		var s benchSession
		d.ResetText(p, text)
		if err := decodeBenchSession(&d, &s); err != nil || len(s.friends) != 8 {
			b.Fatalf("decode: %v, %d friends", err, len(s.friends))
		}
	}
}

func benchSlice[T any](b *testing.B, p []byte, elem wire.Type, read func(*wire.Decoder) (T, error), want int) {
	b.Helper()
	var d wire.Decoder
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(p)
		d.Next()
		v, err := wire.Slice(&d, elem, read)
		if err != nil || len(v) != want {
			b.Fatalf("Slice: %d elements, %v; want %d", len(v), err, want)
		}
	}
}

func BenchmarkSlice(b *testing.B) {
	ints := make([]int64, 500)
	for i := range ints {
		ints[i] = int64(i * 7919)
	}
	strs := make([]string, 200)
	for i := range strs {
		strs[i] = fmt.Sprint("s", i)
	}
	b.Run("ints500", func(b *testing.B) {
		p := encode(func(e *wire.Encoder) { wire.Ints(e, "l", ints) })
		benchSlice(b, p, wire.TypeInt, wire.ReadInt[int64], len(ints))
	})
	b.Run("strings200", func(b *testing.B) {
		p := encode(func(e *wire.Encoder) { wire.Strings(e, "l", strs) })
		benchSlice(b, p, wire.TypeBytes, wire.ReadString[string], len(strs))
	})
	b.Run("groups50", func(b *testing.B) {
		p := encode(func(e *wire.Encoder) {
			l := e.BeginList("l", wire.TypeGroup, 50)
			for i := range 50 {
				g := e.GroupValue()
				e.Int("id", int64(i))
				e.String("label", "x")
				e.EndGroup(g)
			}
			e.EndList(l)
		})
		benchSlice(b, p, wire.TypeGroup, readItem, 50)
	})
	b.Run("nested20x20", func(b *testing.B) {
		p := nestedIntLists(20, ints[:20])
		benchSlice(b, p, wire.TypeList, func(d *wire.Decoder) ([]int64, error) {
			return wire.Slice(d, wire.TypeInt, wire.ReadInt[int64])
		}, 20)
	})
}

// nestedIntLists is an entry "l" holding n lists, each holding inner.
func nestedIntLists(n int, inner []int64) []byte {
	return encode(func(e *wire.Encoder) {
		l := e.BeginList("l", wire.TypeList, n)
		for range n {
			m := e.ListValue(wire.TypeInt, len(inner))
			for _, v := range inner {
				e.IntValue(v)
			}
			e.EndList(m)
		}
		e.EndList(l)
	})
}

// BenchmarkHostile reads the payloads of the allocation tests: counts that
// the bytes present do not back.
func BenchmarkHostile(b *testing.B) {
	b.Run("3000emptyStringsAsPages", func(b *testing.B) {
		p := emptyStrings(3000)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			readEntries(b, p, func(d *wire.Decoder) error {
				_, err := wire.Slice(d, wire.TypeBytes, readPage)
				return err
			})
		}
	})
	b.Run("400smallListsAsPages", func(b *testing.B) {
		p := smallLists(400)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			readEntries(b, p, func(d *wire.Decoder) error {
				_, err := wire.Slice(d, wire.TypeBytes, readPage)
				return err
			})
		}
	})
}
