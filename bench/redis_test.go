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
	proc   *redisProc
}

// redisProc is a redis-server a test process started.
type redisProc struct {
	cmd     *exec.Cmd
	dir     string
	exited  chan struct{}
	stopped bool
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
		if s.proc, addr, err = launchRedis(bin); err != nil {
			s.err = err
			return
		}
		s.client = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	})
	return s.client, s.err
}

// launchRedis starts a redis-server (see startRedis), on another port if
// the one picked was taken between picking and binding.
func launchRedis(bin string) (p *redisProc, addr string, err error) {
	for range 5 {
		if p, addr, err = startRedis(bin); err == nil {
			return p, addr, nil
		}
	}
	return nil, "", fmt.Errorf("redis-server did not start: %w", err)
}

// startRedis starts redis-server on a free loopback port, without
// persistence, in a temporary directory, and waits for it to answer PING.
func startRedis(bin string) (*redisProc, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "bench-redis")
	if err != nil {
		return nil, "", err
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
		return nil, "", err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	p := &redisProc{cmd: cmd, dir: dir, exited: exited}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(redisStartTimeout)
	for {
		select {
		case <-exited:
			logs, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			p.stop()
			return nil, "", fmt.Errorf("redis-server on %s exited: %v\n%s%s", addr, waitErr, out.String(), logs)
		default:
		}
		if ping(addr) {
			return p, addr, nil
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			p.stop()
			return nil, "", fmt.Errorf("redis-server on %s does not answer PING after %v\n%s", addr, redisStartTimeout, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop kills the server, waits for it, and removes its directory; once.
func (p *redisProc) stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Kill()
	<-p.exited
	os.RemoveAll(p.dir)
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
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
}

// TestMain stops the redis-server and the PostgreSQL cluster the rows
// started.
func TestMain(m *testing.M) {
	code := m.Run()
	stopRedis()
	stopPostgres()
	os.Exit(code)
}
