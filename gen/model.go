package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Model is what is generated for one struct: its fields with their keys and
// how each is encoded, all names resolved.
type Model struct {
	Name    string // the struct's name, e.g. Visitor
	PkgPath string // its package's import path
	PkgName string // its package's name
	Fields  []*Field
	// BuildConstraint is the //go:build line of the file declaring the
	// struct, if any: the generated file must be built exactly when it is.
	BuildConstraint string

	pkg *types.Package

	// Generated package-level names.
	Session     string // VisitorSession
	Config      string // VisitorConfig
	Interface   string // VisitorInterface
	Option      string // VisitorOption
	Policy      string // VisitorPolicy
	Lifecycle   string // VisitorLifecycle
	AfterReq    string // VisitorAfterRequest
	WithPolicy  string // WithVisitorPolicy
	WithHooks   string // WithVisitorAfterRequest
	New         string // NewVisitorInterface
	From        string // VisitorFrom
	CodecVar    string // visitorCodec
	Declaration token.Position
}

// Kind is how a value is encoded on the wire.
type Kind int

// The kinds of value the generator knows.
const (
	KindBool Kind = iota + 1
	KindInt
	KindUint
	KindFloat
	KindString
	KindBytes
	KindTime
)

// Field is one stored field of a struct: of the session struct itself, or
// of a struct nested in it.
type Field struct {
	Name     string // the Go field name
	Path     string // the selector from the struct value: Name, or Inner.Name when promoted
	Accessor string // the exported stem of its methods: Username, for SetUsername
	Key      string // the session key
	Type     types.Type
	Shape    *Shape
	Doc      string // the user's comment on the field, if any
	Pos      token.Position
	Index    int // position among the session's fields: the presence bit

	pos token.Pos
}

// composite reports whether the field gets an UpdateF method: a value
// with parts that can change in place.
func (f *Field) composite() bool {
	switch f.Shape.Kind {
	case ShapeSlice, ShapeArray, ShapeMap, ShapeStruct, ShapePointer:
		return true
	}
	return false
}

// Methods returns the method names generated for the field.
func (f *Field) Methods() []string {
	a := f.Accessor
	names := []string{a, "Set" + a, "Has" + a, "Delete" + a, "Pop" + a}
	if f.composite() {
		names = append(names, "Update"+a)
	}
	switch f.Shape.Kind {
	case ShapeSlice:
		names = append(names, "Append"+a)
	case ShapeMap:
		names = append(names, "Set"+a+"Key", "Delete"+a+"Key")
	}
	return names
}

// sessionMethods are the session-wide methods of every generated type.
var sessionMethods = []string{"Modified", "Accessed", "IsNew", "Clear", "Permanent", "SetPermanent", "Err", "Flash", "FlashCategory", "Flashes"}

// packageNames returns the package-level names generated for the model.
func (m *Model) packageNames() []string {
	return []string{m.Session, m.Config, m.Config + "FromEnv", m.Interface, m.Option, m.Policy, m.Lifecycle, m.AfterReq, m.WithPolicy, m.WithHooks, m.New, m.From, m.CodecVar}
}

// isNamed tells whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// buildModel checks the struct declared by obj and builds its model.
// Problems are collected into errs, positions made relative to dir.
func buildModel(obj *types.TypeName, spec *ast.TypeSpec, fset *token.FileSet, dir string, errs *ErrorList) *Model {
	pos := func(p token.Pos) token.Position { return relativePosition(fset.Position(p), dir) }
	fail := func(p token.Pos, field, format string, args ...any) {
		*errs = append(*errs, &Error{Pos: pos(p), Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	name := obj.Name()
	m := &Model{
		Name:        name,
		PkgPath:     obj.Pkg().Path(),
		PkgName:     obj.Pkg().Name(),
		Session:     name + "Session",
		Config:      name + "Config",
		Interface:   name + "Interface",
		Option:      name + "Option",
		Policy:      name + "Policy",
		Lifecycle:   name + "Lifecycle",
		AfterReq:    name + "AfterRequest",
		WithPolicy:  "With" + name + "Policy",
		WithHooks:   "With" + name + "AfterRequest",
		New:         "New" + name + "Interface",
		From:        name + "From",
		CodecVar:    lowerFirst(name) + "Codec",
		Declaration: pos(obj.Pos()),
		pkg:         obj.Pkg(),
	}
	named, _ := obj.Type().(*types.Named)
	if named != nil && named.TypeParams().Len() > 0 {
		fail(obj.Pos(), "", "type %s is generic: sessiongen needs a concrete struct; declare one with the type arguments filled in", name)
		return nil
	}
	st, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		fail(obj.Pos(), "", "type %s is %s, not a struct: sessiongen generates sessions for struct types", name, obj.Type().Underlying())
		return nil
	}
	docs := fieldDocs(spec)
	before := len(*errs)
	sh := &shaper{pkg: obj.Pkg(), fset: fset, dir: dir, errs: errs, visible: map[*types.TypeName]bool{obj: true}}
	fields, _ := sh.fieldsOf(st)
	for i, f := range fields {
		f.Index = i
		if !strings.Contains(f.Path, ".") {
			f.Doc = docs[f.Name]
		}
	}
	m.Fields = fields
	for _, f := range fields {
		if d := f.Shape.entryDepth(); d > maxWireDepth {
			fail(f.pos, f.Name, "type %s is stored %d levels deep (one for each struct, map, slice and array, and for each pointer held in a slice, array, map or pointer), but the session decoder accepts at most %d; flatten it, or give a type inside it MarshalText and UnmarshalText methods so that it is stored as one value", types.TypeString(f.Type, types.RelativeTo(m.pkg)), d, maxWireDepth)
		}
	}
	checkMethodNames(m, fail)
	if len(*errs) > before {
		return nil
	}
	return m
}

// checkMethodNames refuses fields whose generated methods would collide
// with each other or with the session-wide methods: a field Clear would give
// the session two methods Clear, a field SetX and a field X two SetX.
func checkMethodNames(m *Model, fail func(token.Pos, string, string, ...any)) {
	owner := map[string]*Field{}
	for _, f := range m.Fields {
		for _, n := range f.Methods() {
			if slices.Contains(sessionMethods, n) {
				fail(f.pos, f.Name, "the generated method %s would collide with the session's own %s method; rename the field (the key can stay: tag it `session:%q`)", n, n, f.Key)
				break
			}
			if prev := owner[n]; prev != nil {
				fail(f.pos, f.Name, "the generated method %s would collide with the one generated for field %s; rename one of the fields (keys can stay, with a `session:\"...\"` tag)", n, prev.Name)
				break
			}
			owner[n] = f
		}
	}
}

// checkKey returns what is wrong with a session key, or "".
func checkKey(key string) string {
	if !utf8.ValidString(key) {
		return "is not valid UTF-8"
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return "contains a control character (those are reserved for sessiongen's metadata)"
		}
	}
	if strings.TrimSpace(key) != key {
		return "starts or ends with white space"
	}
	return ""
}

// fieldDocs maps field names to their doc or line comments.
func fieldDocs(spec *ast.TypeSpec) map[string]string {
	docs := map[string]string{}
	st, ok := spec.Type.(*ast.StructType)
	if !ok {
		return docs
	}
	for _, f := range st.Fields.List {
		text := ""
		if f.Doc != nil {
			text = f.Doc.Text()
		} else if f.Comment != nil {
			text = f.Comment.Text()
		}
		text = strings.TrimSpace(text)
		for _, n := range f.Names {
			docs[n.Name] = text
		}
	}
	return docs
}

// snakeCase turns a Go field name into the default session key: LastSeen ->
// last_seen, UserID -> user_id, HTTPServer -> http_server.
func snakeCase(s string) string {
	runes := []rune(s)
	var b strings.Builder
	for i, r := range runes {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(runes[i-1]) || unicode.IsDigit(runes[i-1]))
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if i > 0 && (prevLower || (nextLower && unicode.IsUpper(runes[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
