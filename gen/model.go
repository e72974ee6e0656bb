package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// model is what is generated for one struct: its fields with their keys and
// how each is encoded, all names resolved.
type model struct {
	name    string // the struct's name, e.g. Visitor
	pkgPath string // its package's import path
	pkgName string // its package's name
	fields  []*field
	// buildConstraint is the //go:build line of the file declaring the
	// struct, if any: the generated file must be built exactly when it is.
	buildConstraint string

	pkg *types.Package

	// Generated package-level names.
	sessionType      string // VisitorSession
	configType       string // VisitorConfig
	managerType      string // VisitorManager
	optionType       string // VisitorOption
	policyType       string // VisitorPolicy
	lifecycleType    string // VisitorLifecycle
	afterRequestType string // VisitorAfterRequest
	withPolicyFunc   string // WithVisitorPolicy
	withHooksFunc    string // WithVisitorAfterRequest
	newFunc          string // NewVisitorManager
	fromFunc         string // VisitorFrom
	newContextFunc   string // NewVisitorContext
	codecVar         string // visitorCodec
}

// scalarKind is how a scalar value is encoded on the wire.
type scalarKind int

// The kinds of value the generator knows.
const (
	kindBool scalarKind = iota + 1
	kindInt
	kindUint
	kindFloat
	kindString
	kindBytes
	kindTime
)

// field is one stored field of a struct: of the session struct itself, or
// of a struct nested in it.
type field struct {
	name     string // the Go field name
	path     string // the selector from the struct value: Name, or Inner.Name when promoted
	accessor string // the exported stem of its methods: Username, for SetUsername
	key      string // the session key
	typ      types.Type
	shape    *shape
	doc      string // the user's comment on the field, if any
	position token.Position
	index    int // position among the session's fields: the presence bit

	pos token.Pos
}

// composite reports whether the field gets an UpdateF method: a value
// with parts that can change in place.
func (f *field) composite() bool {
	if f.shape == nil {
		return false // refused: only its methods common to every field are known
	}
	switch f.shape.kind {
	case shapeSlice, shapeArray, shapeMap, shapeStruct, shapePointer:
		return true
	}
	return false
}

// methods returns the method names generated for the field.
func (f *field) methods() []string {
	a := f.accessor
	names := []string{a, "Set" + a, "Has" + a, "Delete" + a, "Pop" + a}
	if f.shape == nil {
		return names
	}
	if f.composite() {
		names = append(names, "Update"+a)
	}
	switch f.shape.kind {
	case shapeSlice:
		names = append(names, "Append"+a)
	case shapeMap:
		names = append(names, "Set"+a+"Key", "Delete"+a+"Key")
	}
	return names
}

// sessionMethods are the session-wide methods of every generated type.
var sessionMethods = []string{"Modified", "Accessed", "IsNew", "Clear", "Permanent", "SetPermanent", "Err", "Flash", "FlashCategory", "Flashes"}

// packageNames returns the package-level names generated for the model.
func (m *model) packageNames() []string {
	return []string{m.sessionType, m.configType, m.configType + "FromEnv", m.managerType, m.optionType, m.policyType, m.lifecycleType, m.afterRequestType, m.withPolicyFunc, m.withHooksFunc, m.newFunc, m.fromFunc, m.newContextFunc, m.codecVar}
}

// isNamed tells whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// buildModel checks the struct declared by obj and builds its model.
// Problems are collected into errs; every rule is checked on every field,
// so that one run reports them all. The model holds the fields that can be
// stored: it is nil only when the type is no struct sessiongen can use at
// all.
func buildModel(obj *types.TypeName, spec *ast.TypeSpec, fset *token.FileSet, typeErrs []types.Error, errs *ErrorList) *model {
	fail := func(p token.Pos, field, format string, args ...any) {
		*errs = append(*errs, errorAt(fset.Position(p), field, format, args...))
	}
	name := obj.Name()
	m := &model{
		name:             name,
		pkgPath:          obj.Pkg().Path(),
		pkgName:          obj.Pkg().Name(),
		sessionType:      name + "Session",
		configType:       name + "Config",
		managerType:      name + "Manager",
		optionType:       name + "Option",
		policyType:       name + "Policy",
		lifecycleType:    name + "Lifecycle",
		afterRequestType: name + "AfterRequest",
		withPolicyFunc:   "With" + name + "Policy",
		withHooksFunc:    "With" + name + "AfterRequest",
		newFunc:          "New" + name + "Manager",
		fromFunc:         name + "From",
		newContextFunc:   "New" + name + "Context",
		codecVar:         lowerFirst(name) + "Codec",
		pkg:              obj.Pkg(),
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
	sh := &shaper{pkg: obj.Pkg(), fset: fset, errs: errs, visible: map[*types.TypeName]bool{obj: true}, typeErrs: typeErrs}
	fields, all, _ := sh.fieldsOf(st)
	for i, f := range fields {
		f.index = i
		if !strings.Contains(f.path, ".") {
			f.doc = docs[f.name]
		}
	}
	m.fields = fields
	for _, f := range fields {
		if slices.Contains(flaskMetaKeys, f.key) {
			fail(f.pos, f.name, "session key %q is where Flask keeps a session's %s, which sessiongen writes itself in Flask's cookie format; give the field another key with a `session:\"...\"` tag", f.key, flaskMetaKeyUse[f.key])
		}
		if d := f.shape.entryDepth(); d > maxWireDepth {
			fail(f.pos, f.name, "type %s is stored %d levels deep (one for each struct, map, slice and array, and for each pointer held in a slice, array, map or pointer), but the session decoder accepts at most %d; flatten it, or give a type inside it MarshalText and UnmarshalText methods so that it is stored as one value", types.TypeString(f.typ, types.RelativeTo(m.pkg)), d, maxWireDepth)
		}
	}
	checkMethodNames(all, fail)
	return m
}

// checkMethodNames refuses fields whose generated methods would collide
// with each other or with the session-wide methods: a field Clear would give
// the session two methods Clear, a field SetX and a field X two SetX.
func checkMethodNames(fields []*field, fail func(token.Pos, string, string, ...any)) {
	owner := map[string]*field{}
	for _, f := range fields {
		for _, n := range f.methods() {
			if slices.Contains(sessionMethods, n) {
				fail(f.pos, f.name, "the generated method %s would collide with the session's own %s method; rename the field (the key can stay: tag it `session:%q`)", n, n, f.key)
				break
			}
			if prev := owner[n]; prev != nil {
				fail(f.pos, f.name, "the generated method %s would collide with the one generated for field %s; rename one of the fields (keys can stay, with a `session:\"...\"` tag)", n, prev.name)
				break
			}
			owner[n] = f
		}
	}
}

// flaskMetaKeys are the keys Flask's sessions keep their metadata under:
// no field of a session may have them, so that a session saved in Flask's
// format (Config.CookieFormat) has one member of each name. (Fields of
// nested structs may: they are members of their own objects.)
var flaskMetaKeys = []string{"_permanent", "_flashes"}

var flaskMetaKeyUse = map[string]string{"_permanent": "permanent flag", "_flashes": "flashed messages"}

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
