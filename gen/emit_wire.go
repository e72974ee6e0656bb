package gen

import (
	"github.com/dave/jennifer/jen"
)

// wireEncoding is sessiongen's own cookie format, written and read through
// runtime/wire: each field an entry keyed by its session key and tagged
// with its wire type; a struct, a map and a pointer a group of entries, a
// slice and an array a list of values.
type wireEncoding struct{}

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

func (wireEncoding) names() formatNames { return formatNames{pkg: wirePath} }

func (wireEncoding) decoder() *jen.Statement { return jen.Op("*").Qual(wirePath, "Decoder") }

func (wireEncoding) order(fields []*field) []*field { return fields }

func (wireEncoding) key(name jen.Code, sh *shape) jen.Code {
	return jen.Id("e").Dot("Key").Call(name, valueType(sh))
}

func (wireEncoding) writeWhole(sh *shape) []jen.Code {
	if sh.kind == shapeByteArray {
		return []jen.Code{jen.Id("e").Dot("BytesValue").Call(jen.Id("v").Index(jen.Op(":")))}
	}
	method := "MarshalText"
	if sh.kind == shapeJSON {
		method = "MarshalJSON"
	}
	return []jen.Code{
		jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("v").Dot(method).Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Id("e").Dot("BytesValue").Call(jen.Id("b")),
	}
}

func (wireEncoding) writeList(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code {
	return []jen.Code{
		jen.Id("mark").Op(":=").Id("e").Dot("ListValue").Call(valueType(sh.elem), jen.Len(jen.Id("v"))),
		jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("v")).Block(elem(jen.Id("x"))),
		jen.Id("e").Dot("EndList").Call(jen.Id("mark")),
	}
}

func (enc wireEncoding) writeMap(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code {
	return []jen.Code{
		jen.Comment("Keys in order: the same session always makes the same cookie."),
		jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call(),
		jen.For(jen.List(jen.Id("_"), jen.Id("k")).Op(":=").Range().Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(jen.Id("v")))).Block(
			enc.key(jen.String().Parens(jen.Id("k")), sh.elem),
			elem(jen.Id("v").Index(jen.Id("k"))),
		),
		jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")),
	}
}

func (wireEncoding) writeStruct(entries []jen.Code) []jen.Code {
	body := []jen.Code{jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call()}
	body = append(body, entries...)
	return append(body, jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")))
}

func (enc wireEncoding) writePointer(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code {
	return []jen.Code{
		jen.Comment("A group holding one entry, or none for nil."),
		jen.Id("mark").Op(":=").Id("e").Dot("GroupValue").Call(),
		jen.If(jen.Id("v").Op("!=").Nil()).Block(
			enc.key(jen.Lit(""), sh.elem),
			elem(jen.Op("*").Id("v")),
		),
		jen.Id("e").Dot("EndGroup").Call(jen.Id("mark")),
	}
}

func (wireEncoding) slice(dec jen.Code, elem *shape, read jen.Code) *jen.Statement {
	return wireQual("Slice").Call(dec, valueType(elem), read)
}

func (wireEncoding) readWhole(sh *shape) []jen.Code {
	bytes := []jen.Code{
		varV(sh),
		jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("d").Dot("Bytes").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
	}
	if sh.kind == shapeByteArray {
		return append(bytes,
			jen.If(jen.Len(jen.Id("b")).Op("!=").Len(jen.Id("v"))).Block(returnV(mismatch("%d bytes for an array of %d", jen.Len(jen.Id("b")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("b")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	}
	method := "UnmarshalText"
	if sh.kind == shapeJSON {
		method = "UnmarshalJSON"
	}
	return append(bytes,
		jen.If(jen.Err().Op(":=").Id("v").Dot(method).Call(jen.Id("b")), jen.Err().Op("!=").Nil()).Block(returnV(mismatch("%v", jen.Err()))),
		jen.Return(jen.Id("v"), jen.Nil()),
	)
}

func (wireEncoding) readMap(sh *shape, read jen.Code) []jen.Code {
	return []jen.Code{
		varV(sh),
		jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
		jen.For(jen.Id("g").Dot("Next").Call()).Block(
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(read).Call(jen.Op("&").Id("g")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Id("v").Op("=").Make(typeCode(sh.typ))),
			jen.Id("v").Index(typeCode(mapKeyType(sh)).Parens(jen.Id("g").Dot("Key").Call())).Op("=").Id("x"),
		),
		jen.Return(jen.Id("v"), jen.Id("g").Dot("Err").Call()),
	}
}

func (wireEncoding) readStruct(sh *shape, cases func(member *jen.Statement) []jen.Code) []jen.Code {
	cs := cases(jen.Op("&").Id("g"))
	body := []jen.Code{
		varV(sh),
		jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
	}
	if len(cs) > 0 {
		body = append(body, jen.For(jen.Id("g").Dot("Next").Call()).Block(
			jen.Switch(jen.String().Parens(jen.Id("g").Dot("Key").Call())).Block(cs...),
		))
	}
	return append(body, jen.Return(jen.Id("v"), jen.Id("g").Dot("Err").Call()))
}

func (wireEncoding) readPointer(read jen.Code) []jen.Code {
	return []jen.Code{
		jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Group").Call(),
		jen.If(jen.Err().Op("!=").Nil().Op("||").Op("!").Id("g").Dot("Next").Call()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(read).Call(jen.Op("&").Id("g")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id("x"), jen.Nil()),
	}
}

// pointerEntry reads the target as it comes: the entry of a nil pointer is
// absent.
func (wireEncoding) pointerEntry(dec *jen.Statement, read jen.Code) jen.Code { return read }

func (wireEncoding) encodeSession(f *jen.File, m *model, entries []jen.Code) {
	doc(f, "encode writes each present field as an entry keyed by its session key.")
	f.Func().Params(sessionRecv(m)).Id("encode").Params(jen.Id("e").Op("*").Qual(wirePath, "Encoder")).Error().Block(append(entries, jen.Return(jen.Nil()))...)
}

func (wireEncoding) decodeSession(f *jen.File, m *model, cases []jen.Code) {
	doc(f, "decodeEntry reads the entry at d into the field with that key. Unknown keys are left for the decoder to skip: they belong to fields removed since the cookie was written.")
	var body []jen.Code
	if len(cases) > 0 {
		body = append(body, jen.Switch(jen.String().Parens(jen.Id("key"))).Block(cases...))
	}
	body = append(body, jen.Return(jen.Nil()))
	f.Func().Params(sessionRecv(m)).Id("decodeEntry").Params(
		jen.Id("key").Index().Byte(), jen.Id("d").Op("*").Qual(wirePath, "Decoder"),
	).Error().Block(body...)
}
