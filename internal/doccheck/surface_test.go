package doccheck

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// modulePath is the main module's path.
const modulePath = "github.com/sessiongen/sessiongen"

// maxDocLines is the most lines go doc -all may print for a sessiongen
// package an application imports: a reference a person reads in minutes.
const maxDocLines = 450

// The code a user writes, as the examples show it (their files that are
// not generated), imports sessiongen packages under their own names, none
// of which is a standard library package's, each documented in at most
// maxDocLines lines of go doc -all.
func TestExamplesImportASmallSurface(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list and go doc")
	}
	std := map[string]bool{}
	out, err := exec.Command("go", "list", "-f", "{{.Name}}", "std").Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	for _, name := range strings.Fields(string(out)) {
		std[name] = true
	}
	type use struct{ file, dir string } // dir: where go doc resolves the path
	imported := map[string]use{}
	err = filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(src[:min(len(src), 200)], []byte("Code generated")) {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if path != modulePath && !strings.HasPrefix(path, modulePath+"/") || strings.Contains(path, "/testdata/") {
				continue // not sessiongen's, or a test's fixture
			}
			rel, _ := filepath.Rel(root, p)
			if im.Name != nil && im.Name.Name != "_" {
				t.Errorf("%s imports %s as %s: a sessiongen package an application needs to rename is named badly", rel, path, im.Name.Name)
			}
			if _, ok := imported[path]; !ok {
				imported[path] = use{rel, filepath.Dir(p)}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := imported[modulePath]; !ok {
		t.Fatalf("no example imports %s: is the walk right? %v", modulePath, imported)
	}
	for path, u := range imported {
		cmd := exec.Command("go", "doc", "-all", path)
		cmd.Dir = u.dir
		doc, err := cmd.Output()
		if err != nil {
			t.Errorf("go doc -all %s (from %s): %v", path, u.file, err)
			continue
		}
		first := strings.SplitN(string(doc), "\n", 2)[0] // package name // import "path"
		name := strings.Fields(first)[1]
		if std[name] {
			t.Errorf("%s (imported by %s) is package %s, the name of a standard library package", path, u.file, name)
		}
		if n := bytes.Count(doc, []byte("\n")); n > maxDocLines {
			t.Errorf("go doc -all %s prints %d lines; at most %d", path, n, maxDocLines)
		} else {
			t.Logf("%-60s %-12s %3d lines of go doc -all", path, name, n)
		}
	}
}
