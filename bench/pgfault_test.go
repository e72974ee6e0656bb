//go:build unix

package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

var pgFaultRun = flag.Bool("pgfault", false, "run TestPostgresPausedUnderLoad and TestPostgresStoppedUnderLoad (about 30 s each): a PostgreSQL cluster of their own stopped for 10 s under load (SIGSTOP; pg_ctl stop -m fast), then back")

// TestPostgresPausedUnderLoad is TestRedisPausedUnderLoad's twin on
// pgstore: the postmaster and every process it forked (the backends of
// the pool's connections, the writers, the checkpointer) get SIGSTOP at 5
// s, SIGCONT at 15 s (a stalled host, a paused VM): connections hang,
// nothing answers. See pgFault.
func TestPostgresPausedUnderLoad(t *testing.T) { pgFault(t, false) }

// TestPostgresStoppedUnderLoad is the same load with PostgreSQL shut down
// at 5 s by pg_ctl stop -m fast (its backends end, its connections are
// closed, new ones refused) and started again, on the same port and data,
// at 15 s.
func TestPostgresStoppedUnderLoad(t *testing.T) { pgFault(t, true) }

// pgFault measures, and only reports, what sessiongen on pgstore does when
// PostgreSQL stops answering under load, as TestRedisPausedUnderLoad does
// for Redis, with the same shape (faultClients clients, half with a
// session, faultThink between two requests, faultLoad in all, the server
// gone from faultStop to faultCont, StoreTimeout faultStoreTimeout): the
// status of the requests second by second, the latency of the 503s against
// the StoreTimeout, whether the route that never opens its session kept
// answering 200, how long after PostgreSQL was back the first session
// request succeeded, and whether every increment answered 2xx is still in
// its session after the run (an increment answered 503 may have been
// applied: its outcome is unknown, as runtime.ErrStoreUnavailable says).
//
// It fails if an acknowledged increment or a session was lost, or if
// goroutines are left behind once the pool is closed.
//
// It runs only with -pgfault: go test -run 'TestPostgres(Paused|Stopped)UnderLoad'
// -pgfault -v.
func pgFault(t *testing.T, restart bool) {
	if !*pgFaultRun {
		t.Skip("a fault run of about 30 s: go test -run 'TestPostgres(Paused|Stopped)UnderLoad' -pgfault -v")
	}
	if _, err := findPostgres(); err != nil {
		requireServer(t, err)
	}
	goroutines := goruntime.NumGoroutine()
	c, err := startPostgres()
	if err != nil {
		t.Fatal(err)
	}
	defer c.remove()

	sessionClients := faultClients / 2
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(c.connString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = int32(2 * sessionClients)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	poolClosed := false
	defer func() {
		if !poolClosed {
			pool.Close()
		}
	}()
	store, err := pgstore.New(ctx, pool, pgstore.Options{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var onError sync.Map // error kind -> *atomic.Int64
	si, err := NewVisitorManager(VisitorConfig{
		SecretKey: hashKey, DisableSecure: true, Store: store, StoreKeyPrefix: sessiongenPGPrefix,
		IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime,
		StoreTimeout: faultStoreTimeout,
		OnError: func(_ *http.Request, err error) {
			n, _ := onError.LoadOrStore(pgErrorKind(err), new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rig := newLoadRig(t, si, faultClients, sessionClients, faultThink)

	// The fault: SIGSTOP of every process of the cluster, or pg_ctl stop
	// -m fast; then SIGCONT, or a start on the same port and data.
	var paused []int
	down := func() (string, error) {
		if !restart {
			var err error
			paused, err = c.pause()
			return fmt.Sprintf("SIGSTOP to the postmaster and its %d children", len(paused)-1), err
		}
		began := time.Now()
		out, err := c.pgCtl("stop", "-m", "fast", "-w")
		return fmt.Sprintf("pg_ctl stop -m fast: %s in %v", strings.TrimSpace(out), time.Since(began).Round(time.Millisecond)), err
	}
	up := func() (string, error) {
		if !restart {
			return "SIGCONT", c.resume(paused)
		}
		began := time.Now()
		err := c.start()
		return fmt.Sprintf("postgres started again, accepting connections after %v", time.Since(began).Round(time.Millisecond)), err
	}
	resumed := true
	defer func() {
		if !resumed && !restart {
			c.resume(paused)
		}
	}()

	rig.run()
	time.Sleep(faultStop)
	resumed = false
	stoppedAt := rig.since()
	what, err := down()
	if err != nil {
		t.Errorf("stopping PostgreSQL: %v", err)
	}
	t.Logf("at %v: %s", stoppedAt.Round(time.Millisecond), what)
	time.Sleep(faultCont - rig.since())
	resumedAt := rig.since()
	what, err = up()
	resumed = true
	if err != nil {
		t.Fatalf("bringing PostgreSQL back: %v", err)
	}
	t.Logf("at %v: %s", resumedAt.Round(time.Millisecond), what)
	time.Sleep(faultLoad - rig.since())
	rig.end()
	loadEnd := rig.since()

	// The report: second by second, then by phase and route.
	all := rig.all()
	t.Logf("PostgreSQL down from %v to %v, load ended at %v; %d clients (%d with a session), StoreTimeout %v, pgxpool MaxConns %d (defaults otherwise), %v between two requests of a client",
		stoppedAt.Round(time.Millisecond), resumedAt.Round(time.Millisecond), loadEnd.Round(time.Millisecond), faultClients, sessionClients, faultStoreTimeout, cfg.MaxConns, faultThink)
	t.Logf("second | session requests (visit, read) by status | static by status | session p50 | session max")
	for sec := range int(loadEnd/time.Second) + 1 {
		in := func(s faultSample) bool { return int(s.at/time.Second) == sec }
		_, sess := latencies(all, func(s faultSample) bool { return in(s) && s.route != "static" })
		_, static := latencies(all, func(s faultSample) bool { return in(s) && s.route == "static" })
		t.Logf("%2d s  session %s | static %s", sec, sess, statusOnly(static))
	}
	phase := func(s faultSample) string {
		switch end := s.at + s.took; {
		case end < stoppedAt:
			return "before"
		case s.at < resumedAt:
			return "down"
		}
		return "after"
	}
	for _, ph := range []string{"before", "down", "after"} {
		for _, route := range []string{"visit", "read", "static"} {
			n, line := latencies(all, func(s faultSample) bool { return s.route == route && phase(s) == ph })
			if n > 0 {
				t.Logf("%-6s %-6s %s", ph, route, line)
			}
		}
	}
	// The 503s while PostgreSQL was down, against the StoreTimeout.
	var t503 []time.Duration
	for _, s := range all {
		if s.status == http.StatusServiceUnavailable && phase(s) == "down" {
			t503 = append(t503, s.took)
		}
	}
	if len(t503) > 0 {
		slices.Sort(t503)
		near := 0
		for _, d := range t503 {
			if d >= faultStoreTimeout*9/10 {
				near++
			}
		}
		t.Logf("503s while down: %d, min %v, p50 %v, max %v; %d of them (%.0f%%) after %v or more (StoreTimeout %v)",
			len(t503), t503[0].Round(100*time.Microsecond), t503[len(t503)/2].Round(100*time.Microsecond), t503[len(t503)-1].Round(100*time.Microsecond),
			near, 100*float64(near)/float64(len(t503)), faultStoreTimeout*9/10, faultStoreTimeout)
	}
	first := time.Duration(-1)
	for _, s := range all {
		if s.route != "static" && s.at >= resumedAt && s.status/100 == 2 && (first < 0 || s.at+s.took < first) {
			first = s.at + s.took
		}
	}
	t.Logf("first session request answered 2xx %v after PostgreSQL was back (from the SIGCONT, or the start of the restart)", (first - resumedAt).Round(time.Millisecond))
	rig.counters().log(t)
	onError.Range(func(k, v any) bool {
		t.Logf("OnError: %6d × %s", v.(*atomic.Int64).Load(), k)
		return true
	})
	st := pool.Stat()
	t.Logf("pgxpool at the end of the load: %d connections (%d idle), %d acquisitions, %d of them waited for a connection, %d canceled (the deadline passed first), %d connections made in all",
		st.TotalConns(), st.IdleConns(), st.AcquireCount(), st.EmptyAcquireCount(), st.CanceledAcquireCount(), st.NewConnsCount())

	// Nothing left behind once the pool is closed and the cluster stopped.
	rig.transport.CloseIdleConnections()
	rig.srv.Close()
	pool.Close()
	poolClosed = true
	c.remove()
	eventually(t, 10*time.Second, func() string {
		if n := goruntime.NumGoroutine(); n > goroutines {
			buf := make([]byte, 1<<20)
			return fmt.Sprintf("%d goroutines, %d before the run:\n%s", n, goroutines, buf[:goruntime.Stack(buf, true)])
		}
		return ""
	})
}

// statusOnly keeps the status part of a latencies line.
func statusOnly(line string) string {
	if _, st, ok := strings.Cut(line, "status "); ok {
		return st
	}
	return line
}

// pgErrorKind is an error's text with the digits of addresses, ports and
// process IDs dropped, so that OnError's reports group by kind.
func pgErrorKind(err error) string {
	var b strings.Builder
	for _, r := range err.Error() {
		if r < '0' || r > '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pause sends SIGSTOP to the postmaster, then to every process it forked,
// and returns their IDs, the postmaster's first. The postmaster is stopped
// first so that it forks nothing new meanwhile.
func (c *pgCluster) pause() ([]int, error) {
	pm := c.pid()
	if pm == 0 {
		return nil, errors.New("postgres is not running")
	}
	if err := syscall.Kill(pm, syscall.SIGSTOP); err != nil {
		return nil, err
	}
	kids, err := children(pm)
	if err != nil {
		return []int{pm}, err
	}
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGSTOP) // one may have exited meanwhile
	}
	return append([]int{pm}, kids...), nil
}

// resume sends SIGCONT to the processes pause stopped, and to the
// postmaster's children now, in case.
func (c *pgCluster) resume(pids []int) error {
	if pm := c.pid(); pm != 0 {
		kids, _ := children(pm)
		pids = append(pids, kids...)
	}
	var first error
	for _, p := range pids {
		if err := syscall.Kill(p, syscall.SIGCONT); err != nil && !errors.Is(err, syscall.ESRCH) && first == nil {
			first = err
		}
	}
	return first
}

// children returns the IDs of the processes whose parent is pid, from
// /proc (Linux).
func children(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) >= 2 {
			if ppid, _ := strconv.Atoi(f[1]); ppid == pid {
				kids = append(kids, p)
			}
		}
	}
	return kids, nil
}

// pgCtl runs pg_ctl on the cluster's data directory, as the user
// PostgreSQL runs as, and returns its output.
func (c *pgCluster) pgCtl(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.dataDir()}, args...)...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = sysProcAttrAs(c.cred)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	// The postmaster was this process's child: reap it.
	c.kill(0)
	return string(out), nil
}
