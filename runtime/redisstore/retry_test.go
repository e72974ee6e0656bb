package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/redistest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// stallProxy forwards TCP between go-redis and a redis-server. Armed, it
// withholds the next reply it reads from the server for hold, longer than
// the client's ReadTimeout: go-redis gives up on the connection and sends
// the command again on another, after the server has applied the first.
// So a stalled server, or a slow network, is reproduced at will: the
// command is applied, and its reply never reaches the client.
type stallProxy struct {
	addr   string
	target string
	hold   time.Duration
	ln     net.Listener
	armed  atomic.Bool
	onHold atomic.Pointer[func()] // run as a reply is withheld
	held   atomic.Int64           // replies withheld
	evals  atomic.Int64           // evalsha commands forwarded to the server

	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string, hold time.Duration) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{addr: ln.Addr().String(), target: target, hold: hold, ln: ln}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) accept() {
	for {
		cc, err := p.ln.Accept()
		if err != nil {
			return
		}
		sc, err := net.Dial("tcp", p.target)
		if err != nil {
			cc.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, cc, sc)
		p.mu.Unlock()
		go func() { // client to server
			buf := make([]byte, 64<<10)
			for {
				n, err := cc.Read(buf)
				if n > 0 {
					p.evals.Add(int64(bytes.Count(buf[:n], []byte("evalsha"))))
					if _, err := sc.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			cc.Close()
			sc.Close()
		}()
		go func() { // server to client
			buf := make([]byte, 64<<10)
			for {
				n, err := sc.Read(buf)
				if n > 0 {
					if p.armed.CompareAndSwap(true, false) {
						p.held.Add(1)
						if f := p.onHold.Load(); f != nil {
							(*f)()
						}
						time.Sleep(p.hold)
					}
					if _, err := cc.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			cc.Close()
			sc.Close()
		}()
	}
}

func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// stallingClient returns a client of a fresh server through a stallProxy:
// a ReadTimeout of 150ms, and go-redis retrying a command whose reply did
// not come in that time.
func stallingClient(t *testing.T) (*redis.Client, *stallProxy) {
	t.Helper()
	addr, _ := redistest.Start(t)
	p := startProxy(t, addr, 500*time.Millisecond)
	c := redis.NewClient(&redis.Options{
		Addr:                  p.addr,
		ContextTimeoutEnabled: true,
		ReadTimeout:           150 * time.Millisecond,
		MaxRetries:            2,
		MinRetryBackoff:       time.Millisecond,
		MaxRetryBackoff:       2 * time.Millisecond,
	})
	t.Cleanup(func() { c.Close() })
	if err := redisstore.LoadScripts(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c, p
}

// armOn arms p when c is about to send a script whose first key is k.
func armOn(c interface{ AddHook(redis.Hook) }, p func() *stallProxy, k *string) {
	c.AddHook(hook{process: func(ctx context.Context, cmd redis.Cmder, next redis.ProcessHook) error {
		if cmd.Name() == "evalsha" && firstKey(cmd) == *k {
			if p := p(); p != nil {
				p.armed.Store(true)
			}
		}
		return next(ctx, cmd)
	}})
}

// The reviewer's finding: when Redis does not answer a Commit within the
// client's ReadTimeout, go-redis sends it again on a new connection; the
// first attempt had been applied, and the retry, seeing a version it did
// not expect, reported a conflict: a saved change answered 409. With its
// token the retry recognises its own write. The commits without a token
// show the old behaviour, and that the retry did happen.
func TestCommitRetriedByTheClient(t *testing.T) {
	c, p := stallingClient(t)
	s := newStore(t, c, redisstore.Options{})
	nm := newNames(t)
	u := nm.user("erin")
	exp := time.Now().Add(time.Hour)
	var target string
	armOn(c, func() *stallProxy { return p }, &target)
	ctx := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	for _, tc := range []struct {
		name     string
		noToken  bool
		replaces bool
	}{
		{"a continued record", false, false},
		{"a renewed record", false, true},
		{"a continued record without a token (the old behaviour)", true, false},
		{"a renewed record without a token (the old behaviour)", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := nm.record(t, u)
			mustCommit(t, s, commit(t, k, 0, "v1", exp, u.Index))
			cm := commit(t, k, 1, "v2", exp, u.Index)
			if tc.replaces {
				cm = commit(t, nm.record(t, u), 0, "renewed", exp, u.Index)
				cm.Replaces, cm.ReplacesVersion = k, 1
			}
			if tc.noToken {
				cm.Token = ""
			}
			target = cm.Key
			held, evals := p.held.Load(), p.evals.Load()
			start := time.Now()
			err := s.Commit(ctx(), cm)
			t.Logf("Commit: %v after %v", err, time.Since(start).Round(time.Millisecond))
			target = ""
			if p.held.Load() != held+1 || p.evals.Load() < evals+2 {
				t.Fatalf("the reply was not withheld and the command not retried (%d held, %d sent)", p.held.Load()-held, p.evals.Load()-evals)
			}
			if tc.noToken {
				if !errors.Is(err, runtime.ErrConflict) {
					t.Errorf("Commit: %v; want the old behaviour's ErrConflict", err)
				}
			} else if err != nil {
				t.Errorf("Commit retried by the client: %v; want nil (its first attempt was applied)", err)
			}
			// Either way the first attempt was applied, once.
			r, ferr := s.Find(context.Background(), cm.Key)
			if ferr != nil || r.Version != cm.Record.Version || string(r.Data) != string(cm.Record.Data) {
				t.Errorf("Find: %+v, %v; want the committed record", r, ferr)
			}
			if tc.replaces {
				if _, err := s.Find(context.Background(), k); !errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("the replaced record: %v; want ErrNotFound", err)
				}
			}
		})
	}

	// Delete and Touch at a version, retried the same way, succeed.
	k := nm.record(t, u)
	mustCommit(t, s, commit(t, k, 0, "v1", exp, u.Index))
	target = k
	if err := s.Touch(ctx(), k, 1, exp.Add(time.Minute)); err != nil {
		t.Errorf("Touch retried: %v", err)
	}
	if err := s.Delete(ctx(), k, 1); err != nil {
		t.Errorf("Delete retried: %v", err)
	}
	target = ""
	if p.held.Load() != 6 {
		t.Errorf("%d replies withheld; want 6", p.held.Load())
	}
}

// A session created by a Commit whose reply is lost, and ended by
// DeleteUser before go-redis retries the Commit, stays ended: the retry
// finds what DeleteUser left in its place and fails.
func TestCommitRetriedAfterDeleteUser(t *testing.T) {
	c, p := stallingClient(t)
	s := newStore(t, c, redisstore.Options{})
	nm := newNames(t)
	u := nm.user("oscar")
	k := nm.record(t, u)
	armOn(c, func() *stallProxy { return p }, &k)
	ac := redis.NewClient(&redis.Options{Addr: p.target, ContextTimeoutEnabled: true})
	t.Cleanup(func() { ac.Close() })
	admin := newStore(t, ac, redisstore.Options{})
	var deleted atomic.Int64 // the proxy's goroutine runs f
	deleted.Store(-1)
	f := func() {
		n, err := admin.DeleteUser(context.Background(), u)
		if err != nil {
			t.Errorf("DeleteUser: %v", err)
		}
		deleted.Store(int64(n))
	}
	p.onHold.Store(&f)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := s.Commit(ctx, commit(t, k, 0, "logged in", time.Now().Add(time.Hour), u.Index))
	if p.held.Load() != 1 || deleted.Load() != 1 {
		t.Fatalf("%d replies withheld, DeleteUser deleted %d; want 1, 1", p.held.Load(), deleted.Load())
	}
	if !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("Commit: %v; want ErrConflict", err)
	}
	if r, err := s.Find(context.Background(), k); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Find: %+v, %v; want the session DeleteUser ended to stay ended", r, err)
	}
}
