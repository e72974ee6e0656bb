package gen

import (
	"fmt"
	"go/types"
	"strconv"

	"github.com/dave/jennifer/jen"
)

// scalarWire names, for a scalar kind, the encoder method writing an entry,
// the one writing a bare value, the generic function writing a slice entry,
// the wire type, the Go type the encoder takes, and the reader.
type scalarWire struct {
	entry, value, slice, wireType, basic, read string
	generic                                    bool // read takes the Go type as a type argument
}

var scalarWires = map[scalarKind]scalarWire{
	kindBool:   {"Bool", "BoolValue", "Bools", "TypeBool", "bool", "ReadBool", true},
	kindInt:    {"Int", "IntValue", "Ints", "TypeInt", "int64", "ReadInt", true},
	kindUint:   {"Uint", "UintValue", "Uints", "TypeUint", "uint64", "ReadUint", true},
	kindFloat:  {"Float", "FloatValue", "Floats", "TypeFloat", "float64", "ReadFloat", true},
	kindString: {"String", "StringValue", "Strings", "TypeBytes", "string", "ReadString", true},
	kindBytes:  {"Bytes", "BytesValue", "ByteSlices", "TypeBytes", "[]byte", "ReadBytes", true},
	kindTime:   {"Time", "TimeValue", "Times", "TypeTime", "", "ReadTime", false},
}

// codec emits the encoders, decoders and deep copies of one model, one
// helper function per composite type, each emitted once, after the code
// that first calls it (see emitHelpers).
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

func wireQual(name string) *jen.Statement { return jen.Qual(wirePath, name) }

// valueType is the wire type a value writer writes for the shape.
func valueType(sh *shape) *jen.Statement {
	switch sh.kind {
	case shapeScalar:
		return wireQual(scalarWires[sh.scalar].wireType)
	case shapeByteArray, shapeText, shapeJSON:
		return wireQual("TypeBytes")
	case shapeSlice, shapeArray:
		return wireQual("TypeList")
	}
	return wireQual("TypeGroup") // map, struct, pointer
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

// writeValue returns the statements writing v, a value of the shape, as a
// bare value (a list element, a map value, a group entry's value).
func (c *codec) writeValue(sh *shape, v jen.Code) jen.Code {
	if sh.kind == shapeScalar {
		w := scalarWires[sh.scalar]
		if w.basic != "" && typeString(sh.typ) != w.basic {
			v = convertTo(w.basic, v)
		}
		return jen.Id("e").Dot(w.value).Call(v)
	}
	name := c.writer(sh)
	return jen.If(jen.Err().Op(":=").Id(name).Call(jen.Id("e"), v), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
}

// writeEntry returns the statements writing v as an entry under key. A nil
// pointer writes nothing: the entry is absent.
func (c *codec) writeEntry(sh *shape, key string, v *jen.Statement) jen.Code {
	switch sh.kind {
	case shapeScalar:
		w := scalarWires[sh.scalar]
		var arg jen.Code = v.Clone()
		if w.basic != "" && typeString(sh.typ) != w.basic {
			arg = convertTo(w.basic, v.Clone())
		}
		return jen.Id("e").Dot(w.entry).Call(jen.Lit(key), arg)
	case shapeSlice:
		if sh.elem.kind == shapeScalar {
			return wireQual(scalarWires[sh.elem.scalar].slice).Call(jen.Id("e"), jen.Lit(key), v.Clone())
		}
	case shapePointer:
		return jen.If(v.Clone().Op("!=").Nil()).Block(
			jen.Id("e").Dot("Key").Call(jen.Lit(key), valueType(sh.elem)),
			c.writeValue(sh.elem, jen.Op("*").Add(v.Clone())),
		)
	}
	return jen.Null().Add(
		jen.Id("e").Dot("Key").Call(jen.Lit(key), valueType(sh)),
		jen.Line(),
		c.writeValue(sh, v.Clone()),
	)
}

// readFunc returns a function value reading one value of the shape from a
// decoder: a generic reader of the wire package, or a generated helper.
func (c *codec) readFunc(sh *shape) *jen.Statement {
	if sh.kind == shapeScalar {
		w := scalarWires[sh.scalar]
		if w.generic {
			return wireQual(w.read).Index(typeCode(sh.typ))
		}
		return wireQual(w.read)
	}
	return jen.Id(c.reader(sh))
}

// readEntry returns the statements reading the value at dec and handing
// it to assign; on failure they run fail(err).
func (c *codec) readEntry(sh *shape, dec jen.Code, assign func(value jen.Code) jen.Code, fail func(err jen.Code) jen.Code) jen.Code {
	var call jen.Code
	var value jen.Code = jen.Id("x")
	switch {
	case sh.kind == shapePointer: // an entry holds the pointer's target; absent is nil
		call = c.readFunc(sh.elem).Call(dec)
		value = jen.Op("&").Id("x")
	case sh.kind == shapeSlice && sh.elem.kind == shapeScalar && types.Identical(sh.typ.Underlying(), sh.typ):
		call = wireQual("Slice").Call(dec, valueType(sh.elem), c.readFunc(sh.elem))
	default:
		call = c.readFunc(sh).Call(dec)
	}
	return jen.Null().Add(
		jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call), jen.Line(),
		jen.If(jen.Err().Op("!=").Nil()).Block(fail(jen.Err())), jen.Line(),
		assign(value),
	)
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

// writer emits (once) and names the helper writing a composite value.
func (c *codec) writer(sh *shape) string {
	name, decl := c.helper("Write", sh)
	if decl == nil {
		return name
	}
	var body []jen.Code
	v := jen.Id("v")
	switch sh.kind {
	case shapeByteArray:
		body = append(body, jen.Id("e").Dot("BytesValue").Call(jen.Id("v").Index(jen.Op(":"))))
	case shapeText, shapeJSON:
		method := "MarshalText"
		if sh.kind == shapeJSON {
			method = "MarshalJSON"
		}
		body = append(body,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("v").Dot(method).Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Id("e").Dot("BytesValue").Call(jen.Id("b")),
		)
	case shapeSlice, shapeArray:
		body = append(body,
			jen.Id("mark").Op(":=").Id("e").Dot("ListValue").Call(valueType(sh.elem), jen.Len(v)),
			jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Add(v)).Block(c.writeValue(sh.elem, jen.Id("x"))),
			jen.Id("e").Dot("EndList").Call(jen.Id("mark")),
		)
	case shapeMap:
		body = append(body,
			jen.Comment("Keys in order: the same session always makes the same cookie."),
			jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call(),
			jen.For(jen.List(jen.Id("_"), jen.Id("k")).Op(":=").Range().Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(v))).Block(
				jen.Id("e").Dot("Key").Call(jen.String().Parens(jen.Id("k")), valueType(sh.elem)),
				c.writeValue(sh.elem, jen.Id("v").Index(jen.Id("k"))),
			),
			jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")),
		)
	case shapeStruct:
		body = append(body, jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call())
		for _, fd := range sh.fields {
			body = append(body, c.writeEntry(fd.shape, fd.key, jen.Id("v").Dot(fd.path)))
		}
		body = append(body, jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")))
	case shapePointer:
		body = append(body,
			jen.Comment("A group holding one entry, or none for nil."),
			jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call(),
			jen.If(jen.Id("v").Op("!=").Nil()).Block(
				jen.Id("e").Dot("Key").Call(jen.Lit(""), valueType(sh.elem)),
				c.writeValue(sh.elem, jen.Op("*").Id("v")),
			),
			jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")),
		)
	}
	body = append(body, jen.Return(jen.Nil()))
	decl.code = append(docCode("%s writes %s.", name, withArticle(c.typeName(sh.typ))),
		jen.Func().Id(name).Params(jen.Id("e").Op("*").Qual(wirePath, "Encoder"), jen.Id("v").Add(typeCode(sh.typ))).Error().Block(body...))
	return name
}

// mismatch returns a wire mismatch error with a message.
func mismatch(format string, args ...jen.Code) jen.Code {
	return wireQual("Mismatch").Call(append([]jen.Code{jen.Lit(format)}, args...)...)
}

// reader emits (once) and names the helper reading a composite value.
func (c *codec) reader(sh *shape) string {
	name, decl := c.helper("Read", sh)
	if decl == nil {
		return name
	}
	t := typeCode(sh.typ)
	declare := jen.Var().Id("v").Add(t.Clone())
	var body []jen.Code
	failV := func(err jen.Code) jen.Code { return jen.Return(jen.Id("v"), err) }
	switch sh.kind {
	case shapeByteArray:
		body = append(body, declare,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("d").Dot("Bytes").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Len(jen.Id("b")).Op("!=").Len(jen.Id("v"))).Block(failV(mismatch("%d bytes for an array of %d", jen.Len(jen.Id("b")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("b")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case shapeText, shapeJSON:
		method := "UnmarshalText"
		if sh.kind == shapeJSON {
			method = "UnmarshalJSON"
		}
		body = append(body, declare,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("d").Dot("Bytes").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Err().Op(":=").Id("v").Dot(method).Call(jen.Id("b")), jen.Err().Op("!=").Nil()).Block(failV(mismatch("%v", jen.Err()))),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case shapeSlice:
		call := wireQual("Slice").Call(jen.Id("d"), valueType(sh.elem), c.readFunc(sh.elem))
		if types.Identical(sh.typ.Underlying(), sh.typ) {
			body = append(body, jen.Return(call))
		} else {
			body = append(body,
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call),
				jen.Return(t.Clone().Parens(jen.Id("x")), jen.Err()),
			)
		}
	case shapeArray:
		body = append(body, declare,
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(wireQual("Slice").Call(jen.Id("d"), valueType(sh.elem), c.readFunc(sh.elem))),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Len(jen.Id("x")).Op("!=").Len(jen.Id("v"))).Block(failV(mismatch("%d values for an array of %d", jen.Len(jen.Id("x")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("x")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case shapeMap:
		key := typeCode(sh.typ.Underlying().(*types.Map).Key())
		body = append(body, declare,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.For(jen.Id("g").Dot("Next").Call()).Block(
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(c.readFunc(sh.elem)).Call(jen.Op("&").Id("g")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Id("v").Op("=").Make(t.Clone())),
				jen.Id("v").Index(key.Parens(jen.Id("g").Dot("Key").Call())).Op("=").Id("x"),
			),
			jen.Return(jen.Id("v"), jen.Id("g").Dot("Err").Call()),
		)
	case shapeStruct:
		var cases []jen.Code
		for _, fd := range sh.fields {
			cases = append(cases, jen.Case(jen.Lit(fd.key)).Block(
				c.readEntry(fd.shape, jen.Op("&").Id("g"), func(x jen.Code) jen.Code { return jen.Id("v").Dot(fd.path).Op("=").Add(x) }, failV),
			))
		}
		body = append(body, declare,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
		)
		if len(cases) > 0 {
			body = append(body, jen.For(jen.Id("g").Dot("Next").Call()).Block(
				jen.Switch(jen.String().Parens(jen.Id("g").Dot("Key").Call())).Block(cases...),
			))
		}
		body = append(body, jen.Return(jen.Id("v"), jen.Id("g").Dot("Err").Call()))
	case shapePointer:
		body = append(body,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
			jen.If(jen.Err().Op("!=").Nil().Op("||").Op("!").Id("g").Dot("Next").Call()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(c.readFunc(sh.elem)).Call(jen.Op("&").Id("g")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Op("&").Id("x"), jen.Nil()),
		)
	}
	decl.code = append(docCode("%s reads %s.", name, withArticle(c.typeName(sh.typ))),
		jen.Func().Id(name).Params(jen.Id("d").Op("*").Qual(wirePath, "Decoder")).Params(t.Clone(), jen.Error()).Block(body...))
	return name
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

// emitCodec emits the session's encoder and decoder, each followed by the
// helpers it calls, those of the Flask format (emit_flask.go), and the Codec
// that hands them to the runtime.
func emitCodec(f *jen.File, m *model, c *codec) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.sessionType) }

	var enc []jen.Code
	for _, fd := range m.fields {
		enc = append(enc, jen.If(jen.Id("s").Dot("has").Index(jen.Lit(fd.index))).Block(c.writeEntry(fd.shape, fd.key, jen.Id("s").Dot("data").Dot(fd.path))))
	}
	enc = append(enc, jen.Return(jen.Nil()))
	doc(f, "encode writes each present field as an entry keyed by its session key.")
	f.Func().Params(recv()).Id("encode").Params(jen.Id("e").Op("*").Qual(wirePath, "Encoder")).Error().Block(enc...)
	c.emitHelpers(f)

	var cases []jen.Code
	for _, fd := range m.fields {
		assign := func(x jen.Code) jen.Code {
			return jen.List(jen.Id("s").Dot("data").Dot(fd.path), jen.Id("s").Dot("has").Index(jen.Lit(fd.index))).Op("=").List(x, jen.True())
		}
		cases = append(cases, jen.Case(jen.Lit(fd.key)).Block(
			c.readEntry(fd.shape, jen.Id("d"), assign, func(err jen.Code) jen.Code { return jen.Return(err) }),
		))
	}
	doc(f, "decodeEntry reads the entry at d into the field with that key. Unknown keys are left for the decoder to skip: they belong to fields removed since the cookie was written.")
	body := []jen.Code{}
	if len(cases) > 0 {
		body = append(body, jen.Switch(jen.String().Parens(jen.Id("key"))).Block(cases...))
	}
	body = append(body, jen.Return(jen.Nil()))
	f.Func().Params(recv()).Id("decodeEntry").Params(
		jen.Id("key").Index().Byte(), jen.Id("d").Op("*").Qual(wirePath, "Decoder"),
	).Error().Block(body...)
	c.emitHelpers(f)

	emitFlaskCodec(f, m, c)

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
		f.Func().Params(recv()).Id("copyFrom").Params(jen.Id("src").Op("*").Id(m.sessionType)).Block(copyBody...)
		c.emitHelpers(f)
	}

	doc(f, "empty reports whether no field holds a value.")
	f.Func().Params(recv()).Id("empty").Params().Bool().Block(
		jen.Return(jen.Id("s").Dot("has").Op("==").Index(jen.Lit(len(m.fields))).Bool().Values()),
	)

	fields := jen.Dict{
		jen.Id("Name"): jen.Lit(m.name),
		jen.Id("State"): jen.Func().Params(recv()).Op("*").Qual(implPath, "State").Block(
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

func convertTo(basic string, v jen.Code) *jen.Statement {
	if basic == "[]byte" {
		return jen.Index().Byte().Parens(v)
	}
	return jen.Id(basic).Parens(v)
}
