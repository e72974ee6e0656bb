package doccheck

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// maxReadmeLines is the most lines the README may have: a user guide, with
// the long form in docs/.
const maxReadmeLines = 300

// pages returns the Markdown files whose links are checked, relative to
// the root: the README, the CHANGELOG, every page of docs/ and the READMEs
// of the benchmarks, the examples and the adapters.
func pages(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CHANGELOG.md"}
	for _, pattern := range []string{"docs/*.md", "bench/README.md", "examples/*/README.md", "adapters/*/README.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(root, f)
			files = append(files, filepath.ToSlash(rel))
		}
	}
	if !slices.Contains(files, "docs/security.md") {
		t.Fatalf("found %v: no docs/security.md; is the root %s?", files, root)
	}
	return files
}

func TestReadmeIsShort(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines; at most %d: move the long form to docs/", n, maxReadmeLines)
	}
}

// Every link of every page to a file of the repository names a file or a
// directory that exists, and every #anchor names a heading of its page,
// as GitHub makes anchors of headings.
func TestLinksResolve(t *testing.T) {
	anchors := map[string][]string{} // by page, relative to the root
	anchorsOf := func(page string) ([]string, error) {
		if a, ok := anchors[page]; ok {
			return a, nil
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			return nil, err
		}
		anchors[page] = headingAnchors(string(b))
		return anchors[page], nil
	}
	checked := 0
	for _, page := range pages(t) {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links(string(b)) {
			target, ok := localTarget(l.target)
			if !ok {
				continue // another site: not checked offline
			}
			checked++
			path, anchor, _ := strings.Cut(target, "#")
			file := page
			if path != "" {
				if strings.HasPrefix(path, "/") {
					file = strings.TrimPrefix(path, "/")
				} else {
					file = filepath.ToSlash(filepath.Join(filepath.Dir(page), path))
				}
				if file == ".." || strings.HasPrefix(file, "../") {
					t.Errorf("%s:%d: link %q leaves the repository", page, l.line, l.target)
					continue
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(file))); err != nil {
					t.Errorf("%s:%d: link %q: no %s in the repository", page, l.line, l.target, file)
					continue
				}
			}
			if anchor == "" || !strings.HasSuffix(file, ".md") {
				continue // GitHub's line anchors of source files (#L10) are not headings
			}
			have, err := anchorsOf(file)
			if err != nil {
				t.Errorf("%s:%d: link %q: %v", page, l.line, l.target, err)
				continue
			}
			if !slices.Contains(have, anchor) {
				t.Errorf("%s:%d: link %q: %s has no heading with the anchor #%s (it has %v)", page, l.line, l.target, file, anchor, have)
			}
		}
	}
	t.Logf("%d links to the repository checked", checked)
	if checked < 50 {
		t.Errorf("only %d links to the repository were checked: is the parser broken?", checked)
	}
}

// The tests a page names (`TestX`, `FuzzX`, `BenchmarkX`, `ExampleX`, in
// code spans) exist in some module of the repository, and so do the
// files and directories it names by their path from the root
// (`runtime/wire`, `testdata/err_too_deep`, `runtime/format_wire*.go`).
func TestNamedTestsAndFilesExist(t *testing.T) {
	funcs := testFuncs(t)
	testName := regexp.MustCompile(`^(?:Test|Fuzz|Benchmark|Example)[A-Za-z0-9_]*$`)
	repoPath := regexp.MustCompile(`^(?:runtime|gen|cmd|internal|examples|testdata|docs|bench|adapters)/[A-Za-z0-9_./*-]*$`)
	tests, paths := 0, 0
	for _, page := range pages(t) {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			t.Fatal(err)
		}
		for _, span := range codeSpans(string(b)) {
			switch {
			case testName.MatchString(span.text):
				tests++
				if !funcs[span.text] {
					t.Errorf("%s:%d: names %s, which no _test.go of the repository declares", page, span.line, span.text)
				}
			case repoPath.MatchString(span.text):
				paths++
				if !pathExists(filepath.Dir(page), span.text) {
					t.Errorf("%s:%d: names %s, which is not in the repository", page, span.line, span.text)
				}
			}
		}
	}
	t.Logf("%d test names and %d paths checked", tests, paths)
	if tests < 50 || paths < 20 {
		t.Errorf("checked %d test names and %d paths: is the parser broken?", tests, paths)
	}
}

// The quickstart says how to run every module of the repository: each
// directory with a go.mod of its own has its (cd dir && go test ./...)
// line in the README, CI runs it, and every directory a command of the
// quickstart enters or runs is there.
func TestQuickstartNamesEveryModule(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, quick, ok := strings.Cut(string(b), "\n## Quickstart\n")
	if !ok {
		t.Fatal("the README has no Quickstart section")
	}
	quick, _, _ = strings.Cut(quick, "\n## ")
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go run ./examples/login", "go test ./...", "bash .ci/run"} {
		if !strings.Contains(quick, "\n"+cmd) {
			t.Errorf("the quickstart does not show %q", cmd)
		}
	}
	var modules []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" && filepath.Dir(path) != root {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			modules = append(modules, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(modules) == 0 {
		t.Fatal("no module besides the main one: is the root right?")
	}
	for _, m := range modules {
		if !strings.Contains(quick, "(cd "+m+" && go test ./...)") {
			t.Errorf("the module %s has no line (cd %s && go test ./...) in the README's quickstart", m, m)
		}
		if !strings.Contains(string(ci), m) {
			t.Errorf("the module %s is not in .ci/run", m)
		}
	}
	for _, m := range regexp.MustCompile(`\(cd ([^ ]+) && `).FindAllStringSubmatch(quick, -1) {
		if !slices.Contains(modules, m[1]) {
			t.Errorf("the quickstart enters %s, which has no go.mod", m[1])
		}
	}
	if _, err := os.Stat(filepath.Join(root, "examples", "login", "main.go")); err != nil {
		t.Errorf("the quickstart runs ./examples/login: %v", err)
	}
}

// GitHub's anchors, checked on headings of this repository's kind.
func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"A user's devices":                       "a-users-devices",
		"Flask, mapped":                          "flask-mapped",
		"Cross-site requests (CSRF)":             "cross-site-requests-csrf",
		"redisstore: the client settings":        "redisstore-the-client-settings",
		"How each Go type is stored":             "how-each-go-type-is-stored",
		"The `Store` contract":                   "the-store-contract",
		"[Links](x.md) and **bold** in headings": "links-and-bold-in-headings",
		"snake_case stays":                       "snake_case-stays",
		"Ünïcode letters — kept":                 "ünïcode-letters--kept",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q; want %q", heading, got, want)
		}
	}
	got := headingAnchors("# A\n\n```\n# not a heading\n```\n\n## A\n\nSetext\n======\n\n### A\n")
	if want := []string{"a", "a-1", "setext", "a-2"}; !slices.Equal(got, want) {
		t.Errorf("headingAnchors: %q; want %q", got, want)
	}
}

func TestLinkParsing(t *testing.T) {
	md := "See [a](docs/a.md#x), ![img](img.png \"title\") and [`code`](b/).\n" +
		"`[not](a link)` and\n```\n[nor](this)\n```\n" +
		"[ref]: c.md\n<https://example.com> [web](https://example.com)\n"
	var got []string
	for _, l := range links(md) {
		got = append(got, l.target+"@"+strconv.Itoa(l.line))
	}
	want := []string{"docs/a.md#x@1", "img.png@1", "b/@1", "c.md@6", "https://example.com@7"}
	if !slices.Equal(got, want) {
		t.Errorf("links: %q; want %q", got, want)
	}
}

// link is a link's target and the line it is on.
type link struct {
	target string
	line   int
}

var (
	inlineLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`)
	refDef     = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?`)
)

// links returns the targets of a page's inline links and images and of its
// reference definitions, outside code blocks and code spans.
func links(md string) []link {
	var out []link
	for _, p := range paragraphs(md) {
		text := stripCodeSpans(p.text)
		for _, re := range []*regexp.Regexp{inlineLink, refDef} {
			for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
				out = append(out, link{target: text[m[2]:m[3]], line: p.line + strings.Count(text[:m[0]], "\n")})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b link) int { return a.line - b.line })
	return out
}

// localTarget returns a link's target decoded, and whether it is in the
// repository (no scheme, not protocol-relative).
func localTarget(target string) (string, bool) {
	if target == "" || strings.HasPrefix(target, "//") || regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`).MatchString(target) {
		return "", false
	}
	path, anchor, hasAnchor := strings.Cut(target, "#")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	path, _, _ = strings.Cut(path, "?")
	if hasAnchor {
		if a, err := url.PathUnescape(anchor); err == nil {
			anchor = a
		}
		return path + "#" + anchor, true
	}
	return path, true
}

// paragraph is a run of lines outside fenced code blocks, and the line it
// starts on.
type paragraph struct {
	text string
	line int
}

// paragraphs splits a page into its blank-line-separated runs of text
// outside fenced code blocks, so that code spans and links that wrap stay
// whole.
func paragraphs(md string) []paragraph {
	var out []paragraph
	var cur []string
	start := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, paragraph{strings.Join(cur, "\n"), start})
			cur = nil
		}
	}
	fence := ""
	for i, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			flush()
			fence = trimmed[:3]
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if len(cur) == 0 {
			start = i + 1
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// span is a code span's text and the line it starts on.
type span struct {
	text string
	line int
}

// codeSpans returns the code spans of a page, outside code blocks, their
// text with line breaks as spaces.
func codeSpans(md string) []span {
	var out []span
	for _, p := range paragraphs(md) {
		walkCodeSpans(p.text, func(start, end int, code string) {
			code = strings.TrimSpace(strings.ReplaceAll(code, "\n", " "))
			out = append(out, span{code, p.line + strings.Count(p.text[:start], "\n")})
		})
	}
	return out
}

// stripCodeSpans returns text with its code spans blanked out, line
// breaks kept.
func stripCodeSpans(text string) string {
	b := []byte(text)
	walkCodeSpans(text, func(start, end int, _ string) {
		for i := start; i < end; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	})
	return string(b)
}

// walkCodeSpans calls f for each code span of text: a run of n backticks
// up to the next run of exactly n.
func walkCodeSpans(text string, f func(start, end int, code string)) {
	run := func(i int) int {
		n := 0
		for i+n < len(text) && text[i+n] == '`' {
			n++
		}
		return n
	}
	for i := 0; i < len(text); {
		if text[i] != '`' {
			i++
			continue
		}
		n := run(i)
		closed := false
		for j := i + n; j < len(text); {
			if text[j] != '`' {
				j++
				continue
			}
			m := run(j)
			if m == n {
				f(i, j+m, text[i+n:j])
				i, closed = j+m, true
				break
			}
			j += m
		}
		if !closed {
			i += n // an unmatched run is literal backticks
		}
	}
}

// headingAnchors returns the anchors GitHub gives a page's headings (ATX
// and setext, outside code blocks), in order, a repeated one suffixed
// -1, -2..., and the ids and names of its HTML anchors.
func headingAnchors(md string) []string {
	var out []string
	seen := map[string]int{}
	add := func(heading string) {
		s := slug(heading)
		if n, ok := seen[s]; ok {
			seen[s] = n + 1
			s += "-" + strconv.Itoa(n+1)
		} else {
			seen[s] = 0
		}
		out = append(out, s)
	}
	atx := regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	setext := regexp.MustCompile(`^ {0,3}(?:=+|-+)[ \t]*$`)
	html := regexp.MustCompile(`<a\s[^>]*(?:id|name)="([^"]+)"`)
	fence, prev := "", ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			prev = ""
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence, prev = trimmed[:3], ""
			continue
		}
		if m := atx.FindStringSubmatch(line); m != nil {
			add(m[1])
			prev = ""
			continue
		}
		if setext.MatchString(line) && paragraphLine(prev) {
			add(strings.TrimSpace(prev))
			prev = ""
			continue
		}
		for _, m := range html.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
		prev = line
	}
	return out
}

// paragraphLine reports whether a line can be the text of a setext
// heading: not blank, and not a table row, a list item or a quote.
func paragraphLine(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return false
	}
	if strings.ContainsAny(t[:1], "|>-*+") {
		return false
	}
	return !regexp.MustCompile(`^\d+[.)]\s`).MatchString(t)
}

// slug is GitHub's anchor for a heading: its text as rendered (links as
// their text, without emphasis, code marks or HTML tags), lowercased,
// every character but letters, digits, marks, '-' and '_' dropped, and
// each space a '-'.
func slug(heading string) string {
	heading = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(heading, "$1")
	heading = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(heading, "")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// testFuncs returns the names of the test, fuzz, benchmark and example
// functions declared in the _test.go files of every module of the
// repository.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark|Example)[A-Za-z0-9_]*)\(`)
	funcs := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(b), -1) {
			funcs[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return funcs
}

// pathExists reports whether a path a page names is in the repository,
// from the root or from the page's directory: a glob matches something,
// and a trailing Go identifier (runtime/storetest.Run) names something in
// the package before it.
func pathExists(pageDir, path string) bool {
	for _, base := range []string{root, filepath.Join(root, pageDir)} {
		p := filepath.Join(base, filepath.FromSlash(strings.TrimSuffix(path, "/")))
		if m, _ := filepath.Glob(p); len(m) > 0 {
			return true
		}
		if i := strings.LastIndexByte(p, '.'); i > strings.LastIndexByte(p, filepath.Separator) && i+1 < len(p) && unicode.IsUpper(rune(p[i+1])) {
			if _, err := os.Stat(p[:i]); err == nil {
				return true
			}
		}
	}
	return false
}
