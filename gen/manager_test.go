package gen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"

	"github.com/sessiongen/sessiongen/testdata/basic"
)

// The generated manager forwards every exported method of the runtime's
// Interface, each with a doc comment of its own, so go doc of the
// generated type lists what a user calls; the forwarding costs at most
// about 150 lines of the generated file.
func TestManagerForwardsEveryMethod(t *testing.T) {
	rt := reflect.TypeOf((*sessionruntime.Interface[basic.ScalarsSession])(nil))
	gen := reflect.TypeOf((*basic.ScalarsManager)(nil))
	for i := range rt.NumMethod() {
		want := rt.Method(i)
		got, ok := gen.MethodByName(want.Name)
		if !ok {
			t.Errorf("ScalarsManager has no method %s: forward it (gen/manager.go)", want.Name)
			continue
		}
		// The same signature, the receiver aside.
		if got.Type.NumIn() != want.Type.NumIn() || got.Type.NumOut() != want.Type.NumOut() {
			t.Errorf("%s: %v; the runtime's is %v", want.Name, got.Type, want.Type)
			continue
		}
		for j := 1; j < got.Type.NumIn(); j++ {
			if got.Type.In(j) != want.Type.In(j) {
				t.Errorf("%s: parameter %d is %v; the runtime's is %v", want.Name, j, got.Type.In(j), want.Type.In(j))
			}
		}
		for j := range got.Type.NumOut() {
			if got.Type.Out(j) != want.Type.Out(j) {
				t.Errorf("%s: result %d is %v; the runtime's is %v", want.Name, j, got.Type.Out(j), want.Type.Out(j))
			}
		}
	}
	if gen.NumMethod() != rt.NumMethod() {
		t.Errorf("ScalarsManager has %d methods, the runtime's Interface %d", gen.NumMethod(), rt.NumMethod())
	}

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../testdata/basic/scalars_session.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	first, last := 0, 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || !strings.Contains(types(fd.Recv.List[0].Type), "ScalarsManager") {
			continue
		}
		if fd.Doc == nil || !strings.HasPrefix(fd.Doc.Text(), fd.Name.Name+" ") {
			t.Errorf("%s has no doc comment beginning with its name", fd.Name.Name)
		}
		if first == 0 {
			first = fset.Position(fd.Doc.Pos()).Line
		}
		last = fset.Position(fd.End()).Line
	}
	if n := last - first + 1; n > 150 {
		t.Errorf("the forwarded methods take %d lines; keep them within about 150", n)
	}
}

func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return "*" + types(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// go doc of a generated manager's method prints its doc, as a user runs it.
func TestGoDocOfTheManager(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go doc")
	}
	out, err := exec.Command("go", "doc", "github.com/sessiongen/sessiongen/examples/auth", "AccountManager.Regenerate").CombinedOutput()
	if err != nil {
		t.Fatalf("go doc: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "func (m *AccountManager) Regenerate(ctx context.Context) error") || !strings.Contains(string(out), "new ID") {
		t.Errorf("go doc AccountManager.Regenerate printed:\n%s", out)
	}
}
