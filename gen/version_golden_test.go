package gen_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/gen"
	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// A generated file built against a runtime that does not serve its
// contract version must fail to compile with errors that name the fix.
// testdata/basic's file, claiming a version older than the runtime serves
// and then a newer one, is built in a copy of its package inside the
// module (so that it is built against this runtime); the compiler's errors,
// file names kept but positions dropped, are the golden files
// testdata/version_too_old/want.txt and testdata/version_too_new/want.txt
// (-update rewrites them). As it is generated, the file builds.
func TestContractVersionErrors(t *testing.T) {
	testdata, err := filepath.Abs("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(testdata, "basic")
	files, err := gen.Generate(context.Background(), gen.Config{Dir: src, Types: []string{"Scalars"}})
	if err != nil || len(files) != 1 {
		t.Fatalf("generating testdata/basic: %d files, err %v", len(files), err)
	}
	generated := files[0]

	if out, err := buildWith(t, testdata, src, generated, string(generated.Content)); err != nil {
		t.Fatalf("the file as generated does not build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		name    string
		version int
		fix     string // the identifier the error must name
	}{
		{"version_too_old", sessionimpl.MinVersion - 1, "sessionimpl.GeneratedTooOld_RunGoGenerate"},
		{"version_too_new", sessionimpl.MaxVersion + 1, "sessionimpl.GeneratedTooNew_UpgradeSessiongen"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := buildWith(t, testdata, src, generated, withContractVersion(t, string(generated.Content), c.version))
			if err == nil {
				t.Fatalf("a file of contract version %d builds against a runtime serving %d to %d", c.version, sessionimpl.MinVersion, sessionimpl.MaxVersion)
			}
			got := compileErrors(out)
			if !strings.Contains(got, "overflows "+c.fix) {
				t.Errorf("the compiler's errors do not name %s:\n%s", c.fix, got)
			}
			if *update {
				if err := os.MkdirAll(filepath.Join(testdata, c.name), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			golden(t, filepath.Join(testdata, c.name, "want.txt"), []byte(got))
		})
	}
}

// withContractVersion returns the generated source claiming contract
// version v instead of the one it speaks.
func withContractVersion(t *testing.T, src string, v int) string {
	t.Helper()
	gv := sessionimpl.GenVersion
	for _, r := range [][2]string{
		{fmt.Sprintf("speaks version %d of", gv), fmt.Sprintf("speaks version %d of", v)},
		{fmt.Sprintf("GeneratedTooOld_RunGoGenerate(%d - sessionimpl.MinVersion)", gv), fmt.Sprintf("GeneratedTooOld_RunGoGenerate(%d - sessionimpl.MinVersion)", v)},
		{fmt.Sprintf("GeneratedTooNew_UpgradeSessiongen(sessionimpl.MaxVersion - %d)", gv), fmt.Sprintf("GeneratedTooNew_UpgradeSessiongen(sessionimpl.MaxVersion - %d)", v)},
	} {
		if n := strings.Count(src, r[0]); n != 1 {
			t.Fatalf("the generated file has %d times %q; want once", n, r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	return src
}

// buildWith copies the package in dir to a temporary folder of testdata,
// with the generated file's content replaced, and runs go build on it,
// returning its output.
func buildWith(t *testing.T, testdata, dir string, generated gen.File, content string) ([]byte, error) {
	t.Helper()
	tmp, err := os.MkdirTemp(testdata, "_version_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	sources, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, name := range sources {
		if filepath.Base(name) == filepath.Base(generated.Path) {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, filepath.Base(generated.Path)), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "./testdata/"+filepath.Base(tmp))
	cmd.Dir = filepath.Dir(testdata)
	return cmd.CombinedOutput()
}

// compilerPosition is the path and position go build puts before an error.
var compilerPosition = regexp.MustCompile(`^(?:\S*/)?([^/\s]+\.go):\d+:\d+: `)

// compileErrors keeps the error lines of go build's output, each starting
// with its file's name alone: neither the temporary folder nor the line
// and column.
func compileErrors(out []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, "# ") {
			continue // the package's import path, temporary
		}
		b.WriteString(compilerPosition.ReplaceAllString(line, "$1: "))
		b.WriteByte('\n')
	}
	return b.String()
}
