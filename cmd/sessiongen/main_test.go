package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// module makes a throwaway module holding one package with the given
// source, and changes into it for the test, as go:generate would.
func module(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/m\n\ngo 1.25\n")
	write(t, filepath.Join(dir, "user.go"), src)
	t.Chdir(dir)
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sessiongen(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// userV1 is a user's file. (Its go:generate line is built so that go generate
// does not take it for one of this repository's own.)
var userV1 = `package m

//go` + `:generate go tool sessiongen -type=User

// User is the session.
type User struct {
	Name string
}
`

func TestUsageErrors(t *testing.T) {
	module(t, userV1)
	for _, args := range [][]string{
		{},                                 // no -type
		{"-nosuchflag"},                    // unknown flag
		{"-type=A,B", "-output=x.go"},      // -output with two types
		{"-type"},                          // flag without value
		{"-type=User", "-check=maybe"},     // bad bool
		{"-type=", "-output=user_sess.go"}, // empty type
	} {
		code, _, stderr := sessiongen(args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d; want %d", args, code, exitUsage)
		}
		if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 || !strings.HasPrefix(stderr, "sessiongen: ") {
			t.Errorf("%v: want a one-line message, got %q", args, stderr)
		}
	}
}

// -h, -help and --help print the whole manual to stdout and exit 0: the
// synopsis, every flag, the go:generate line, what is generated, -check,
// the exit codes and the README. Usage errors stay short, on stderr, exit 2.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"-type=User", "-h"}} {
		code, stdout, stderr := sessiongen(args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q; want 0 and nothing", args, code, stderr)
		}
		if stdout != manual {
			t.Errorf("%v: stdout is not the manual:\n%s", args, stdout)
		}
	}
	newFlagSet(&options{}).VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile(`(?m)^\t-` + f.Name + `\b`).MatchString(manual) {
			t.Errorf("the manual does not describe -%s", f.Name)
		}
	})
	for _, want := range []string{
		"Usage:", "\tsessiongen -type=T", "\tsessiongen -check", "-h, -help",
		"//go:generate go tool sessiongen -type=Visitor", "go generate ./...", "go mod tidy",
		"go get -tool github.com/sessiongen/sessiongen/cmd/sessiongen",
		"t_session.go", "NewTManager", "TFrom", "NewTContext", "TSession",
		"Exit status:", "\t0  ", "\t1  ", "\t2  ", "README",
	} {
		if !strings.Contains(manual, want) {
			t.Errorf("the manual lacks %q", want)
		}
	}
	code, stdout, stderr := sessiongen("-nosuchflag")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "sessiongen -h") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("usage error: exit %d, stdout %q, stderr %q; want 2 and one line pointing to -h", code, stdout, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := sessiongen("-version")
	if code != exitOK || !strings.HasPrefix(stdout, "sessiongen ") {
		t.Fatalf("exit %d, %q", code, stdout)
	}
}

// -check fails on a missing or stale file and passes after generation;
// regeneration leaves an unchanged file untouched.
func TestCheck(t *testing.T) {
	dir := module(t, userV1)
	out := filepath.Join(dir, "user_session.go")

	if code, _, stderr := sessiongen("-type=User", "-check"); code != exitFail || !strings.Contains(stderr, "user_session.go: missing") {
		t.Fatalf("check before generate: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("-check wrote the file")
	}
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatalf("generate: exit %d, %s", code, stderr)
	}
	if code, _, stderr := sessiongen("-type=User", "-check"); code != exitOK {
		t.Fatalf("check after generate: exit %d, %s", code, stderr)
	}

	// Unchanged output: the file is not rewritten.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(out, old, old); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatalf("regenerate: exit %d, %s", code, stderr)
	}
	if st, _ := os.Stat(out); !st.ModTime().Equal(old) {
		t.Errorf("an identical file was rewritten (mtime %v, want %v)", st.ModTime(), old)
	}

	// The struct changes: the file is stale until regenerated.
	write(t, filepath.Join(dir, "user.go"), strings.Replace(userV1, "Name string", "Name string\n\tAge  int", 1))
	code, _, stderr := sessiongen("-type=User", "-check")
	if code != exitFail || !strings.Contains(stderr, "user_session.go: stale at line") || !strings.Contains(stderr, `run "go generate"`) {
		t.Fatalf("check after change: exit %d, %q", code, stderr)
	}
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatalf("regenerate: exit %d, %s", code, stderr)
	}
	if code, _, stderr := sessiongen("-type=User", "-check"); code != exitOK {
		t.Fatalf("check after regenerate: exit %d, %s", code, stderr)
	}
	got, _ := os.ReadFile(out)
	if !bytes.HasPrefix(got, []byte("// Code generated by \"sessiongen -type=User\"; DO NOT EDIT.\n")) {
		t.Errorf("missing the generated-code header:\n%.200s", got)
	}
	if !regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`).Match(got) {
		t.Error("header does not match the Go convention's regexp")
	}
	if !bytes.Contains(got, []byte("func (s *UserSession) SetAge(v int)")) {
		t.Error("regenerated file lacks the new field's setter")
	}
}

// The header names the flags that regenerate the file, as go:generate runs
// sessiongen in the struct's folder: the same however the flags were spelt
// and wherever sessiongen ran, with no machine path.
func TestHeaderNamesInvocation(t *testing.T) {
	dir := module(t, userV1+"\n// Admin is a second session.\ntype Admin struct{ Email string }\n")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(sub, "pro.go"), "//go:build pro\n\npackage sub\n\n// Pro exists in pro builds.\ntype Pro struct{ Seats int }\n")
	for _, c := range []struct {
		args   []string
		file   string
		header string
	}{
		{[]string{"-type=User"}, "user_session.go", `sessiongen -type=User`},
		{[]string{"-type", "Admin, User"}, "admin_session.go", `sessiongen -type=Admin,User`},
		{[]string{"-type", "Admin, User"}, "user_session.go", `sessiongen -type=Admin,User`},
		{[]string{"-type=User", "-output=" + filepath.Join(dir, "my user.go")}, "my user.go", `sessiongen -type=User "-output=my user.go"`},
		{[]string{"-type=Pro", "-tags=pro, x", "-output=sub/pro_gen.go", "./sub"}, "sub/pro_gen.go", `sessiongen -type=Pro -output=pro_gen.go -tags=pro,x`},
	} {
		if code, _, stderr := sessiongen(c.args...); code != exitOK {
			t.Fatalf("%v: exit %d, %s", c.args, code, stderr)
		}
		got, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		line, _, _ := strings.Cut(string(got), "\n")
		if want := "// Code generated by \"" + c.header + "\"; DO NOT EDIT."; line != want {
			t.Errorf("%v: %s starts\n\t%s\nwant\n\t%s", c.args, c.file, line, want)
		}
		if !regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`).MatchString(line) {
			t.Errorf("%v: header %q does not match the Go convention's regexp", c.args, line)
		}
	}
}

func TestOutputFlag(t *testing.T) {
	dir := module(t, userV1)
	if code, _, stderr := sessiongen("-type=User", "-output=custom_name.go"); code != exitOK {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "custom_name.go")); err != nil {
		t.Fatal(err)
	}
}

// A field of an unsupported type fails with file:line:col and the field's
// name, and nothing is written.
func TestUnsupportedFieldPosition(t *testing.T) {
	dir := module(t, `package m

type User struct {
	Name  string
	Prefs map[int]string
}
`)
	code, _, stderr := sessiongen("-type=User", ".")
	if code != exitFail {
		t.Fatalf("exit %d; want %d", code, exitFail)
	}
	want := "user.go:5:2: field Prefs: type map[int]string is not supported"
	if !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q; want it to contain %q", stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "user_session.go")); err == nil {
		t.Fatal("a file was written despite the error")
	}
}

// Positions are clickable where the user's terminal is: relative to the
// working directory when sessiongen is run by hand, as the go command
// prints them, and to the module's root under go generate, which runs
// sessiongen in the package's folder while the user typed go generate
// ./... at the root. -check from the root says the same.
func TestPositionsRelativeToModuleRoot(t *testing.T) {
	dir := module(t, "package m\n")
	auth := filepath.Join(dir, "auth")
	if err := os.Mkdir(auth, 0o755); err != nil {
		t.Fatal(err)
	}
	good := "package auth\n\n// E is the session.\ntype E struct {\n\tName string\n\tPrefs map[string]string\n}\n"
	write(t, filepath.Join(auth, "e.go"), good)
	if code, _, stderr := sessiongen("-type=E", "./auth"); code != exitOK {
		t.Fatalf("generate: %s", stderr)
	}
	write(t, filepath.Join(auth, "e.go"), strings.Replace(good, "map[string]string", "map[int]string", 1))
	want := func(name, stderr, pos string) {
		t.Helper()
		if !strings.HasPrefix(stderr, pos+": field Prefs: type map[int]string is not supported") {
			t.Errorf("%s: stderr %q; want it to start with %s", name, stderr, pos)
		}
	}

	_, _, stderr := sessiongen("-type=E", "./auth")
	want("from the root", stderr, filepath.Join("auth", "e.go")+":6:2")
	_, _, stderr = sessiongen("-check")
	want("-check from the root", stderr, filepath.Join("auth", "e.go")+":6:2")

	t.Chdir(auth)
	_, _, stderr = sessiongen("-type=E")
	want("by hand in the package's folder", stderr, "e.go:6:2")

	// What go generate sets (and PWD is the package's folder).
	t.Setenv("GOFILE", "e.go")
	t.Setenv("GOLINE", "3")
	t.Setenv("GOPACKAGE", "auth")
	_, _, stderr = sessiongen("-type=E")
	want("under go generate", stderr, filepath.Join("auth", "e.go")+":6:2")
}

// A stale generated file that no longer compiles (the struct lost a field)
// does not stop regeneration.
func TestRegenerateOverBrokenOutput(t *testing.T) {
	dir := module(t, strings.Replace(userV1, "Name string", "Name string\n\tAge  int", 1))
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatalf("generate: %s", stderr)
	}
	write(t, filepath.Join(dir, "user.go"), userV1)
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatalf("regenerate over a broken file: exit %d, %s", code, stderr)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "user_session.go"))
	if bytes.Contains(got, []byte("Age")) {
		t.Error("the removed field is still generated")
	}
}

func TestTypeNotFound(t *testing.T) {
	module(t, userV1)
	code, _, stderr := sessiongen("-type=Nope")
	if code != exitFail || !strings.Contains(stderr, "type Nope not found") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
}

// A -type that names no struct suggests the closest one: the same name but
// for case first, then one at most two edits away; a name that is a
// function or a variable says so.
func TestTypeNotFoundSuggests(t *testing.T) {
	module(t, userV1+`
// Bad is a struct.
type Bad struct{ A int }

// Visitor is a struct.
type Visitor struct{ B int }

// Badges is a struct further from "bad" than Bad is.
type Badges struct{ C int }

func Handler() {}

var Sessions = 1
`)
	for typ, want := range map[string]string{
		"bad":      "sessiongen: type bad not found in package m; did you mean Bad?",
		"BAD":      "sessiongen: type BAD not found in package m; did you mean Bad?",
		"Vistor":   "sessiongen: type Vistor not found in package m; did you mean Visitor?",
		"visiters": "sessiongen: type visiters not found in package m; did you mean Visitor?",
		"Usr":      "sessiongen: type Usr not found in package m; did you mean User?",
		"Account":  "sessiongen: type Account not found in package m (it must be a struct declared at package level in a non-test file)",
		"Handler":  "sessiongen: type Handler not found in package m: Handler is a function, not a struct type",
		"Sessions": "sessiongen: type Sessions not found in package m: Sessions is a variable, not a struct type",
	} {
		code, _, stderr := sessiongen("-type=" + typ)
		if code != exitFail || strings.TrimSpace(stderr) != want {
			t.Errorf("-type=%s: exit %d, %q; want %q", typ, code, stderr, want)
		}
	}
}

// -check with no -type checks every generated file of the tree and lists
// each stale one.
func TestCheckTree(t *testing.T) {
	dir := module(t, userV1)
	sub := filepath.Join(dir, "admin")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(sub, "admin.go"), "package admin\n\n// Admin is a second session.\ntype Admin struct{ Email string }\n")
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := sessiongen("-type=Admin", "./admin"); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := sessiongen("-check"); code != exitOK {
		t.Fatalf("fresh tree: exit %d, %s", code, stderr)
	}
	write(t, filepath.Join(sub, "admin.go"), "package admin\n\n// Admin is a second session.\ntype Admin struct{ Email, Name string }\n")
	write(t, filepath.Join(dir, "user.go"), strings.Replace(userV1, "Name string", "Name string\n\tAge  int", 1))
	code, _, stderr := sessiongen("-check", "./...")
	if code != exitFail || !strings.Contains(stderr, filepath.Join("admin", "admin_session.go")+": stale") ||
		!strings.Contains(stderr, "user_session.go: stale") || !strings.Contains(stderr, "2 generated file(s) out of date") {
		t.Fatalf("stale tree: exit %d, %q", code, stderr)
	}
}

// -tags loads the files behind a build constraint.
func TestTags(t *testing.T) {
	dir := module(t, "package m\n")
	write(t, filepath.Join(dir, "pro.go"), "//go:build pro\n\npackage m\n\n// Pro exists in pro builds.\ntype Pro struct{ Seats int }\n")
	if code, _, stderr := sessiongen("-type=Pro"); code != exitFail || !strings.Contains(stderr, "type Pro not found") {
		t.Fatalf("without the tag: exit %d, %q", code, stderr)
	}
	if code, _, stderr := sessiongen("-type=Pro", "-tags=pro"); code != exitOK {
		t.Fatalf("with the tag: exit %d, %q", code, stderr)
	}
	got, err := os.ReadFile(filepath.Join(dir, "pro_session.go"))
	if err != nil {
		t.Fatal(err)
	}
	// The generated file is built exactly when the struct is.
	if !bytes.HasPrefix(got, []byte("// Code generated by \"sessiongen -type=Pro -tags=pro\"; DO NOT EDIT.\n\n//go:build pro\n\npackage m")) {
		t.Errorf("generated file does not carry the build constraint:\n%.200s", got)
	}
}

// -check without -type regenerates each file with the command its header
// names: its -tags, its -output, all the types of its run.
func TestCheckTreeFollowsHeader(t *testing.T) {
	dir := module(t, userV1+"\n// Admin is a second session.\ntype Admin struct{ Email string }\n")
	write(t, filepath.Join(dir, "pro.go"), "//go:build pro\n\npackage m\n\n// Pro exists in pro builds.\ntype Pro struct{ Seats int }\n")
	for _, args := range [][]string{{"-type=Pro", "-tags=pro", "-output=pro_gen.go"}, {"-type=Admin,User"}} {
		if code, _, stderr := sessiongen(args...); code != exitOK {
			t.Fatalf("%v: exit %d, %s", args, code, stderr)
		}
	}
	if code, _, stderr := sessiongen("-check"); code != exitOK {
		t.Fatalf("fresh tree: exit %d, %s", code, stderr)
	}

	write(t, filepath.Join(dir, "pro.go"), "//go:build pro\n\npackage m\n\n// Pro exists in pro builds.\ntype Pro struct{ Seats, Max int }\n")
	if err := os.Remove(filepath.Join(dir, "admin_session.go")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := sessiongen("-check")
	if code != exitFail || !strings.Contains(stderr, "pro_gen.go: stale at line") || !strings.Contains(stderr, "admin_session.go: missing") ||
		strings.Contains(stderr, "user_session.go") || !strings.Contains(stderr, "2 generated file(s) out of date") {
		t.Fatalf("stale tree: exit %d, %q", code, stderr)
	}
}

// A file whose header is an older sessiongen's is stale, not skipped: it
// names no command to regenerate it with.
func TestCheckTreeOlderHeader(t *testing.T) {
	dir := module(t, userV1)
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "user_session.go")
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := bytes.Cut(got, []byte("\n"))
	write(t, out, "// Code generated by sessiongen. DO NOT EDIT.\n"+string(body))
	code, _, stderr := sessiongen("-check")
	if code != exitFail || !strings.Contains(stderr, "user_session.go: regenerate: header from an older sessiongen") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
}

// -check reports a file a //go:generate line asks sessiongen for when it
// is missing (deleted, or never generated), however the line runs it.
func TestCheckTreeMissingFile(t *testing.T) {
	dir := module(t, userV1)
	if code, _, stderr := sessiongen("-type=User"); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := sessiongen("-check", "./..."); code != exitOK {
		t.Fatalf("fresh tree: exit %d, %s", code, stderr)
	}
	if err := os.Remove(filepath.Join(dir, "user_session.go")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := sessiongen("-check", "./...")
	if code != exitFail || !strings.Contains(stderr, `user_session.go: missing: user.go:3 generates it; run "go generate"`) {
		t.Fatalf("deleted file: exit %d, %q", code, stderr)
	}

	// Other spellings of the command; other tools' lines are not ours.
	gogen := "//go" + ":generate "
	for name, src := range map[string]string{
		"run":     gogen + "go run -mod=mod github.com/sessiongen/sessiongen/cmd/sessiongen@v1.2.3 -type=A -output=a_gen.go\n",
		"path":    gogen + "sessiongen \"-type=B, C\"\n",
		"alias":   gogen + "-command sg go tool sessiongen\n" + gogen + "sg -type=$GOPACKAGE\n",
		"other":   gogen + "go tool stringer -type=D\n",
		"written": gogen + "go tool sessiongen -type=E\n",
	} {
		sub := filepath.Join(dir, name)
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(sub, "doc.go"), "package "+name+"\n\n"+src)
	}
	write(t, filepath.Join(dir, "written", "e_session.go"), "package written\n")
	code, _, stderr = sessiongen("-check", "./...")
	for _, want := range []string{
		filepath.Join("run", "a_gen.go") + ": missing: " + filepath.Join("run", "doc.go") + ":3 generates it",
		filepath.Join("path", "b_session.go") + ": missing",
		filepath.Join("path", "c_session.go") + ": missing",
		filepath.Join("alias", "alias_session.go") + ": missing: " + filepath.Join("alias", "doc.go") + ":4 generates it",
		filepath.Join("written", "e_session.go") + ": not generated by sessiongen",
		"6 generated file(s) out of date",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != exitFail || strings.Contains(stderr, "d_session.go") {
		t.Errorf("exit %d, %s", code, stderr)
	}
}
