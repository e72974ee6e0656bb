package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sessiongen/sessiongen/gen"
)

// checkTree checks, below the patterns (default ./...), every file whose
// header says sessiongen generated it, by regenerating it in memory with
// the command the header names. It lists each file that is missing or
// differs. Folders named testdata or vendor, hidden ones and nested modules
// are skipped, as go build does. tags are added to those each header names.
func checkTree(ctx context.Context, patterns, tags []string, stderr io.Writer) int {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	dirs, err := packageDirs(patterns)
	if err != nil {
		fmt.Fprintln(stderr, "sessiongen:", err)
		return exitUsage
	}
	c := &checker{ctx: ctx, tags: tags, stderr: stderr, reported: map[string]bool{}}
	for _, dir := range dirs {
		if err := c.checkDir(dir); err != nil {
			fmt.Fprintln(stderr, "sessiongen:", err)
			return exitUsage
		}
	}
	if c.stale > 0 {
		fmt.Fprintf(stderr, "sessiongen: %d generated file(s) out of date: run \"go generate ./...\"\n", c.stale)
		return exitFail
	}
	return exitOK
}

// packageDirs returns, sorted, the absolute folders below the patterns
// that hold Go files.
func packageDirs(patterns []string) ([]string, error) {
	var dirs []string
	for _, p := range patterns {
		root, recursive := strings.CutSuffix(p, "/...")
		if root == "" || p == "..." {
			root, recursive = ".", true
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
			if strings.HasSuffix(path, ".go") {
				dir, err := filepath.Abs(filepath.Dir(path))
				if err != nil {
					return err
				}
				dirs = append(dirs, dir)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs), nil
}

// checker reports the stale files of a tree, each once.
type checker struct {
	ctx      context.Context
	tags     []string
	stderr   io.Writer
	stale    int
	reported map[string]bool // absolute paths
}

func (c *checker) report(path, msg string) {
	if c.reported[path] {
		return
	}
	c.reported[path] = true
	c.stale++
	fmt.Fprintf(c.stderr, "%s: %s\n", relative(path), msg)
}

// generated is a file whose header says sessiongen generated it.
type generated struct {
	path       string
	invocation string // "" from a sessiongen that did not name it
}

// checkDir checks the files of one folder that sessiongen generated.
func (c *checker) checkDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var files []generated
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		line, _, _ := bytes.Cut(src, []byte("\n"))
		if inv, ok := gen.ParseHeader(strings.TrimSuffix(string(line), "\r")); ok {
			if !strings.HasSuffix(p, "_test.go") {
				files = append(files, generated{p, inv})
			}
		}
	}
	c.checkGenerated(dir, files)
	return nil
}

// checkGenerated regenerates one folder's generated files in memory, once
// for each command their headers name, and reports each that differs.
func (c *checker) checkGenerated(dir string, files []generated) {
	type run struct {
		opts  options
		files []string
	}
	var runs []*run
	byCommand := map[string]*run{}
	for _, f := range files {
		if f.invocation == "" {
			c.report(f.path, "regenerate: header from an older sessiongen")
			continue
		}
		opts, err := parseInvocation(f.invocation)
		if err != nil {
			c.report(f.path, "regenerate: the header's command cannot be run: "+err.Error())
			continue
		}
		r := byCommand[opts.invocation()]
		if r == nil {
			r = &run{opts: opts}
			byCommand[opts.invocation()] = r
			runs = append(runs, r)
		}
		r.files = append(r.files, f.path)
	}
	for _, r := range runs {
		out, err := gen.Generate(c.ctx, gen.Config{
			Dir:        dir,
			Types:      r.opts.types,
			Output:     r.opts.output,
			Tags:       union(r.opts.tags, c.tags),
			Invocation: r.opts.invocation(),
		})
		if err != nil {
			fmt.Fprintln(c.stderr, err)
			c.stale++
			continue
		}
		var written []string
		for _, f := range out {
			written = append(written, relative(f.Path))
			old, readErr := os.ReadFile(f.Path)
			if readErr == nil && bytes.Equal(old, f.Content) {
				continue
			}
			if slices.Contains(r.files, f.Path) || readErr != nil {
				c.report(f.Path, staleness(old, readErr, f.Content))
			}
			// A file of another name is checked by its own header.
		}
		for _, p := range r.files {
			if !slices.ContainsFunc(out, func(f gen.File) bool { return f.Path == p }) {
				c.report(p, fmt.Sprintf("regenerate: the header's command writes %s, not this file", strings.Join(written, ", ")))
			}
		}
	}
}

// parseInvocation reads the command a header names.
func parseInvocation(inv string) (options, error) {
	args, err := splitArgs(inv)
	if err != nil {
		return options{}, err
	}
	if len(args) == 0 || args[0] != "sessiongen" {
		return options{}, fmt.Errorf("%q is not a sessiongen command", inv)
	}
	opts, err := parseArgs(args[1:])
	switch {
	case err != nil:
		return options{}, err
	case len(opts.types) == 0:
		return options{}, fmt.Errorf("%q names no -type", inv)
	case opts.check || opts.version || len(opts.patterns) > 0:
		return options{}, fmt.Errorf("%q is not a command that generates files", inv)
	case opts.output != "" && len(opts.types) > 1:
		return options{}, fmt.Errorf("%q gives -output with %d types", inv, len(opts.types))
	}
	return opts, nil
}

// splitArgs splits a command line as go generate does: at spaces and tabs,
// a word that starts with a double quote being a Go string literal.
func splitArgs(s string) ([]string, error) {
	var words []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return words, nil
		}
		if s[0] == '"' {
			lit, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad quoted string in %q", s)
			}
			w, _ := strconv.Unquote(lit)
			words = append(words, w)
			s = s[len(lit):]
			if s != "" && s[0] != ' ' && s[0] != '\t' {
				return nil, fmt.Errorf("no space after quoted argument %s", lit)
			}
			continue
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			i = len(s)
		}
		words = append(words, s[:i])
		s = s[i:]
	}
}

// union returns a followed by the elements of b it lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
