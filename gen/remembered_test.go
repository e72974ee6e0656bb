package gen_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"testing"

	"github.com/gorilla/securecookie"

	mapspkg "github.com/sessiongen/sessiongen/testdata/maps"
	"github.com/sessiongen/sessiongen/testdata/pointers"
	"github.com/sessiongen/sessiongen/testdata/sharable"
	"github.com/sessiongen/sessiongen/testdata/slices"
)

// opener is what reopen needs of a generated Interface.
type opener[S any] interface {
	OpenSession(*http.Request) (*S, error)
	SaveSession(http.ResponseWriter, *http.Request, *S) error
}

// reopen saves the session fill makes, then opens its cookie five times:
// verified, verified and remembered, then three times from the runtime's
// verified cache. After reading each session it changes it in place with
// scribble; every open must still read the same.
func reopen[S any](t *testing.T, si opener[S], fill func(*S), read func(*S) string, scribble func(*S)) {
	t.Helper()
	s, err := si.OpenSession(httptest.NewRequest("GET", "https://example.com/", nil))
	if err != nil {
		t.Fatal(err)
	}
	fill(s)
	w := httptest.NewRecorder()
	if err := si.SaveSession(w, httptest.NewRequest("GET", "https://example.com/", nil), s); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Set-Cookie %q", w.Header().Values("Set-Cookie"))
	}
	var want string
	for i := range 5 {
		r := httptest.NewRequest("GET", "https://example.com/", nil)
		r.AddCookie(cookies[0])
		s, err := si.OpenSession(r)
		if err != nil {
			t.Fatal(err)
		}
		got := read(s)
		if i == 0 {
			want = got
		} else if got != want {
			t.Fatalf("open %d reads %s; the first read %s", i+1, got, want)
		}
		scribble(s)
		if read(s) == want {
			t.Fatalf("scribble changed nothing: the test proves nothing")
		}
	}
}

// A session opened from memory is the request's own: changing its slices,
// maps and pointers in place reaches neither the cache nor the next
// request.
func TestRememberedSessionsShareNothing(t *testing.T) {
	t.Run("slices", func(t *testing.T) {
		si, err := slices.NewListsManager(slices.ListsConfig{SecretKey: roundTripKey})
		if err != nil {
			t.Fatal(err)
		}
		reopen(t, si,
			func(s *slices.ListsSession) {
				s.SetStrings([]string{"a", "b"})
				s.SetBlobs([][]byte{[]byte("xy")})
			},
			func(s *slices.ListsSession) string { return fmt.Sprintf("%q %q", s.Strings(), s.Blobs()) },
			func(s *slices.ListsSession) {
				s.UpdateStrings(func(p *[]string) { (*p)[0] = "scribbled" })
				s.UpdateBlobs(func(p *[][]byte) { (*p)[0][0] = '!' })
			})
	})
	t.Run("maps", func(t *testing.T) {
		si, err := mapspkg.NewIndexManager(mapspkg.IndexConfig{SecretKey: roundTripKey})
		if err != nil {
			t.Fatal(err)
		}
		reopen(t, si,
			func(s *mapspkg.IndexSession) {
				s.SetCountsKey("a", 1)
				s.SetTagsKey("k", []string{"x"})
				s.SetNestedKey("n", map[string]bool{"b": true})
			},
			func(s *mapspkg.IndexSession) string {
				return fmt.Sprint(s.Counts(), s.Tags(), s.Nested())
			},
			func(s *mapspkg.IndexSession) {
				s.UpdateCounts(func(p *map[string]int) { (*p)["a"] = 99 })
				s.UpdateTags(func(p *map[string][]string) { (*p)["k"][0] = "!" })
				s.UpdateNested(func(p *map[string]map[string]bool) { (*p)["n"]["b"] = false })
			})
	})
	t.Run("pointers", func(t *testing.T) {
		si, err := pointers.NewOptManager(pointers.OptConfig{SecretKey: roundTripKey})
		if err != nil {
			t.Fatal(err)
		}
		one, yes := 1, true
		pyes := &yes
		reopen(t, si,
			func(s *pointers.OptSession) {
				s.SetCount(&one)
				s.SetWhere(&pointers.Point{X: 1, Y: 2})
				s.SetMany([]*pointers.Point{{X: 3, Y: 4}})
				s.SetNested(&pyes)
				s.SetByKeyKey("k", &one)
			},
			func(s *pointers.OptSession) string {
				return fmt.Sprint(*s.Count(), *s.Where(), *s.Many()[0], **s.Nested(), *s.ByKey()["k"])
			},
			func(s *pointers.OptSession) {
				s.UpdateCount(func(p **int) { **p = 99 })
				s.UpdateWhere(func(p **pointers.Point) { (*p).X = 99 })
				s.UpdateMany(func(p *[]*pointers.Point) { (*p)[0].Y = 99 })
				s.UpdateNested(func(p ***bool) { ***p = false })
				s.UpdateByKey(func(p *map[string]*int) { *(*p)["k"] = 99 })
			})
	})
	t.Run("immutable marshalers", func(t *testing.T) {
		si, err := sharable.NewPeerManager(sharable.PeerConfig{SecretKey: roundTripKey})
		if err != nil {
			t.Fatal(err)
		}
		reopen(t, si,
			func(s *sharable.PeerSession) {
				s.SetAddr(netip.MustParseAddr("192.0.2.1"))
				s.SetPrefix(netip.MustParsePrefix("2001:db8::/32"))
				s.SetVia([]netip.AddrPort{netip.MustParseAddrPort("[2001:db8::1]:443")})
			},
			func(s *sharable.PeerSession) string { return fmt.Sprint(s.Addr(), s.Prefix(), s.Via()) },
			func(s *sharable.PeerSession) {
				s.UpdateVia(func(p *[]netip.AddrPort) { (*p)[0] = netip.MustParseAddrPort("198.51.100.7:80") })
				s.SetAddr(netip.IPv6Loopback())
			})
	})
}

// FuzzRememberedMatchesFresh signs arbitrary payloads and opens each one
// three times with the verified cache on (the third open comes from
// memory) and once with it off: the sessions must be the same. The runtime
// binds the session type's name into the MAC (Codec.Name is the default
// salt), so each payload is signed for each type, as the cookie
// "<Type>.session".
func FuzzRememberedMatchesFresh(f *testing.F) {
	sc := securecookie.New(roundTripKey, nil)
	sc.SetSerializer(securecookie.NopEncoder{})
	var checks []func(t *testing.T, r func() *http.Request)
	var types []string
	add := func(typ string, check func(t *testing.T, r func() *http.Request)) {
		checks, types = append(checks, check), append(types, typ)
	}
	add("Lists", compareOpens(f, func(cache int) (opener[slices.ListsSession], error) {
		return slices.NewListsManager(slices.ListsConfig{SecretKey: roundTripKey, VerifiedCacheSize: cache})
	}))
	add("Index", compareOpens(f, func(cache int) (opener[mapspkg.IndexSession], error) {
		return mapspkg.NewIndexManager(mapspkg.IndexConfig{SecretKey: roundTripKey, VerifiedCacheSize: cache})
	}))
	add("Opt", compareOpens(f, func(cache int) (opener[pointers.OptSession], error) {
		return pointers.NewOptManager(pointers.OptConfig{SecretKey: roundTripKey, VerifiedCacheSize: cache})
	}))
	add("Peer", compareOpens(f, func(cache int) (opener[sharable.PeerSession], error) {
		return sharable.NewPeerManager(sharable.PeerConfig{SecretKey: roundTripKey, VerifiedCacheSize: cache})
	}))
	// The runtime's own cookie must verify as the fuzzer signs, or no
	// payload would reach a decoder.
	lists, err := slices.NewListsManager(slices.ListsConfig{SecretKey: roundTripKey})
	if err != nil {
		f.Fatal(err)
	}
	s, _ := lists.OpenSession(httptest.NewRequest("GET", "/", nil))
	s.SetStrings([]string{"x"})
	w := httptest.NewRecorder()
	if err := lists.SaveSession(w, httptest.NewRequest("GET", "/", nil), s); err != nil {
		f.Fatal(err)
	}
	var seed []byte
	if err := sc.Decode("Lists.session", w.Result().Cookies()[0].Value, &seed); err != nil {
		f.Fatalf("the runtime's cookie does not verify as the fuzzer signs: %v", err)
	}
	f.Add(seed)
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 3, 0, 7, 's', 't', 'r', 'i', 'n', 'g', 's'})
	f.Fuzz(func(t *testing.T, payload []byte) {
		for i, check := range checks {
			v, err := sc.Encode(types[i]+".session", payload)
			if err != nil {
				t.Skip()
			}
			check(t, func() *http.Request {
				r := httptest.NewRequest("GET", "/", nil)
				r.AddCookie(&http.Cookie{Name: "session", Value: v})
				return r
			})
		}
	})
}

// compareOpens returns a check that opens a request's cookie three times
// with the cache and once without, and compares the sessions.
func compareOpens[S any](f *testing.F, make func(cache int) (opener[S], error)) func(*testing.T, func() *http.Request) {
	cached, err := make(0)
	if err != nil {
		f.Fatal(err)
	}
	fresh, err := make(-1)
	if err != nil {
		f.Fatal(err)
	}
	return func(t *testing.T, req func() *http.Request) {
		want, _ := fresh.OpenSession(req())
		for i := range 3 {
			got, _ := cached.OpenSession(req())
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%T, open %d with the cache:\n%+v\nwithout:\n%+v", got, i+1, got, want)
			}
		}
	}
}

// Many requests open the same remembered cookie at once and change their
// sessions in place: under -race, any memory shared with the cache or
// with each other is a reported race, and every request reads the stored
// values.
func TestRememberedSessionsConcurrent(t *testing.T) {
	si, err := mapspkg.NewIndexManager(mapspkg.IndexConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := si.OpenSession(httptest.NewRequest("GET", "https://example.com/", nil))
	s.SetTagsKey("k", []string{"x", "y"})
	s.SetNestedKey("n", map[string]bool{"b": true})
	w := httptest.NewRecorder()
	if err := si.SaveSession(w, httptest.NewRequest("GET", "https://example.com/", nil), s); err != nil {
		t.Fatal(err)
	}
	cookie := w.Result().Cookies()[0]
	const want = "map[k:[x y]] map[n:map[b:true]]"
	done := make(chan string, 8)
	for range 8 {
		go func() {
			for range 200 {
				r := httptest.NewRequest("GET", "https://example.com/", nil)
				r.AddCookie(cookie)
				s, err := si.OpenSession(r)
				if err != nil {
					done <- err.Error()
					return
				}
				if got := fmt.Sprint(s.Tags(), s.Nested()); got != want {
					done <- got
					return
				}
				s.UpdateTags(func(p *map[string][]string) { (*p)["k"][0] = "scribbled" })
				s.UpdateNested(func(p *map[string]map[string]bool) { (*p)["n"]["b"] = false })
			}
			done <- ""
		}()
	}
	for range 8 {
		if got := <-done; got != "" {
			t.Errorf("a request read %s; want %s", got, want)
		}
	}
}
