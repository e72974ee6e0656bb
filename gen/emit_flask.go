package gen

import (
	"go/types"
	"slices"
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

// flaskEncoding is the Flask format.
type flaskEncoding struct{}

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

func (flaskEncoding) names() formatNames {
	return formatNames{pkg: flaskPath, helpers: "Flask", in: " in Flask's tagged JSON", from: " from Flask's tagged JSON"}
}

func (flaskEncoding) decoder() *jen.Statement { return flaskQual("Value") }

// order puts the fields in the order Flask sorts their keys, which spares
// the encoder sorting them.
func (flaskEncoding) order(fields []*field) []*field { return byKey(fields) }

func (flaskEncoding) key(name jen.Code, sh *shape) jen.Code { return jen.Id("e").Dot("Key").Call(name) }

func (flaskEncoding) writeWhole(sh *shape) []jen.Code {
	switch {
	case flaskUUID(sh.typ):
		return []jen.Code{jen.Id("e").Dot("UUIDValue").Call(jen.Index(jen.Lit(16)).Byte().Parens(jen.Id("v")))}
	case sh.kind == shapeByteArray:
		return []jen.Code{jen.Id("e").Dot("BytesValue").Call(jen.Id("v").Index(jen.Op(":")))}
	}
	marshal, write := "MarshalText", jen.Id("e").Dot("StringValue").Call(jen.String().Parens(jen.Id("b")))
	if sh.kind == shapeJSON {
		marshal, write = "MarshalJSON", jen.Id("e").Dot("JSONValue").Call(jen.Id("b"))
	}
	return []jen.Code{
		jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("v").Dot(marshal).Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		write,
	}
}

func (flaskEncoding) writeList(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code {
	return []jen.Code{
		jen.Id("e").Dot("BeginList").Call(),
		jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("v")).Block(elem(jen.Id("x"))),
		jen.Id("e").Dot("EndList").Call(),
	}
}

func (enc flaskEncoding) writeMap(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code {
	return []jen.Code{
		jen.Comment("EndObject puts the keys in order, as Flask does."),
		jen.Id("e").Dot("BeginObject").Call(),
		jen.For(jen.List(jen.Id("k"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
			enc.key(asString(sh.typ, jen.Id("k")), sh.elem),
			elem(jen.Id("x")),
		),
		jen.Id("e").Dot("EndObject").Call(),
	}
}

func (flaskEncoding) writeStruct(entries []jen.Code) []jen.Code {
	body := []jen.Code{jen.Id("e").Dot("BeginObject").Call()}
	body = append(body, entries...)
	return append(body, jen.Id("e").Dot("EndObject").Call())
}

func (flaskEncoding) writePointer(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code {
	return []jen.Code{
		jen.If(jen.Id("v").Op("==").Nil()).Block(
			jen.Id("e").Dot("Null").Call(),
			jen.Return(jen.Nil()),
		),
		elem(jen.Op("*").Id("v")),
	}
}

func (flaskEncoding) slice(dec jen.Code, elem *shape, read jen.Code) *jen.Statement {
	return flaskQual("Slice").Call(dec, read)
}

func (flaskEncoding) readWhole(sh *shape) []jen.Code {
	if sh.kind == shapeByteArray {
		return []jen.Code{varV(sh), jen.Err().Op(":=").Id("d").Dot("ByteArray").Call(jen.Id("v").Index(jen.Op(":"))), jen.Return(jen.Id("v"), jen.Err())}
	}
	unmarshal := func(method string, arg jen.Code) []jen.Code {
		return []jen.Code{
			jen.If(jen.Err().Op(":=").Id("v").Dot(method).Call(arg), jen.Err().Op("!=").Nil()).Block(returnV(mismatch("%v", jen.Err()))),
			jen.Return(jen.Id("v"), jen.Nil()),
		}
	}
	body := []jen.Code{varV(sh)}
	if flaskUUID(sh.typ) {
		body = append(body,
			jen.If(jen.Id("k").Op(":=").Id("d").Dot("Kind").Call(), jen.Id("k").Op("==").Add(flaskQual("UUID")).Op("||").Id("k").Op("==").Add(flaskQual("Bytes"))).Block(
				jen.Err().Op(":=").Id("d").Dot("ByteArray").Call(jen.Id("v").Index(jen.Op(":"))),
				jen.Return(jen.Id("v"), jen.Err()),
			),
		)
	}
	if sh.kind == shapeJSON {
		return append(body, unmarshal("UnmarshalJSON", jen.Id("d").Dot("AppendJSON").Call(jen.Nil()))...)
	}
	body = append(body,
		jen.List(jen.Id("b"), jen.Err()).Op(":=").Id("d").Dot("String").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
	)
	return append(body, unmarshal("UnmarshalText", jen.Index().Byte().Parens(jen.Id("b")))...)
}

func (flaskEncoding) readMap(sh *shape, read jen.Code) []jen.Code {
	return []jen.Code{
		varV(sh),
		jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Members").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
		jen.For(jen.Id("g").Dot("Next").Call()).Block(
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(read).Call(jen.Id("g").Dot("Value").Call()),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Id("v").Op("=").Make(typeCode(sh.typ), jen.Id("d").Dot("Len").Call())),
			jen.Id("v").Index(mapKey(sh.typ, jen.Id("g").Dot("Key").Call())).Op("=").Id("x"),
		),
		jen.Return(jen.Id("v"), jen.Nil()),
	}
}

func (flaskEncoding) readStruct(sh *shape, cases func(member *jen.Statement) []jen.Code) []jen.Code {
	cs := cases(jen.Id("g").Dot("Value").Call())
	body := []jen.Code{
		varV(sh),
		jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("d").Dot("Members").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
	}
	if len(cs) > 0 {
		body = append(body, jen.For(jen.Id("g").Dot("Next").Call()).Block(
			jen.Switch(jen.Id("g").Dot("Key").Call()).Block(cs...),
		))
	}
	return append(body, jen.Return(jen.Id("v"), jen.Nil()))
}

func (flaskEncoding) readPointer(read jen.Code) []jen.Code {
	return []jen.Code{
		jen.If(jen.Id("d").Dot("IsNull").Call()).Block(jen.Return(jen.Nil(), jen.Nil())),
		jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(read).Call(jen.Id("d")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id("x"), jen.Nil()),
	}
}

// pointerEntry leaves a pointer absent when its member is null.
func (flaskEncoding) pointerEntry(dec *jen.Statement, read jen.Code) jen.Code {
	return jen.If(jen.Op("!").Add(dec.Clone()).Dot("IsNull").Call()).Block(read)
}

func (flaskEncoding) encodeSession(f *jen.File, m *model, entries []jen.Code) {
	doc(f, "encodeFlask writes each present field as a member of Flask's session object, keyed by its session key, in Flask's tagged JSON. The members come in the order Flask sorts them, which spares the encoder sorting them.")
	f.Func().Params(sessionRecv(m)).Id("encodeFlask").Params(jen.Id("e").Op("*").Qual(flaskPath, "Encoder")).Error().Block(append(entries, jen.Return(jen.Nil()))...)
}

func (flaskEncoding) decodeSession(f *jen.File, m *model, cases []jen.Code) {
	doc(f, "decodeFlaskMember reads the member of Flask's session object with that key into the field with that key. Any other key is the Flask app's, or a field's removed since the cookie was written: it is reported as unknown, and the runtime keeps it as it came.")
	var body []jen.Code
	if len(cases) > 0 {
		cases = append(cases, jen.Default().Block(jen.Return(flaskQual("ErrUnknownMember"))))
		body = append(body, jen.Switch(jen.Id("key")).Block(cases...), jen.Return(jen.Nil()))
	} else {
		body = append(body, jen.Return(flaskQual("ErrUnknownMember")))
	}
	f.Func().Params(sessionRecv(m)).Id("decodeFlaskMember").Params(
		jen.Id("key").String(), jen.Id("d").Qual(flaskPath, "Value"),
	).Error().Block(body...)
}

// asString converts k, a key of the map type t, to a string, unless it is
// one.
func asString(t types.Type, k jen.Code) jen.Code {
	if key := t.Underlying().(*types.Map).Key(); !types.Identical(key, types.Typ[types.String]) {
		return jen.String().Parens(k)
	}
	return k
}

// mapKey converts s, a string, to the key type of the map type t.
func mapKey(t types.Type, s jen.Code) jen.Code {
	if key := t.Underlying().(*types.Map).Key(); !types.Identical(key, types.Typ[types.String]) {
		return typeCode(key).Parens(s)
	}
	return s
}

// byKey returns the fields in the order Flask sorts their keys: by code
// point, which is Go's order of valid UTF-8 strings.
func byKey(fields []*field) []*field {
	return slices.SortedStableFunc(slices.Values(fields), func(a, b *field) int { return strings.Compare(a.key, b.key) })
}
