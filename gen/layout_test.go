package gen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// goldenFiles parses every generated file under testdata.
func goldenFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	paths, err := filepath.Glob("../testdata/*/*_session.go")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	files := map[string]*ast.File{}
	for _, p := range paths {
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = f
	}
	return files
}

// helpers returns the generated helper functions of a file: its
// package-level functions with unexported names.
func helpers(f *ast.File) []*ast.FuncDecl {
	var out []*ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && !ast.IsExported(fd.Name.Name) && fd.Name.Name != "_" {
			out = append(out, fd)
		}
	}
	return out
}

// A helper comes after the code that first calls it, and never splits the
// methods of one field (a getter from its setter, say).
func TestHelperPlacement(t *testing.T) {
	for path, f := range goldenFiles(t) {
		firstUse := map[string]token.Pos{}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Obj == nil {
				if _, seen := firstUse[id.Name]; !seen {
					firstUse[id.Name] = id.Pos()
				}
			}
			return true
		})
		for _, h := range helpers(f) {
			if use := firstUse[h.Name.Name]; use < h.Pos() && use != h.Name.Pos() {
				continue
			}
			t.Errorf("%s: %s is declared before the code that first calls it", path, h.Name.Name)
		}

		// Each field's methods are one run of declarations.
		methods := map[string]int{} // method name -> index among the declarations
		for i, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				methods[fd.Name.Name] = i
			}
		}
		for name := range methods {
			_, hasSet := methods["Set"+name]
			_, hasHas := methods["Has"+name]
			if !hasSet || !hasHas {
				continue // not a field's getter
			}
			group := map[int]bool{}
			first, last := len(f.Decls), -1
			for _, m := range []string{name, "Set" + name, "Has" + name, "Delete" + name, "Pop" + name, "Update" + name, "Append" + name, "Set" + name + "Key", "Delete" + name + "Key"} {
				if i, ok := methods[m]; ok {
					group[i] = true
					first, last = min(first, i), max(last, i)
				}
			}
			for i := first; i <= last; i++ {
				if !group[i] {
					t.Errorf("%s: the methods of field %s are split by a declaration at %d", path, name, i)
					break
				}
			}
		}
	}
}

// Helpers' doc comments name types as the generated file spells them:
// Address, map[string]Address, netip.Addr, never an import path.
func TestHelperDocs(t *testing.T) {
	for path, f := range goldenFiles(t) {
		for _, h := range helpers(f) {
			if text := h.Doc.Text(); strings.Contains(text, "/") {
				t.Errorf("%s: %s's doc names an import path: %q", path, h.Name.Name, text)
			}
		}
	}
}
