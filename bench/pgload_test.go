//go:build unix

package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// loadRig drives the load of the PostgreSQL fault and sweep runs, as
// TestRedisPausedUnderLoad does for Redis: an httptest server of the
// routes of loadMux, and clients that each send a request, wait think,
// and send the next, until end. The first sessionClients clients use their
// session (each request at random a /visit, which increments its counter,
// or a /read); the others request /static, behind the same middleware but
// never opening the session.
type loadRig struct {
	srv            *httptest.Server
	transport      *http.Transport
	jars           []http.CookieJar
	clients        int
	sessionClients int
	think          time.Duration

	start   time.Time
	samples [][]faultSample
	stop    chan struct{}
	wg      sync.WaitGroup
}

// loadMux is the application of the load runs: /visit increments the
// session's counter, /read reads it (both answer "counter isNew"),
// /static never touches the session.
func loadMux(si *VisitorManager) http.Handler {
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
	return si.Middleware(mux)
}

// newLoadRig serves si's application and creates each session client's
// session (one /visit), so that the run measures sessions that exist.
func newLoadRig(t *testing.T, si *VisitorManager, clients, sessionClients int, think time.Duration) *loadRig {
	t.Helper()
	r := &loadRig{
		srv:            httptest.NewServer(loadMux(si)),
		transport:      &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
		jars:           make([]http.CookieJar, sessionClients),
		clients:        clients,
		sessionClients: sessionClients,
		think:          think,
		samples:        make([][]faultSample, clients),
		stop:           make(chan struct{}),
	}
	t.Cleanup(func() {
		r.transport.CloseIdleConnections()
		r.srv.Close()
	})
	for i := range r.jars {
		r.jars[i], _ = cookiejar.New(nil)
		resp, err := (&http.Client{Transport: r.transport, Jar: r.jars[i]}).Get(r.srv.URL + "/visit")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("creating session %d: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	return r
}

// run starts the clients; r.start is the time from which samples count.
func (r *loadRig) run() {
	r.start = time.Now()
	for i := range r.clients {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			client := &http.Client{Transport: r.transport, Timeout: 5 * time.Second}
			if i < r.sessionClients {
				client.Jar = r.jars[i]
			}
			rnd := rand.New(rand.NewPCG(uint64(i), 1))
			for {
				select {
				case <-r.stop:
					return
				case <-time.After(r.think):
				}
				route := "static"
				if i < r.sessionClients {
					route = "read"
					if rnd.IntN(2) == 0 {
						route = "visit"
					}
				}
				r.samples[i] = append(r.samples[i], faultGet(client, r.srv.URL, route, r.start))
			}
		}()
	}
}

// since is the time since the load started.
func (r *loadRig) since() time.Duration { return time.Since(r.start) }

// end stops the clients and waits for them.
func (r *loadRig) end() {
	close(r.stop)
	r.wg.Wait()
}

// all returns every request sent.
func (r *loadRig) all() []faultSample {
	var all []faultSample
	for _, s := range r.samples {
		all = append(all, s...)
	}
	return all
}

// loadCounters reads each session's counter after the run and compares it
// with the increments answered 2xx (the visit that created the session
// included): equal, ahead (an increment answered 503 or failed that was
// applied: its outcome was unknown), behind (an acknowledged increment
// lost), or lost (the session gone, or a request that found it new).
type loadCounters struct {
	equal, ahead, behind, lost []string
	acked                      int // the increments answered 2xx, over every session
}

func (r *loadRig) counters() loadCounters {
	var c loadCounters
	for i := range r.sessionClients {
		client := &http.Client{Transport: r.transport, Jar: r.jars[i], Timeout: 5 * time.Second}
		final := faultGet(client, r.srv.URL, "read", r.start)
		ok := 1 // the visit that created the session
		for _, s := range r.samples[i] {
			if s.route == "visit" && s.status/100 == 2 {
				ok++
			}
			if s.isNew && s.status != 0 {
				c.lost = append(c.lost, fmt.Sprintf("client %d: a request at %v found no session", i, s.at.Round(time.Millisecond)))
			}
		}
		c.acked += ok
		d := fmt.Sprintf("client %d: counter %d, %d increments answered 2xx", i, final.counter, ok)
		switch {
		case final.status != http.StatusOK || final.isNew:
			c.lost = append(c.lost, d+fmt.Sprintf(", final read %d (new %t)", final.status, final.isNew))
		case final.counter == ok:
			c.equal = append(c.equal, d)
		case final.counter > ok:
			c.ahead = append(c.ahead, d)
		default:
			c.behind = append(c.behind, d)
		}
	}
	return c
}

// log reports the counters; it fails the test if an acknowledged write
// was lost.
func (c loadCounters) log(t *testing.T) {
	t.Helper()
	t.Logf("counters after the run: %d equal to the increments answered 2xx, %d ahead (increments not answered 2xx that were applied), %d behind (a 2xx increment lost), %d sessions lost or new; %d increments answered 2xx in all",
		len(c.equal), len(c.ahead), len(c.behind), len(c.lost), c.acked)
	for _, d := range slices.Concat(c.ahead, c.behind, c.lost) {
		t.Logf("  %s", d)
	}
	if len(c.behind) > 0 || len(c.lost) > 0 {
		t.Errorf("%d sessions behind their acknowledged increments, %d lost", len(c.behind), len(c.lost))
	}
}

// latencies summarises the requests keep selects: count, p50, p99, max
// and the status codes.
func latencies(samples []faultSample, keep func(faultSample) bool) (n int, line string) {
	var took []time.Duration
	codes := map[int]int{}
	for _, s := range samples {
		if keep(s) {
			took = append(took, s.took)
			codes[s.status]++
		}
	}
	if len(took) == 0 {
		return 0, "no requests"
	}
	slices.Sort(took)
	q := func(p float64) time.Duration {
		return took[min(len(took)-1, int(p*float64(len(took))))].Round(10 * time.Microsecond)
	}
	return len(took), fmt.Sprintf("%6d requests  p50 %-9v p99 %-9v max %-9v status %v",
		len(took), q(0.5), q(0.99), took[len(took)-1].Round(10*time.Microsecond), faultCodes(codes))
}
