package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// One PostgreSQL cluster serves every PostgreSQL row of a test process:
// initdb'd and started on first use, on a free loopback port, without
// fsync, with trust authentication, in a directory of its own; TestMain
// stops it and removes the directory. It is the bench module's twin of
// internal/pgtest, which another module cannot import (and, like
// bench/redis_test.go for Redis, it starts one server per process, not one
// per test).
var pgServer struct {
	once    sync.Once
	cluster *pgCluster
	pool    *pgxpool.Pool // shared by every PostgreSQL row: one pool, the same options for all
	err     error
}

// errNoPostgres: no PostgreSQL binaries were found.
var errNoPostgres = errors.New("no PostgreSQL binaries (initdb, postgres)")

// pgStartTimeout bounds how long initdb and the server's start may take.
const pgStartTimeout = 60 * time.Second

// scsSessionsTable is the table scs's PostgreSQL store reads and writes,
// as its documentation gives it, with the index on expiry its cleanup
// uses.
const scsSessionsTable = `CREATE TABLE IF NOT EXISTS sessions (
	token  TEXT PRIMARY KEY,
	data   BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry);`

// benchPostgres returns the pool of the process's PostgreSQL cluster,
// starting the cluster on first use, with scs's table created (pgstore
// migrates its own when a row makes its store).
func benchPostgres() (*pgxpool.Pool, error) {
	s := &pgServer
	s.once.Do(func() {
		c, err := startPostgres()
		if err != nil {
			s.err = err
			return
		}
		s.cluster = c
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pool, err := pgxpool.New(ctx, c.connString())
		if err == nil {
			_, err = pool.Exec(ctx, scsSessionsTable)
		}
		if err == nil && c.statStatements {
			_, err = pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
		}
		if err != nil {
			if pool != nil {
				pool.Close()
			}
			s.err = fmt.Errorf("postgres: setting up the bench database: %w", err)
			return
		}
		s.pool = pool
	})
	return s.pool, s.err
}

// stopPostgres closes the pool, stops the cluster and removes its
// directory. Calling it when nothing runs is fine.
func stopPostgres() {
	s := &pgServer
	if s.pool != nil {
		s.pool.Close()
		s.pool = nil
	}
	if s.cluster != nil {
		s.cluster.remove()
		s.cluster = nil
	}
}

// pgCluster is a PostgreSQL cluster a test process made and runs: its
// postmaster is a child of the test binary (run in the foreground, not
// daemonized), as the postgres system user when the test runs as root,
// since PostgreSQL refuses to run as root.
type pgCluster struct {
	bin, dir string
	port     int
	cred     *runAs // nil: as this process's user
	// statStatements: the server loads pg_stat_statements (when its
	// library is installed beside the binaries), which serverNs reads.
	statStatements bool

	mu      sync.Mutex
	cmd     *exec.Cmd // the postmaster, nil when stopped
	exited  chan struct{}
	waitErr error
}

// startPostgres makes a new cluster (initdb) and starts it on a free
// loopback port, trying another port if the one picked was taken between
// picking and binding.
func startPostgres() (*pgCluster, error) {
	bin, err := findPostgres()
	if err != nil {
		return nil, err
	}
	cred, uid, gid, err := pgCredential()
	if err != nil {
		return nil, err
	}
	// Under /tmp, whose parents the postgres user can read (root's own
	// temporary directory may not be).
	parent := os.TempDir()
	if cred != nil {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "bench-pg-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	c := &pgCluster{bin: bin, dir: dir, cred: cred}
	// Its libraries are in ../lib from the real binary (the bin directory
	// may hold links to it, as /usr/local/bin may).
	if real, err := filepath.EvalSymlinks(filepath.Join(bin, "postgres")); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(real)), "lib", "pg_stat_statements.so")); err == nil {
			c.statStatements = true
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = sysProcAttrAs(cred)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for range 5 {
		l, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			err = lerr
			continue
		}
		c.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		if err = c.start(); err == nil {
			ok = true
			return c, nil
		}
	}
	return nil, fmt.Errorf("postgres did not start: %w", err)
}

func (c *pgCluster) dataDir() string { return filepath.Join(c.dir, "data") }

// connString is the URL of the cluster's database postgres, as the
// superuser postgres.
func (c *pgCluster) connString() string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&connect_timeout=5", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)))
}

// logText returns the server's log.
func (c *pgCluster) logText() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	return string(b)
}

// start runs the postmaster on c.port (again, after a stop) and waits
// until it accepts connections. The settings are internal/pgtest's: no
// fsync, no synchronous commit, no full page writes (a throwaway cluster:
// a write waits for no disk), its socket in the cluster's directory.
func (c *pgCluster) start() error {
	logf, err := os.OpenFile(filepath.Join(c.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{
		"-D", c.dataDir(),
		"-p", strconv.Itoa(c.port),
		"-k", c.dir,
		"-F",
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
	}
	if c.statStatements {
		args = append(args, "-c", "shared_preload_libraries=pg_stat_statements")
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttrAs(c.cred)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.exited = cmd, exited
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		close(exited)
	}()
	deadline := time.Now().Add(pgStartTimeout)
	for {
		select {
		case <-exited:
			c.mu.Lock()
			c.cmd = nil
			err := c.waitErr
			c.mu.Unlock()
			return fmt.Errorf("postgres on port %d exited: %v\n%s", c.port, err, c.logText())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.connString())
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		if time.Now().After(deadline) {
			c.kill(syscall.SIGQUIT)
			return fmt.Errorf("postgres on port %d does not accept connections after %v (%v)\n%s", c.port, pgStartTimeout, err, c.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pid returns the postmaster's process ID, 0 when it is not running.
func (c *pgCluster) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// kill sends sig to the postmaster (SIGQUIT: an immediate shutdown;
// SIGINT: a fast one, what pg_ctl stop -m fast sends), waits for it to
// exit (killing it after 10 s), and returns how long the exit took.
func (c *pgCluster) kill(sig syscall.Signal) time.Duration {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	if cmd == nil {
		return 0
	}
	start := time.Now()
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	c.mu.Lock()
	c.cmd = nil
	c.mu.Unlock()
	return time.Since(start)
}

// remove stops the cluster (an immediate shutdown: its data is thrown
// away) and removes its directory.
func (c *pgCluster) remove() {
	c.kill(syscall.SIGQUIT)
	os.RemoveAll(c.dir)
}

// runAs is the user and group a program runs as.
type runAs struct{ uid, gid uint32 }

// pgCredential returns the user to run PostgreSQL's programs as: nil
// (this process's) when not root, else the postgres user.
func pgCredential() (*runAs, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, 0, 0, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root, and no postgres user to run PostgreSQL as (PostgreSQL refuses root): %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, 0, 0, fmt.Errorf("the postgres user has uid %q, gid %q", u.Uid, u.Gid)
	}
	return &runAs{uid: uint32(uid), gid: uint32(gid)}, uid, gid, nil
}

// findPostgres returns the directory of initdb and postgres: the one
// SESSIONGEN_PG_BIN names, else initdb's on PATH, else the newest
// /usr/lib/postgresql/<version>/bin (Debian's postgresql package), as
// internal/pgtest looks for them.
func findPostgres() (string, error) {
	has := func(dir string) bool {
		for _, p := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("SESSIONGEN_PG_BIN"); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in SESSIONGEN_PG_BIN (%s)", errNoPostgres, dir)
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(dir string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w in SESSIONGEN_PG_BIN, on PATH or in /usr/lib/postgresql/*/bin: install them to run the PostgreSQL rows (Debian: postgresql)", errNoPostgres)
}

// serverNs is the time the server has spent executing statements, in
// nanoseconds, summed over pg_stat_statements (its total_exec_time: from
// the start of each statement's execution to its end, so neither parsing
// nor planning nor the commit of its transaction), or -1 when the cluster
// does not load it.
func serverNs(tb testing.TB, pool *pgxpool.Pool) int64 {
	tb.Helper()
	if pgServer.cluster == nil || !pgServer.cluster.statStatements {
		return -1
	}
	var ms float64
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements`).Scan(&ms); err != nil {
		tb.Fatal(err)
	}
	return int64(ms * 1e6)
}

// requireServer skips the test or benchmark of a system whose server
// (redis-server, PostgreSQL) is missing, as the module's tests do, but
// fails it when CI is set (non-empty), so CI cannot pass by silently
// measuring nothing. Any other reason a system could not start fails it.
func requireServer(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case err == nil:
	case (errors.Is(err, errNoRedis) || errors.Is(err, errNoPostgres)) && os.Getenv("CI") == "":
		tb.Skip(err)
	default:
		tb.Fatal(err)
	}
}
