package gen

import (
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"
)

// The Flask format: each field a member of one object in Flask's tagged
// JSON, written and read through runtime/flaskjson, whose encoder and
// readers are named as runtime/wire's (scalarWires' entry, value, slice and
// read names serve both). How Go types map to Flask's is flaskjson's
// package doc; the choices that are the generator's:
//
//   - a [16]byte whose type's name ends in "UUID" (uuid.UUID, UserUUID) is
//     written as Flask's UUID, " u", from its bytes, even when the type
//     marshals itself; other byte arrays are bytes, " b", and every
//     [16]byte reads either;
//   - time.Duration is an integer of nanoseconds (Flask has none);
//   - a nil pointer is an absent member in a struct or the session, null
//     elsewhere; null reads as nil (absent), so a pointer to a nil pointer
//     reads back as nil.

func flaskQual(name string) *jen.Statement { return jen.Qual(flaskPath, name) }

// flaskUUID tells whether values of t are written as Flask's UUID: a named
// [16]byte whose name ends in UUID.
func flaskUUID(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || !strings.HasSuffix(n.Obj().Name(), "UUID") {
		return false
	}
	a, ok := n.Underlying().(*types.Array)
	if !ok || a.Len() != 16 {
		return false
	}
	b, ok := a.Elem().Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uint8
}

// flaskWriteValue returns the statements writing v, a value of the shape,
// as a bare value: a list element, a map value, a pointer's target.
func (c *codec) flaskWriteValue(sh *shape, v jen.Code) jen.Code {
	if sh.kind == shapeScalar {
		w := scalarWires[sh.scalar]
		if w.basic != "" && typeString(sh.typ) != w.basic {
			v = convertTo(w.basic, v)
		}
		return jen.Id("e").Dot(w.value).Call(v)
	}
	name := c.flaskWriter(sh)
	return jen.If(jen.Err().Op(":=").Id(name).Call(jen.Id("e"), v), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
}

// flaskWriteEntry returns the statements writing v as the member key. A
// nil pointer writes nothing: the member is absent.
func (c *codec) flaskWriteEntry(sh *shape, key string, v *jen.Statement) jen.Code {
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
			return flaskQual(scalarWires[sh.elem.scalar].slice).Call(jen.Id("e"), jen.Lit(key), v.Clone())
		}
	case shapePointer:
		return jen.If(v.Clone().Op("!=").Nil()).Block(
			jen.Id("e").Dot("Key").Call(jen.Lit(key)),
			c.flaskWriteValue(sh.elem, jen.Op("*").Add(v.Clone())),
		)
	}
	return jen.Null().Add(
		jen.Id("e").Dot("Key").Call(jen.Lit(key)),
		jen.Line(),
		c.flaskWriteValue(sh, v.Clone()),
	)
}

// flaskReadFunc returns a function value reading one value of the shape:
// a generic reader of flaskjson, or a generated helper.
func (c *codec) flaskReadFunc(sh *shape) *jen.Statement {
	if sh.kind == shapeScalar {
		w := scalarWires[sh.scalar]
		if w.generic {
			return flaskQual(w.read).Index(typeCode(sh.typ))
		}
		return flaskQual(w.read)
	}
	return jen.Id(c.flaskReader(sh))
}

// flaskReadEntry returns the statements reading the member value dec and
// handing it to assign; on failure they run fail(err). A pointer member
// that is null is left absent.
func (c *codec) flaskReadEntry(sh *shape, dec *jen.Statement, assign func(value jen.Code) jen.Code, fail func(err jen.Code) jen.Code) jen.Code {
	read := func(call, value jen.Code) jen.Code {
		return jen.Null().Add(
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call), jen.Line(),
			jen.If(jen.Err().Op("!=").Nil()).Block(fail(jen.Err())), jen.Line(),
			assign(value),
		)
	}
	switch {
	case sh.kind == shapePointer:
		return jen.If(jen.Op("!").Add(dec.Clone()).Dot("IsNull").Call()).Block(
			read(c.flaskReadFunc(sh.elem).Call(dec.Clone()), jen.Op("&").Id("x")),
		)
	case sh.kind == shapeSlice && sh.elem.kind == shapeScalar && types.Identical(sh.typ.Underlying(), sh.typ):
		return read(flaskQual("Slice").Call(dec.Clone(), c.flaskReadFunc(sh.elem)), jen.Id("x"))
	}
	return read(c.flaskReadFunc(sh).Call(dec.Clone()), jen.Id("x"))
}

// flaskWriter emits (once) and names the helper writing a composite value
// in Flask's tagged JSON.
func (c *codec) flaskWriter(sh *shape) string {
	name, decl := c.helper("WriteFlask", sh)
	if decl == nil {
		return name
	}
	v := jen.Id("v")
	var body []jen.Code
	switch {
	case flaskUUID(sh.typ):
		body = append(body, jen.Id("e").Dot("UUIDValue").Call(jen.Index(jen.Lit(16)).Byte().Parens(v)))
	case sh.kind == shapeByteArray:
		body = append(body, jen.Id("e").Dot("BytesValue").Call(jen.Id("v").Index(jen.Op(":"))))
	case sh.kind == shapeText || sh.kind == shapeJSON:
		marshal, write := "MarshalText", jen.Id("e").Dot("StringValue").Call(jen.String().Parens(jen.Id("b")))
		if sh.kind == shapeJSON {
			marshal, write = "MarshalJSON", jen.Id("e").Dot("JSONValue").Call(jen.Id("b"))
		}
		body = append(body,
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("v").Dot(marshal).Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			write,
		)
	case sh.kind == shapeSlice || sh.kind == shapeArray:
		body = append(body,
			jen.Id("e").Dot("BeginList").Call(),
			jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Add(v)).Block(c.flaskWriteValue(sh.elem, jen.Id("x"))),
			jen.Id("e").Dot("EndList").Call(),
		)
	case sh.kind == shapeMap:
		body = append(body,
			jen.Comment("EndObject puts the keys in order, as Flask does."),
			jen.Id("e").Dot("BeginObject").Call(),
			jen.For(jen.List(jen.Id("k"), jen.Id("x")).Op(":=").Range().Add(v)).Block(
				jen.Id("e").Dot("Key").Call(c.asString(sh.typ, jen.Id("k"))),
				c.flaskWriteValue(sh.elem, jen.Id("x")),
			),
			jen.Id("e").Dot("EndObject").Call(),
		)
	case sh.kind == shapeStruct:
		body = append(body, jen.Id("e").Dot("BeginObject").Call())
		for _, fd := range sh.fields {
			body = append(body, c.flaskWriteEntry(fd.shape, fd.key, jen.Id("v").Dot(fd.path)))
		}
		body = append(body, jen.Id("e").Dot("EndObject").Call())
	case sh.kind == shapePointer:
		body = append(body,
			jen.If(jen.Id("v").Op("==").Nil()).Block(
				jen.Id("e").Dot("Null").Call(),
				jen.Return(jen.Nil()),
			),
			c.flaskWriteValue(sh.elem, jen.Op("*").Id("v")),
		)
	}
	body = append(body, jen.Return(jen.Nil()))
	decl.code = append(docCode("%s writes %s in Flask's tagged JSON.", name, withArticle(c.typeName(sh.typ))),
		jen.Func().Id(name).Params(jen.Id("e").Op("*").Qual(flaskPath, "Encoder"), jen.Id("v").Add(typeCode(sh.typ))).Error().Block(body...))
	return name
}

// flaskReader emits (once) and names the helper reading a composite value
// from Flask's tagged JSON.
func (c *codec) flaskReader(sh *shape) string {
	name, decl := c.helper("ReadFlask", sh)
	if decl == nil {
		return name
	}
	t := typeCode(sh.typ)
	declare := jen.Var().Id("v").Add(t.Clone())
	failV := func(err jen.Code) jen.Code { return jen.Return(jen.Id("v"), err) }
	d := func() *jen.Statement { return jen.Id("d") }
	unmarshal := func(method string, arg jen.Code) []jen.Code {
		return []jen.Code{
			jen.If(jen.Err().Op(":=").Id("v").Dot(method).Call(arg), jen.Err().Op("!=").Nil()).Block(failV(mismatch("%v", jen.Err()))),
			jen.Return(jen.Id("v"), jen.Nil()),
		}
	}
	var body []jen.Code
	switch {
	case sh.kind == shapeByteArray:
		body = append(body, declare, jen.Err().Op(":=").Add(d()).Dot("ByteArray").Call(jen.Id("v").Index(jen.Op(":"))), jen.Return(jen.Id("v"), jen.Err()))
	case sh.kind == shapeText || sh.kind == shapeJSON:
		body = append(body, declare)
		if flaskUUID(sh.typ) {
			body = append(body,
				jen.If(jen.Id("k").Op(":=").Add(d()).Dot("Kind").Call(), jen.Id("k").Op("==").Add(flaskQual("UUID")).Op("||").Id("k").Op("==").Add(flaskQual("Bytes"))).Block(
					jen.Err().Op(":=").Add(d()).Dot("ByteArray").Call(jen.Id("v").Index(jen.Op(":"))),
					jen.Return(jen.Id("v"), jen.Err()),
				),
			)
		}
		if sh.kind == shapeText {
			body = append(body,
				jen.List(jen.Id("b"), jen.Err()).Op(":=").Add(d()).Dot("String").Call(),
				jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			)
			body = append(body, unmarshal("UnmarshalText", jen.Index().Byte().Parens(jen.Id("b")))...)
		} else {
			body = append(body, unmarshal("UnmarshalJSON", d().Dot("AppendJSON").Call(jen.Nil()))...)
		}
	case sh.kind == shapeSlice:
		call := flaskQual("Slice").Call(d(), c.flaskReadFunc(sh.elem))
		if types.Identical(sh.typ.Underlying(), sh.typ) {
			body = append(body, jen.Return(call))
		} else {
			body = append(body,
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call),
				jen.Return(t.Clone().Parens(jen.Id("x")), jen.Err()),
			)
		}
	case sh.kind == shapeArray:
		body = append(body, declare,
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(flaskQual("Slice").Call(d(), c.flaskReadFunc(sh.elem))),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.If(jen.Len(jen.Id("x")).Op("!=").Len(jen.Id("v"))).Block(failV(mismatch("%d values for an array of %d", jen.Len(jen.Id("x")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("x")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case sh.kind == shapeMap:
		body = append(body, declare,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Add(d()).Dot("Members").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
			jen.For(jen.Id("g").Dot("Next").Call()).Block(
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(c.flaskReadFunc(sh.elem)).Call(jen.Id("g").Dot("Value").Call()),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Id("v").Op("=").Make(t.Clone(), d().Dot("Len").Call())),
				jen.Id("v").Index(c.mapKey(sh.typ, jen.Id("g").Dot("Key").Call())).Op("=").Id("x"),
			),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case sh.kind == shapeStruct:
		var cases []jen.Code
		for _, fd := range sh.fields {
			cases = append(cases, jen.Case(jen.Lit(fd.key)).Block(
				c.flaskReadEntry(fd.shape, jen.Id("g").Dot("Value").Call(), func(x jen.Code) jen.Code { return jen.Id("v").Dot(fd.path).Op("=").Add(x) }, failV),
			))
		}
		body = append(body, declare,
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Add(d()).Dot("Members").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(failV(jen.Err())),
		)
		if len(cases) > 0 {
			body = append(body, jen.For(jen.Id("g").Dot("Next").Call()).Block(
				jen.Switch(jen.Id("g").Dot("Key").Call()).Block(cases...),
			))
		}
		body = append(body, jen.Return(jen.Id("v"), jen.Nil()))
	case sh.kind == shapePointer:
		body = append(body,
			jen.If(d().Dot("IsNull").Call()).Block(jen.Return(jen.Nil(), jen.Nil())),
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(c.flaskReadFunc(sh.elem)).Call(d()),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Op("&").Id("x"), jen.Nil()),
		)
	}
	decl.code = append(docCode("%s reads %s from Flask's tagged JSON.", name, withArticle(c.typeName(sh.typ))),
		jen.Func().Id(name).Params(jen.Id("d").Qual(flaskPath, "Value")).Params(t.Clone(), jen.Error()).Block(body...))
	return name
}

// asString converts k, a key of the map type t, to a string, unless it is
// one.
func (c *codec) asString(t types.Type, k jen.Code) jen.Code {
	if key := t.Underlying().(*types.Map).Key(); !types.Identical(key, types.Typ[types.String]) {
		return jen.String().Parens(k)
	}
	return k
}

// mapKey converts s, a string, to the key type of the map type t.
func (c *codec) mapKey(t types.Type, s jen.Code) jen.Code {
	if key := t.Underlying().(*types.Map).Key(); !types.Identical(key, types.Typ[types.String]) {
		return typeCode(key).Parens(s)
	}
	return s
}

// emitFlaskCodec emits the session's encoder and decoder for the Flask
// format, each followed by the helpers it calls.
func emitFlaskCodec(f *jen.File, m *model, c *codec) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.sessionType) }

	var enc []jen.Code
	for _, fd := range m.fields {
		enc = append(enc, jen.If(jen.Id("s").Dot("has").Index(jen.Lit(fd.index))).Block(c.flaskWriteEntry(fd.shape, fd.key, jen.Id("s").Dot("data").Dot(fd.path))))
	}
	enc = append(enc, jen.Return(jen.Nil()))
	doc(f, "encodeFlask writes each present field as a member of Flask's session object, keyed by its session key, in Flask's tagged JSON.")
	f.Func().Params(recv()).Id("encodeFlask").Params(jen.Id("e").Op("*").Qual(flaskPath, "Encoder")).Error().Block(enc...)
	c.emitHelpers(f)

	var cases []jen.Code
	for _, fd := range m.fields {
		assign := func(x jen.Code) jen.Code {
			return jen.List(jen.Id("s").Dot("data").Dot(fd.path), jen.Id("s").Dot("has").Index(jen.Lit(fd.index))).Op("=").List(x, jen.True())
		}
		cases = append(cases, jen.Case(jen.Lit(fd.key)).Block(
			c.flaskReadEntry(fd.shape, jen.Id("d"), assign, func(err jen.Code) jen.Code { return jen.Return(err) }),
		))
	}
	doc(f, "decodeFlaskMember reads the member of Flask's session object with that key into the field with that key. Other keys are ignored: they are the Flask app's, or belong to fields removed since the cookie was written.")
	body := []jen.Code{}
	if len(cases) > 0 {
		body = append(body, jen.Switch(jen.Id("key")).Block(cases...))
	}
	body = append(body, jen.Return(jen.Nil()))
	f.Func().Params(recv()).Id("decodeFlaskMember").Params(
		jen.Id("key").String(), jen.Id("d").Qual(flaskPath, "Value"),
	).Error().Block(body...)
	c.emitHelpers(f)
}
