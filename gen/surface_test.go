package gen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gen's exported names are what cmd/sessiongen and library users need; the
// model (model, field, shape) is the package's own business.
func TestPublicSurface(t *testing.T) {
	want := []string{"Config", "ErrUnsupported", "Error", "Error.Error", "Error.Is", "ErrorList", "ErrorList.Error", "ErrorList.Unwrap", "File", "FirstDifference", "Generate", "Header", "ParseHeader"}
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if d.Recv != nil {
					typ := d.Recv.List[0].Type
					if star, ok := typ.(*ast.StarExpr); ok {
						typ = star.X
					}
					name = typ.(*ast.Ident).Name + "." + name
				}
				got = append(got, name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						got = append(got, s.Name.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							got = append(got, n.Name)
						}
					}
				}
			}
		}
	}
	got = slices.DeleteFunc(got, func(name string) bool {
		typ, _, _ := strings.Cut(name, ".")
		return !ast.IsExported(typ) || !ast.IsExported(name[strings.LastIndex(name, ".")+1:])
	})
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("gen exports %q; want %q", got, want)
	}
}
