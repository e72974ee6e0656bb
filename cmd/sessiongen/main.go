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
	fs := flag.NewFlagSet("sessiongen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		typeNames = fs.String("type", "", "comma-separated struct names (required)")
		output    = fs.String("output", "", "output file (default: <type>_session.go beside the struct)")
		tags      = fs.String("tags", "", "comma-separated build tags")
		check     = fs.Bool("check", false, "write nothing; exit 1 if a generated file is missing or stale")
		version   = fs.Bool("version", false, "print the version and exit")
	)
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "sessiongen: %s (usage: sessiongen -type=T [-output file] [-tags t] [-check] [packages])\n", msg)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return exitUsage
		}
		return usage(err.Error())
	}
	if *version {
		fmt.Fprintln(stdout, "sessiongen", buildVersion())
		return exitOK
	}
	if *typeNames == "" {
		if *check {
			return checkTree(ctx, fs.Args(), splitList(*tags), stderr)
		}
		return usage("-type is required (without it, only -check runs: over every generated file)")
	}
	cfg := gen.Config{
		Types:    splitList(*typeNames),
		Patterns: fs.Args(),
		Output:   *output,
	}
	if *tags != "" {
		cfg.Tags = splitList(*tags)
	}
	if cfg.Output != "" && len(cfg.Types) > 1 {
		return usage("-output takes one type, not " + fmt.Sprint(len(cfg.Types)))
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
		if *check {
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
	if err != nil || !bytes.HasPrefix(src, []byte(gen.Header+"\n")) {
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
