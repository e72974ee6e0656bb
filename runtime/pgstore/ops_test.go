package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// exec runs sql on p, failing the test on an error.
func exec(t testing.TB, p *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := p.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t testing.TB, p *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := p.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func commit(t testing.TB, s *pgstore.Store, key string, user string, ttl time.Duration) {
	t.Helper()
	err := s.Commit(context.Background(), runtime.Commit{Key: key, Record: runtime.Record{
		Data: []byte("x"), Version: 1, Expires: time.Now().Add(ttl), User: user}, Token: "tok-" + key})
	if err != nil {
		t.Fatal(err)
	}
}

// Migrate is idempotent, and instances that run it at once apply each
// version once; New with SkipMigrate refuses a schema that is behind.
func TestMigrate(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	ctx := context.Background()

	_, err := pgstore.New(ctx, p, pgstore.Options{Schema: "fresh", SkipMigrate: true, CleanupInterval: -1})
	if !errors.Is(err, pgstore.ErrSchemaOutdated) {
		t.Fatalf("New with SkipMigrate on an empty database: %v; want ErrSchemaOutdated", err)
	}

	const instances = 8
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		wg.Go(func() {
			s, err := pgstore.New(ctx, p, pgstore.Options{Schema: "fresh", CleanupInterval: -1})
			if err == nil {
				err = s.Migrate(ctx) // and once more
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	if n := count(t, p, "SELECT count(*) FROM fresh.sessiongen_schema_version"); n != pgstore.SchemaVersion {
		t.Errorf("%d versions recorded; want %d", n, pgstore.SchemaVersion)
	}
	s, err := pgstore.New(ctx, p, pgstore.Options{Schema: "fresh", SkipMigrate: true, CleanupInterval: -1})
	if err != nil {
		t.Fatalf("New with SkipMigrate after Migrate: %v", err)
	}
	commit(t, s, "k", "", time.Hour)
	if _, err := s.Find(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	// A second schema is a store of its own.
	other := newStore(t, p, pgstore.Options{Schema: "Other Schema"})
	if _, err := other.Find(ctx, "k"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("another schema's Find: %v; want ErrNotFound", err)
	}
	// A schema newer than this release's is left alone.
	exec(t, p, "INSERT INTO fresh.sessiongen_schema_version (version) VALUES (99)")
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("Migrate of a newer schema: %v", err)
	}
}

// The upgrade path from schema version 1: rows written by release 1 read,
// list (LastUsed from their updated column) and go on under release 2,
// whose New migrates the schema; and release 1's statements (its commit
// with Replaces and its DeleteUser) still work on the migrated schema,
// for instances of both releases sharing the database while one rolls out.
func TestMigrateFromVersion1(t *testing.T) {
	if pgstore.SchemaVersion != pgstore.Steps {
		t.Fatalf("SchemaVersion %d, %d migrations", pgstore.SchemaVersion, pgstore.Steps)
	}
	srv := pgtest.Start(t)
	p := pool(t, srv)
	ctx := context.Background()
	if err := pgstore.MigrateTo(ctx, p, "upgrade", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.New(ctx, p, pgstore.Options{Schema: "upgrade", SkipMigrate: true, CleanupInterval: -1}); !errors.Is(err, pgstore.ErrSchemaOutdated) {
		t.Fatalf("New with SkipMigrate on version 1: %v; want ErrSchemaOutdated", err)
	}
	// Release 1 writes: an anonymous record, and two of a user.
	exp := time.Now().Add(time.Hour)
	for _, r := range []struct{ key, user string }{{"anon", ""}, {"u1", "idx"}, {"u2", "idx"}} {
		exec(t, p, `INSERT INTO upgrade.sessiongen_sessions (key, data, version, token, expires, user_index, created, updated)
VALUES ($1, 'v1', 1, 'tok', $2, NULLIF($3, ''), now() - interval '1 hour', now() - interval '1 minute')`, r.key, exp, r.user)
	}
	s := newStore(t, p, pgstore.Options{Schema: "upgrade"})
	if n := count(t, p, "SELECT max(version) FROM upgrade.sessiongen_schema_version"); n != pgstore.SchemaVersion {
		t.Fatalf("schema version %d after New; want %d", n, pgstore.SchemaVersion)
	}
	if r, err := s.Find(ctx, "anon"); err != nil || string(r.Data) != "v1" || r.Version != 1 {
		t.Fatalf("a release 1 record: %+v, %v", r, err)
	}
	recs, err := s.ListUser(ctx, runtime.User{Index: "idx"})
	if err != nil || len(recs) != 2 {
		t.Fatalf("ListUser of release 1 records: %d, %v", len(recs), err)
	}
	for _, r := range recs {
		d := r.Record.Device
		if age := time.Since(d.Created); age < 50*time.Minute || age > 70*time.Minute {
			t.Errorf("%s: created %v ago; want its created column, an hour", r.Key, age)
		}
		if age := time.Since(d.LastUsed); age < 30*time.Second || age > 5*time.Minute {
			t.Errorf("%s: last used %v ago; want its updated column, a minute", r.Key, age)
		}
	}
	// Release 2 continues a release 1 record, and moves another.
	if err := s.Commit(ctx, runtime.Commit{Key: "u1", Prev: 1, Token: "t2", Record: runtime.Record{Data: []byte("v2"), Version: 2, Expires: exp, User: "idx"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, runtime.Commit{Key: "u3", Replaces: "u2", ReplacesVersion: 1, Token: "t3", Record: runtime.Record{Data: []byte("moved"), Version: 1, Expires: exp, User: "idx"}}); err != nil {
		t.Fatal(err)
	}
	// Release 1's own statements, on the new schema.
	var res int
	if err := p.QueryRow(ctx, `SELECT upgrade.sessiongen_commit_replace('u4', 0, 1, 'v1', $1, 'idx', 'tok4', 'u3', 1)`, exp).Scan(&res); err != nil || res != 1 {
		t.Fatalf("release 1's sessiongen_commit_replace: %d, %v", res, err)
	}
	if n := count(t, p, `SELECT upgrade.sessiongen_delete_user('idx')`); n != 2 {
		t.Errorf("release 1's sessiongen_delete_user ended %d records; want u1 and u4", n)
	}
	if recs, err := s.ListUser(ctx, runtime.User{Index: "idx"}); err != nil || len(recs) != 0 {
		t.Errorf("after DeleteUser: %d records listed, %v", len(recs), err)
	}
}

// Each method is one statement: one round trip once pgx has prepared it.
func TestOneStatementPerMethod(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.CreateDatabase(t)
	cfg, err := pgxpool.ParseConfig(srv.ConnString(db))
	if err != nil {
		t.Fatal(err)
	}
	tr := &tracer{}
	cfg.ConnConfig.Tracer = tr
	cfg.MaxConns = 1
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	s := newStore(t, p, pgstore.Options{CleanupInterval: -1})
	ctx := context.Background()
	user := "app:{0011223344556677}:user"
	for i := range 2 { // the second time, every statement is prepared
		k, k2 := fmt.Sprint("k", i), fmt.Sprint("k2-", i)
		exp := time.Now().Add(time.Hour)
		for _, step := range []struct {
			name string
			run  func() error
		}{
			{"Find", func() error { _, err := s.Find(ctx, k); return ignore(err, runtime.ErrNotFound) }},
			{"Commit (create)", func() error {
				return s.Commit(ctx, runtime.Commit{Key: k, Record: runtime.Record{Data: []byte("a"), Version: 1, Expires: exp, User: user}, Token: "t1"})
			}},
			{"Commit (continue)", func() error {
				return s.Commit(ctx, runtime.Commit{Key: k, Prev: 1, Record: runtime.Record{Data: []byte("b"), Version: 2, Expires: exp, User: user}, Token: "t2"})
			}},
			{"Commit (replace)", func() error {
				return s.Commit(ctx, runtime.Commit{Key: k2, Record: runtime.Record{Data: []byte("c"), Version: 1, Expires: exp, User: user}, Token: "t3", Replaces: k, ReplacesVersion: 2})
			}},
			{"Touch", func() error { return s.Touch(ctx, k2, 1, exp.Add(time.Hour)) }},
			{"Delete", func() error { return s.Delete(ctx, k2, 1) }},
			{"Delete (version 0)", func() error { return s.Delete(ctx, k2, 0) }},
			{"Commit (login with a limit)", func() error {
				return s.Commit(ctx, runtime.Commit{Key: k, Record: runtime.Record{Data: []byte("d"), Version: 1, Expires: exp, User: user}, Token: "t4", UserLimit: 1})
			}},
			{"ListUser", func() error { _, err := s.ListUser(ctx, runtime.User{Index: user}); return err }},
			{"DeleteUser (keeping one)", func() error { _, err := s.DeleteUser(ctx, runtime.User{Index: user, Keep: k}); return err }},
			{"DeleteUser", func() error { _, err := s.DeleteUser(ctx, runtime.User{Index: user}); return err }},
		} {
			tr.n.Store(0)
			if err := step.run(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if n := tr.n.Load(); n != 1 {
				t.Errorf("%s (pass %d): %d statements; want 1", step.name, i+1, n)
			}
		}
	}
}

func ignore(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	return err
}

// tracer counts the statements sent.
type tracer struct{ n atomic.Int64 }

func (tr *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	tr.n.Add(1)
	return ctx
}
func (tr *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The cleaner deletes the expired rows, and only those, in batches of
// CleanupBatch rows.
func TestCleanup(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	ctx := context.Background()
	s := newStore(t, p, pgstore.Options{CleanupInterval: -1, CleanupBatch: 100})
	var batches atomic.Int64
	pgstore.SetBatchHook(s, func() { batches.Add(1) })
	// 250 expired rows, 10 live ones.
	exec(t, p, `INSERT INTO sessiongen_sessions (key, data, version, expires, user_index)
		SELECT 'dead' || i, '\x00', 1, now() - interval '1 second', CASE WHEN i % 2 = 0 THEN 'u' END FROM generate_series(1, 250) i`)
	for i := range 10 {
		commit(t, s, fmt.Sprint("live", i), "u", time.Hour)
	}
	n, err := s.Sweep(ctx)
	if err != nil || n != 250 {
		t.Fatalf("Sweep: %d, %v; want 250", n, err)
	}
	if b := batches.Load(); b != 3 {
		t.Errorf("%d batches; want 3 of at most 100 rows", b)
	}
	if left := count(t, p, "SELECT count(*) FROM sessiongen_sessions"); left != 10 {
		t.Errorf("%d rows left; want the 10 live ones", left)
	}

	// The cleaner does it on its own, every interval.
	exec(t, p, `INSERT INTO sessiongen_sessions (key, data, version, expires)
		SELECT 'dead' || i, '', 1, now() - interval '1 second' FROM generate_series(1, 50) i`)
	bg := newStore(t, p, pgstore.Options{CleanupInterval: 20 * time.Millisecond})
	deadline := time.Now().Add(10 * time.Second)
	for count(t, p, "SELECT count(*) FROM sessiongen_sessions") != 10 {
		if time.Now().After(deadline) {
			t.Fatal("the cleaner did not delete the expired rows within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	bg.Close()
}

// Of stores sweeping one schema at once, at most one holds the sweep lock;
// the others skip (ErrSweepBusy).
func TestCleanupOneAtATime(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	ctx := context.Background()
	a := newStore(t, p, pgstore.Options{CleanupInterval: -1, CleanupBatch: 10})
	b := newStore(t, p, pgstore.Options{CleanupInterval: -1, CleanupBatch: 10})

	// Deterministic: while a sweeps (held in its first batch), b is busy.
	exec(t, p, `INSERT INTO sessiongen_sessions (key, data, version, expires)
		SELECT 'dead' || i, '', 1, now() - interval '1 second' FROM generate_series(1, 30) i`)
	inside, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	pgstore.SetBatchHook(a, func() {
		once.Do(func() {
			close(inside)
			<-release
		})
	})
	done := make(chan error, 1)
	go func() { _, err := a.Sweep(ctx); done <- err }()
	<-inside
	if n, err := b.Sweep(ctx); !errors.Is(err, pgstore.ErrSweepBusy) || n != 0 {
		t.Errorf("Sweep while another store sweeps: %d, %v; want ErrSweepBusy", n, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, err := b.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("Sweep after: %d, %v; want 0, nil", n, err)
	}

	// Many stores sweeping at once, their cleaners and Sweep calls: never
	// two inside at once.
	var in, maxIn atomic.Int64
	hook := func() {
		v := in.Add(1)
		for {
			m := maxIn.Load()
			if v <= m || maxIn.CompareAndSwap(m, v) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		in.Add(-1)
	}
	var stores []*pgstore.Store
	for range 4 {
		s := newStore(t, p, pgstore.Options{CleanupInterval: 5 * time.Millisecond, CleanupBatch: 10})
		pgstore.SetBatchHook(s, hook)
		stores = append(stores, s)
	}
	var swept, busy atomic.Int64
	var wg sync.WaitGroup
	for round := range 20 {
		exec(t, p, `INSERT INTO sessiongen_sessions (key, data, version, expires)
			SELECT 'r' || $1::text || '-' || i, '', 1, now() - interval '1 second' FROM generate_series(1, 40) i`, fmt.Sprint(round))
		for _, s := range stores {
			wg.Go(func() {
				n, err := s.Sweep(ctx)
				switch {
				case errors.Is(err, pgstore.ErrSweepBusy):
					busy.Add(1)
				case err != nil:
					t.Error(err)
				default:
					swept.Add(int64(n))
				}
			})
		}
		wg.Wait()
	}
	for _, s := range stores {
		s.Close()
	}
	if m := maxIn.Load(); m != 1 {
		t.Errorf("at most %d stores were inside a sweep at once; want 1", m)
	}
	t.Logf("%d rows swept by the calls, %d calls found another sweeping", swept.Load(), busy.Load())
}

// Close stops the cleaner: no goroutine is left behind.
func TestCloseStopsTheCleaner(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	ctx := context.Background()
	s0 := newStore(t, p, pgstore.Options{CleanupInterval: -1}) // migrated, pool warm
	commit(t, s0, "k", "", time.Hour)
	before := goruntime.NumGoroutine()
	for range 10 {
		s, err := pgstore.New(ctx, p, pgstore.Options{CleanupInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // a sweep or two
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s.Close() // twice is fine
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		after := goruntime.NumGoroutine()
		if after <= before {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after closing the stores:\n%s", before, after, buf[:goruntime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The store still answers after Close.
	if _, err := s0.Find(ctx, "k"); err != nil {
		t.Errorf("Find after Close: %v", err)
	}
}

// A store whose server is gone answers ErrStoreUnavailable at once; one
// whose server hangs, by the deadline; never a panic.
func TestServerDown(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	s := newStore(t, p, pgstore.Options{CleanupInterval: -1})
	commit(t, s, "k", "u", time.Hour)
	srv.Stop()
	checkUnavailable(t, s, 500*time.Millisecond, false)

	// A server that hangs: a proxy to a live server stops forwarding.
	srv2 := pgtest.Start(t)
	px := newProxy(t, srv2.Addr())
	db := srv2.CreateDatabase(t)
	hp, err := pgxpool.New(context.Background(), strings.Replace(srv2.ConnString(db), srv2.Addr(), px.addr(), 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hp.Close)
	hs := newStore(t, hp, pgstore.Options{CleanupInterval: -1})
	commit(t, hs, "k", "u", time.Hour)
	px.freeze(true)
	checkUnavailable(t, hs, 300*time.Millisecond, true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = pgstore.New(ctx, hp, pgstore.Options{})
	if !errors.Is(err, runtime.ErrStoreUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("New on a hung server: %v; want ErrStoreUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("New on a hung server took %v; want the deadline, 300ms", d)
	}
	// Back: the store answers again (the pool drops the connections the
	// deadlines broke), the record intact.
	px.freeze(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := hs.Find(context.Background(), "k")
		if err == nil {
			if r.Version != 1 {
				t.Errorf("after the hang: version %d; want 1", r.Version)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store does not answer after the hang: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxy forwards TCP connections to a server, and can stop forwarding
// (freeze) while holding them open: a server that hangs.
type proxy struct {
	l      net.Listener
	mu     sync.Mutex
	frozen bool
	cond   *sync.Cond
	wg     sync.WaitGroup
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &proxy{l: l}
	px.cond = sync.NewCond(&px.mu)
	t.Cleanup(px.close)
	px.wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			px.mu.Lock()
			px.conns = append(px.conns, c, s)
			px.mu.Unlock()
			px.wg.Go(func() { px.pipe(s, c) })
			px.wg.Go(func() { px.pipe(c, s) })
		}
	})
	return px
}

func (px *proxy) addr() string { return px.l.Addr().String() }

// pipe copies from src to dst, waiting while the proxy is frozen.
func (px *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		px.mu.Lock()
		for px.frozen {
			px.cond.Wait()
		}
		px.mu.Unlock()
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (px *proxy) freeze(on bool) {
	px.mu.Lock()
	px.frozen = on
	px.mu.Unlock()
	px.cond.Broadcast()
}

func (px *proxy) close() {
	px.freeze(false)
	px.l.Close()
	px.mu.Lock()
	for _, c := range px.conns {
		c.Close()
	}
	px.mu.Unlock()
	px.wg.Wait()
}

// checkUnavailable calls every method with a deadline and wants
// ErrStoreUnavailable from each, within the deadline (plus slack).
func checkUnavailable(t *testing.T, s *pgstore.Store, timeout time.Duration, wantDeadline bool) {
	t.Helper()
	exp := time.Now().Add(time.Hour)
	for _, m := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Find", func(ctx context.Context) error { _, err := s.Find(ctx, "k"); return err }},
		{"Commit", func(ctx context.Context) error {
			return s.Commit(ctx, runtime.Commit{Key: "k", Prev: 1, Record: runtime.Record{Data: []byte("y"), Version: 2, Expires: exp}, Token: "t"})
		}},
		{"Commit (replace)", func(ctx context.Context) error {
			return s.Commit(ctx, runtime.Commit{Key: "k2", Record: runtime.Record{Data: []byte("y"), Version: 1, Expires: exp, User: "u"}, Token: "t", Replaces: "k", ReplacesVersion: 1})
		}},
		{"Touch", func(ctx context.Context) error { return s.Touch(ctx, "k", 1, exp) }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, "k", 1) }},
		{"Delete (version 0)", func(ctx context.Context) error { return s.Delete(ctx, "k", 0) }},
		{"DeleteUser", func(ctx context.Context) error { _, err := s.DeleteUser(ctx, runtime.User{Index: "u"}); return err }},
		{"Sweep", func(ctx context.Context) error { _, err := s.Sweep(ctx); return err }},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		start := time.Now()
		err := m.run(ctx)
		took := time.Since(start)
		cancel()
		if !errors.Is(err, runtime.ErrStoreUnavailable) {
			t.Errorf("%s: %v; want ErrStoreUnavailable", m.name, err)
		}
		if wantDeadline && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v; want it to match context.DeadlineExceeded", m.name, err)
		}
		if took > timeout+500*time.Millisecond {
			t.Errorf("%s took %v; want at most the deadline, %v", m.name, took, timeout)
		}
	}
}

// Rows the store did not write, whatever their contents, never make it
// panic: what is not a record is not found.
func TestHostileRows(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	s := newStore(t, p, pgstore.Options{CleanupInterval: -1})
	ctx := context.Background()
	exec(t, p, "ALTER TABLE sessiongen_sessions DROP CONSTRAINT sessiongen_sessions_version_check")
	exec(t, p, "ALTER TABLE sessiongen_sessions DROP CONSTRAINT sessiongen_sessions_expires_check")
	exec(t, p, "ALTER TABLE sessiongen_sessions ALTER COLUMN data DROP NOT NULL")
	for _, row := range []string{
		`('zero', '\x01', 0, 'infinity', NULL, NULL)`,
		`('negative', '\x01', -5, now() + interval '1 hour', NULL, '')`,
		`('infinite', '\x01', 3, 'infinity', '\x00', 'u')`,
		`('nulldata', NULL, 2, now() + interval '1 hour', NULL, 'u')`,
		`('empty', '', 1, now() + interval '1 hour', '', 'u')`,
		`('huge', '\x01', 9223372036854775807, now() + interval '1 hour', NULL, NULL)`,
	} {
		exec(t, p, "INSERT INTO sessiongen_sessions (key, data, version, expires, token, user_index) VALUES "+row)
	}
	for _, k := range []string{"zero", "negative", "infinite", "nulldata", "empty", "huge"} {
		r, err := s.Find(ctx, k)
		t.Logf("Find(%s) = %+v, %v", k, r, err)
		if err != nil && !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Find(%s): %v; want a record or ErrNotFound", k, err)
		}
		if err == nil && (r.Version == 0 || r.Data == nil) {
			t.Errorf("Find(%s) = %+v: not a record", k, r)
		}
		_ = s.Touch(ctx, k, 1, time.Now().Add(time.Hour))
		_ = s.Commit(ctx, runtime.Commit{Key: k, Prev: r.Version, Record: runtime.Record{Data: []byte("n"), Version: r.Version + 1, Expires: time.Now().Add(time.Hour)}, Token: "t"})
		_ = s.Delete(ctx, k, 7)
	}
	if _, err := s.DeleteUser(ctx, runtime.User{Index: "u"}); err != nil {
		t.Errorf("DeleteUser: %v", err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Errorf("Sweep: %v", err)
	}
	// A version past the bigint range is refused, never wrapped.
	err := s.Commit(ctx, runtime.Commit{Key: "big", Prev: 1 << 63, Record: runtime.Record{Data: []byte("n"), Version: 1<<63 + 1, Expires: time.Now().Add(time.Hour)}})
	if err == nil || strings.Contains(fmt.Sprint(err), "panic") {
		t.Errorf("Commit of version 2^63+1: %v; want an error", err)
	}
	if err := s.Touch(ctx, "huge", 1<<63, time.Now()); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("Touch at version 2^63: %v; want ErrConflict", err)
	}
}

// A Commit that continues a record, and a Touch, change no indexed column,
// so PostgreSQL updates the row in its page without writing an index (a
// HOT update): the cost of a modifying request on the server.
func TestContinueIsHOT(t *testing.T) {
	srv := pgtest.Start(t)
	p := pool(t, srv)
	s := newStore(t, p, pgstore.Options{CleanupInterval: -1})
	ctx := context.Background()
	const n = 200
	exp := time.Now().Add(time.Hour)
	for i := range 20 {
		key := fmt.Sprint("hot-", i)
		if err := s.Commit(ctx, runtime.Commit{Key: key, Token: "t0", Record: runtime.Record{Data: []byte("v"), Version: 1, Expires: exp}}); err != nil {
			t.Fatal(err)
		}
	}
	for v := uint64(1); v <= n/20; v++ {
		for i := range 20 {
			key := fmt.Sprint("hot-", i)
			c := runtime.Commit{Key: key, Prev: v, Token: fmt.Sprint("t", v), Record: runtime.Record{Data: []byte(fmt.Sprint("data ", v)), Version: v + 1, Expires: exp.Add(time.Duration(v) * time.Second)}}
			if err := s.Commit(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The statistics reach pg_stat_user_tables within a second or so.
	var upd, hot int64
	deadline := time.Now().Add(10 * time.Second)
	for {
		exec(t, p, "SELECT pg_stat_force_next_flush()")
		if err := p.QueryRow(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'sessiongen_sessions'`).Scan(&upd, &hot); err != nil {
			t.Fatal(err)
		}
		if upd >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if upd < n {
		t.Fatalf("%d updates counted; want %d", upd, n)
	}
	if hot < upd*9/10 {
		t.Errorf("%d of %d updates were HOT; want nearly all (no index on a column a Commit changes, room in the pages)", hot, upd)
	}
	t.Logf("%d of %d updates HOT", hot, upd)
}
