package main

import (
	"os"
	"strings"
	"testing"
)

// The README's Testing section shows the two tests of testing_test.go as
// they are there, so that what it shows compiles and passes.
func TestReadmeTestingSection(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Testing\n")
	if !ok {
		t.Fatal("the README has no Testing section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	src, err := os.ReadFile("testing_test.go")
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for _, part := range strings.Split(section, "```go\n")[1:] {
		code, _, _ := strings.Cut(part, "```")
		blocks++
		if !strings.Contains(string(src), code) {
			t.Errorf("this README snippet is not in examples/login/testing_test.go:\n%s", code)
		}
	}
	if blocks != 2 {
		t.Errorf("the Testing section shows %d Go snippets; want 2 (a handler test and an end-to-end test)", blocks)
	}
}
