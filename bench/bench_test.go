package bench

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
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
// layers) does not: not for sessiongen's server-side sessions either, whose
// cookie only carries the ID.
func TestSystems(t *testing.T) {
	for _, sys := range systems() {
		t.Run(sys.name, func(t *testing.T) {
			requireRedis(t, sys.err)
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
// the Set-Cookie name=value the modifying request produced; server-ns/op,
// for the Redis rows, the time redis-server spent executing their commands.
func BenchmarkRequest(b *testing.B) {
	for _, sc := range []scenario{modify, readOnly, fresh} {
		for _, sys := range systems() {
			b.Run(sc.String()+"/"+sys.name, func(b *testing.B) {
				requireRedis(b, sys.err)
				cookie := seedCookie(b, sys)
				h := sys.handler(sc)
				base := request(sc, cookie)
				var size int
				var server int64
				if sys.redis != nil {
					server = serverUsec(b, sys.redis)
				}
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
				if sys.redis != nil {
					// redis-server's own time executing the row's
					// commands: the rest of a round trip is the network
					// stack's and the client's.
					b.ReportMetric(float64(serverUsec(b, sys.redis)-server)*1000/float64(b.N), "server-ns/op")
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

// TestRedisRows checks that the Redis rows really go to Redis, each under
// its own key prefix, and write nothing outside them: no row reads,
// overwrites or flushes another's keys. A read-only request of
// sessiongen's redisstore leaves its record as it was.
func TestRedisRows(t *testing.T) {
	rc, err := benchRedis()
	requireRedis(t, err)
	ctx := context.Background()
	keys := func(pattern string) []string {
		t.Helper()
		ks, err := rc.Keys(ctx, pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		return ks
	}
	for _, sys := range systems() {
		if sys.err != nil || !strings.Contains(sys.name, "redis") {
			continue
		}
		cookie := seedCookie(t, sys)
		for _, sc := range []scenario{modify, readOnly, fresh} {
			sys.handler(sc).ServeHTTP(httptest.NewRecorder(), request(sc, cookie))
		}
	}
	prefixes := []string{sessiongenRedisPrefix, scsRedisPrefix, scsNoIdlePrefix, floorGetPrefix, floorSetPrefix}
	n := 0
	for _, p := range prefixes {
		ks := keys(p + "*")
		if len(ks) == 0 {
			t.Errorf("no key under %q", p)
		}
		n += len(ks)
	}
	if all := keys("*"); len(all) != n {
		t.Errorf("%d keys in Redis, %d of them under the rows' prefixes: %q", len(all), n, all)
	}

	// A read-only request reads the record and writes nothing; a modifying
	// one writes a new version.
	sys := sessiongenRedis()
	cookie := seedCookie(t, sys)
	before := snapshot(t, rc, sessiongenRedisPrefix)
	sys.handler(readOnly).ServeHTTP(httptest.NewRecorder(), request(readOnly, cookie))
	if after := snapshot(t, rc, sessiongenRedisPrefix); !maps.Equal(before, after) {
		t.Errorf("a read-only request changed the records: %v, then %v", before, after)
	}
	sys.handler(modify).ServeHTTP(httptest.NewRecorder(), request(modify, cookie))
	if after := snapshot(t, rc, sessiongenRedisPrefix); maps.Equal(before, after) {
		t.Errorf("a modifying request changed no record")
	}
}

// snapshot returns the version of every sessiongen record under prefix.
func snapshot(t *testing.T, rc *redis.Client, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	ks, err := rc.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, k := range ks {
		v, err := rc.HGet(ctx, k, "version").Result()
		if err != nil {
			t.Fatal(err)
		}
		m[k] = v
	}
	return m
}

// TestRedisCommandsPerRequest pins what each Redis row has redis-server do
// per request, counted by the server itself (INFO commandstats, which also
// counts the commands a script calls): sessiongen reads a record with one
// HMGET and writes it with one script (EVALSHA, and in it the checks and
// the writes), and a read writes nothing; scs reads with a GET and writes
// with a SET, and, under the rows' idle timeout, writes on a read too
// (without one, it does not). Each row's request is one round trip per
// EVALSHA, GET, HMGET or SET.
func TestRedisCommandsPerRequest(t *testing.T) {
	rc, err := benchRedis()
	requireRedis(t, err)
	want := map[string]map[scenario]string{
		"sessiongen: redisstore": {
			modify:   "evalsha hmget hmget hset pexpireat time",
			readOnly: "hmget",
			fresh:    "evalsha exists hset pexpireat",
		},
		"scs: redisstore": {
			modify: "get set", readOnly: "get set", fresh: "set",
		},
		"scs: redisstore, no idle timeout": {
			modify: "get set", readOnly: "get", fresh: "set",
		},
		"floor: go-redis GET": {modify: "get", readOnly: "get", fresh: "get"},
		"floor: go-redis SET": {modify: "set", readOnly: "set", fresh: "set"},
	}
	seen := 0
	for _, sys := range systems() {
		w, ok := want[sys.name]
		if !ok {
			continue
		}
		seen++
		cookie := seedCookie(t, sys)
		for _, sc := range []scenario{modify, readOnly, fresh} {
			h := sys.handler(sc)
			h.ServeHTTP(httptest.NewRecorder(), request(sc, cookie)) // scripts cached
			before := commandStats(t, rc)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, request(sc, cookie))
			after := commandStats(t, rc)
			var got []string
			for name, st := range after {
				if name == "info" || connSetup[name] {
					continue
				}
				for range st.calls - before[name].calls {
					got = append(got, name)
				}
			}
			slices.Sort(got)
			if rec.Code != http.StatusOK || strings.Join(got, " ") != w[sc] {
				t.Errorf("%s, %v: status %d, commands %q; want 200, %q", sys.name, sc, rec.Code, got, w[sc])
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d rows found", seen, len(want))
	}
}

// connSetup are the commands go-redis sends when it opens a connection,
// not part of any row's request.
var connSetup = map[string]bool{"hello": true, "client|setinfo": true, "ping": true, "select": true, "auth": true}
