package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/flask.md's override snippet ("Overriding one method", this example's
// CookieDomain policy) compiles: its declarations as they are, its
// statements in a function, against this example's Account in a package
// auth, in a throwaway module that requires this checkout (offline).
func TestDocsOverrideSnippetCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "flask.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, snippet, ok := strings.Cut(string(doc), "\nOverriding one method,")
	if !ok {
		t.Fatal("no override snippet in docs/flask.md")
	}
	_, snippet, _ = strings.Cut(snippet, "```go\n")
	snippet, _, _ = strings.Cut(snippet, "```")
	if !strings.Contains(snippet, "auth.WithAccountPolicy(auth.AccountPolicy{CookieDomain: sharedDomain(") {
		t.Fatalf("the snippet does not give the policy:\n%s", snippet)
	}
	// Declarations start at a line "func ..." and end at a line "}".
	var decls, stmts []string
	inFunc := false
	for _, line := range strings.Split(snippet, "\n") {
		switch {
		case strings.HasPrefix(line, "func "):
			inFunc = true
			decls = append(decls, line)
		case inFunc:
			decls = append(decls, line)
			inFunc = line != "}"
		case strings.HasPrefix(line, "//"):
			decls = append(decls, line)
		default:
			stmts = append(stmts, "\t"+line)
		}
	}

	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/readme\n\ngo 1.25.0\n\nrequire github.com/sessiongen/sessiongen v0.0.0\n\nreplace github.com/sessiongen/sessiongen => " + root + "\n",
		"snippet.go": `package readme

import (
	"log"
	"net"
	"net/http"
	"strings"

	"example.com/readme/auth"
)

var (
	_ = log.Fatal
	_ = net.SplitHostPort
	_ = strings.HasSuffix
)

` + strings.Join(decls, "\n") + `

func readme(cfg auth.AccountConfig, mux *http.ServeMux) http.Handler {
` + strings.Join(stmts, "\n") + `
	return handler
}
`,
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for _, name := range []string{"account.go", "account_session.go"} {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Join("auth", name)] = regexp.MustCompile(`(?m)^package main$`).ReplaceAllString(string(src), "package auth")
	}
	if err := os.Mkdir(filepath.Join(dir, "auth"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docs/flask.md's override snippet does not compile: %v\n%s\n%s", err, out, files["snippet.go"])
	}
}
