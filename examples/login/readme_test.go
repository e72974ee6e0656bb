package main

import (
	"os"
	"strings"
	"testing"
)

// The README's Testing section and docs/testing.md show the tests of
// testing_test.go as they are there, so that what they show compiles and
// passes: the README the handler test, docs/testing.md both.
func TestReadmeTestingSection(t *testing.T) {
	src, err := os.ReadFile("testing_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Testing\n")
	if !ok {
		t.Fatal("the README has no Testing section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	docs, err := os.ReadFile("../../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, text string
		want       []string // the tests shown, in order
	}{
		{"the README's Testing section", section, []string{"TestCounterHandler"}},
		{"docs/testing.md", string(docs), []string{"TestCounterHandler", "TestLoggedInEndToEnd"}},
	} {
		var shown []string
		for _, part := range strings.Split(c.text, "```go\n")[1:] {
			code, _, _ := strings.Cut(part, "```")
			if !strings.Contains(string(src), code) {
				t.Errorf("this snippet of %s is not in examples/login/testing_test.go:\n%s", c.name, code)
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(code, "func "), "(")
			shown = append(shown, name)
		}
		if strings.Join(shown, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s shows %v; want %v", c.name, shown, c.want)
		}
	}
}
