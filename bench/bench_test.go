package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// seedCookie runs the seed scenario through a system and returns the
// Set-Cookie header it produced, as a browser would send it back.
func seedCookie(tb testing.TB, sys system) string {
	tb.Helper()
	rec := httptest.NewRecorder()
	sys.handler(seed).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session" {
			return c.Name + "=" + c.Value
		}
	}
	tb.Fatalf("%s: the seed request set no session cookie", sys.name)
	return ""
}

// request returns the request a scenario sends: with the seed cookie,
// except for a fresh visitor.
func request(sc scenario, cookie string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if sc != fresh {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

// TestSystems checks that every system does what its benchmark claims: a
// modifying request sends a cookie, a read-only one (for the session
// layers) does not.
func TestSystems(t *testing.T) {
	for _, sys := range systems() {
		t.Run(sys.name, func(t *testing.T) {
			cookie := seedCookie(t, sys)
			for _, sc := range []scenario{modify, readOnly, fresh} {
				rec := httptest.NewRecorder()
				sys.handler(sc).ServeHTTP(rec, request(sc, cookie))
				set := rec.Header().Get("Set-Cookie") != ""
				if rec.Code != http.StatusOK {
					t.Errorf("%v: status %d", sc, rec.Code)
				}
				if sc != readOnly && !set {
					t.Errorf("%v: no Set-Cookie", sc)
				}
				if sc == readOnly && set && !strings.HasPrefix(sys.name, "scs") {
					t.Errorf("%v: Set-Cookie on a read-only request", sc)
				}
			}
		})
	}
}

// BenchmarkRequest measures one request per scenario and system, through
// the system's middleware and an httptest recorder. cookie-B is the size of
// the Set-Cookie name=value the modifying request produced.
func BenchmarkRequest(b *testing.B) {
	for _, sc := range []scenario{modify, readOnly, fresh} {
		for _, sys := range systems() {
			b.Run(sc.String()+"/"+sys.name, func(b *testing.B) {
				cookie := seedCookie(b, sys)
				h := sys.handler(sc)
				base := request(sc, cookie)
				var size int
				b.ReportAllocs()
				for b.Loop() {
					// A new request each time (a shallow copy: one
					// allocation for every system), since gorilla/sessions
					// caches the session in the request it is given.
					req := new(http.Request)
					*req = *base
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if sc == modify && size == 0 {
						v := rec.Header().Get("Set-Cookie")
						v, _, _ = strings.Cut(v, ";")
						size = len(v)
					}
				}
				if sc == modify {
					b.ReportMetric(float64(size), "cookie-B")
				}
			})
		}
	}
}

// cacheSize is the verified cache's size in BenchmarkVerifiedCache: the
// default.
const cacheSize = 1024

// BenchmarkVerifiedCache sends read-only requests round-robin over a number
// of distinct sessions, as many browsers do, and reports the share of
// cookies the verified cache found (hit-%) next to the cost per request.
// Below the cache's size nearly every cookie should be found; above it the
// hit rate falls in proportion, never to zero.
func BenchmarkVerifiedCache(b *testing.B) {
	for _, n := range []int{cacheSize / 2, cacheSize * 9 / 10, cacheSize * 2} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			si, err := NewVisitorInterface(VisitorConfig{SecretKey: hashKey, DisableSecure: true, VerifiedCacheSize: cacheSize})
			if err != nil {
				b.Fatal(err)
			}
			h := si.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := VisitorFrom(r.Context())
				if r.URL.Path == "/seed" {
					s.SetUsername(r.URL.Query().Get("u"))
					s.SetVisits(seedVisit)
					s.SetCart(seedCart)
					s.SetLastSeen(seedSeen)
					return
				}
				use(s.Username(), s.Visits(), s.Cart(), s.LastSeen())
			}))
			reqs := make([]*http.Request, n)
			for i := range reqs {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/seed?u=user-%d", i), nil))
				reqs[i] = httptest.NewRequest("GET", "/", nil)
				reqs[i].Header.Set("Cookie", strings.SplitN(rec.Header().Get("Set-Cookie"), ";", 2)[0])
			}
			serve := func(i int) {
				req := new(http.Request)
				*req = *reqs[i%n]
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			for i := range 2 * n { // first sight, then remembered
				serve(i)
			}
			before := si.VerifiedCacheStats()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				serve(i)
				i++
			}
			after := si.VerifiedCacheStats()
			hits, misses := after.Hits-before.Hits, after.Misses-before.Misses
			b.ReportMetric(100*float64(hits)/float64(hits+misses), "hit-%")
		})
	}
}
