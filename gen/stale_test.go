package gen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// offlineModule makes a throwaway module requiring this checkout through a
// replace, with its go.sum, and returns its folder: go commands run in it
// with offlineEnv use the module cache only.
func offlineModule(t *testing.T, path string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := "module " + path + "\n\ngo 1.25.0\n\nrequire github.com/sessiongen/sessiongen v0.0.0\n\nreplace github.com/sessiongen/sessiongen => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// offlineEnv is the environment of go commands that must not use the
// network: everything comes from the module cache.
func offlineEnv() []string {
	return append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
}

// A field whose type changed after generation makes the generated file's
// first compile error name the fix: the guard, at the top of the file,
// fails first, with an error naming
// _sessiongen_<T>_changed_run_go_generate, before any accessor's error.
func TestStaleGuardFirstError(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	src, err := os.ReadFile("../testdata/basic/basic.go")
	if err != nil {
		t.Fatal(err)
	}
	generated, err := os.ReadFile("../testdata/basic/scalars_session.go")
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string][2]string{
		"type changed":       {"\tI   int\n", "\tI   string\n"},
		"type narrowed":      {"\tI64 int64\n", "\tI64 int32\n"},
		"named slice":        {"\tRaw []byte\n", "\tRaw Bytes\n"},
		"field renamed":      {"\tTTL time.Duration\n", "\tTimeout time.Duration\n"},
		"time type replaced": {"\tAt  time.Time\n", "\tAt  int64\n"},
	} {
		t.Run(name, func(t *testing.T) {
			changed := strings.Replace(string(src), edit[0], edit[1], 1)
			if changed == string(src) {
				t.Fatalf("%q is not in basic.go", edit[0])
			}
			if name == "named slice" {
				changed += "\n// Bytes is a named []byte.\ntype Bytes []byte\n"
			}
			dir := offlineModule(t, "example.com/stale")
			pkg := filepath.Join(dir, "basic")
			if err := os.Mkdir(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			for file, content := range map[string]string{"basic.go": changed, "scalars_session.go": string(generated)} {
				if err := os.WriteFile(filepath.Join(pkg, file), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("go", "build", "./...")
			cmd.Dir = dir
			cmd.Env = offlineEnv()
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatal("the stale file compiles")
			}
			var first string
			for _, line := range strings.Split(string(out), "\n") {
				if line != "" && !strings.HasPrefix(line, "#") {
					first = line
					break
				}
			}
			if !strings.Contains(first, "scalars_session.go:") || !strings.Contains(first, "_sessiongen_Scalars_changed_run_go_generate") {
				t.Errorf("the first compile error does not say to run go generate: %q\n%s", first, out)
			}
		})
	}
}
