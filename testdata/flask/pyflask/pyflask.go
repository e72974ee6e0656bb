// Package pyflask runs the Python side of the Flask interop tests: real
// Flask 3.1, through the interpreter in $SESSIONGEN_PYTHON (CI points it at
// a venv with Flask pinned), else python3. Without an interpreter that
// imports Flask 3.1, a test that needs one is skipped, or fails when the CI
// environment variable is set: CI must run them.
package pyflask

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Dir is testdata/flask, where the Python scripts are.
var Dir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}()

var probe struct {
	once    sync.Once
	python  string
	version string
	err     error
}

// Python returns the interpreter to run the scripts with, after checking
// that it imports Flask 3.1. Without one it skips t, or fails it when CI is
// set.
func Python(t testing.TB) string {
	t.Helper()
	probe.once.Do(func() {
		probe.python = os.Getenv("SESSIONGEN_PYTHON")
		if probe.python == "" {
			probe.python = "python3"
		}
		out, err := exec.Command(probe.python, "-c", "import flask, importlib.metadata as m; print(m.version('flask'))").CombinedOutput()
		probe.version = strings.TrimSpace(string(out))
		switch {
		case err != nil:
			probe.err = fmt.Errorf("%s cannot import flask: %v: %s", probe.python, err, out)
		case !strings.HasPrefix(probe.version, "3.1."):
			probe.err = fmt.Errorf("%s has Flask %s; these tests are made for Flask 3.1", probe.python, probe.version)
		}
	})
	if probe.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v (CI must run the Flask interop tests: .ci/run makes a venv with Flask and sets SESSIONGEN_PYTHON)", probe.err)
		}
		t.Skipf("%v (set SESSIONGEN_PYTHON to an interpreter with Flask 3.1)", probe.err)
	}
	return probe.python
}

// Run runs the script (a file of Dir) with stdin and returns its standard
// output; a failure's error holds its standard error.
func Run(t testing.TB, script string, stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(Python(t), append([]string{"-B", filepath.Join(Dir, script)}, args...)...)
	cmd.Dir = Dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %v\n%s", script, err, stderr.Bytes())
	}
	return out, nil
}

// App is app.py, running.
type App struct {
	URL string // http://127.0.0.1:port

	cmd  *exec.Cmd
	done chan struct{}
	log  syncBuffer // its standard error: Werkzeug's request log
}

// StartApp starts app.py on a free loopback port with the secret key and
// its fallbacks, waits until it accepts connections, and stops it when the
// test ends (or at Stop).
func StartApp(t testing.TB, secret string, fallbacks ...string) *App {
	t.Helper()
	a := &App{done: make(chan struct{})}
	args := append([]string{"-B", filepath.Join(Dir, "app.py"), "0", secret}, fallbacks...)
	a.cmd = exec.Command(Python(t), args...)
	a.cmd.Dir = Dir
	a.cmd.Stderr = &a.log
	stdout, err := a.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Stop()
		if t.Failed() {
			t.Logf("app.py's log:\n%s", a.log.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		// Read to the end, then Wait: Wait closes the pipe.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case ready <- u:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		a.cmd.Wait()
		close(a.done)
	}()
	select {
	case a.URL = <-ready:
	case <-a.done:
		t.Fatalf("app.py exited before listening:\n%s", a.log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("app.py did not listen within 30s:\n%s", a.log.String())
	}
	return a
}

// Stop kills the app and waits for it to exit; stopping twice is fine.
func (a *App) Stop() {
	select {
	case <-a.done:
		return
	default:
	}
	a.cmd.Process.Kill()
	<-a.done
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
