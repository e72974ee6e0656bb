// Sessiongen generates typed HTTP sessions for a Go struct: accessors with
// presence and modification tracking, a reflection-free cookie codec, and a
// Flask-style SessionInterface with net/http middleware.
//
// Usage, from a go:generate line beside the struct:
//
//	//go:generate go tool sessiongen -type=Visitor
//
// or from a shell:
//
//	sessiongen -type=Visitor ./internal/auth
//
// Flags:
//
//	-type T[,U]   the structs to generate for (required)
//	-output FILE  the file to write (default: <type>_session.go beside the struct; one type only)
//	-tags TAGS    comma-separated build tags to load the package with
//	-check        write nothing; exit 1 if a generated file is missing or stale.
//	              Without -type: check every generated file below the
//	              packages (default ./...) and list each stale one
//	-version      print the version and exit
//
// Exit status: 0 done (or fresh with -check), 1 stale files with -check or
// a problem in the declarations, 2 a usage error.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/sessiongen/sessiongen/gen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // stale output with -check, or declarations refused
	exitUsage = 2
)

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fs := newFlagSet(&options{})
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return exitUsage
	}
	if err != nil {
		return usage(stderr, err.Error())
	}
	if opts.version {
		fmt.Fprintln(stdout, "sessiongen", buildVersion())
		return exitOK
	}
	if len(opts.types) == 0 {
		if opts.check {
			return checkTree(ctx, opts.patterns, opts.tags, stderr)
		}
		return usage(stderr, "-type is required (without it, only -check runs: over every generated file)")
	}
	if opts.output != "" && len(opts.types) > 1 {
		return usage(stderr, "-output takes one type, not "+fmt.Sprint(len(opts.types)))
	}
	cfg := gen.Config{
		Types:      opts.types,
		Patterns:   opts.patterns,
		Output:     opts.output,
		Tags:       opts.tags,
		Invocation: opts.invocation(),
	}
	// From go:generate, $GOFILE names the file with the directive: load its
	// directory's package, which is the current directory.
	if len(cfg.Patterns) == 0 {
		cfg.Patterns = []string{"."}
	}

	files, err := gen.Generate(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	stale := 0
	for _, f := range files {
		old, readErr := os.ReadFile(f.Path)
		same := readErr == nil && bytes.Equal(old, f.Content)
		if opts.check {
			if !same {
				stale++
				fmt.Fprintf(stderr, "%s: %s\n", relative(f.Path), staleness(old, readErr, f.Content))
			}
			continue
		}
		if same {
			continue // leave the file alone: mtimes and build caches stay put
		}
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			fmt.Fprintln(stderr, "sessiongen:", err)
			return exitFail
		}
	}
	if stale > 0 {
		fmt.Fprintf(stderr, "sessiongen: %d generated file(s) out of date: run \"go generate\"\n", stale)
		return exitFail
	}
	return exitOK
}

const usageLine = "usage: sessiongen -type=T [-output file] [-tags t] [-check] [packages]"

func usage(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "sessiongen: %s (%s)\n", msg, usageLine)
	return exitUsage
}

// options are sessiongen's flags and arguments.
type options struct {
	types    []string
	output   string
	tags     []string
	check    bool
	version  bool
	patterns []string
}

// newFlagSet returns sessiongen's flags, parsing into o.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("sessiongen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("type", "comma-separated struct names (required)", func(s string) error { o.types = splitList(s); return nil })
	fs.StringVar(&o.output, "output", "", "output file (default: <type>_session.go beside the struct)")
	fs.Func("tags", "comma-separated build tags", func(s string) error { o.tags = splitList(s); return nil })
	fs.BoolVar(&o.check, "check", false, "write nothing; exit 1 if a generated file is missing or stale")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	return fs
}

// parseArgs reads sessiongen's command line (without the program name).
func parseArgs(args []string) (options, error) {
	var o options
	fs := newFlagSet(&o)
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o.patterns = fs.Args()
	return o, nil
}

// invocation is the command the generated files' header names: the flags
// that regenerate them as go:generate runs sessiongen, in the struct's
// folder. It is the same whatever the folder sessiongen ran in and however
// the flags were spelt: -output is the file's name (a generated file lives
// beside its struct), the package patterns are left out.
func (o options) invocation() string {
	args := []string{"sessiongen", "-type=" + strings.Join(o.types, ",")}
	if o.output != "" {
		args = append(args, quoteArg("-output="+filepath.Base(o.output)))
	}
	if len(o.tags) > 0 {
		args = append(args, quoteArg("-tags="+strings.Join(o.tags, ",")))
	}
	return strings.Join(args, " ")
}

// quoteArg quotes an argument holding spaces or quotes as go:generate
// reads one: a Go string literal.
func quoteArg(arg string) string {
	if strings.ContainsAny(arg, " \t\"\\") {
		return strconv.Quote(arg)
	}
	return arg
}

// checkTree checks every file sessiongen generated below the patterns
// (default ./...): it regenerates each in memory, for the type the file was
// made for, and lists every file that differs. Folders named testdata or
// vendor, hidden ones and nested modules are skipped, as go build does.
func checkTree(ctx context.Context, patterns, tags []string, stderr io.Writer) int {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	found := map[string]map[string]string{} // dir -> type -> generated file
	for _, p := range patterns {
		root, recursive := strings.CutSuffix(p, "/...")
		if root == "" || root == "." && p == "..." {
			root = "."
		}
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				name := d.Name()
				if path != root && (!recursive || name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				if path != root {
					if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
						return filepath.SkipDir
					}
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			if typ := generatedFor(path); typ != "" {
				dir, _ := filepath.Abs(filepath.Dir(path))
				if found[dir] == nil {
					found[dir] = map[string]string{}
				}
				abs, _ := filepath.Abs(path)
				found[dir][typ] = abs
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(stderr, "sessiongen:", err)
			return exitUsage
		}
	}
	dirs := make([]string, 0, len(found))
	for dir := range found {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	stale := 0
	for _, dir := range dirs {
		var typeNames []string
		for t := range found[dir] {
			typeNames = append(typeNames, t)
		}
		sort.Strings(typeNames)
		files, err := gen.Generate(ctx, gen.Config{Dir: dir, Types: typeNames, Tags: tags})
		if err != nil {
			fmt.Fprintln(stderr, err)
			stale++
			continue
		}
		for _, f := range files {
			path := found[dir][f.Type]
			old, readErr := os.ReadFile(path)
			if readErr != nil || !bytes.Equal(old, f.Content) {
				stale++
				fmt.Fprintf(stderr, "%s: %s\n", relative(path), staleness(old, readErr, f.Content))
			}
		}
	}
	if stale > 0 {
		fmt.Fprintf(stderr, "sessiongen: %d generated file(s) out of date: run \"go generate ./...\"\n", stale)
		return exitFail
	}
	return exitOK
}

// generatedFor returns the struct a file generated by sessiongen was made
// for (the type of its session's data field), or "" for any other file.
func generatedFor(path string) string {
	src, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if line, _, _ := bytes.Cut(src, []byte("\n")); !isHeader(string(line)) {
		return ""
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
	if err != nil {
		return ""
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, sp := range gd.Specs {
			ts, ok := sp.(*ast.TypeSpec)
			if !ok || !strings.HasSuffix(ts.Name.Name, "Session") {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fld := range st.Fields.List {
				if id, ok := fld.Type.(*ast.Ident); ok && len(fld.Names) == 1 && fld.Names[0].Name == "data" {
					return id.Name
				}
			}
		}
	}
	return ""
}

func isHeader(line string) bool {
	_, ok := gen.ParseHeader(line)
	return ok
}

// staleness says how the file on disk differs from what would be
// generated: missing, or the first line that differs.
func staleness(old []byte, readErr error, want []byte) string {
	if readErr != nil {
		if errors.Is(readErr, os.ErrNotExist) {
			return "missing"
		}
		return readErr.Error()
	}
	if d := gen.FirstDifference(old, want); d != "" {
		return "stale at " + d
	}
	return "stale"
}

func relative(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// buildVersion is the module version the binary was built from.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
