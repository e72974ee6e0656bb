package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's Testing section lists this package's examples: every
// Example function of example_test.go, and none that is not there.
func TestReadmeTestingSectionLists(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Testing\n")
	if !ok {
		t.Fatal("the README has no Testing section")
	}
	section, _, _ = strings.Cut(section, "\n## ")

	f, err := parser.ParseFile(token.NewFileSet(), "example_test.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var examples []string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") {
			examples = append(examples, fn.Name.Name)
		}
	}
	if len(examples) == 0 {
		t.Fatal("no examples in example_test.go")
	}
	for _, name := range examples {
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("the README's Testing section does not name %s", name)
		}
	}
	for _, m := range regexp.MustCompile("`(Example\\w*)`").FindAllStringSubmatch(section, -1) {
		if !slices.Contains(examples, m[1]) {
			t.Errorf("the README's Testing section names %s, which example_test.go does not have", m[1])
		}
	}
}
