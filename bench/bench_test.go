package bench

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime/redisstore"
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
			requireServer(t, sys.err)
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
// the system's middleware and an httptest recorder, then the merge rows
// (merge_test.go). cookie-B is the size of
// the Set-Cookie name=value the modifying request produced; server-ns/op,
// for the Redis rows, the time redis-server spent executing their commands,
// and for the PostgreSQL rows the time PostgreSQL spent executing their
// statements (pg_stat_statements, when the cluster loads it).
func BenchmarkRequest(b *testing.B) {
	for _, sc := range []scenario{modify, readOnly, fresh} {
		for _, sys := range systems() {
			b.Run(sc.String()+"/"+sys.name, func(b *testing.B) {
				requireServer(b, sys.err)
				cookie := seedCookie(b, sys)
				h := sys.handler(sc)
				base := request(sc, cookie)
				var size int
				var server, pgServerNs int64
				if sys.redis != nil {
					server = serverUsec(b, sys.redis)
				}
				if sys.pg != nil {
					pgServerNs = serverNs(b, sys.pg)
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
				if sys.pg != nil && pgServerNs >= 0 {
					// PostgreSQL's own time executing the row's
					// statements (pg_stat_statements), when it loads it.
					b.ReportMetric(float64(serverNs(b, sys.pg)-pgServerNs)/float64(b.N), "server-ns/op")
				}
			})
		}
	}
	// A modify of a server-side session that meets another request's
	// commit and merges (merge_test.go), beside the modify row of its
	// store. No server-ns/op: the server's time would include the other
	// request's commands.
	for _, r := range mergeRigs() {
		b.Run("merge/"+r.name, func(b *testing.B) { benchMerge(b, r) })
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
			si, err := NewVisitorManager(VisitorConfig{SecretKey: hashKey, DisableSecure: true, VerifiedCacheSize: cacheSize})
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
	requireServer(t, err)
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
// per request, as the server itself sees it: the commands the client sends,
// one round trip each (MONITOR, which tells them from those a script calls),
// and every command executed, those scripts call included (INFO
// commandstats, which must agree). sessiongen reads a record with one HMGET
// and writes nothing on a read (it moves the record's expiry, one EVALSHA,
// at most once per TouchInterval: the "touch due" row, whose TouchInterval
// is a nanosecond); it writes with one script (EVALSHA: the check for a
// retry of the same Commit, the version check, then the writes), so a
// modifying request is an HMGET and an EVALSHA; a first visit writes a
// new anonymous record, under a key no record can hold, with HSET and
// PEXPIREAT in a MULTI (no script). scs reads with a GET and writes with a SET, and, under the rows'
// idle timeout, writes on a read too (without one, it does not).
//
// With -v it also logs the server's time per request of each row and
// scenario (see serverTime).
func TestRedisCommandsPerRequest(t *testing.T) {
	rc, err := benchRedis()
	requireServer(t, err)
	type cost struct{ sent, scripted string }
	want := map[string]map[scenario]cost{
		"sessiongen: redisstore": {
			modify:   {"evalsha hmget", "hdel hmget hset pexpireat time"},
			readOnly: {"hmget", ""},
			fresh:    {"exec hset multi pexpireat", ""},
		},
		"sessiongen: redisstore, touch due": {
			readOnly: {"evalsha hmget", "hmget hset pexpireat time"},
		},
		"scs: redisstore": {
			modify: {"get set", ""}, readOnly: {"get set", ""}, fresh: {"set", ""},
		},
		"scs: redisstore, no idle timeout": {
			modify: {"get set", ""}, readOnly: {"get", ""}, fresh: {"set", ""},
		},
		"floor: go-redis GET": {modify: {"get", ""}, readOnly: {"get", ""}, fresh: {"get", ""}},
		"floor: go-redis SET": {modify: {"set", ""}, readOnly: {"set", ""}, fresh: {"set", ""}},
	}
	touchDue := redisSystem("sessiongen: redisstore, touch due", func(c *redis.Client) func(scenario) http.Handler {
		store, err := redisstore.New(c, redisstore.Options{IndexPrefix: sessiongenIndexPrefix})
		if err != nil {
			panic(err)
		}
		return sessiongenWith("", VisitorConfig{
			SecretKey: hashKey, DisableSecure: true, Store: store, StoreKeyPrefix: sessiongenRedisPrefix,
			IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime, TouchInterval: time.Nanosecond,
		}).handler
	})
	mon := startMonitor(t, rc)
	var timed []func()
	seen := 0
	for _, sys := range append(systems(), touchDue) {
		w, ok := want[sys.name]
		if !ok {
			continue
		}
		seen++
		cookie := seedCookie(t, sys)
		for _, sc := range []scenario{modify, readOnly, fresh} {
			w, ok := w[sc]
			if !ok {
				continue
			}
			h := sys.handler(sc)
			h.ServeHTTP(httptest.NewRecorder(), request(sc, cookie)) // scripts cached
			time.Sleep(2 * time.Millisecond)                         // a touch due again
			before := commandStats(t, rc)
			rec := httptest.NewRecorder()
			sent, scripted := mon.during(t, func() { h.ServeHTTP(rec, request(sc, cookie)) })
			after := commandStats(t, rc)
			var executed []string
			for name, st := range after {
				if name == "info" || name == "echo" || connSetup[name] {
					continue
				}
				for range st.calls - before[name].calls {
					executed = append(executed, name)
				}
			}
			slices.Sort(executed)
			both := slices.Sorted(slices.Values(append(slices.Clone(sent), scripted...)))
			if rec.Code != http.StatusOK || strings.Join(sent, " ") != w.sent || strings.Join(scripted, " ") != w.scripted {
				t.Errorf("%s, %v: status %d, sent %q, in scripts %q; want 200, %q, %q", sys.name, sc, rec.Code, sent, scripted, w.sent, w.scripted)
			}
			if !slices.Equal(executed, both) {
				t.Errorf("%s, %v: INFO commandstats counts %q, MONITOR saw %q", sys.name, sc, executed, both)
			}
			if testing.Verbose() {
				timed = append(timed, func() {
					t.Logf("%-34s %-9v sent %-13s server %5.1f µs/request", sys.name, sc, w.sent, serverTime(t, rc, h, sc, cookie, strings.Fields(w.sent)))
				})
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d rows found", seen, len(want))
	}
	// Timed with the monitor gone: a server feeds each command to its
	// monitors, a script's too, as it executes it.
	mon.conn.Close()
	if !t.Failed() {
		for _, f := range timed {
			f()
		}
	}
}

// serverTime runs the request of sc through h serverTimeRuns times and
// returns the time redis-server spent executing it, in microseconds per
// request, from INFO commandstats: the whole time of each script (the
// commands it calls included), and of every other command the share sent
// by the client (sent, one name per command a request sends) of its calls,
// since commandstats also counts, under the same name, the commands a
// script calls, within the script's time. Where a name is both sent and
// called by a script (HMGET in sessiongen's modify), that share assumes
// the calls cost alike. EXEC's time, too, includes the commands queued
// in its MULTI, which commandstats counts again under their names: a
// request that sends a MULTI (sessiongen's first visit) sends all its
// other commands in it, so its time is MULTI's and EXEC's.
func serverTime(t *testing.T, rc *redis.Client, h http.Handler, sc scenario, cookie string, sent []string) float64 {
	t.Helper()
	before := commandStats(t, rc)
	for range serverTimeRuns {
		h.ServeHTTP(httptest.NewRecorder(), request(sc, cookie))
	}
	after := commandStats(t, rc)
	var usec float64
	tx := after["exec"].calls > before["exec"].calls
	for name, st := range after {
		calls, spent := st.calls-before[name].calls, st.usec-before[name].usec
		switch {
		case calls == 0:
		case name == "evalsha" || name == "eval" || name == "exec" || name == "multi":
			usec += float64(spent)
		case tx:
			// Queued in the MULTI: counted in EXEC's time.
		default:
			n := int64(serverTimeRuns * strings.Count(" "+strings.Join(sent, " ")+" ", " "+name+" "))
			usec += float64(spent) * float64(min(n, calls)) / float64(calls)
		}
	}
	return usec / serverTimeRuns
}

// serverTimeRuns is how many requests serverTime times.
const serverTimeRuns = 2000

// connSetup are the commands go-redis sends when it opens a connection,
// not part of any row's request; MONITOR names "client|setinfo" "client".
var connSetup = map[string]bool{"hello": true, "client|setinfo": true, "client": true, "ping": true, "select": true, "auth": true}

// monitor is a connection in MONITOR mode to the Redis rows' server: it
// sees every command the server executes, in order, each with the address
// of its client, or "lua" for one a script called.
type monitor struct {
	conn net.Conn
	r    *bufio.Reader
	rc   *redis.Client // sends the marks
	n    int
}

func startMonitor(t *testing.T, rc *redis.Client) *monitor {
	t.Helper()
	c, err := net.DialTimeout("tcp", rc.Options().Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	m := &monitor{conn: c, r: bufio.NewReader(c), rc: rc}
	if _, err := c.Write([]byte("*1\r\n$7\r\nMONITOR\r\n")); err != nil {
		t.Fatal(err)
	}
	if l := m.line(t); l != "+OK" {
		t.Fatalf("MONITOR: %q", l)
	}
	return m
}

func (m *monitor) line(t *testing.T) string {
	t.Helper()
	m.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, err := m.r.ReadString('\n')
	if err != nil {
		t.Fatalf("MONITOR: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// mark sends an ECHO of a new mark and returns the lines the monitor
// showed before it.
func (m *monitor) mark(t *testing.T) []string {
	t.Helper()
	m.n++
	mark := fmt.Sprintf(`"bench-monitor-mark-%d"`, m.n)
	if err := m.rc.Echo(context.Background(), strings.Trim(mark, `"`)).Err(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for {
		l := m.line(t)
		if strings.HasSuffix(l, mark) {
			return lines
		}
		lines = append(lines, l)
	}
}

// during runs f and returns, by name in lower case and sorted, the
// commands the server executed meanwhile that a client sent and those a
// script called; the commands of a new connection's setup are left out.
func (m *monitor) during(t *testing.T, f func()) (sent, scripted []string) {
	t.Helper()
	m.mark(t)
	f()
	for _, l := range m.mark(t) {
		// +1700000000.123456 [0 127.0.0.1:41234] "hmget" "key" ...
		// +1700000000.123457 [0 lua] "HMGET" "key" ...
		_, rest, ok1 := strings.Cut(l, " [")
		src, args, ok2 := strings.Cut(rest, "] \"")
		name, _, ok3 := strings.Cut(args, "\"")
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("MONITOR: unexpected line %q", l)
		}
		name = strings.ToLower(name)
		switch {
		case connSetup[name]:
		case strings.HasSuffix(src, " lua"):
			scripted = append(scripted, name)
		default:
			sent = append(sent, name)
		}
	}
	slices.Sort(sent)
	slices.Sort(scripted)
	return sent, scripted
}
