package runtime_test

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// fileRole sorts the runtime package's files: a cookie format's own files
// (format_<name>*.go: its row, signer and encoding), the storages'
// (cookiestorage.go, storestorage.go, storekeys.go, storeusers.go), and the core: all the
// rest, format.go (the table) included.
func fileRole(name string) string {
	switch {
	case strings.HasPrefix(name, "format_"):
		return "format " + strings.SplitN(strings.TrimSuffix(strings.TrimPrefix(name, "format_"), ".go"), "_", 2)[0]
	case name == "cookiestorage.go" || name == "storestorage.go" || name == "storekeys.go" || name == "storeusers.go":
		return "storage"
	}
	return "core"
}

// TestCoreKnowsNoFormat reads the runtime package's syntax trees, typed,
// and checks the layering the table of cookie formats promises:
//
//   - a core file references no identifier declared in a format's files:
//     the core reaches formats only through the table (format.go) and the
//     signer and encoding interfaces;
//   - no core or storage file asserts or switches on a type declared in a
//     format's files, and no core file on a storage's type: the core asks
//     the storage interface, which answers what it needs.
func TestCoreKnowsNoFormat(t *testing.T) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo}
	pkgs, err := packages.Load(cfg, "github.com/sessiongen/sessiongen/runtime")
	if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("loading the runtime package: %v %v", err, pkgs)
	}
	p := pkgs[0]
	role := func(pos token.Pos) string {
		return fileRole(filepath.Base(p.Fset.Position(pos).Filename))
	}
	formats := map[string]bool{}
	for _, f := range p.Syntax {
		if r := role(f.Pos()); strings.HasPrefix(r, "format ") {
			formats[r] = true
		}
	}
	if len(formats) < 2 {
		t.Fatalf("found the files of %d cookie formats (%v); want wire and flask at least", len(formats), formats)
	}
	declaredIn := func(obj types.Object) string {
		if obj == nil || obj.Pkg() != p.Types || !obj.Pos().IsValid() {
			return ""
		}
		return role(obj.Pos())
	}
	for _, f := range p.Syntax {
		from := role(f.Pos())
		if strings.HasPrefix(from, "format ") {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if from != "core" {
					return true
				}
				if to := declaredIn(p.TypesInfo.Uses[n]); strings.HasPrefix(to, "format ") {
					t.Errorf("%v: the core uses %s, declared in the files of %s: reach it through the table of formats", p.Fset.Position(n.Pos()), n.Name, to)
				}
			case *ast.TypeAssertExpr:
				if n.Type != nil {
					checkAsserted(t, p, from, n.Type, declaredIn)
				}
			case *ast.TypeSwitchStmt:
				for _, c := range n.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						checkAsserted(t, p, from, e, declaredIn)
					}
				}
			}
			return true
		})
	}
}

// checkAsserted fails if the type expr, asserted in a file of role from,
// is declared where that role must not look.
func checkAsserted(t *testing.T, p *packages.Package, from string, expr ast.Expr, declaredIn func(types.Object) string) {
	t.Helper()
	typ := p.TypesInfo.TypeOf(expr)
	if ptr, ok := typ.(*types.Pointer); ok {
		typ = ptr.Elem()
	}
	named, ok := typ.(*types.Named)
	if !ok {
		return
	}
	to := declaredIn(named.Obj())
	if strings.HasPrefix(to, "format ") || (from == "core" && to == "storage") {
		t.Errorf("%v: a %s file asserts %s, declared in the files of %s: ask the interface instead", p.Fset.Position(expr.Pos()), from, named.Obj().Name(), to)
	}
}
