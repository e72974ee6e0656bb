//go:build unix

package bench

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

var pgSweepRun = flag.Bool("pgsweep", false, "run TestPostgresSweepUnderLoad (about a minute or two): pgstore's Sweep of 1,000,000 expired rows under load, on a cluster of its own")

// The sweep run's shape.
const (
	sweepExpired  = 1_000_000
	sweepClients  = 20 // each with a live session
	sweepThink    = 5 * time.Millisecond
	sweepBaseline = 10 * time.Second // the load without a sweep, before it
	sweepAfter    = 3 * time.Second  // the load after the sweep ended
)

// TestPostgresSweepUnderLoad measures, and reports, what pgstore's cleanup
// costs and what it does to the requests served meanwhile: on a cluster of
// its own, sweepExpired expired rows are inserted into
// sessiongen_sessions (one INSERT ... SELECT over generate_series, keys
// as long as the runtime's, the seed session's record as data), then
// sweepClients clients keep reading and modifying their live sessions
// through the sessiongen middleware, for sweepBaseline without a sweep,
// then during store.Sweep (batches of Options.CleanupBatch rows, 1000 by
// default, one DELETE each), then sweepAfter after it. It reports the
// sweep's duration and rate, and the request latencies (p50, p99, max) in
// each phase. It fails only if the sweep errs, leaves an expired row, or
// deletes a live one (each session's counter must still hold every
// increment answered 2xx).
//
// It runs only with -pgsweep: go test -run TestPostgresSweepUnderLoad
// -pgsweep -v -timeout 20m.
func TestPostgresSweepUnderLoad(t *testing.T) {
	if !*pgSweepRun {
		t.Skip("a run of a minute or two: go test -run TestPostgresSweepUnderLoad -pgsweep -v")
	}
	if _, err := findPostgres(); err != nil {
		requireServer(t, err)
	}
	c, err := startPostgres()
	if err != nil {
		t.Fatal(err)
	}
	defer c.remove()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(c.connString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = sweepClients + 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, pgstore.Options{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	si, err := NewVisitorManager(VisitorConfig{
		SecretKey: hashKey, DisableSecure: true, Store: store, StoreKeyPrefix: sessiongenPGPrefix,
		IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime,
	})
	if err != nil {
		t.Fatal(err)
	}
	rig := newLoadRig(t, si, sweepClients, sweepClients, sweepThink)

	// The expired rows: keys as long as the runtime's (its prefix, the
	// namespace, the SHA-256 of an ID in hex), the seed session's record,
	// expired from an hour to about a day ago.
	record, _ := storeSeed()
	began := time.Now()
	tag, err := pool.Exec(ctx, `INSERT INTO sessiongen_sessions (key, data, version, expires)
SELECT 'bench:expired:Visitor:session:' || encode(sha256(int4send(i)), 'hex'), $1::bytea, 1, now() - interval '1 hour' - i * interval '80 ms'
FROM generate_series(1, $2::int) AS i`, record, sweepExpired)
	if err != nil {
		t.Fatal(err)
	}
	inserted := time.Since(began)
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE sessiongen_sessions`); err != nil {
		t.Fatal(err)
	}
	var tableSize, indexSize string
	if err := pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_table_size('sessiongen_sessions')), pg_size_pretty(pg_indexes_size('sessiongen_sessions'))`).Scan(&tableSize, &indexSize); err != nil {
		t.Fatal(err)
	}
	t.Logf("inserted %d expired rows (%d-byte records) in %v (one INSERT ... SELECT, then VACUUM ANALYZE); table %s, indexes %s",
		tag.RowsAffected(), len(record), inserted.Round(time.Millisecond), tableSize, indexSize)

	rig.run()
	time.Sleep(sweepBaseline)
	sweepStart := rig.since()
	n, err := store.Sweep(ctx)
	sweepEnd := rig.since()
	if err != nil {
		t.Errorf("Sweep: %v (after %d rows)", err, n)
	}
	time.Sleep(sweepAfter)
	rig.end()
	took := sweepEnd - sweepStart
	t.Logf("Sweep deleted %d rows in %v: %.0f rows/s, %d DELETE statements of at most %d rows",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), n/pgstore.DefaultCleanupBatch+1, pgstore.DefaultCleanupBatch)

	all := rig.all()
	phases := []struct {
		name string
		keep func(faultSample) bool
	}{
		{"without a sweep", func(s faultSample) bool { return s.at+s.took < sweepStart }},
		{"during the sweep", func(s faultSample) bool { return s.at >= sweepStart && s.at+s.took <= sweepEnd }},
		{"after the sweep", func(s faultSample) bool { return s.at > sweepEnd }},
	}
	for _, ph := range phases {
		for _, route := range []string{"read", "visit"} {
			_, line := latencies(all, func(s faultSample) bool { return s.route == route && ph.keep(s) })
			t.Logf("%-16s %-5s %s", ph.name, route, line)
		}
	}

	var expired, live int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE expires <= now()), count(*) FILTER (WHERE expires > now()) FROM sessiongen_sessions`).Scan(&expired, &live); err != nil {
		t.Fatal(err)
	}
	t.Logf("after the sweep: %d expired rows, %d live", expired, live)
	if n != sweepExpired || expired != 0 || live != sweepClients {
		t.Errorf("Sweep deleted %d rows, %d expired and %d live are left; want %d, 0 and %d", n, expired, live, sweepExpired, sweepClients)
	}
	rig.counters().log(t)
}
