package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// One redis-server serves every Redis row of a test process: started on
// first use, on a free loopback port, without persistence, in a temporary
// directory; TestMain stops it. It is the bench module's twin of
// internal/redistest, which another module cannot import.
var redisServer struct {
	once   sync.Once
	client *redis.Client // shared by every Redis row: the same pool and options for all
	err    error
	cmd    *exec.Cmd
	dir    string
	exited chan struct{}
}

// errNoRedis: redis-server is not on PATH.
var errNoRedis = errors.New("redis-server is not on PATH")

// redisStartTimeout bounds how long the server may take to answer PING.
const redisStartTimeout = 20 * time.Second

// benchRedis returns the client of the process's redis-server, starting it
// on first use.
func benchRedis() (*redis.Client, error) {
	s := &redisServer
	s.once.Do(func() {
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			s.err = fmt.Errorf("%w (%v): install it to run the Redis rows (Debian: redis-server)", errNoRedis, err)
			return
		}
		var addr string
		for range 5 { // another port if one was taken between picking and binding
			if addr, err = startRedis(bin); err == nil {
				break
			}
		}
		if err != nil {
			s.err = fmt.Errorf("redis-server did not start: %w", err)
			return
		}
		s.client = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	})
	return s.client, s.err
}

func startRedis(bin string) (string, error) {
	s := &redisServer
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "bench-redis")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "yes",
		"--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
		"--daemonize", "no",
	)
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.dir, s.exited = cmd, dir, exited
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(redisStartTimeout)
	for {
		select {
		case <-exited:
			logs, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			stopRedis()
			return "", fmt.Errorf("redis-server on %s exited: %v\n%s%s", addr, waitErr, out.String(), logs)
		default:
		}
		if ping(addr) {
			return addr, nil
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			stopRedis()
			return "", fmt.Errorf("redis-server on %s does not answer PING after %v\n%s", addr, redisStartTimeout, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping reports whether a Redis server answers PING at addr.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}

// stopRedis closes the client, kills the server, waits for it, and removes
// its directory. Calling it when nothing runs is fine.
func stopRedis() {
	s := &redisServer
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		os.RemoveAll(s.dir)
		s.cmd = nil
	}
}

// requireRedis skips the test or benchmark of a system whose redis-server
// is missing, as the module's Redis tests do, but fails it when CI is set
// (non-empty), so CI cannot pass by silently measuring nothing. Any other
// reason a Redis system could not start fails it.
func requireRedis(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case err == nil:
	case errors.Is(err, errNoRedis) && os.Getenv("CI") == "":
		tb.Skip(err)
	default:
		tb.Fatal(err)
	}
}

// TestMain stops the redis-server the Redis rows started.
func TestMain(m *testing.M) {
	code := m.Run()
	stopRedis()
	os.Exit(code)
}
