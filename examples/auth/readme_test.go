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

// docs/testing.md lists this package's examples: every Example function of
// example_test.go, and none that is not there. The README and the other
// pages of docs/ name only examples that exist.
func TestReadmeTestingSectionLists(t *testing.T) {
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

	doc, err := os.ReadFile("../../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Runnable examples\n")
	if !ok {
		t.Fatal("docs/testing.md has no section \"Runnable examples\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, name := range examples {
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("docs/testing.md's Runnable examples do not name %s", name)
		}
	}

	pages, err := os.ReadDir("../../docs")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"../../README.md"}
	for _, p := range pages {
		if strings.HasSuffix(p.Name(), ".md") {
			files = append(files, "../../docs/"+p.Name())
		}
	}
	// Examples of this package: those with Account in their name or a
	// name of their own (Example_...). Other packages' examples
	// (ExampleNew of redisstore) are theirs to check.
	mine := regexp.MustCompile("`(Example(?:_\\w+|Account\\w*|NewAccount\\w*))`")
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mine.FindAllStringSubmatch(string(text), -1) {
			if !slices.Contains(examples, m[1]) {
				t.Errorf("%s names %s, which example_test.go does not have", strings.TrimPrefix(file, "../../"), m[1])
			}
		}
	}
}
