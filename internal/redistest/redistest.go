// Package redistest starts real Redis servers for the tests of this module:
// Start one server, StartCluster a Redis Cluster of three masters. Each
// runs redis-server from PATH on free loopback ports in a t.TempDir(),
// without persistence, and is killed (and waited for) in t.Cleanup.
//
// When redis-server (or, for a cluster, redis-cli) is not on PATH the test
// is skipped, unless the environment variable CI is set (non-empty): then
// it fails, so a CI job cannot pass by silently running nothing.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long a server (or the cluster) may take to answer.
const startTimeout = 20 * time.Second

// Start runs one redis-server on a free loopback port and returns its
// address ("127.0.0.1:port") once it answers PING. stop kills it and waits
// for it to exit (a test of an unreachable store calls it); it is also
// registered with t.Cleanup, and calling it twice is fine.
func Start(t testing.TB) (addr string, stop func()) {
	t.Helper()
	bin := need(t, "redis-server")
	srv := startServer(t, bin)
	return srv.addr, srv.stop
}

// servers are the running servers by address, for Pause.
var servers sync.Map // addr -> *server

// Restart runs a redis-server again on the port of addr, after its stop: a
// test of a store that goes away and comes back. The new server is empty.
func Restart(t testing.TB, addr string) (stop func()) {
	t.Helper()
	bin := need(t, "redis-server")
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	s, err := tryStart(t, bin, []int{port, 0}, nil)
	if err != nil {
		t.Fatalf("redistest: restarting redis-server on %s: %v", addr, err)
	}
	t.Cleanup(s.stop)
	return s.stop
}

// StartCluster runs a Redis Cluster of three masters (no replicas) on free
// loopback ports, and returns the nodes' addresses once CLUSTER INFO says
// cluster_state:ok on every node. It needs redis-server 7.0 or later (for
// cluster-port) and redis-cli. The nodes are stopped in t.Cleanup.
func StartCluster(t testing.TB) (addrs []string) {
	t.Helper()
	bin := need(t, "redis-server")
	cli := need(t, "redis-cli")
	var nodes []*server
	for range 3 {
		nodes = append(nodes, startServer(t, bin,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000",
		))
		addrs = append(addrs, nodes[len(nodes)-1].addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	cmd := exec.Command(cli, args...)
	cmd.Dir = t.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(startTimeout)
	for _, n := range nodes {
		for {
			info, err := command(n.addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: the cluster node %s is not ok after %v (%v):\n%s\nlog:\n%s", n.addr, startTimeout, err, info, n.log())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return addrs
}

// need returns the path of the program bin, or skips the test (fails it
// when CI is set) if it is not on PATH.
func need(t testing.TB, bin string) string {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("redistest: %s is not on PATH (%v), and CI is set: install it (Debian: redis-server, redis-tools)", bin, err)
	}
	t.Skipf("redistest: %s is not on PATH (%v); install it to run this test", bin, err)
	return ""
}

type server struct {
	addr    string
	dir     string
	cmd     *exec.Cmd
	once    sync.Once
	exited  chan struct{} // closed when the process has been waited for
	waitErr error
}

// stop kills the server and waits for it to exit.
func (s *server) stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

func (s *server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(b)
}

// startServer starts redis-server with extra arguments on free ports,
// retrying on other ports if one was taken between picking and binding.
func startServer(t testing.TB, bin string, extra ...string) *server {
	t.Helper()
	var lastErr error
	for range 5 {
		ports, err := freePorts(2)
		if err != nil {
			lastErr = err
			continue
		}
		s, err := tryStart(t, bin, ports, extra)
		if err == nil {
			t.Cleanup(s.stop)
			return s
		}
		lastErr = err
	}
	t.Fatalf("redistest: redis-server did not start: %v", lastErr)
	return nil
}

// tryStart starts redis-server on ports[0] (and its cluster bus on
// ports[1], for a cluster node).
func tryStart(t testing.TB, bin string, ports []int, extra []string) (*server, error) {
	dir := t.TempDir()
	args := []string{
		"--port", strconv.Itoa(ports[0]),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "yes",
		"--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
		"--daemonize", "no",
	}
	if len(extra) > 0 { // a cluster node: its bus on a free port too
		args = append(args, "--cluster-port", strconv.Itoa(ports[1]))
		args = append(args, extra...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), dir: dir, cmd: cmd, exited: make(chan struct{})}
	servers.Store(s.addr, s)
	go func() {
		s.waitErr = cmd.Wait()
		servers.CompareAndDelete(s.addr, s)
		close(s.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("redis-server on %s exited: %v\n%s%s", s.addr, s.waitErr, out.String(), s.log())
		default:
		}
		if reply, err := command(s.addr, "PING"); err == nil && reply == "PONG" {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("redis-server on %s does not answer PING after %v\n%s", s.addr, startTimeout, s.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// command sends one command in RESP and returns a simple or bulk string
// reply; an error reply comes back as an error.
func command(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, req.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("unexpected reply %q", line)
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
