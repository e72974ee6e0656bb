package gen

import (
	"fmt"
	"go/types"
	"strconv"

	"github.com/dave/jennifer/jen"
)

// codec names and orders the helper functions of one model's file, one per
// composite type and job (writing in a format, reading, deep-copying), each
// emitted once, after the code that first calls it (see emitHelpers). It
// emits the deep copies itself; the encoders and decoders are walks' (walk.go).
type codec struct {
	m       *model
	prefix  string            // visitor, for visitorWriteAddress
	imports map[string]string // import path -> the name the file gives it
	stems   map[string]string // type -> the stem of its helpers' names
	used    map[string]bool   // stems taken
	emitted map[string]bool   // helper names declared
	pending []*helperDecl     // helpers declared since the last emitHelpers, in the order first asked for
	anon    int
}

// helperDecl is a helper's doc comment and declaration, filled in once its
// body is built: the helpers its body calls come after it.
type helperDecl struct{ code []jen.Code }

func newCodec(m *model, imports []imported) *codec {
	c := &codec{m: m, prefix: lowerFirst(m.name), imports: map[string]string{}, stems: map[string]string{}, used: map[string]bool{}, emitted: map[string]bool{}}
	for _, im := range imports {
		c.imports[im.path] = im.name
	}
	return c
}

// emitHelpers emits the helpers asked for since it last ran: called after
// each piece of code that may call helpers, so that each helper follows
// its first caller instead of splitting, say, a getter from its setter.
func (c *codec) emitHelpers(f *jen.File) {
	for _, h := range c.pending {
		for _, code := range h.code {
			f.Add(code)
		}
	}
	c.pending = nil
}

// typeName spells t as the generated file does: types of the user's
// package unqualified, others by the name the file imports them under.
func (c *codec) typeName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == c.m.pkg {
			return ""
		}
		if name, ok := c.imports[p.Path()]; ok {
			return name
		}
		return p.Name()
	})
}

// stem names the helpers of a shape's type: Address, SliceOfItem,
// MapOfStringToInt. Distinct types get distinct stems.
func (c *codec) stem(sh *shape) string {
	key := types.TypeString(sh.typ, nil)
	if s, ok := c.stems[key]; ok {
		return s
	}
	s := c.describe(sh.typ)
	base := s
	for i := 2; c.used[s]; i++ {
		s = base + strconv.Itoa(i)
	}
	c.used[s] = true
	c.stems[key] = s
	return s
}

// describe spells a type as an identifier.
func (c *codec) describe(t types.Type) string {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		name := upperFirst(t.Obj().Name())
		if p := t.Obj().Pkg(); p != nil && p != c.pkg() {
			name = upperFirst(p.Name()) + name
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			name += "Of" + c.describe(t.TypeArgs().At(i))
		}
		return name
	case *types.Basic:
		return upperFirst(t.Name())
	case *types.Slice:
		return "SliceOf" + c.describe(t.Elem())
	case *types.Array:
		return fmt.Sprintf("Array%dOf%s", t.Len(), c.describe(t.Elem()))
	case *types.Map:
		return "MapOf" + c.describe(t.Key()) + "To" + c.describe(t.Elem())
	case *types.Pointer:
		return "PtrTo" + c.describe(t.Elem())
	case *types.Struct:
		c.anon++
		return "Struct" + strconv.Itoa(c.anon)
	}
	return "Value"
}

func (c *codec) pkg() *types.Package { return c.m.pkg }

// helper returns the name of a helper and, the first time it is asked for,
// the declaration the caller fills in; nil once it has been declared.
func (c *codec) helper(kind string, sh *shape) (string, *helperDecl) {
	name := c.prefix + kind + c.stem(sh)
	if c.emitted[name] {
		return name, nil
	}
	c.emitted[name] = true
	decl := &helperDecl{}
	c.pending = append(c.pending, decl)
	return name, decl
}

// cloneExpr returns an expression copying v deeply enough that no memory
// is shared with it.
func (c *codec) cloneExpr(sh *shape, v jen.Code) jen.Code {
	if !sh.hasRefs() {
		return v
	}
	if sh.kind == shapeScalar { // []byte
		return jen.Qual("slices", "Clone").Call(v)
	}
	if (sh.kind == shapeSlice || sh.kind == shapeMap) && !sh.elem.hasRefs() {
		pkg := "slices"
		if sh.kind == shapeMap {
			pkg = "maps"
		}
		return jen.Qual(pkg, "Clone").Call(v)
	}
	return jen.Id(c.cloner(sh)).Call(v)
}

// cloner emits (once) and names the helper deep-copying a value.
func (c *codec) cloner(sh *shape) string {
	name, decl := c.helper("Clone", sh)
	if decl == nil {
		return name
	}
	t := typeCode(sh.typ)
	var body []jen.Code
	switch sh.kind {
	case shapeSlice:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Id("out").Op(":=").Make(t.Clone(), jen.Len(jen.Id("v"))),
			jen.For(jen.List(jen.Id("i"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				jen.Id("out").Index(jen.Id("i")).Op("=").Add(c.cloneExpr(sh.elem, jen.Id("x"))),
			),
			jen.Return(jen.Id("out")),
		)
	case shapeMap:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Id("out").Op(":=").Make(t.Clone(), jen.Len(jen.Id("v"))),
			jen.For(jen.List(jen.Id("k"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				jen.Id("out").Index(jen.Id("k")).Op("=").Add(c.cloneExpr(sh.elem, jen.Id("x"))),
			),
			jen.Return(jen.Id("out")),
		)
	case shapeArray:
		body = append(body,
			jen.For(jen.List(jen.Id("i"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				jen.Id("v").Index(jen.Id("i")).Op("=").Add(c.cloneExpr(sh.elem, jen.Id("x"))),
			),
			jen.Return(jen.Id("v")),
		)
	case shapePointer:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Id("x").Op(":=").Add(c.cloneExpr(sh.elem, jen.Op("*").Id("v"))),
			jen.Return(jen.Op("&").Id("x")),
		)
	case shapeStruct:
		for _, fd := range sh.fields {
			if fd.shape.hasRefs() {
				body = append(body, jen.Id("v").Dot(fd.path).Op("=").Add(c.cloneExpr(fd.shape, jen.Id("v").Dot(fd.path))))
			}
		}
		body = append(body, jen.Return(jen.Id("v")))
	}
	decl.code = append(docCode("%s returns a deep copy of v.", name),
		jen.Func().Id(name).Params(jen.Id("v").Add(t.Clone())).Add(t.Clone()).Block(body...))
	return name
}

// emitCodec emits the session's encoder and decoder in each format, each
// followed by the helpers it calls (walk.go), its copyFrom and the Codec
// that hands them to the runtime.
func emitCodec(f *jen.File, m *model, c *codec) {
	for _, enc := range encodings {
		c.walk(enc).emitSession(f, m)
	}

	// copyFrom lets the runtime keep verified cookies decoded; it is left
	// out when a field could share memory through a copy.
	copyable := true
	for _, fd := range m.fields {
		copyable = copyable && !fd.shape.opaqueRefs()
	}
	if copyable {
		copyBody := []jen.Code{
			jen.List(jen.Id("s").Dot("data"), jen.Id("s").Dot("has")).Op("=").List(jen.Id("src").Dot("data"), jen.Id("src").Dot("has")),
		}
		for _, fd := range m.fields {
			if fd.shape.hasRefs() {
				copyBody = append(copyBody, jen.Id("s").Dot("data").Dot(fd.path).Op("=").Add(c.cloneExpr(fd.shape, jen.Id("src").Dot("data").Dot(fd.path))))
			}
		}
		doc(f, "copyFrom sets the fields and their presence to src's, sharing no memory with it. The state is left alone.")
		f.Func().Params(sessionRecv(m)).Id("copyFrom").Params(jen.Id("src").Op("*").Id(m.sessionType)).Block(copyBody...)
		c.emitHelpers(f)
	}

	doc(f, "empty reports whether no field holds a value.")
	f.Func().Params(sessionRecv(m)).Id("empty").Params().Bool().Block(
		jen.Return(jen.Id("s").Dot("has").Op("==").Index(jen.Lit(len(m.fields))).Bool().Values()),
	)

	keys := make([]jen.Code, len(m.fields))
	for _, fd := range m.fields {
		keys[fd.index] = jen.Lit(fd.key)
	}
	fields := jen.Dict{
		jen.Id("Name"): jen.Lit(m.name),
		jen.Id("Keys"): jen.Index().String().Values(keys...),
		jen.Id("State"): jen.Func().Params(sessionRecv(m)).Op("*").Qual(implPath, "State").Block(
			jen.Return(jen.Op("&").Id("s").Dot("state")),
		),
		jen.Id("Empty"):             jen.Parens(jen.Op("*").Id(m.sessionType)).Dot("empty"),
		jen.Id("Encode"):            jen.Parens(jen.Op("*").Id(m.sessionType)).Dot("encode"),
		jen.Id("DecodeEntry"):       jen.Parens(jen.Op("*").Id(m.sessionType)).Dot("decodeEntry"),
		jen.Id("EncodeFlask"):       jen.Parens(jen.Op("*").Id(m.sessionType)).Dot("encodeFlask"),
		jen.Id("DecodeFlaskMember"): jen.Parens(jen.Op("*").Id(m.sessionType)).Dot("decodeFlaskMember"),
	}
	if copyable {
		fields[jen.Id("Copy")] = jen.Parens(jen.Op("*").Id(m.sessionType)).Dot("copyFrom")
		doc(f, "%s binds %s to the runtime.", m.codecVar, m.sessionType)
	} else {
		doc(f, "%s binds %s to the runtime. It has no Copy: a field's type marshals itself and may share memory with a copy, so the runtime verifies and decodes the cookie on every request instead of remembering it.", m.codecVar, m.sessionType)
	}
	f.Var().Id(m.codecVar).Op("=").Qual(implPath, "Codec").Index(jen.Id(m.sessionType)).Values(fields)
}

// sessionRecv is the receiver of the session's methods.
func sessionRecv(m *model) *jen.Statement { return jen.Id("s").Op("*").Id(m.sessionType) }

// mapKeyType is the key type of a map's shape.
func mapKeyType(sh *shape) types.Type { return sh.typ.Underlying().(*types.Map).Key() }
