package bench

import (
	"context"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestPostgresRows checks that the PostgreSQL rows really go to
// PostgreSQL, sessiongen's and the floor's under their own keys of
// sessiongen_sessions, scs's in its table sessions, and that a read-only
// request of sessiongen's pgstore leaves its record as it was (no write,
// not even of the expiry), where a modifying one writes a new version.
func TestPostgresRows(t *testing.T) {
	pool, err := benchPostgres()
	requireServer(t, err)
	ctx := context.Background()
	for _, sys := range systems() {
		if sys.pg == nil {
			continue
		}
		cookie := seedCookie(t, sys)
		for _, sc := range []scenario{modify, readOnly, fresh} {
			rec := httptest.NewRecorder()
			sys.handler(sc).ServeHTTP(rec, request(sc, cookie))
			if rec.Code != http.StatusOK {
				t.Errorf("%s, %v: status %d", sys.name, sc, rec.Code)
			}
		}
	}
	counts := map[string]int{}
	rows, err := pool.Query(ctx, `SELECT key FROM sessiongen_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, sessiongenPGPrefix):
			counts["sessiongen"]++
		case strings.HasPrefix(k, floorSelectPrefix):
			counts["floor"]++
		default:
			t.Errorf("a record under a key of no row: %q", k)
		}
	}
	var scsRows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&scsRows); err != nil {
		t.Fatal(err)
	}
	if counts["sessiongen"] < 2 || counts["floor"] != 1 || scsRows < 2 {
		t.Errorf("sessiongen's records %d (want 2 or more: the seed and a fresh visit's), the floor's %d (want 1), scs's sessions %d (want 2 or more)",
			counts["sessiongen"], counts["floor"], scsRows)
	}

	sys := sessiongenPostgres()
	cookie := seedCookie(t, sys)
	snapshot := func() map[string]string {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT key, version::text || ' ' || expires::text || ' ' || md5(data) FROM sessiongen_sessions WHERE key LIKE $1 || '%'`, sessiongenPGPrefix)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		var k, v string
		if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { m[k] = v; return nil }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := snapshot()
	sys.handler(readOnly).ServeHTTP(httptest.NewRecorder(), request(readOnly, cookie))
	if after := snapshot(); !maps.Equal(before, after) {
		t.Errorf("a read-only request changed the records")
	}
	sys.handler(modify).ServeHTTP(httptest.NewRecorder(), request(modify, cookie))
	if after := snapshot(); maps.Equal(before, after) {
		t.Errorf("a modifying request changed no record")
	}
}

// TestPostgresStatementsPerRequest pins what each PostgreSQL row sends per
// request, as the client sees it: the statements pgx sends (a tracer),
// and the writes on the connection, one per round trip (a counting
// connection). Each row runs on a pool of its own of one connection, so
// that its statements are prepared once, by an unmeasured first request,
// and each measured statement is one round trip: Bind, Execute and Sync in
// one write, the answer in return. sessiongen's pgstore reads with one
// SELECT and writes nothing on a read (its Touch, an UPDATE, comes at most
// once per TouchInterval: the "touch due" row, whose TouchInterval is a
// nanosecond); a modify is that SELECT and one UPDATE (in a CTE that also
// recognises a retried Commit), a first visit one INSERT (its CTE).
// scs's pgxstore reads with a SELECT and, with an idle timeout, writes the
// session back with an INSERT ... ON CONFLICT DO UPDATE on every request,
// a read included. The floor is one SELECT whatever the scenario.
//
// With -v it logs the server's time per request of each row and scenario,
// from pg_stat_statements, when the cluster loads it.
func TestPostgresStatementsPerRequest(t *testing.T) {
	_, err := benchPostgres()
	requireServer(t, err)
	want := map[string]map[scenario]string{
		"sessiongen: pgstore": {
			modify: "find continue", readOnly: "find", fresh: "create",
		},
		"sessiongen: pgstore, touch due": {readOnly: "find touch"},
		"scs: pgxstore": {
			modify: "scs-select scs-upsert", readOnly: "scs-select scs-upsert", fresh: "scs-upsert",
		},
		"floor: pgx SELECT": {modify: "floor-select", readOnly: "floor-select", fresh: "floor-select"},
	}
	builders := map[string]func(*pgxpool.Pool) func(scenario) http.Handler{
		"sessiongen: pgstore": sessiongenPGHandler,
		"sessiongen: pgstore, touch due": func(pool *pgxpool.Pool) func(scenario) http.Handler {
			return sessiongenWith("", VisitorConfig{
				SecretKey: hashKey, DisableSecure: true, Store: newPGStore(pool), StoreKeyPrefix: sessiongenPGPrefix,
				IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime, TouchInterval: time.Nanosecond,
			}).handler
		},
		"scs: pgxstore":     scsPGHandler,
		"floor: pgx SELECT": pgFloorHandler,
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		t.Run(name, func(t *testing.T) {
			tr := &pgTrace{}
			pool := tracedPool(t, tr)
			sys := system{name: name, handler: builders[name](pool)}
			cookie := seedCookie(t, sys)
			for _, sc := range []scenario{modify, readOnly, fresh} {
				w, ok := want[name][sc]
				if !ok {
					continue
				}
				h := sys.handler(sc)
				h.ServeHTTP(httptest.NewRecorder(), request(sc, cookie)) // statements prepared
				time.Sleep(2 * time.Millisecond)                         // a touch due again
				tr.reset()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, request(sc, cookie))
				sent, prepared, writes := tr.get()
				if rec.Code != http.StatusOK || strings.Join(sent, " ") != w || prepared != 0 || writes != len(sent) {
					t.Errorf("%v: status %d, sent %q, %d prepared, %d writes on the connection; want 200, %q, 0 prepared, a write per statement",
						sc, rec.Code, sent, prepared, writes, w)
				}
				if testing.Verbose() && !t.Failed() {
					if ns := serverNs(t, pool); ns >= 0 {
						const runs = 500
						for range runs {
							h.ServeHTTP(httptest.NewRecorder(), request(sc, cookie))
						}
						t.Logf("%-9v sent %-22s server %5.1f µs/request (pg_stat_statements: execution only)", sc, w, float64(serverNs(t, pool)-ns)/runs/1000)
					}
				}
			}
		})
	}
}

// pgTrace records what pgx sends: each statement, named by what it is,
// each statement prepared, and the writes on the connection.
type pgTrace struct {
	mu       sync.Mutex
	sent     []string
	prepared int
	writes   int
}

func (tr *pgTrace) reset() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.sent, tr.prepared, tr.writes = nil, 0, 0
}

func (tr *pgTrace) get() ([]string, int, int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.sent), tr.prepared, tr.writes
}

// TraceQueryStart records a statement sent (pgx.QueryTracer).
func (tr *pgTrace) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.sent = append(tr.sent, statementKind(d.SQL))
	return ctx
}

// TraceQueryEnd is part of pgx.QueryTracer.
func (tr *pgTrace) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TracePrepareStart records a statement prepared (pgx.PrepareTracer).
func (tr *pgTrace) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.prepared++
	return ctx
}

// TracePrepareEnd is part of pgx.PrepareTracer.
func (tr *pgTrace) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// countingConn counts the writes on a connection.
type countingConn struct {
	net.Conn
	tr *pgTrace
}

func (c countingConn) Write(b []byte) (int, error) {
	c.tr.mu.Lock()
	c.tr.writes++
	c.tr.mu.Unlock()
	return c.Conn.Write(b)
}

// tracedPool is a pool of one connection to the process's cluster, traced
// by tr, closed at the end of the test.
func tracedPool(t *testing.T, tr *pgTrace) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgServer.cluster.connString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	cfg.ConnConfig.Tracer = tr
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, tr: tr}, nil
	}
	// A connection idle for more than a second would be pinged on its
	// acquisition (pgxpool's default): not part of any request.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// statementKind names a statement of the PostgreSQL rows by what it does.
func statementKind(sql string) string {
	q := strings.Join(strings.Fields(sql), " ")
	switch {
	case q == floorSelectSQL:
		return "floor-select"
	case strings.HasPrefix(q, "SELECT data FROM sessions"):
		return "scs-select"
	case strings.HasPrefix(q, "INSERT INTO sessions"):
		return "scs-upsert"
	case strings.HasPrefix(q, "SELECT data, version, expires, user_index FROM"):
		return "find"
	case strings.Contains(q, "INSERT INTO") && strings.Contains(q, "sessiongen_sessions"):
		return "create"
	case strings.Contains(q, "UPDATE") && strings.Contains(q, "SET data"):
		return "continue"
	case strings.Contains(q, "UPDATE") && strings.Contains(q, "SET expires"):
		return "touch"
	}
	return q
}
