package browser

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Every wait is bounded. The browser scenario ends within testBudget, one
// step of it (a page load, a form submission) within stepTimeout; taking a
// screenshot after a failure has 5 seconds of its own, so that it still
// works when a step timed out. A run takes a few seconds.
const (
	testBudget        = 40 * time.Second
	stepTimeout       = 10 * time.Second
	browserStartLimit = 15 * time.Second
	serverStartLimit  = 10 * time.Second
	buildLimit        = 2 * time.Minute // a cold build compiles the main module's dependencies
)

// TestLoginInChromium is a new user's first minutes with examples/login,
// in a real browser: log in through the form, count three visits, log out
// through the button, log in again, and still be logged in after the
// server restarts with the same key. On the way it checks what only a real
// browser shows: the session cookie is HttpOnly (invisible to the page's
// JavaScript), and a form on another origin (another port of 127.0.0.1:
// same-site, so the SameSite=Lax cookie goes along) cannot log the user
// out.
func TestLoginInChromium(t *testing.T) {
	chrome := findBrowser(t)
	t.Logf("browser: %s", chrome)
	start := time.Now()
	bin := buildLogin(t, t.TempDir())
	t.Logf("%-45s %v", "go build examples/login", time.Since(start).Round(time.Millisecond))
	secret := newSecret(t)

	srv, err := startLogin(t, bin, "127.0.0.1:0", secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server: %s", srv.base)
	start = time.Now()
	b := newBrowser(t, chrome)
	t.Logf("%-45s %v", "start the browser", time.Since(start).Round(time.Millisecond))
	b.server = srv

	b.login("alice")

	for i := 1; i <= 3; i++ {
		b.step(fmt.Sprintf("GET /counter, visit %d", i), func(ctx context.Context) error {
			if err := chromedp.Do(ctx, chromedp.Navigate(b.server.base+"/counter")); err != nil {
				return err
			}
			want := fmt.Sprintf("Number of visits: %d", i)
			if text, err := bodyText(ctx); err != nil || text != want {
				return fmt.Errorf("page says %q (%v); want %q", text, err, want)
			}
			return nil
		})
	}

	b.step("the session cookie is HttpOnly", func(ctx context.Context) error {
		fromJS, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`))
		if err != nil {
			return err
		}
		if strings.Contains(fromJS, "session=") {
			return fmt.Errorf("document.cookie = %q: the page's JavaScript sees the session cookie", fromJS)
		}
		// The check above also passes without any cookie at all: ask the
		// browser's cookie store that the cookie is there, and why the page
		// cannot see it.
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.server.base + "/"}})
		if err != nil {
			return err
		}
		for _, c := range res.Cookies {
			if c.Name != "session" {
				continue
			}
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || !c.Session {
				return fmt.Errorf("session cookie: HttpOnly %v, SameSite %q, session-only %v; want true, Lax, true", c.HTTPOnly, c.SameSite, c.Session)
			}
			return nil
		}
		return fmt.Errorf("the browser has no session cookie for %s (document.cookie = %q)", b.server.base, fromJS)
	})

	b.logout()

	b.login("bob")

	// A page on another origin posts a form to /logout. 127.0.0.1 on
	// another port is the same site, so SameSite=Lax does not keep the
	// session cookie off the request: CrossOriginProtection refuses it
	// (Chromium sends Sec-Fetch-Site: same-site).
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form method="post" action="%s/logout"><button id="prize">Claim your prize</button></form>`, html.EscapeString(b.server.base))
	}))
	defer other.Close()
	b.step("a form on another origin cannot log out", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(other.URL), chromedp.WaitVisible(chromedp.CSS("#prize"))); err != nil {
			return err
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#prize")))
		if err != nil {
			return err
		}
		if resp.Status != http.StatusForbidden {
			text, _ := bodyText(ctx)
			return fmt.Errorf("POST /logout from %s: status %d, %q; want 403", other.URL, resp.Status, text)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(b.server.base+"/")); err != nil {
			return err
		}
		if text, _ := bodyText(ctx); !strings.Contains(text, "Logged in as bob") {
			return fmt.Errorf("after the refused logout, / says %q", text)
		}
		return nil
	})

	// Restart with the same key: the signed cookie still opens the
	// session. The same port if it is still free; cookies are per host, not
	// per port, so another port of 127.0.0.1 would get them too.
	old := b.server
	old.stop()
	srv, err = startLogin(t, bin, old.addr, secret)
	if err != nil {
		t.Logf("restarting on %s: %v; starting on a new port", old.addr, err)
		if srv, err = startLogin(t, bin, "127.0.0.1:0", secret); err != nil {
			b.fail("restart the server", err)
		}
	}
	b.server = srv
	t.Logf("server restarted: %s", srv.base)
	b.step("still logged in after a restart", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(b.server.base+"/")); err != nil {
			return err
		}
		if text, _ := bodyText(ctx); !strings.HasPrefix(text, "Logged in as bob") {
			return fmt.Errorf("after restarting the server (%s, then %s): / says %q", old.base, b.server.base, text)
		}
		return nil
	})
}

// login logs name in through the form at /login, as a user does: type the
// name, click the button, land on / with a flash.
func (b *browser) login(name string) {
	b.t.Helper()
	b.step("log in as "+name, func(ctx context.Context) error {
		field := chromedp.CSS(`input[name="username"]`)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(b.server.base+"/login"),
			chromedp.WaitVisible(field),
			chromedp.SendKeys(field, name),
		); err != nil {
			return err
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`input[type="submit"]`)))
		if err != nil {
			return err
		}
		text, err := bodyText(ctx)
		if err != nil {
			return err
		}
		if resp.Status != http.StatusOK || resp.URL != b.server.base+"/" ||
			!strings.Contains(text, "You were logged in") || !strings.Contains(text, "Logged in as "+name) {
			return fmt.Errorf("after submitting the login form: %d %s, %q", resp.Status, resp.URL, text)
		}
		return nil
	})
}

// logout clicks the log out button on /.
func (b *browser) logout() {
	b.t.Helper()
	b.step("log out with the button on /", func(ctx context.Context) error {
		button := chromedp.CSS(`form[action="/logout"] button`)
		if err := chromedp.Do(ctx, chromedp.Navigate(b.server.base+"/"), chromedp.WaitVisible(button)); err != nil {
			return err
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(button))
		if err != nil {
			return err
		}
		text, err := bodyText(ctx)
		if err != nil {
			return err
		}
		if resp.Status != http.StatusOK || !strings.Contains(text, "You were logged out") || !strings.Contains(text, "You are not logged in") {
			return fmt.Errorf("after the log out button: %d %s, %q", resp.Status, resp.URL, text)
		}
		return nil
	})
}

// bodyText is what the page shows, as a user would copy it.
func bodyText(ctx context.Context) (string, error) {
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return strings.TrimSpace(s), err
}

// findBrowser returns the browser on PATH: Debian's chromium (as CI
// installs it, /usr/bin/chromium), chromium-browser, or Google Chrome.
// The PATH decides, not a fixed path: Debian's /usr/bin/chromium is a shell
// script that needs the PATH's tools, so with a PATH that does not reach it
// the browser would not start anyway. Without one the test skips, or fails
// under CI.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const need = "no chromium, chromium-browser or google-chrome on PATH (Debian: apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(need + "; CI must have one")
	}
	t.Skip(need)
	return ""
}

// buildLogin builds examples/login from the main module into dir.
func buildLogin(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "login")
	ctx, cancel := context.WithTimeout(context.Background(), buildLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/sessiongen/sessiongen/examples/login")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/login (in %s): %v\n%s", cmd.Dir, err, out)
	}
	return bin
}

// newSecret is a random key in the form SESSION_SECRET_KEY takes; the test
// gives the same one to the server before and after the restart.
func newSecret(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "base64:" + base64.StdEncoding.EncodeToString(key)
}

// server is one run of the example program.
type server struct {
	addr string // as it listens, 127.0.0.1:port
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	out  *lockedBuffer // what it printed after the listening line
	done chan struct{} // closed when the process has exited
	once sync.Once
}

// startLogin starts the program on addr with the key and the flags args,
// and waits for its "listening on" line. It returns an error (and stops the
// process) if the line does not come, for example when addr is taken.
func startLogin(t *testing.T, bin, addr, secret string, args ...string) (*server, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", addr}, args...)...)
	for _, kv := range os.Environ() {
		// The example's defaults (cookie store unless args say otherwise,
		// Secure off for plain HTTP), whatever the environment says.
		if !strings.HasPrefix(kv, "SESSION_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SESSION_SECRET_KEY="+secret)
	s := &server{cmd: cmd, out: new(lockedBuffer), done: make(chan struct{})}
	cmd.Stderr = s.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.stop)
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		l, _ := r.ReadString('\n')
		line <- l
		io.Copy(s.out, r)
	}()
	select {
	case l := <-line:
		base, ok := strings.CutPrefix(strings.TrimSpace(l), "listening on ")
		if !ok {
			s.stop()
			return nil, fmt.Errorf("%s -addr %s: first line %q; output:\n%s", bin, addr, l, s.out)
		}
		s.base = base
		s.addr = strings.TrimPrefix(base, "http://")
		return s, nil
	case <-time.After(serverStartLimit):
		s.stop()
		return nil, fmt.Errorf("%s -addr %s: no listening line after %v; output:\n%s", bin, addr, serverStartLimit, s.out)
	}
}

// stop interrupts the program (it shuts down gracefully) and waits for it;
// it kills it if it does not exit in time.
func (s *server) stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// lockedBuffer collects a process's output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browser is one headless Chromium with a fresh profile and one tab: a
// cookie store of its own.
type browser struct {
	t        *testing.T
	tab      context.Context // the tab; no deadline (see chromedp.NewContext)
	deadline time.Time       // of the whole scenario
	shots    string          // where failure screenshots go
	output   *lockedBuffer   // the browser's stdout and stderr
	server   *server         // the one the scenario talks to now
	name     string          // in the names of its steps, when a test has two
}

// newBrowser starts a browser; opts are added to the allocator's (a
// User-Agent of its own, say).
func newBrowser(t *testing.T, execPath string, opts ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	b := &browser{t: t, deadline: time.Now().Add(testBudget), shots: t.TempDir(), output: new(lockedBuffer)}
	opts = append(append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless, // --headless
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), // a fresh profile
		chromedp.CombinedOutput(b.output),
	), opts...)
	// Canceling the allocator stops the browser and waits for it, before
	// the temporary directories (the profile) are removed.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	b.tab = tab
	// The first Run starts the browser, and its context must have no
	// deadline (it would stop the browser): bound the start from here.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v\nbrowser output:\n%s", execPath, err, b.outputTail(30))
		}
	case <-time.After(browserStartLimit):
		cancelAlloc()
		t.Fatalf("%s did not start within %v\nbrowser output:\n%s", execPath, browserStartLimit, b.outputTail(30))
	}
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`)); err == nil {
		t.Logf("user agent: %s", v)
	}
	return b
}

// step runs one step of the scenario with a timeout, and fails the test
// with a screenshot if it returns an error.
func (b *browser) step(name string, f func(ctx context.Context) error) {
	b.t.Helper()
	if b.name != "" {
		name = b.name + ": " + name
	}
	start := time.Now()
	deadline := start.Add(stepTimeout)
	if deadline.After(b.deadline) {
		deadline = b.deadline
	}
	ctx, cancel := context.WithDeadline(b.tab, deadline)
	defer cancel()
	err := f(ctx)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (step timeout %v, whole scenario %v)", err, stepTimeout, testBudget)
		}
		b.fail(name, err)
	}
	b.t.Logf("%-45s %v", name, time.Since(start).Round(time.Millisecond))
}

// fail ends the test with what it can say about the page: a screenshot
// (in the test's temporary directory, and under CI also in os.TempDir(),
// which outlives the test), the URL and text, and the server's output.
func (b *browser) fail(name string, err error) {
	b.t.Helper()
	var report strings.Builder
	fmt.Fprintf(&report, "step %q: %v", name, err)
	ctx, cancel := context.WithTimeout(b.tab, 5*time.Second)
	defer cancel()
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		text, _ := bodyText(ctx)
		fmt.Fprintf(&report, "\npage %s says %q", url, text)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		fmt.Fprintf(&report, "\nno screenshot: %v", err)
	} else {
		shot := filepath.Join(b.shots, "failure.png")
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			fmt.Fprintf(&report, "\nscreenshot not saved: %v", err)
		} else {
			fmt.Fprintf(&report, "\nscreenshot: %s (removed with the test's temporary directory; with CI set, a copy is kept)", shot)
		}
		if os.Getenv("CI") != "" {
			if f, err := os.CreateTemp("", "sessiongen-browser-*.png"); err != nil {
				fmt.Fprintf(&report, "\nscreenshot not kept: %v", err)
			} else {
				_, werr := f.Write(png)
				if cerr := f.Close(); werr == nil {
					werr = cerr
				}
				if werr != nil {
					fmt.Fprintf(&report, "\nscreenshot not kept: %v", werr)
				} else {
					fmt.Fprintf(&report, "\nscreenshot kept: %s", f.Name())
				}
			}
		}
	}
	if b.server != nil {
		fmt.Fprintf(&report, "\nserver %s output:\n%s", b.server.base, b.server.out)
	}
	if out := b.outputTail(30); out != "" {
		fmt.Fprintf(&report, "\nbrowser output (the last lines, without D-Bus complaints):\n%s", out)
	}
	b.t.Fatal(report.String())
}

// outputTail is the end of the browser's output, without the lines about
// D-Bus, which a container does not have and Chromium keeps saying so.
func (b *browser) outputTail(n int) string {
	var keep []string
	for _, line := range strings.Split(b.output.String(), "\n") {
		if line != "" && !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	keep = keep[max(0, len(keep)-n):]
	return strings.Join(keep, "\n")
}
