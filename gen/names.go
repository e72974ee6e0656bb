package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Names in the generated file, and the user's package-level names they
// could clash with. Go puts a file's imports and the package's top-level
// declarations in one namespace, so an import named like any package-level
// declaration of the package fails to compile; a package-level declaration
// named like a predeclared identifier hides it from every file; and a local
// variable hides a package-level type of the same name.

// An imported is a package the generated file may import.
type imported struct {
	path string
	pkg  string // the package's name
	name string // the name the generated file gives it
}

// fixedImports are the packages generated code may import whatever the
// struct, with the names it gives them unless those are taken.
var fixedImports = []imported{
	{rootPath, "sessiongen", "sessiongen"},
	{runtimePath, "runtime", runtimeAlias},
	{wirePath, "wire", wireAlias},
	{flaskPath, "flaskjson", flaskAlias},
	{implPath, "sessionimpl", "sessionimpl"},
	{"context", "context", "context"},
	{"maps", "maps", "maps"},
	{"net/http", "http", "http"},
	{"slices", "slices", "slices"},
	{"time", "time", "time"},
}

// typeLocals are the receivers, parameters and local variables of generated
// functions whose bodies spell types of the user's package (readers,
// cloners, decodeEntry, the Delete, SetKey and Clear methods, the guard):
// a type named like one of them would be hidden there. (A signature's types
// are resolved outside the function, so its parameters hide nothing there.)
var typeLocals = []string{"b", "d", "err", "g", "i", "k", "key", "out", "s", "v", "x"}

// otherLocals are the other parameters and local variables of generated
// functions.
var otherLocals = []string{"categories", "category", "cfg", "ctx", "e", "fn", "hooks", "mark", "message", "next", "ok", "permanent", "si", "src"}

// importNames chooses the name of every package the generated file may
// import: its usual name (the runtime's: sessionruntime, sessionwire) when
// no package-level declaration of the user's package, no predeclared
// identifier and no local variable of the generated code has it, else the
// first free one of session<name>, session<name>2, session<name>3, ...
func importNames(m *model) []imported {
	taken := map[string]bool{}
	for _, names := range [][]string{m.pkg.Scope().Names(), types.Universe.Names(), typeLocals, otherLocals, m.packageNames()} {
		for _, n := range names {
			taken[n] = true
		}
	}
	imps := slices.Clone(fixedImports)
	seen := map[string]bool{m.pkgPath: true}
	for _, im := range imps {
		seen[im.path] = true
	}
	var others []imported
	m.visitTypeNames(func(obj *types.TypeName) {
		if p := obj.Pkg(); p != nil && !seen[p.Path()] {
			seen[p.Path()] = true
			others = append(others, imported{p.Path(), p.Name(), p.Name()})
		}
	})
	sort.Slice(others, func(i, j int) bool { return others[i].path < others[j].path })
	imps = append(imps, others...)
	for i := range imps {
		imps[i].name = freeName(imps[i].name, taken)
		taken[imps[i].name] = true
	}
	return imps
}

// freeName returns name, or the first of session<name>, session<name>2,
// ... that is not taken.
func freeName(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	base := name
	if !strings.HasPrefix(base, "session") {
		base = "session" + name
		if !taken[base] {
			return base
		}
	}
	for i := 2; ; i++ {
		if n := base + strconv.Itoa(i); !taken[n] {
			return n
		}
	}
}

// visitTypeNames calls visit for each named type and alias the generated
// code spells: the struct, and every one typeCode writes for a field, a
// part of one, or a field of a nested struct.
func (m *model) visitTypeNames(visit func(*types.TypeName)) {
	var walk func(sh *shape)
	walk = func(sh *shape) {
		visitTypeNames(sh.typ, visit)
		if sh.elem != nil {
			walk(sh.elem)
		}
		for _, f := range sh.fields {
			walk(f.shape)
		}
	}
	if obj := m.pkg.Scope().Lookup(m.name); obj != nil {
		visit(obj.(*types.TypeName))
	}
	for _, f := range m.fields {
		walk(f.shape)
	}
}

// visitTypeNames calls visit for each named type and alias in t as
// typeCode spells it.
func visitTypeNames(t types.Type, visit func(*types.TypeName)) {
	switch t := t.(type) {
	case *types.Alias:
		visit(t.Obj())
	case *types.Named:
		visit(t.Obj())
		for i := 0; i < t.TypeArgs().Len(); i++ {
			visitTypeNames(t.TypeArgs().At(i), visit)
		}
	case *types.Slice:
		visitTypeNames(t.Elem(), visit)
	case *types.Array:
		visitTypeNames(t.Elem(), visit)
	case *types.Map:
		visitTypeNames(t.Key(), visit)
		visitTypeNames(t.Elem(), visit)
	case *types.Pointer:
		visitTypeNames(t.Elem(), visit)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			visitTypeNames(t.Field(i).Type(), visit)
		}
	}
}

// checkTypeNames refuses a type of the user's package that the generated
// code spells where one of its local variables of the same name would
// hide it.
func checkTypeNames(m *model, fset *token.FileSet, errs *ErrorList) {
	done := map[*types.TypeName]bool{}
	m.visitTypeNames(func(obj *types.TypeName) {
		if done[obj] || obj.Pkg() != m.pkg || !slices.Contains(typeLocals, obj.Name()) {
			return
		}
		done[obj] = true
		*errs = append(*errs, errorAt(fset.Position(obj.Pos()), "", "type %s is declared here, but the code sessiongen generates for type %s has a local variable %s that would hide it; rename the type", obj.Name(), m.name, obj.Name()))
	})
}

// checkPackageNames refuses a package-level declaration of the user's own
// code (not of a file sessiongen generated) that is named like a
// package-level name of the generated file, or like a predeclared
// identifier the generated file uses.
func checkPackageNames(pkg *packages.Package, m *model, content []byte, errs *ErrorList) error {
	f, err := parser.ParseFile(token.NewFileSet(), "", content, parser.SkipObjectResolution)
	if err != nil {
		return fmt.Errorf("parsing the generated code: %w", err)
	}
	generated := map[string]bool{}
	for _, f := range pkg.Syntax {
		if len(f.Comments) == 0 || len(f.Comments[0].List) == 0 {
			continue
		}
		if _, ok := ParseHeader(f.Comments[0].List[0].Text); ok {
			generated[pkg.Fset.File(f.Pos()).Name()] = true
		}
	}
	users := func(name string) (token.Position, bool) {
		obj := pkg.Types.Scope().Lookup(name)
		if obj == nil {
			return token.Position{}, false
		}
		p := pkg.Fset.Position(obj.Pos())
		return p, !generated[p.Filename]
	}
	for _, n := range declaredNames(f) {
		if p, ok := users(n); ok {
			*errs = append(*errs, errorAt(p, "", "%s is declared here, but sessiongen generates %s for type %s; rename this declaration", n, n, m.name))
		}
	}
	for _, n := range predeclaredUses(f) {
		if p, ok := users(n); ok {
			*errs = append(*errs, errorAt(p, "", "%s is declared here, which hides Go's predeclared %s from the file sessiongen generates for type %s, and that file uses it; rename this declaration", n, n, m.name))
		}
	}
	return nil
}

// declaredNames returns the package-level names a file declares, in order.
func declaredNames(f *ast.File) []string {
	var names []string
	add := func(id *ast.Ident) {
		if id.Name != "_" {
			names = append(names, id.Name)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				add(d.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					add(s.Name)
				case *ast.ValueSpec:
					for _, id := range s.Names {
						add(id)
					}
				}
			}
		}
	}
	return names
}

// predeclaredUses returns, sorted, the predeclared identifiers (len,
// delete, string, nil, ...) a generated file refers to. Generated code
// declares nothing named like one, so every identifier so named that is
// not a field or method name, nor a declaration, refers to the
// predeclared one.
func predeclaredUses(f *ast.File) []string {
	uses := map[string]bool{}
	var visit func(n ast.Node) bool
	walk := func(nodes ...ast.Node) {
		for _, n := range nodes {
			if n != nil && !isNilNode(n) {
				ast.Inspect(n, visit)
			}
		}
	}
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			return false
		case *ast.SelectorExpr: // x.Sel: Sel is a field, a method or a package member
			walk(n.X)
			return false
		case *ast.Field: // names of parameters, results and struct fields
			walk(n.Type)
			return false
		case *ast.KeyValueExpr: // generated composite literals are keyed by field names
			walk(n.Value)
			return false
		case *ast.FuncDecl:
			walk(n.Recv, n.Type, n.Body)
			return false
		case *ast.TypeSpec:
			walk(n.TypeParams, n.Type)
			return false
		case *ast.ValueSpec:
			walk(n.Type)
			for _, v := range n.Values {
				walk(v)
			}
			return false
		case *ast.Ident:
			if types.Universe.Lookup(n.Name) != nil {
				uses[n.Name] = true
			}
		}
		return true
	}
	for _, d := range f.Decls {
		walk(d)
	}
	out := make([]string, 0, len(uses))
	for n := range uses {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// isNilNode reports whether n is a nil pointer, which ast.Inspect cannot
// walk.
func isNilNode(n ast.Node) bool {
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
