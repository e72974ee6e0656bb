//go:build unix

package bench

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

var faultRun = flag.Bool("fault", false, "run TestRedisPausedUnderLoad (about 30 s): its own redis-server stopped (SIGSTOP) for 10 s under load, then resumed")

// The fault run's shape: faultClients clients, half of them with a
// session, for faultLoad; redis-server is stopped from faultStop to
// faultCont after the start.
const (
	faultClients      = 50
	faultLoad         = 20 * time.Second
	faultStop         = 5 * time.Second
	faultCont         = 15 * time.Second
	faultStoreTimeout = 200 * time.Millisecond
	faultThink        = 10 * time.Millisecond // each client's pause between two requests
)

// faultSample is one request of the fault run.
type faultSample struct {
	at      time.Duration // when it was sent, from the start
	took    time.Duration
	route   string // "visit" (increments), "read" or "static" (no session)
	status  int    // 0: the request failed (the client's timeout)
	counter int    // the counter the response showed, for visit and read
	isNew   bool   // the request found no session
}

// TestRedisPausedUnderLoad measures, and only reports, what sessiongen on
// redisstore does when its redis-server stops answering under load: a
// server of its own is sent SIGSTOP for ten seconds (a stalled host, a
// paused VM, a long fork), then SIGCONT. Half of faultClients clients use
// their session (read it, or increment its counter), half request a route
// that never touches it, through the same middleware. It reports the
// latency and status of session requests while the server is stopped
// (StoreTimeout is 200 ms: 503s near it), whether the other route kept
// answering 200, and, after the resume, whether each session's counter
// equals the increments that were answered 2xx (an increment answered 503
// may still have been applied: its outcome is unknown, as
// runtime.ErrStoreUnavailable says; one answered 2xx must never be lost).
//
// It asserts only that nothing is left behind: every goroutine it started
// has ended, and the client's pool and the server hold no connection
// beyond what the load needs (none at all once the client is closed).
//
// It runs only with -fault (about 30 s): go test -run
// TestRedisPausedUnderLoad -fault -v.
func TestRedisPausedUnderLoad(t *testing.T) {
	if !*faultRun {
		t.Skip("a fault run of about 30 s: go test -run TestRedisPausedUnderLoad -fault -v")
	}
	goroutines := runtime.NumGoroutine()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	proc, addr, err := launchRedis(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.stop()
	resumed := false
	signal := func(sig syscall.Signal) {
		if err := proc.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		if !resumed {
			signal(syscall.SIGCONT)
		}
	}()

	// The client as redisstore's documentation advises, its timeouts
	// scaled to the 200 ms StoreTimeout: one retry fits in a deadline.
	sessionClients := faultClients / 2
	rc := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           100 * time.Millisecond,
		ReadTimeout:           100 * time.Millisecond,
		WriteTimeout:          100 * time.Millisecond,
		PoolSize:              2 * sessionClients,
		PoolTimeout:           100 * time.Millisecond,
		MaxRetries:            2,
	})
	rcClosed := false
	defer func() {
		if !rcClosed {
			rc.Close()
		}
	}()
	store, err := redisstore.New(rc, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var onError sync.Map // error text -> *atomic.Int64
	si, err := NewVisitorManager(VisitorConfig{
		SecretKey: hashKey, DisableSecure: true, Store: store,
		IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime,
		StoreTimeout: faultStoreTimeout,
		OnError: func(_ *http.Request, err error) {
			n, _ := onError.LoadOrStore(errorKind(err), new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/visit", func(w http.ResponseWriter, r *http.Request) {
		s := VisitorFrom(r.Context())
		s.SetVisits(s.Visits() + 1)
		fmt.Fprintf(w, "%d %t", s.Visits(), s.IsNew())
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s := VisitorFrom(r.Context())
		fmt.Fprintf(w, "%d %t", s.Visits(), s.IsNew())
	})
	mux.HandleFunc("/static", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "no session here") // never calls VisitorFrom
	})
	srv := httptest.NewServer(si.Middleware(mux))
	defer srv.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: faultClients, MaxConnsPerHost: faultClients}
	defer transport.CloseIdleConnections()

	// Each session client first creates its session, so that the run
	// measures sessions that exist.
	jars := make([]http.CookieJar, sessionClients)
	for i := range jars {
		jars[i], _ = cookiejar.New(nil)
		resp, err := (&http.Client{Transport: transport, Jar: jars[i]}).Get(srv.URL + "/visit")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("creating session %d: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}

	samples := make([][]faultSample, faultClients)
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range faultClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
			if i < sessionClients {
				client.Jar = jars[i]
			}
			rnd := rand.New(rand.NewPCG(uint64(i), 1))
			for {
				select {
				case <-stop:
					return
				case <-time.After(faultThink):
				}
				route := "static"
				if i < sessionClients {
					route = "read"
					if rnd.IntN(2) == 0 {
						route = "visit"
					}
				}
				samples[i] = append(samples[i], faultGet(client, srv.URL, route, start))
			}
		}()
	}
	time.Sleep(faultStop)
	signal(syscall.SIGSTOP)
	stoppedAt := time.Since(start)
	time.Sleep(faultCont - faultStop)
	signal(syscall.SIGCONT)
	resumed = true
	resumedAt := time.Since(start)
	time.Sleep(faultLoad - faultCont)
	close(stop)
	wg.Wait()
	loadEnd := time.Since(start)

	// After the resume: each session's counter, against the increments
	// answered 2xx.
	var equal, ahead, behind, lost []string
	for i := range sessionClients {
		client := &http.Client{Transport: transport, Jar: jars[i], Timeout: 5 * time.Second}
		final := faultGet(client, srv.URL, "read", start)
		ok := 1 // the visit that created the session
		for _, s := range samples[i] {
			if s.route == "visit" && s.status/100 == 2 {
				ok++
			}
			if s.isNew && s.status != 0 {
				lost = append(lost, fmt.Sprintf("client %d at %v", i, s.at.Round(time.Millisecond)))
			}
		}
		d := fmt.Sprintf("client %d: counter %d, %d increments answered 2xx", i, final.counter, ok)
		switch {
		case final.status != http.StatusOK || final.isNew:
			lost = append(lost, d+fmt.Sprintf(", final read %d (new %t)", final.status, final.isNew))
		case final.counter == ok:
			equal = append(equal, d)
		case final.counter > ok:
			ahead = append(ahead, d)
		default:
			behind = append(behind, d)
		}
	}

	// The report.
	var all []faultSample
	for _, s := range samples {
		all = append(all, s...)
	}
	phase := func(s faultSample) string {
		switch end := s.at + s.took; {
		case end < stoppedAt:
			return "before"
		case s.at < resumedAt:
			return "stopped" // answered while the server was stopped, or sent before it resumed
		}
		return "after"
	}
	t.Logf("redis-server stopped at %v, resumed at %v, load ended at %v; %d clients (%d with a session), StoreTimeout %v, go-redis Read/Write/Dial/PoolTimeout 100ms, MaxRetries 2, PoolSize %d, %v between two requests of a client",
		stoppedAt.Round(time.Millisecond), resumedAt.Round(time.Millisecond), loadEnd.Round(time.Millisecond), faultClients, sessionClients, faultStoreTimeout, 2*sessionClients, faultThink)
	for _, ph := range []string{"before", "stopped", "after"} {
		for _, route := range []string{"visit", "read", "static"} {
			var took []time.Duration
			codes := map[int]int{}
			atDeadline := 0 // answered 503 no sooner than 90% of StoreTimeout
			for _, s := range all {
				if s.route == route && phase(s) == ph {
					took = append(took, s.took)
					codes[s.status]++
					if s.status == http.StatusServiceUnavailable && s.took >= faultStoreTimeout*9/10 {
						atDeadline++
					}
				}
			}
			if len(took) == 0 {
				continue
			}
			slices.Sort(took)
			q := func(p float64) time.Duration {
				return took[min(len(took)-1, int(p*float64(len(took))))].Round(100 * time.Microsecond)
			}
			deadline := ""
			if atDeadline > 0 {
				deadline = fmt.Sprintf(" (%d of the 503s after %v or more)", atDeadline, faultStoreTimeout*9/10)
			}
			t.Logf("%-7s %-6s %6d requests  p50 %-8v p99 %-8v max %-8v status %v%s", ph, route, len(took), q(0.5), q(0.99), took[len(took)-1].Round(100*time.Microsecond), faultCodes(codes), deadline)
		}
	}
	// The first session request answered 2xx after the resume.
	first := time.Duration(-1)
	for _, s := range all {
		if s.route != "static" && s.at >= resumedAt && s.status/100 == 2 && (first < 0 || s.at+s.took < first) {
			first = s.at + s.took
		}
	}
	t.Logf("first session request answered 2xx %v after the resume", (first - resumedAt).Round(time.Millisecond))
	t.Logf("counters after the resume: %d equal to the increments answered 2xx, %d ahead (increments answered 503 that were applied), %d behind (a 2xx increment lost), %d sessions lost or new", len(equal), len(ahead), len(behind), len(lost))
	for _, d := range slices.Concat(ahead, behind, lost) {
		t.Logf("  %s", d)
	}
	onError.Range(func(k, v any) bool {
		t.Logf("OnError: %6d × %s", v.(*atomic.Int64).Load(), k)
		return true
	})
	ps := rc.PoolStats()
	t.Logf("go-redis pool at the end of the load: %d connections (%d idle), %d timeouts waiting for one, %d stale removed", ps.TotalConns, ps.IdleConns, ps.Timeouts, ps.StaleConns)

	// Nothing left behind. The pool holds at most one connection per
	// session client (each has one request in flight, one round trip at a
	// time), all idle; the server holds no more than the pool (those the
	// timed-out attempts opened while it was stopped, it closes once it
	// has read them), and none once the client is closed.
	eventually(t, 10*time.Second, func() string {
		ps := rc.PoolStats()
		if int(ps.TotalConns) > sessionClients || ps.IdleConns != ps.TotalConns {
			return fmt.Sprintf("the pool holds %d connections, %d idle; want at most %d, all idle", ps.TotalConns, ps.IdleConns, sessionClients)
		}
		if n := connectedClients(t, addr); n > int(ps.TotalConns)+1 {
			return fmt.Sprintf("redis-server has %d clients connected, the pool %d (and this probe)", n, ps.TotalConns)
		}
		return ""
	})
	rc.Close()
	rcClosed = true
	eventually(t, 10*time.Second, func() string {
		if n := connectedClients(t, addr); n != 1 {
			return fmt.Sprintf("redis-server has %d clients connected after the client closed; want 1 (this probe)", n)
		}
		return ""
	})
	transport.CloseIdleConnections()
	srv.Close()
	proc.stop()
	eventually(t, 10*time.Second, func() string {
		if n := runtime.NumGoroutine(); n > goroutines {
			buf := make([]byte, 1<<20)
			return fmt.Sprintf("%d goroutines, %d before the run:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
		}
		return ""
	})
	if !t.Failed() {
		t.Logf("left behind: no goroutine (%d, as before the run), no connection (redis-server had only the probe's once the client closed)", runtime.NumGoroutine())
	}
}

// faultGet sends one request of the fault run.
func faultGet(client *http.Client, base, route string, start time.Time) faultSample {
	s := faultSample{at: time.Since(start), route: route}
	resp, err := client.Get(base + "/" + route)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s.status = resp.StatusCode
		if route != "static" && s.status == http.StatusOK {
			counter, isNew, _ := strings.Cut(string(body), " ")
			s.counter, _ = strconv.Atoi(counter)
			s.isNew = isNew == "true"
		}
	}
	s.took = time.Since(start) - s.at
	return s
}

// faultCodes formats a count of status codes, 0 as "failed".
func faultCodes(codes map[int]int) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		name := strconv.Itoa(c)
		if c == 0 {
			name = "failed"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, codes[c]))
	}
	return strings.Join(parts, " ")
}

// errorKind is an error's text with the digits of addresses and keys
// dropped, so that OnError's reports group by kind.
func errorKind(err error) string {
	s := err.Error()
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// connectedClients returns redis-server's INFO clients connected_clients,
// asked on a connection of its own (counted).
func connectedClients(t *testing.T, addr string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*2\r\n$4\r\nINFO\r\n$7\r\nclients\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "connected_clients:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
}

// eventually retries check, which returns what is wrong or "", until it
// passes or timeout has gone by, and then fails the test with its last
// answer.
func eventually(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Error(msg)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
