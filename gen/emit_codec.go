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

var scalarWires = map[Kind]scalarWire{
	KindBool:   {"Bool", "BoolValue", "Bools", "TypeBool", "bool", "ReadBool", true},
	KindInt:    {"Int", "IntValue", "Ints", "TypeInt", "int64", "ReadInt", true},
	KindUint:   {"Uint", "UintValue", "Uints", "TypeUint", "uint64", "ReadUint", true},
	KindFloat:  {"Float", "FloatValue", "Floats", "TypeFloat", "float64", "ReadFloat", true},
	KindString: {"String", "StringValue", "Strings", "TypeBytes", "string", "ReadString", true},
	KindBytes:  {"Bytes", "BytesValue", "ByteSlices", "TypeBytes", "[]byte", "ReadBytes", true},
	KindTime:   {"Time", "TimeValue", "Times", "TypeTime", "", "ReadTime", false},
}

// codec emits the encoders, decoders and deep copies of one model, one
// helper function per composite type, each emitted once.
type codec struct {
	f       *jen.File
	m       *Model
	prefix  string            // visitor, for visitorWriteAddress
	stems   map[string]string // type -> the stem of its helpers' names
	used    map[string]bool   // stems taken
	emitted map[string]bool   // helper names emitted
	anon    int
}

func newCodec(f *jen.File, m *Model) *codec {
	return &codec{f: f, m: m, prefix: lowerFirst(m.Name), stems: map[string]string{}, used: map[string]bool{}, emitted: map[string]bool{}}
}

func wireQual(name string) *jen.Statement { return jen.Qual(wirePath, name) }

// valueType is the wire type a value writer writes for the shape.
func valueType(sh *Shape) *jen.Statement {
	switch sh.Kind {
	case ShapeScalar:
		return wireQual(scalarWires[sh.Scalar].wireType)
	case ShapeByteArray, ShapeText, ShapeJSON:
		return wireQual("TypeBytes")
	case ShapeSlice, ShapeArray:
		return wireQual("TypeList")
	}
	return wireQual("TypeGroup") // map, struct, pointer
}

// stem names the helpers of a shape's type: Address, SliceOfItem,
// MapOfStringToInt. Distinct types get distinct stems.
func (c *codec) stem(sh *Shape) string {
	key := types.TypeString(sh.Type, nil)
	if s, ok := c.stems[key]; ok {
		return s
	}
	s := c.describe(sh.Type)
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

// helper returns the name of a helper, and whether it still has to be
// emitted (the caller emits it, once).
func (c *codec) helper(kind string, sh *Shape) (string, bool) {
	name := c.prefix + kind + c.stem(sh)
	if c.emitted[name] {
		return name, false
	}
	c.emitted[name] = true
	return name, true
}

// writeValue returns the statements writing v, a value of the shape, as a
// bare value (a list element, a map value, a group entry's value).
func (c *codec) writeValue(sh *Shape, v jen.Code) jen.Code {
	if sh.Kind == ShapeScalar {
		w := scalarWires[sh.Scalar]
		if w.basic != "" && typeString(sh.Type) != w.basic {
			v = convertTo(w.basic, v)
		}
		return jen.Id("e").Dot(w.value).Call(v)
	}
	name := c.writer(sh)
	return jen.If(jen.Err().Op(":=").Id(name).Call(jen.Id("e"), v), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
}

// writeEntry returns the statements writing v as an entry under key. A nil
// pointer writes nothing: the entry is absent.
func (c *codec) writeEntry(sh *Shape, key string, v *jen.Statement) jen.Code {
	switch sh.Kind {
	case ShapeScalar:
		w := scalarWires[sh.Scalar]
		var arg jen.Code = v.Clone()
		if w.basic != "" && typeString(sh.Type) != w.basic {
			arg = convertTo(w.basic, v.Clone())
		}
		return jen.Id("e").Dot(w.entry).Call(jen.Lit(key), arg)
	case ShapeSlice:
		if sh.Elem.Kind == ShapeScalar {
			return wireQual(scalarWires[sh.Elem.Scalar].slice).Call(jen.Id("e"), jen.Lit(key), v.Clone())
		}
	case ShapePointer:
		return jen.If(v.Clone().Op("!=").Nil()).Block(
			jen.Id("e").Dot("Key").Call(jen.Lit(key), valueType(sh.Elem)),
			c.writeValue(sh.Elem, jen.Op("*").Add(v.Clone())),
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
func (c *codec) readFunc(sh *Shape) *jen.Statement {
	if sh.Kind == ShapeScalar {
		w := scalarWires[sh.Scalar]
		if w.generic {
			return wireQual(w.read).Index(typeCode(sh.Type))
		}
		return wireQual(w.read)
	}
	return jen.Id(c.reader(sh))
}

// readEntry returns the statements reading the value at dec and handing
// it to assign; on failure they run fail(err).
func (c *codec) readEntry(sh *Shape, dec jen.Code, assign func(value jen.Code) jen.Code, fail func(err jen.Code) jen.Code) jen.Code {
	var call jen.Code
	var value jen.Code = jen.Id("x")
	switch {
	case sh.Kind == ShapePointer: // an entry holds the pointer's target; absent is nil
		call = c.readFunc(sh.Elem).Call(dec)
		value = jen.Op("&").Id("x")
	case sh.Kind == ShapeSlice && sh.Elem.Kind == ShapeScalar && types.Identical(sh.Type.Underlying(), sh.Type):
		call = wireQual("Slice").Call(dec, valueType(sh.Elem), c.readFunc(sh.Elem))
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
func (c *codec) cloneExpr(sh *Shape, v jen.Code) jen.Code {
	if !sh.hasRefs() {
		return v
	}
	if sh.Kind == ShapeScalar { // []byte
		return jen.Qual("slices", "Clone").Call(v)
	}
	if (sh.Kind == ShapeSlice || sh.Kind == ShapeMap) && !sh.Elem.hasRefs() {
		pkg := "slices"
		if sh.Kind == ShapeMap {
			pkg = "maps"
		}
		return jen.Qual(pkg, "Clone").Call(v)
	}
	return jen.Id(c.cloner(sh)).Call(v)
}

// writer emits (once) and names the helper writing a composite value.
func (c *codec) writer(sh *Shape) string {
	name, todo := c.helper("Write", sh)
	if !todo {
		return name
	}
	var body []jen.Code
	v := jen.Id("v")
	switch sh.Kind {
	case ShapeByteArray:
		body = append(body, jen.Id("e").Dot("BytesValue").Call(jen.Id("v").Index(jen.Op(":"))))
	case ShapeText, ShapeJSON:
		method := "MarshalText"
		if sh.Kind == ShapeJSON {
			method = "MarshalJSON"
		}
		body = append(body,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("v").Dot(method).Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Id("e").Dot("BytesValue").Call(jen.Id("b")),
		)
	case ShapeSlice, ShapeArray:
		body = append(body,
			jen.Id("mark").Op(":=").Id("e").Dot("ListValue").Call(valueType(sh.Elem), jen.Len(v)),
			jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Add(v)).Block(c.writeValue(sh.Elem, jen.Id("x"))),
			jen.Id("e").Dot("EndList").Call(jen.Id("mark")),
		)
	case ShapeMap:
		body = append(body,
			jen.Comment("Keys in order: the same session always makes the same cookie."),
			jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call(),
			jen.For(jen.List(jen.Id("_"), jen.Id("k")).Op(":=").Range().Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(v))).Block(
				jen.Id("e").Dot("Key").Call(jen.String().Parens(jen.Id("k")), valueType(sh.Elem)),
				c.writeValue(sh.Elem, jen.Id("v").Index(jen.Id("k"))),
			),
			jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")),
		)
	case ShapeStruct:
		body = append(body, jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call())
		for _, fd := range sh.Fields {
			body = append(body, c.writeEntry(fd.Shape, fd.Key, jen.Id("v").Dot(fd.Path)))
		}
		body = append(body, jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")))
	case ShapePointer:
		body = append(body,
			jen.Comment("A group holding one entry, or none for nil."),
			jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call(),
			jen.If(jen.Id("v").Op("!=").Nil()).Block(
				jen.Id("e").Dot("Key").Call(jen.Lit(""), valueType(sh.Elem)),
				c.writeValue(sh.Elem, jen.Op("*").Id("v")),
			),
			jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")),
		)
	}
	body = append(body, jen.Return(jen.Nil()))
	doc(c.f, "%s writes a %s.", name, typeString(sh.Type))
	c.f.Func().Id(name).Params(jen.Id("e").Op("*").Qual(wirePath, "Encoder"), jen.Id("v").Add(typeCode(sh.Type))).Error().Block(body...)
	return name
}

// mismatch returns a wire mismatch error with a message.
func mismatch(format string, args ...jen.Code) jen.Code {
	return wireQual("Mismatch").Call(append([]jen.Code{jen.Lit(format)}, args...)...)
}

// reader emits (once) and names the helper reading a composite value.
func (c *codec) reader(sh *Shape) string {
	name, todo := c.helper("Read", sh)
	if !todo {
		return name
	}
	t := typeCode(sh.Type)
	declare := jen.Var().Id("v").Add(t.Clone())
	var body []jen.Code
	failV := func(err jen.Code) jen.Code { return jen.Return(jen.Id("v"), err) }
	switch sh.Kind {
	case ShapeByteArray:
		body = append(body, declare,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("d").Dot("Bytes").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Len(jen.Id("b")).Op("!=").Len(jen.Id("v"))).Block(failV(mismatch("%d bytes for an array of %d", jen.Len(jen.Id("b")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("b")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case ShapeText, ShapeJSON:
		method := "UnmarshalText"
		if sh.Kind == ShapeJSON {
			method = "UnmarshalJSON"
		}
		body = append(body, declare,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("d").Dot("Bytes").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Err().Op(":=").Id("v").Dot(method).Call(jen.Id("b")), jen.Err().Op("!=").Nil()).Block(failV(mismatch("%v", jen.Err()))),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case ShapeSlice:
		call := wireQual("Slice").Call(jen.Id("d"), valueType(sh.Elem), c.readFunc(sh.Elem))
		if types.Identical(sh.Type.Underlying(), sh.Type) {
			body = append(body, jen.Return(call))
		} else {
			body = append(body,
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call),
				jen.Return(t.Clone().Parens(jen.Id("x")), jen.Err()),
			)
		}
	case ShapeArray:
		body = append(body, declare,
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(wireQual("Slice").Call(jen.Id("d"), valueType(sh.Elem), c.readFunc(sh.Elem))),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Len(jen.Id("x")).Op("!=").Len(jen.Id("v"))).Block(failV(mismatch("%d values for an array of %d", jen.Len(jen.Id("x")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("x")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case ShapeMap:
		key := typeCode(sh.Type.Underlying().(*types.Map).Key())
		body = append(body, declare,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.For(jen.Id("g").Dot("Next").Call()).Block(
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(c.readFunc(sh.Elem)).Call(jen.Op("&").Id("g")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Id("v").Op("=").Make(t.Clone())),
				jen.Id("v").Index(key.Parens(jen.Id("g").Dot("Key").Call())).Op("=").Id("x"),
			),
			jen.Return(jen.Id("v"), jen.Id("g").Dot("Err").Call()),
		)
	case ShapeStruct:
		var cases []jen.Code
		for _, fd := range sh.Fields {
			cases = append(cases, jen.Case(jen.Lit(fd.Key)).Block(
				c.readEntry(fd.Shape, jen.Op("&").Id("g"), func(x jen.Code) jen.Code { return jen.Id("v").Dot(fd.Path).Op("=").Add(x) }, failV),
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
	case ShapePointer:
		body = append(body,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
			jen.If(jen.Err().Op("!=").Nil().Op("||").Op("!").Id("g").Dot("Next").Call()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(c.readFunc(sh.Elem)).Call(jen.Op("&").Id("g")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Op("&").Id("x"), jen.Nil()),
		)
	}
	doc(c.f, "%s reads a %s.", name, typeString(sh.Type))
	c.f.Func().Id(name).Params(jen.Id("d").Op("*").Qual(wirePath, "Decoder")).Params(t.Clone(), jen.Error()).Block(body...)
	return name
}

// cloner emits (once) and names the helper deep-copying a value.
func (c *codec) cloner(sh *Shape) string {
	name, todo := c.helper("Clone", sh)
	if !todo {
		return name
	}
	t := typeCode(sh.Type)
	var body []jen.Code
	switch sh.Kind {
	case ShapeSlice:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Id("out").Op(":=").Make(t.Clone(), jen.Len(jen.Id("v"))),
			jen.For(jen.List(jen.Id("i"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				jen.Id("out").Index(jen.Id("i")).Op("=").Add(c.cloneExpr(sh.Elem, jen.Id("x"))),
			),
			jen.Return(jen.Id("out")),
		)
	case ShapeMap:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Id("out").Op(":=").Make(t.Clone(), jen.Len(jen.Id("v"))),
			jen.For(jen.List(jen.Id("k"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				jen.Id("out").Index(jen.Id("k")).Op("=").Add(c.cloneExpr(sh.Elem, jen.Id("x"))),
			),
			jen.Return(jen.Id("out")),
		)
	case ShapeArray:
		body = append(body,
			jen.For(jen.List(jen.Id("i"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				jen.Id("v").Index(jen.Id("i")).Op("=").Add(c.cloneExpr(sh.Elem, jen.Id("x"))),
			),
			jen.Return(jen.Id("v")),
		)
	case ShapePointer:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Id("x").Op(":=").Add(c.cloneExpr(sh.Elem, jen.Op("*").Id("v"))),
			jen.Return(jen.Op("&").Id("x")),
		)
	case ShapeStruct:
		for _, fd := range sh.Fields {
			if fd.Shape.hasRefs() {
				body = append(body, jen.Id("v").Dot(fd.Path).Op("=").Add(c.cloneExpr(fd.Shape, jen.Id("v").Dot(fd.Path))))
			}
		}
		body = append(body, jen.Return(jen.Id("v")))
	}
	doc(c.f, "%s returns a deep copy of v.", name)
	c.f.Func().Id(name).Params(jen.Id("v").Add(t.Clone())).Add(t.Clone()).Block(body...)
	return name
}

// emitCodec emits the session's encoder and decoder, the helpers they
// call, and the Codec that hands them to the runtime.
func emitCodec(f *jen.File, m *Model, c *codec) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.Session) }

	var enc []jen.Code
	for _, fd := range m.Fields {
		enc = append(enc, jen.If(jen.Id("s").Dot("has").Index(jen.Lit(fd.Index))).Block(c.writeEntry(fd.Shape, fd.Key, jen.Id("s").Dot("data").Dot(fd.Path))))
	}
	enc = append(enc, jen.Return(jen.Nil()))
	doc(f, "encode writes each present field as an entry keyed by its session key.")
	f.Func().Params(recv()).Id("encode").Params(jen.Id("e").Op("*").Qual(wirePath, "Encoder")).Error().Block(enc...)

	var cases []jen.Code
	for _, fd := range m.Fields {
		assign := func(x jen.Code) jen.Code {
			return jen.List(jen.Id("s").Dot("data").Dot(fd.Path), jen.Id("s").Dot("has").Index(jen.Lit(fd.Index))).Op("=").List(x, jen.True())
		}
		cases = append(cases, jen.Case(jen.Lit(fd.Key)).Block(
			c.readEntry(fd.Shape, jen.Id("d"), assign, func(err jen.Code) jen.Code { return jen.Return(err) }),
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

	// copyFrom lets the runtime keep verified cookies decoded; it is left
	// out when a field could share memory through a copy.
	copyable := true
	for _, fd := range m.Fields {
		copyable = copyable && !fd.Shape.opaqueRefs()
	}
	if copyable {
		copyBody := []jen.Code{
			jen.List(jen.Id("s").Dot("data"), jen.Id("s").Dot("has")).Op("=").List(jen.Id("src").Dot("data"), jen.Id("src").Dot("has")),
		}
		for _, fd := range m.Fields {
			if fd.Shape.hasRefs() {
				copyBody = append(copyBody, jen.Id("s").Dot("data").Dot(fd.Path).Op("=").Add(c.cloneExpr(fd.Shape, jen.Id("src").Dot("data").Dot(fd.Path))))
			}
		}
		doc(f, "copyFrom sets the fields and their presence to src's, sharing no memory with it. The state is left alone.")
		f.Func().Params(recv()).Id("copyFrom").Params(jen.Id("src").Op("*").Id(m.Session)).Block(copyBody...)
	}

	doc(f, "empty reports whether no field holds a value.")
	f.Func().Params(recv()).Id("empty").Params().Bool().Block(
		jen.Return(jen.Id("s").Dot("has").Op("==").Index(jen.Lit(len(m.Fields))).Bool().Values()),
	)

	fields := jen.Dict{
		jen.Id("Name"): jen.Lit(m.Name),
		jen.Id("State"): jen.Func().Params(recv()).Op("*").Qual(runtimePath, "State").Block(
			jen.Return(jen.Op("&").Id("s").Dot("state")),
		),
		jen.Id("Empty"):       jen.Parens(jen.Op("*").Id(m.Session)).Dot("empty"),
		jen.Id("Encode"):      jen.Parens(jen.Op("*").Id(m.Session)).Dot("encode"),
		jen.Id("DecodeEntry"): jen.Parens(jen.Op("*").Id(m.Session)).Dot("decodeEntry"),
	}
	if copyable {
		fields[jen.Id("Copy")] = jen.Parens(jen.Op("*").Id(m.Session)).Dot("copyFrom")
		doc(f, "%s binds %s to the runtime.", m.CodecVar, m.Session)
	} else {
		doc(f, "%s binds %s to the runtime. It has no Copy: a field's type marshals itself and may share memory with a copy, so the runtime verifies and decodes the cookie on every request instead of remembering it.", m.CodecVar, m.Session)
	}
	f.Var().Id(m.CodecVar).Op("=").Qual(runtimePath, "Codec").Index(jen.Id(m.Session)).Values(fields)
}

func convertTo(basic string, v jen.Code) *jen.Statement {
	if basic == "[]byte" {
		return jen.Index().Byte().Parens(v)
	}
	return jen.Id(basic).Parens(v)
}
