package gen_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/gen"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the generator's output")

// Each folder under testdata is one case: a package whose go:generate line
// names the types. A case whose name starts with "err_" must be refused, with
// the message in want.err; any other must generate exactly the
// <type>_session.go files committed beside its input, which must build and
// pass go vet. Folders whose name starts with "version_" hold instead the
// compile errors of TestContractVersionErrors (version_golden_test.go), and
// those starting with "_" are its temporary packages.
func TestGolden(t *testing.T) {
	root, err := filepath.Abs("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "version_") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		types := generateTypes(t, dir)
		wantErr := strings.HasPrefix(e.Name(), "err_")
		if !wantErr {
			built = append(built, "./testdata/"+e.Name())
		}
		t.Run(e.Name(), func(t *testing.T) {
			files, err := gen.Generate(context.Background(), gen.Config{Dir: dir, Types: types})
			if wantErr {
				if err == nil {
					t.Fatalf("generated %d files; want an error", len(files))
				}
				golden(t, filepath.Join(dir, "want.err"), []byte(err.Error()+"\n"))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(types) {
				t.Fatalf("got %d files for types %v", len(files), types)
			}
			for _, f := range files {
				if filepath.Dir(f.Path) != dir {
					t.Errorf("%s: written outside the package's folder", f.Path)
				}
				golden(t, f.Path, f.Content)
			}
			again, err := gen.Generate(context.Background(), gen.Config{Dir: dir, Types: types})
			if err != nil || len(again) != len(files) {
				t.Fatalf("a second run: %d files, err %v", len(again), err)
			}
			for i, f := range files {
				if string(again[i].Content) != string(f.Content) {
					t.Errorf("%s: a second run gives different output: generation must be deterministic", f.Type)
				}
			}
		})
	}
	// The generated code must compile against the runtime and pass vet.
	if !*update && len(built) > 0 {
		cmd := exec.Command("go", append([]string{"vet"}, built...)...)
		cmd.Dir = filepath.Dir(root)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go vet on the golden packages: %v\n%s", err, out)
		}
	}
}

// generateTypes reads the -type flag of the case's go:generate line.
func generateTypes(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "//go:generate go tool sessiongen ") {
				continue
			}
			for _, arg := range strings.Fields(line) {
				if v, ok := strings.CutPrefix(arg, "-type="); ok {
					f.Close()
					return strings.Split(v, ",")
				}
			}
		}
		f.Close()
	}
	t.Fatalf("%s: no //go:generate go tool sessiongen -type=... line", dir)
	return nil
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	test, _, _ := strings.Cut(t.Name(), "/") // the test that rewrites it
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./gen -run %s -update to create it)", err, test)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the generator's output (go test ./gen -run %s -update rewrites it):\n%s", path, test, gen.FirstDifference(want, got))
	}
}

// Every refusal is an ErrorList of *gen.Error, matchable with errors.Is.
func TestErrorsAreMatchable(t *testing.T) {
	dir, _ := filepath.Abs("../testdata/err_unsupported")
	_, err := gen.Generate(context.Background(), gen.Config{Dir: dir, Types: []string{"Bad"}})
	if !errors.Is(err, gen.ErrUnsupported) {
		t.Fatalf("err = %v; want errors.Is ErrUnsupported", err)
	}
	var ge *gen.Error
	if !errors.As(err, &ge) || ge.Pos.Line == 0 || ge.Pos.Column == 0 || ge.Field == "" {
		t.Fatalf("errors.As(*gen.Error) = %+v; want a position and a field", ge)
	}
}

// Every refusal of a struct comes in one run, whatever its kind, sorted by
// position: a user fixes them all before running the generator again
// (testdata/err_every_problem has one of each).
func TestEveryProblemInOneRun(t *testing.T) {
	dir, _ := filepath.Abs("../testdata/err_every_problem")
	_, err := gen.Generate(context.Background(), gen.Config{Dir: dir, Types: []string{"Visitor"}})
	var list gen.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v; want an ErrorList", err)
	}
	for _, kind := range []string{
		"field Name: session key \"name\" is already used",  // duplicate keys
		"field Prefs: type map[int]string is not supported", // unsupported types
		"field Events: type chan time.Time is not supported",
		"field Clear: the generated method Clear would collide with the session's own", // method collisions
		"field SetX: the generated method SetX would collide with the one generated for field X",
		"field Theme: session tag \"theme,omitempty\" has options", // tag problems
		"field Lang: the struct tag `session: \"lang\"` is malformed",
		"field Tab: session key \"a\\tb\" contains a control character",
		"field Count: its type does not compile: undefined: Countr",                // type errors
		"field Lines: type []any is not supported",                                 // in a nested struct
		"VisitorSession is declared here, but sessiongen generates VisitorSession", // name clashes
	} {
		if !strings.Contains(err.Error(), kind) {
			t.Errorf("the run does not report %q:\n%v", kind, err)
		}
	}
	for i := 1; i < len(list); i++ {
		a, b := list[i-1].Pos, list[i].Pos
		if a.Filename == b.Filename && (a.Line > b.Line || a.Line == b.Line && a.Column > b.Column) {
			t.Errorf("not sorted by position: %v before %v", a, b)
		}
	}
}
