package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's "Use it in three steps", followed literally in a new module
// beside a checkout of sessiongen: its struct, its commands (the local
// checkout's way of adding the tool: a require, a replace of the module by
// this checkout and a tool directive, since go get -tool would ask a proxy
// for a module that is on none), its step 3 code in a program that serves
// one request through the generated middleware; then go vet, the -check
// the README gives for CI, and a test of step 3's handler with the
// generated NewVisitorContext, as the README's Testing section does.
// Offline: the module cache has every dependency. Last, a refused struct,
// under a real go generate ./..., is reported at a position relative to
// the module's root.
func TestReadmeThreeSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module with the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, steps, ok := strings.Cut(string(readme), "\n## Use it in three steps\n")
	if !ok {
		t.Fatal("no \"Use it in three steps\" in the README")
	}
	steps, _, _ = strings.Cut(steps, "\n## ")
	goBlocks, shBlocks := codeBlocks(steps, "go"), codeBlocks(steps, "sh")
	if len(goBlocks) != 2 || len(shBlocks) != 3 {
		t.Fatalf("the steps show %d Go and %d shell blocks; this test follows 2 (the struct, its use) and 3 (add the tool, or from a checkout; generate)", len(goBlocks), len(shBlocks))
	}
	if want := "go get -tool github.com/sessiongen/sessiongen/cmd/sessiongen@latest\n"; shBlocks[0] != want {
		t.Errorf("step 1 adds the tool with %q; want %q", shBlocks[0], want)
	}

	dir := t.TempDir()
	env := append(os.Environ(),
		"GOPROXY=off", // no network: the module cache has everything
		"GOSUMDB=off", // checksums of modules already in the cache
		"GOFLAGS=",    // -mod=readonly, as for a user: the steps must record go.sum themselves
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	)
	sh := func(line string) (string, error) {
		t.Helper()
		var out []byte
		for _, cmdline := range strings.Split(line, "&&") {
			args := strings.Fields(cmdline)
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir, cmd.Env = dir, env
			b, err := cmd.CombinedOutput()
			out = append(out, b...)
			if err != nil {
				return string(out), fmt.Errorf("%s: %v", strings.TrimSpace(cmdline), err)
			}
		}
		return string(out), nil
	}
	must := func(line string) {
		t.Helper()
		if out, err := sh(line); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}

	must("go mod init example.com/app")
	if err := os.Mkdir(filepath.Join(dir, "auth"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "auth", "visitor.go"), goBlocks[0])
	// Step 1, from a local checkout: this one.
	for _, line := range commands(shBlocks[1]) {
		if !strings.Contains(line, "=../sessiongen") {
			t.Fatalf("the local checkout's command does not name ../sessiongen: %s", line)
		}
		must(strings.ReplaceAll(line, "=../sessiongen", "="+root))
	}
	// Step 3, in a program that runs one request through the middleware.
	use := goBlocks[1]
	stmts, handler, ok := strings.Cut(use, "\nfunc cart(")
	if !ok {
		t.Fatalf("step 3 has no func cart:\n%s", use)
	}
	write(t, filepath.Join(dir, "main.go"), `package main

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"example.com/app/auth"
)

// readme is step 3's set-up, as the README shows it.
func readme(addr string, mux *http.ServeMux) {
`+stmts+`
}

func cart(`+handler+`
func main() {
	sessions, err := auth.NewVisitorManager(auth.VisitorConfig{SecretKey: []byte("readme-steps-test-key-9f8e7d6c5b4a3928")})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cart", cart)
	var s auth.VisitorSession
	s.SetUsername("alice")
	c, err := sessions.Cookie(nil, &s)
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "https://example.com/cart", nil)
	r.AddCookie(c)
	w := httptest.NewRecorder()
	sessions.Middleware(mux).ServeHTTP(w, r)
	fmt.Printf("%d %s\n%s\n", w.Code, w.Body, w.Header().Get("Set-Cookie"))
}
`)
	// Step 2.
	for _, line := range commands(shBlocks[2]) {
		must(line)
	}
	if _, err := os.Stat(filepath.Join(dir, "auth", "visitor_session.go")); err != nil {
		t.Fatal(err)
	}
	out, err := sh("go run .")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "200 1 items\nsession=") || !strings.Contains(out, "; HttpOnly; Secure; SameSite=Lax") {
		t.Errorf("the program's request: %q; want a 200, 1 item and a session cookie", out)
	}
	// The module vets clean, and the check the README gives for CI finds
	// the generated file fresh.
	must("go vet ./...")
	if !strings.Contains(string(readme), "`go tool sessiongen -check ./...`") {
		t.Error("the README no longer gives go tool sessiongen -check ./... for CI")
	}
	must("go tool sessiongen -check ./...")
	// Step 3's handler tested alone, as the README's Testing section tests
	// one: a session in the request's context with the generated
	// NewVisitorContext, no middleware.
	if !strings.Contains(string(readme), "NewVisitorContext(r.Context(), &s)") {
		t.Error("the README's Testing section no longer gives the handler its session with NewVisitorContext")
	}
	write(t, filepath.Join(dir, "main_test.go"), `package main

import (
	"net/http/httptest"
	"testing"

	"example.com/app/auth"
)

func TestCart(t *testing.T) {
	var s auth.VisitorSession
	s.SetUsername("alice")
	r := httptest.NewRequest("GET", "/cart", nil)
	w := httptest.NewRecorder()
	cart(w, r.WithContext(auth.NewVisitorContext(r.Context(), &s)))
	if w.Body.String() != "1 items" || s.Visits() != 1 || !s.Modified() {
		t.Errorf("body %q, visits %d, modified %v; want 1 items, 1, true", w.Body, s.Visits(), s.Modified())
	}
	var anonymous auth.VisitorSession
	w = httptest.NewRecorder()
	cart(w, r.WithContext(auth.NewVisitorContext(r.Context(), &anonymous)))
	if w.Code != 303 || w.Header().Get("Location") != "/login" {
		t.Errorf("without a user: %d to %q; want 303 to /login", w.Code, w.Header().Get("Location"))
	}
}
`)
	must("go test ./...")

	// A refused struct under go generate ./..., run at the root: its
	// position is clickable there.
	src := goBlocks[0]
	at := strings.Index(src, "\tDebug ")
	if at < 0 {
		t.Fatal("no Debug field in the README's struct")
	}
	line := strings.Count(src[:at], "\n") + 1
	write(t, filepath.Join(dir, "auth", "visitor.go"), src[:at]+"\tPrefs map[int]string\n"+src[at:])
	out, err = sh("go generate ./...")
	if want := fmt.Sprintf("auth/visitor.go:%d:2: field Prefs: type map[int]string is not supported", line); err == nil || !strings.Contains(out, want) {
		t.Errorf("go generate ./... with a refused field: %v\n%s\nwant %q", err, out, want)
	}
}

// codeBlocks returns the contents of the markdown code blocks of a
// language.
func codeBlocks(md, lang string) []string {
	var out []string
	for _, part := range strings.Split(md, "```"+lang+"\n")[1:] {
		code, _, _ := strings.Cut(part, "```")
		out = append(out, code)
	}
	return out
}

// commands returns the command lines of a shell block, without comments.
func commands(block string) []string {
	var out []string
	for _, line := range strings.Split(block, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
