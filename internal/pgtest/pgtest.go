//go:build unix

// Package pgtest starts real PostgreSQL servers for the tests of this
// module: Start runs a throwaway cluster (initdb, then postgres) on a free
// loopback port in a directory of its own, without fsync, with trust
// authentication, and stops it and removes the directory in t.Cleanup.
//
// The binaries are looked for in the directory the environment variable
// SESSIONGEN_PG_BIN names, else on PATH, else in
// /usr/lib/postgresql/<version>/bin (Debian's postgresql package, newest
// version first). When they are missing the test is skipped, unless the
// environment variable CI is set (non-empty): then it fails, so a CI job
// cannot pass by silently running nothing (as internal/redistest does for
// Redis).
//
// PostgreSQL refuses to run as root: when the test runs as root, initdb
// and postgres run as the postgres system user (the directory is made
// theirs), as "runuser -u postgres" would run them.
package pgtest

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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startTimeout bounds how long initdb and the server's start may take.
const startTimeout = 60 * time.Second

// Server is one running PostgreSQL cluster.
type Server struct {
	Host string // "127.0.0.1"
	Port int
	Dir  string // the cluster's directory: data, socket, log

	cmd     *exec.Cmd
	once    sync.Once
	exited  chan struct{}
	waitErr error
}

// ConnString returns a connection string (URL) for database db of the
// server as the superuser postgres, with a connect timeout of 5 s.
func (s *Server) ConnString(db string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable&connect_timeout=5", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), db)
}

// Addr returns "host:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// CreateDatabase creates a new empty database of a random name and
// returns its name.
func (s *Server) CreateDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", time.Now().UnixNano(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connecting: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: CREATE DATABASE: %v", err)
	}
	return name
}

var dbSeq atomic.Int64

// Stop stops the server (an immediate shutdown: its data is thrown away)
// and waits for it to exit. Calling it twice is fine; the directory is
// removed by the cleanup Start registered.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Log returns the server's log.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "postgres.log"))
	return string(b)
}

// Start runs a new PostgreSQL cluster and returns it once it accepts
// connections. It is stopped, and its directory removed, in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir(t)
	s, err := start(bin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(s.remove)
	return s
}

// remove stops the server and removes its directory.
func (s *Server) remove() {
	s.Stop()
	_ = os.RemoveAll(s.Dir)
}

func start(bin string) (*Server, error) {
	cred, uid, gid, err := credential()
	if err != nil {
		return nil, err
	}
	// Under /tmp with its parents readable: the postgres user must reach
	// it, and the temporary directory of root may not be reachable.
	parent := os.TempDir()
	if cred != nil {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "sessiongen-pgtest-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
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
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = sysProcAttr(cred)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			lastErr = err
			continue
		}
		s, err := run(bin, dir, port, cred)
		if err == nil {
			ok = true
			return s, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("postgres did not start: %v", lastErr)
}

// run starts postgres on port and waits until it accepts connections.
func run(bin, dir string, port int, cred *syscall.Credential) (*Server, error) {
	logf, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-k", dir,
		"-F",
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
	)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// The server dies with the test binary if it dies without its
	// cleanups (a panic, a -timeout): postgres runs in the foreground, a
	// child of this process, not daemonized by pg_ctl.
	cmd.SysProcAttr = sysProcAttr(cred)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", Port: port, Dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("postgres on port %d exited: %v\n%s", port, s.waitErr, s.Log())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.ConnString("postgres"))
		if err == nil {
			c.Close(ctx)
			cancel()
			return s, nil
		}
		cancel()
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("postgres on port %d does not accept connections after %v (%v)\n%s", port, startTimeout, err, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// credential returns the credential to run PostgreSQL's programs with:
// nil when not root, else the postgres user's.
func credential() (*syscall.Credential, int, int, error) {
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
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, uid, gid, nil
}

// binDir returns the directory of initdb and postgres, or skips the test
// (fails it when CI is set).
func binDir(t testing.TB) string {
	t.Helper()
	dir, err := findBin()
	if err == nil {
		return dir
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("pgtest: %v, and CI is set: install PostgreSQL (Debian: postgresql)", err)
	}
	t.Skipf("pgtest: %v; install PostgreSQL to run this test", err)
	return ""
}

func findBin() (string, error) {
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
		return "", fmt.Errorf("no initdb and postgres in SESSIONGEN_PG_BIN (%s)", dir)
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL binaries (initdb, postgres) in SESSIONGEN_PG_BIN, on PATH or in /usr/lib/postgresql/*/bin")
}

// version returns the major version in a path /usr/lib/postgresql/N/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
