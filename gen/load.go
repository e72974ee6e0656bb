package gen

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/tools/go/packages"
)

// Config says what to generate.
type Config struct {
	// Dir is the directory the packages are loaded from; empty means the
	// current directory.
	Dir string
	// RelativeTo is the directory the file names of the positions in
	// errors are relative to, when the file is below it; empty means Dir.
	// cmd/sessiongen gives the module's root under go generate, which runs
	// it in the package's folder while the user's terminal is (usually) at
	// the root, so that auth/visitor.go:6:2 can be clicked there.
	RelativeTo string
	// Patterns are the packages to load, as for go build; empty means ".".
	Patterns []string
	// Types are the names of the structs to generate sessions for.
	Types []string
	// Tags are build tags to load the packages with.
	Tags []string
	// Output overrides the path of the generated file; only with one type.
	// Relative paths are relative to Dir.
	Output string
	// Env, when non-nil, is the environment the build system runs in.
	Env []string
	// Invocation is the command that regenerates the files, named by their
	// first line (see Header): "sessiongen -type=Visitor". Empty means the
	// sessiongen command for Types, Output and Tags, run in the struct's
	// folder as go:generate runs it.
	Invocation string
}

// File is one generated file.
type File struct {
	Path    string // absolute path it belongs at
	Type    string // the struct it was generated for
	Content []byte // gofmt'd source
}

// Generate loads the packages, finds each struct and returns the files that
// hold their generated code. It writes nothing. Problems with the user's
// declarations come back as an ErrorList, each with its file:line:col.
//
// It is a pipeline: settle the configuration, load the packages, find the
// structs, build (and so check) the model of each, emit each model's file,
// and report the files or every problem found.
func Generate(ctx context.Context, cfg Config) ([]File, error) {
	r, err := settle(cfg)
	if err != nil {
		return nil, err
	}
	pkgs, err := r.load(ctx)
	if err != nil {
		return nil, err
	}
	targets, missing, inTests := r.find(pkgs)
	for _, t := range targets {
		t.build()
	}
	for _, t := range targets {
		if err := r.emit(t); err != nil {
			return nil, err
		}
	}
	return report(targets, missing, inTests, r.relativeTo)
}

// A run is the configuration of one Generate, settled.
type run struct {
	cfg        Config
	invocation string   // the command the files' headers name
	dir        string   // absolute: where the packages load from
	relativeTo string   // absolute: what error positions are relative to
	patterns   []string // the packages to load
}

// A target is one struct to generate for, found in one package, as the
// pipeline's steps fill it in.
type target struct {
	name  string
	pkg   *packages.Package
	obj   *types.TypeName
	spec  *ast.TypeSpec
	model *model    // by build; nil when the type is no struct sessiongen can use
	errs  ErrorList // by build and emit: the problems of its declarations, in the order found
	file  *File     // by emit, when errs is empty
}

// settle checks the configuration and fills in its defaults: the
// invocation the headers name, the absolute directories, the patterns.
func settle(cfg Config) (*run, error) {
	if len(cfg.Types) == 0 {
		return nil, fmt.Errorf("sessiongen: no type given: name the struct with -type")
	}
	if cfg.Output != "" && len(cfg.Types) > 1 {
		return nil, fmt.Errorf("sessiongen: -output names one file but %d types were given", len(cfg.Types))
	}
	inv, err := invocation(cfg)
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, invocation: inv, dir: cfg.Dir, patterns: cfg.Patterns}
	if r.dir == "" {
		if r.dir, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("sessiongen: %w", err)
		}
	}
	if r.dir, err = filepath.Abs(r.dir); err != nil {
		return nil, fmt.Errorf("sessiongen: %w", err)
	}
	r.relativeTo = r.dir
	if cfg.RelativeTo != "" {
		if r.relativeTo, err = filepath.Abs(cfg.RelativeTo); err != nil {
			return nil, fmt.Errorf("sessiongen: %w", err)
		}
	}
	if len(r.patterns) == 0 {
		r.patterns = []string{"."}
	}
	return r, nil
}

// load loads the packages of the patterns, typed and with their syntax.
func (r *run) load(ctx context.Context) ([]*packages.Package, error) {
	lc := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:     r.dir,
		Env:     r.cfg.Env,
	}
	if len(r.cfg.Tags) > 0 {
		lc.BuildFlags = []string{"-tags=" + strings.Join(r.cfg.Tags, ",")}
	}
	pkgs, err := packages.Load(lc, r.patterns...)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: loading %s: %w", strings.Join(r.patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("sessiongen: no package matches %s", strings.Join(r.patterns, " "))
	}
	return pkgs, nil
}

// find finds each type named in the packages: a target for each package
// declaring it (not as an alias). A type no package declares is missing,
// with an explanation, or was declared in a _test.go file, a problem with
// its position.
func (r *run) find(pkgs []*packages.Package) (targets []*target, missing []error, inTests ErrorList) {
	for _, name := range r.cfg.Types {
		found := false
		for _, pkg := range pkgs {
			obj, _ := pkg.Types.Scope().Lookup(name).(*types.TypeName)
			if obj == nil || obj.IsAlias() {
				continue
			}
			found = true
			if spec := findSpec(pkg, obj); spec != nil {
				targets = append(targets, &target{name: name, pkg: pkg, obj: obj, spec: spec})
			}
		}
		if found {
			continue
		}
		if e := declaredInTest(name, pkgs); e != nil {
			inTests = append(inTests, e)
		} else {
			missing = append(missing, notFound(name, r.patterns, pkgs))
		}
	}
	return targets, missing, inTests
}

// build checks the struct and builds its model. Every check runs, whatever
// the others found, so that one run reports every problem of the struct.
func (t *target) build() {
	m := buildModel(t.obj, t.spec, t.pkg.Fset, t.pkg.TypeErrors, &t.errs)
	if m == nil {
		return
	}
	m.buildConstraint = buildConstraint(t.pkg, t.obj)
	checkTypeNames(m, t.pkg.Fset, &t.errs)
	t.model = m
}

// emit renders the model's file, gofmt'd, and refuses the user's
// declarations that clash with the names it declares, which are known once
// it is emitted (a refused struct's is emitted without its refused fields).
// The file is kept if the struct has no problem. An error is returned only
// when the generator itself fails on a struct it found nothing wrong with.
func (r *run) emit(t *target) error {
	if t.model == nil {
		return nil
	}
	content, err := emit(t.model, r.invocation)
	if err == nil {
		err = checkPackageNames(t.pkg, t.model, content, &t.errs)
	}
	switch {
	case len(t.errs) > 0:
		return nil
	case err != nil:
		return fmt.Errorf("sessiongen: generating %s: %w", t.name, err)
	}
	t.file = &File{Path: r.path(t), Type: t.name, Content: content}
	return nil
}

// path is where the target's file belongs: beside the struct, named after
// it, unless the configuration gives the Output.
func (r *run) path(t *target) string {
	if r.cfg.Output == "" {
		return filepath.Join(filepath.Dir(t.pkg.Fset.Position(t.obj.Pos()).Filename), strings.ToLower(t.name)+"_session.go")
	}
	if filepath.IsAbs(r.cfg.Output) {
		return r.cfg.Output
	}
	return filepath.Join(r.dir, r.cfg.Output)
}

// report returns the files of the targets, or else every problem: the
// types missing first, then the problems of the others (those found, and
// those declared in test files) as one ErrorList, positions relative to
// dir, sorted.
func report(targets []*target, missing []error, inTests ErrorList, dir string) ([]File, error) {
	errs := inTests
	var files []File
	for _, t := range targets {
		errs = append(errs, t.errs...)
		if t.file != nil {
			files = append(files, *t.file)
		}
	}
	if len(errs) > 0 {
		errs = errs.reported(dir)
	}
	switch {
	case len(missing) > 0 && len(errs) > 0:
		return nil, errors.Join(append(missing, errs)...)
	case len(missing) > 0:
		return nil, errors.Join(missing...)
	case len(errs) > 0:
		return nil, errs
	}
	return files, nil
}

// notFound explains a missing type: the package's own errors when it did
// not load (a type that fails to compile is not found either), what the
// name is when it is no type, or the struct it most likely meant.
func notFound(name string, patterns []string, pkgs []*packages.Package) error {
	var problems []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if e.Kind == packages.ListError || e.Kind == packages.ParseError {
				problems = append(problems, e.Error())
			}
		}
	})
	where := "in " + strings.Join(patterns, " ")
	var names []string
	for _, p := range pkgs {
		if p.Name != "" && !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	switch len(names) {
	case 0:
	case 1:
		where = "in package " + names[0]
	default:
		where = "in packages " + strings.Join(names, ", ")
	}
	msg := fmt.Sprintf("sessiongen: type %s not found %s", name, where)
	if len(problems) > 0 {
		return fmt.Errorf("%s:\n\t%s", msg, strings.Join(problems, "\n\t"))
	}
	for _, p := range pkgs {
		if p.Types == nil {
			continue
		}
		switch obj := p.Types.Scope().Lookup(name).(type) {
		case *types.TypeName: // an alias
			return fmt.Errorf("%s: %s is an alias of %s; name the struct itself", msg, name, types.TypeString(obj.Type(), types.RelativeTo(p.Types)))
		case *types.Func:
			return fmt.Errorf("%s: %s is a function, not a struct type", msg, name)
		case *types.Var:
			return fmt.Errorf("%s: %s is a variable, not a struct type", msg, name)
		case *types.Const:
			return fmt.Errorf("%s: %s is a constant, not a struct type", msg, name)
		}
	}
	if guess := closestStruct(name, pkgs); guess != "" {
		return fmt.Errorf("%s; did you mean %s?", msg, guess)
	}
	return fmt.Errorf("%s (it must be a struct declared at package level in a non-test file)", msg)
}

// closestStruct returns the struct type of the packages whose name is
// closest to name: the same but for case, else at most two edits away
// (and fewer than name has letters), the first in order on a tie; "" when
// none is.
func closestStruct(name string, pkgs []*packages.Package) string {
	var structs []string
	for _, p := range pkgs {
		if p.Types == nil {
			continue
		}
		for _, n := range p.Types.Scope().Names() {
			if obj, ok := p.Types.Scope().Lookup(n).(*types.TypeName); ok && !obj.IsAlias() {
				if _, ok := obj.Type().Underlying().(*types.Struct); ok {
					structs = append(structs, n)
				}
			}
		}
	}
	slices.Sort(structs)
	lower := strings.ToLower(name)
	for _, s := range structs {
		if strings.ToLower(s) == lower {
			return s
		}
	}
	best, bestDist := "", 3
	for _, s := range structs {
		if d := editDistance(lower, strings.ToLower(s)); d < bestDist && d < utf8.RuneCountInString(name) {
			best, bestDist = s, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}

// declaredInTest finds a struct the user declared in a _test.go file,
// which the generated file (not a test file) could never see.
func declaredInTest(name string, pkgs []*packages.Package) *Error {
	for _, pkg := range pkgs {
		if len(pkg.GoFiles) == 0 {
			continue
		}
		tests, _ := filepath.Glob(filepath.Join(filepath.Dir(pkg.GoFiles[0]), "*_test.go"))
		for _, file := range tests {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok {
					continue
				}
				for _, sp := range gd.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok && ts.Name.Name == name {
						return errorAt(fset.Position(ts.Name.Pos()), "", "type %s is declared in a _test.go file, which the generated file cannot see; move it to a non-test file", name)
					}
				}
			}
		}
	}
	return nil
}

// buildConstraint returns the //go:build line of the file declaring obj.
func buildConstraint(pkg *packages.Package, obj *types.TypeName) string {
	for _, f := range pkg.Syntax {
		if f.Pos() > obj.Pos() || obj.Pos() > f.End() {
			continue
		}
		for _, g := range f.Comments {
			if g.Pos() > f.Package {
				break
			}
			for _, c := range g.List {
				if strings.HasPrefix(c.Text, "//go:build ") {
					return c.Text
				}
			}
		}
	}
	return ""
}

// findSpec returns the declaration of obj in the package's syntax.
func findSpec(pkg *packages.Package, obj *types.TypeName) *ast.TypeSpec {
	for _, f := range pkg.Syntax {
		if f.Pos() > obj.Pos() || obj.Pos() > f.End() {
			continue
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range gd.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Pos() == obj.Pos() {
					return ts
				}
			}
		}
	}
	return nil
}
