package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/redistest"
)

// buildExample builds the example and returns the program's path.
func buildExample(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "login")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// program is the example running as a process of its own.
type program struct {
	base           string // http://127.0.0.1:port, from its "listening on" line
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	exited         chan struct{}
	waitErr        error
}

// startExample runs bin -addr 127.0.0.1:0 with args and returns once it
// says where it listens. Its environment is this process's without the
// app's settings (SESSION_*, DATABASE_URL), plus env. It is stopped in
// t.Cleanup, if the test has not stopped it.
func startExample(t *testing.T, bin string, env []string, args ...string) *program {
	t.Helper()
	p := &program{exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SESSION_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s %s, on %s: stderr:\n%s", filepath.Base(bin), strings.Join(args, " "), p.base, p.stderr.String())
		}
	})
	deadline := time.After(30 * time.Second)
	for {
		if line, _, ok := strings.Cut(p.stdout.String(), "\n"); ok {
			base, ok := strings.CutPrefix(line, "listening on ")
			if !ok {
				t.Fatalf("first line %q", line)
			}
			p.base = base
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("exited before listening: %v\n%s", p.waitErr, p.stderr.String())
		case <-deadline:
			t.Fatalf("no listening line after 30s; stderr:\n%s", p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop interrupts the program, as Ctrl-C would, and waits for it to exit
// (killing it after 10 s); it returns how it exited. Calling it again
// returns the same.
func (p *program) stop() error {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	return p.waitErr
}

// syncBuffer is a bytes.Buffer that a process's output may be copied into
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The example as a user runs it with a server-side store, over real TCP:
// logout ends the session for good, so a cookie copied before it opens
// nothing; and the sessions live in the store, not in the process, so a
// restart of the app (on the same database, with the same
// SESSION_SECRET_KEY) keeps the user logged in and the counter going.
func TestServerSideStoresAsAProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	bin := buildExample(t)
	for _, store := range []string{"postgres", "redis"} {
		t.Run(store, func(t *testing.T) {
			// A secret the app does not refuse: a random one would end
			// every session at the restart.
			secret := "SESSION_SECRET_KEY=" + string(testSecret)
			env := []string{secret}
			var args, restartEnv, restartArgs []string
			switch store {
			case "postgres":
				pg := pgtest.Start(t)
				dbURL := pg.ConnString(pg.CreateDatabase(t))
				args = []string{"-store", "postgres", "-postgres-url", dbURL}
				// The restart finds the database in DATABASE_URL.
				restartEnv = []string{secret, "DATABASE_URL=" + dbURL}
				restartArgs = []string{"-store", "postgres"}
			case "redis":
				addr, _ := redistest.Start(t)
				args = []string{"-store", "redis", "-redis-addr", addr}
				restartEnv, restartArgs = env, args
			}
			app := startExample(t, bin, env, args...)

			// Revocation: a copy of the cookie taken while logged in opens
			// nothing after the logout.
			c := newClient(t)
			if _, body := get(t, c, app.base+"/counter"); body != "Number of visits: 1\n" {
				t.Fatalf("first visit: %q", body)
			}
			if _, body := post(t, c, app.base+"/login", url.Values{"username": {"alice"}}, nil); !strings.Contains(body, "Logged in as alice") {
				t.Fatalf("after login: %q", body)
			}
			u, _ := url.Parse(app.base)
			copied := sessionCookie(t, c, u)
			if _, body := post(t, c, app.base+"/logout", nil, nil); !strings.Contains(body, "You were logged out") {
				t.Fatalf("logout: %q", body)
			}
			thief := newClient(t)
			thief.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: copied}})
			if _, body := get(t, thief, app.base+"/"); !strings.HasPrefix(body, "You are not logged in") {
				t.Fatalf("a cookie copied before logout still opens the session: %q", body)
			}

			// A restart keeps sessions.
			c = newClient(t)
			get(t, c, app.base+"/counter")
			post(t, c, app.base+"/login", url.Values{"username": {"alice"}}, nil)
			if _, body := get(t, c, app.base+"/counter"); body != "Number of visits: 2\n" {
				t.Fatalf("counter after login: %q", body)
			}
			cookie := sessionCookie(t, c, u)
			if err := app.stop(); err != nil {
				t.Fatalf("the app did not exit cleanly on an interrupt: %v", err)
			}
			app = startExample(t, bin, restartEnv, restartArgs...)
			u2, _ := url.Parse(app.base)
			if u2.Host == u.Host {
				t.Fatalf("the restarted app listens on %s again", u.Host)
			}
			// Cookies are scoped to a host, not a port: the browser sends
			// the same cookie to the new port on 127.0.0.1, as a real one
			// would to the restarted app on its usual address.
			if got := sessionCookie(t, c, u2); got != cookie {
				t.Fatalf("the jar does not send the cookie to %s", u2.Host)
			}
			if _, body := get(t, c, app.base+"/"); !strings.HasPrefix(body, "Logged in as alice") {
				t.Fatalf("after the restart: %q; want still logged in as alice", body)
			}
			if _, body := get(t, c, app.base+"/counter"); body != "Number of visits: 3\n" {
				t.Fatalf("counter after the restart: %q; want 3", body)
			}
			if err := app.stop(); err != nil {
				t.Fatalf("the restarted app did not exit cleanly on an interrupt: %v", err)
			}
		})
	}
}

// sessionCookie returns the value of the one session cookie c sends to u.
func sessionCookie(t *testing.T, c *http.Client, u *url.URL) string {
	t.Helper()
	cookies := c.Jar.Cookies(u)
	if len(cookies) != 1 || cookies[0].Name != "session" {
		t.Fatalf("cookies for %s: %v; want one session cookie", u.Host, cookies)
	}
	return cookies[0].Value
}

// -store postgres against a server that accepts connections and never
// answers (a hung or overloaded PostgreSQL, a proxy whose backend is gone):
// the app gives up after its short connect timeout, not pgxpool's two
// minutes; a connect_timeout in the URL (whole seconds) is kept.
func TestPostgresConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	for _, tc := range []struct {
		query    string
		min, max time.Duration
	}{
		{"sslmode=disable", 400 * time.Millisecond, 3 * time.Second},
		{"sslmode=disable&connect_timeout=2", 2 * time.Second, 5 * time.Second},
	} {
		cfg := VisitorConfig{SecretKey: testSecret}
		start := time.Now()
		closeStore, err := useStore(context.Background(), &cfg, options{store: "postgres", postgresURL: "postgres://app@" + ln.Addr().String() + "/app?" + tc.query})
		took := time.Since(start)
		if err == nil {
			closeStore()
			t.Fatalf("%s: useStore succeeded against a server that never answers", tc.query)
		}
		if took < tc.min || took > tc.max {
			t.Errorf("%s: gave up after %v; want %v to %v (%v)", tc.query, took.Round(time.Millisecond), tc.min, tc.max, err)
		}
	}
}

// The devices flags as a user gives them: with -max-sessions 1 a second
// login ends the first, and with -trusted-proxy naming this host the page
// shows the address the "proxy" forwards; without a server-side store the
// program refuses them.
func TestDeviceFlagsAsAProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	bin := buildExample(t)
	app := startExample(t, bin, nil, "-store", "memory", "-max-sessions", "1", "-trusted-proxy", "127.0.0.0/8,::1/128")
	first := newDevice(t, "First browser")
	logIn(t, first, app.base, "alice")
	second := newClient(t)
	second.Transport = sendHeaders{"User-Agent": {"Second browser"}, "X-Forwarded-For": {"203.0.113.5"}}
	logIn(t, second, app.base, "alice")
	if got := loggedInAs(t, first, app.base); got != "" {
		t.Errorf("with -max-sessions 1, the first browser is still logged in as %q after a second login", got)
	}
	if rows, _ := devices(t, second, app.base); len(rows) != 1 || rows[0].browser != "Second browser" || rows[0].address != "203.0.113.5" {
		t.Errorf("the page lists %+v; want the second browser's session, from 203.0.113.5", rows)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-max-sessions", "2").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "add -store memory, redis or postgres") {
		t.Errorf("-max-sessions without a store: %v, %q; want a refusal", err, out)
	}
}
