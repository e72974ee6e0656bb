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
func Generate(ctx context.Context, cfg Config) ([]File, error) {
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
	dir := cfg.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("sessiongen: %w", err)
		}
		dir = wd
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: %w", err)
	}
	base := dir
	if cfg.RelativeTo != "" {
		if base, err = filepath.Abs(cfg.RelativeTo); err != nil {
			return nil, fmt.Errorf("sessiongen: %w", err)
		}
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	lc := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:     dir,
		Env:     cfg.Env,
	}
	if len(cfg.Tags) > 0 {
		lc.BuildFlags = []string{"-tags=" + strings.Join(cfg.Tags, ",")}
	}
	pkgs, err := packages.Load(lc, patterns...)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: loading %s: %w", strings.Join(patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("sessiongen: no package matches %s", strings.Join(patterns, " "))
	}

	var errs ErrorList
	var missing []error
	var files []File
	for _, name := range cfg.Types {
		found := false
		for _, pkg := range pkgs {
			obj, _ := pkg.Types.Scope().Lookup(name).(*types.TypeName)
			if obj == nil || obj.IsAlias() {
				continue
			}
			found = true
			spec := findSpec(pkg, obj)
			if spec == nil {
				continue
			}
			// Every check runs, whatever the others found, so that one run
			// reports every problem of the struct.
			before := len(errs)
			m := buildModel(obj, spec, pkg.Fset, pkg.TypeErrors, &errs)
			if m == nil {
				continue
			}
			m.buildConstraint = buildConstraint(pkg, obj)
			checkTypeNames(m, pkg.Fset, &errs)
			// The names the file declares are known once it is emitted; a
			// refused struct's is emitted without its refused fields.
			content, err := emit(m, inv)
			if err != nil {
				if len(errs) > before {
					continue
				}
				return nil, fmt.Errorf("sessiongen: generating %s: %w", name, err)
			}
			if err := checkPackageNames(pkg, m, content, &errs); err != nil {
				if len(errs) > before {
					continue
				}
				return nil, fmt.Errorf("sessiongen: generating %s: %w", name, err)
			}
			if len(errs) > before {
				continue
			}
			path := filepath.Join(filepath.Dir(pkg.Fset.Position(obj.Pos()).Filename), strings.ToLower(name)+"_session.go")
			if cfg.Output != "" {
				path = cfg.Output
				if !filepath.IsAbs(path) {
					path = filepath.Join(dir, path)
				}
			}
			files = append(files, File{Path: path, Type: name, Content: content})
		}
		if !found {
			if e := declaredInTest(name, pkgs); e != nil {
				errs = append(errs, e)
				continue
			}
			missing = append(missing, notFound(name, patterns, pkgs))
		}
	}
	if len(missing) > 0 {
		// Types not found come first; the problems of those found follow.
		if len(errs) > 0 {
			missing = append(missing, errs.report(base))
		}
		return nil, errors.Join(missing...)
	}
	if len(errs) > 0 {
		return nil, errs.report(base)
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
