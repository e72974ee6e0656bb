package gen

import (
	"go/types"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	{runtimePath, "runtime", runtimeAlias},
	{wirePath, "wire", wireAlias},
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
func importNames(m *Model) []imported {
	taken := map[string]bool{}
	for _, names := range [][]string{m.pkg.Scope().Names(), types.Universe.Names(), typeLocals, otherLocals, m.packageNames()} {
		for _, n := range names {
			taken[n] = true
		}
	}
	imps := slices.Clone(fixedImports)
	seen := map[string]bool{m.PkgPath: true}
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
func (m *Model) visitTypeNames(visit func(*types.TypeName)) {
	var shape func(sh *Shape)
	shape = func(sh *Shape) {
		visitTypeNames(sh.Type, visit)
		if sh.Elem != nil {
			shape(sh.Elem)
		}
		for _, f := range sh.Fields {
			shape(f.Shape)
		}
	}
	if obj := m.pkg.Scope().Lookup(m.Name); obj != nil {
		visit(obj.(*types.TypeName))
	}
	for _, f := range m.Fields {
		shape(f.Shape)
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
