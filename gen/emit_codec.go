package gen

import (
	"github.com/dave/jennifer/jen"
)

// wireOf names, for a kind, the encoder method that writes a single value,
// the generic function that writes a slice, the wire type of its values,
// the basic type the encoder takes, and the function that reads one value.
type wireOf struct {
	method, sliceFunc, wireType, basic, read string
	generic                                  bool // read takes the field's type as a type argument
}

var wireKinds = map[Kind]wireOf{
	KindBool:   {"Bool", "Bools", "TypeBool", "bool", "ReadBool", true},
	KindInt:    {"Int", "Ints", "TypeInt", "int64", "ReadInt", true},
	KindUint:   {"Uint", "Uints", "TypeUint", "uint64", "ReadUint", true},
	KindFloat:  {"Float", "Floats", "TypeFloat", "float64", "ReadFloat", true},
	KindString: {"String", "Strings", "TypeBytes", "string", "ReadString", true},
	KindBytes:  {"Bytes", "ByteSlices", "TypeBytes", "[]byte", "ReadBytes", true},
	KindTime:   {"Time", "Times", "TypeTime", "", "ReadTime", false},
}

// emitCodec emits the encoder, the decoder and the Codec that hands them to
// the runtime.
func emitCodec(f *jen.File, m *Model) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.Session) }

	// Encoder.
	var enc []jen.Code
	for _, fd := range m.Fields {
		enc = append(enc, jen.If(jen.Id("s").Dot("has").Index(jen.Lit(fd.Index))).Block(encodeField(fd)))
	}
	doc(f, "encode writes each present field as an entry keyed by its session key.")
	f.Func().Params(recv()).Id("encode").Params(jen.Id("e").Op("*").Qual(wirePath, "Encoder")).Block(enc...)

	// Decoder.
	var cases []jen.Code
	for _, fd := range m.Fields {
		cases = append(cases, jen.Case(jen.Lit(fd.Key)).Block(
			jen.List(jen.Id("v"), jen.Err()).Op(":=").Add(readField(fd)),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.List(jen.Id("s").Dot("data").Dot(fd.Name), jen.Id("s").Dot("has").Index(jen.Lit(fd.Index))).Op("=").List(jen.Id("v"), jen.True()),
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

	doc(f, "empty reports whether no field holds a value.")
	f.Func().Params(recv()).Id("empty").Params().Bool().Block(
		jen.Return(jen.Id("s").Dot("has").Op("==").Index(jen.Lit(len(m.Fields))).Bool().Values()),
	)

	doc(f, "%s binds %s to the runtime.", m.CodecVar, m.Session)
	f.Var().Id(m.CodecVar).Op("=").Qual(runtimePath, "Codec").Index(jen.Id(m.Session)).Values(jen.Dict{
		jen.Id("State"): jen.Func().Params(recv()).Op("*").Qual(runtimePath, "State").Block(
			jen.Return(jen.Op("&").Id("s").Dot("state")),
		),
		jen.Id("Empty"):       jen.Parens(jen.Op("*").Id(m.Session)).Dot("empty"),
		jen.Id("Encode"):      jen.Parens(jen.Op("*").Id(m.Session)).Dot("encode"),
		jen.Id("DecodeEntry"): jen.Parens(jen.Op("*").Id(m.Session)).Dot("decodeEntry"),
	})
}

// encodeField writes one present field.
func encodeField(fd *Field) jen.Code {
	w := wireKinds[fd.Kind]
	v := jen.Id("s").Dot("data").Dot(fd.Name)
	if fd.Slice {
		return jen.Qual(wirePath, w.sliceFunc).Call(jen.Id("e"), jen.Lit(fd.Key), v)
	}
	if w.basic != "" && !isBasicNamed(fd, w.basic) {
		v = convertTo(w.basic, v)
	}
	return jen.Id("e").Dot(w.method).Call(jen.Lit(fd.Key), v)
}

// isBasicNamed tells whether the field's type is already the encoder's
// basic type, so that no conversion is needed.
func isBasicNamed(fd *Field, basic string) bool {
	return typeString(fd.Type) == basic
}

func convertTo(basic string, v *jen.Statement) *jen.Statement {
	if basic == "[]byte" {
		return jen.Index().Byte().Parens(v)
	}
	return jen.Id(basic).Parens(v)
}

// readField returns the call that reads the field's value from d.
func readField(fd *Field) jen.Code {
	w := wireKinds[fd.Kind]
	elem := fd.Type
	if fd.Slice {
		elem = fd.Elem
	}
	read := jen.Qual(wirePath, w.read)
	if w.generic {
		read = read.Index(typeCode(elem))
	}
	if fd.Slice {
		return jen.Qual(wirePath, "Slice").Call(jen.Id("d"), jen.Qual(wirePath, w.wireType), read)
	}
	return read.Call(jen.Id("d"))
}
