package gen

import (
	"go/types"

	"github.com/dave/jennifer/jen"
)

// The encoders and decoders of every cookie format come from one walk over
// the model (walk): it goes through the session's fields and, shape by
// shape, through their values, and emits one helper per composite type. How
// a format writes and reads each shape is its encoding: wireEncoding
// (emit_wire.go), flaskEncoding (emit_flask.go). A format is added by
// implementing encoding and listing it in encodings.

// encodings are the cookie formats whose encoders and decoders each
// generated file has, in the order they are emitted.
var encodings = []encoding{wireEncoding{}, flaskEncoding{}}

// An encoding says how one cookie format writes and reads each shape. The
// walk calls it with the code of the parts it has walked to (an element, a
// field), so that an encoding never recurses: in helper bodies the value is
// v, written to the encoder e or read from the decoder d.
type encoding interface {
	// names are what its generated code is called.
	names() formatNames
	// decoder is the type of d, what its readers read from.
	decoder() *jen.Statement
	// order is the order a struct's fields, and the session's, are written
	// in.
	order(fields []*field) []*field
	// key writes the key of an entry (or member) that holds a value of the
	// shape.
	key(name jen.Code, sh *shape) jen.Code

	// The bodies of the helpers writing v, but for their last statement,
	// return nil. elem writes x, a value of the shape's element.

	// writeWhole writes a value stored whole: a byte array, or a type that
	// marshals itself.
	writeWhole(sh *shape) []jen.Code
	// writeList writes a slice or an array.
	writeList(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code
	// writeMap writes a map.
	writeMap(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code
	// writeStruct writes a struct, whose entries are the statements
	// writing its fields in order.
	writeStruct(entries []jen.Code) []jen.Code
	// writePointer writes a pointer.
	writePointer(sh *shape, elem func(x jen.Code) jen.Code) []jen.Code

	// The bodies of the helpers reading a value, returned with an error.
	// read is the function value reading an element.

	// slice reads a list of elem values from dec as a slice.
	slice(dec jen.Code, elem *shape, read jen.Code) *jen.Statement
	// readWhole reads a value stored whole.
	readWhole(sh *shape) []jen.Code
	// readMap reads a map.
	readMap(sh *shape, read jen.Code) []jen.Code
	// readStruct reads a struct: cases are the switch cases, one per field
	// key, reading the field from member, the decoder of one entry.
	readStruct(sh *shape, cases func(member *jen.Statement) []jen.Code) []jen.Code
	// readPointer reads a pointer.
	readPointer(read jen.Code) []jen.Code
	// pointerEntry guards read, the statements reading the target of a
	// pointer entry (or member) from dec.
	pointerEntry(dec *jen.Statement, read jen.Code) jen.Code

	// encodeSession declares the session's method writing its fields:
	// entries are the statements writing each present one, in order.
	encodeSession(f *jen.File, m *model, entries []jen.Code)
	// decodeSession declares the session's method reading one entry
	// (or member) by key: cases are the switch cases, one per field key.
	decodeSession(f *jen.File, m *model, cases []jen.Code)
}

// formatNames are what an encoding's generated code is called.
type formatNames struct {
	// pkg is the import path of the format's runtime package: its Encoder,
	// its Slice, and the writers and readers scalarWires names.
	pkg string
	// helpers is in its helpers' names: visitorWrite<helpers>Address.
	helpers string
	// in and from end its helpers' doc comments: "... writes an
	// Address<in>.", "... reads an Address<from>.".
	in, from string
}

// scalarWire names, for a scalar kind, the encoder method writing an entry,
// the one writing a bare value, the generic function writing a slice entry,
// the wire type, the Go type the encoder takes, and the reader. The
// packages of every format name them the same.
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

// walk emits one encoding's encoder and decoder of a model, and the
// helpers they call, through the codec that names and orders the helpers
// of all.
type walk struct {
	c     *codec
	enc   encoding
	names formatNames
}

func (c *codec) walk(enc encoding) *walk { return &walk{c: c, enc: enc, names: enc.names()} }

func (w *walk) qual(name string) *jen.Statement { return jen.Qual(w.names.pkg, name) }

// emitSession emits the session's encoder and decoder, each followed by the
// helpers it calls.
func (w *walk) emitSession(f *jen.File, m *model) {
	var entries []jen.Code
	for _, fd := range w.enc.order(m.fields) {
		entries = append(entries, jen.If(jen.Id("s").Dot("has").Index(jen.Lit(fd.index))).Block(w.writeEntry(fd.shape, fd.key, jen.Id("s").Dot("data").Dot(fd.path))))
	}
	w.enc.encodeSession(f, m, entries)
	w.c.emitHelpers(f)

	var cases []jen.Code
	for _, fd := range m.fields {
		assign := func(x jen.Code) jen.Code {
			return jen.List(jen.Id("s").Dot("data").Dot(fd.path), jen.Id("s").Dot("has").Index(jen.Lit(fd.index))).Op("=").List(x, jen.True())
		}
		cases = append(cases, jen.Case(jen.Lit(fd.key)).Block(
			w.readEntry(fd.shape, jen.Id("d"), assign, func(err jen.Code) jen.Code { return jen.Return(err) }),
		))
	}
	w.enc.decodeSession(f, m, cases)
	w.c.emitHelpers(f)
}

// writeValue returns the statements writing v, a value of the shape, as a
// bare value: a list element, a map value, a pointer's target.
func (w *walk) writeValue(sh *shape, v jen.Code) jen.Code {
	if sh.kind == shapeScalar {
		s := scalarWires[sh.scalar]
		if s.basic != "" && typeString(sh.typ) != s.basic {
			v = convertTo(s.basic, v)
		}
		return jen.Id("e").Dot(s.value).Call(v)
	}
	name := w.writer(sh)
	return jen.If(jen.Err().Op(":=").Id(name).Call(jen.Id("e"), v), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
}

// writeEntry returns the statements writing v as an entry (or member)
// under key. A nil pointer writes nothing: the entry is absent.
func (w *walk) writeEntry(sh *shape, key string, v *jen.Statement) jen.Code {
	switch sh.kind {
	case shapeScalar:
		s := scalarWires[sh.scalar]
		var arg jen.Code = v.Clone()
		if s.basic != "" && typeString(sh.typ) != s.basic {
			arg = convertTo(s.basic, v.Clone())
		}
		return jen.Id("e").Dot(s.entry).Call(jen.Lit(key), arg)
	case shapeSlice:
		if sh.elem.kind == shapeScalar {
			return w.qual(scalarWires[sh.elem.scalar].slice).Call(jen.Id("e"), jen.Lit(key), v.Clone())
		}
	case shapePointer:
		return jen.If(v.Clone().Op("!=").Nil()).Block(
			w.enc.key(jen.Lit(key), sh.elem),
			w.writeValue(sh.elem, jen.Op("*").Add(v.Clone())),
		)
	}
	return jen.Null().Add(
		w.enc.key(jen.Lit(key), sh),
		jen.Line(),
		w.writeValue(sh, v.Clone()),
	)
}

// readFunc returns a function value reading one value of the shape from a
// decoder: a generic reader of the format's package, or a generated helper.
func (w *walk) readFunc(sh *shape) *jen.Statement {
	if sh.kind == shapeScalar {
		s := scalarWires[sh.scalar]
		if s.generic {
			return w.qual(s.read).Index(typeCode(sh.typ))
		}
		return w.qual(s.read)
	}
	return jen.Id(w.reader(sh))
}

// readEntry returns the statements reading the entry (or member) dec and
// handing its value to assign; on failure they run fail(err).
func (w *walk) readEntry(sh *shape, dec *jen.Statement, assign func(value jen.Code) jen.Code, fail func(err jen.Code) jen.Code) jen.Code {
	read := func(call, value jen.Code) jen.Code {
		return jen.Null().Add(
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call), jen.Line(),
			jen.If(jen.Err().Op("!=").Nil()).Block(fail(jen.Err())), jen.Line(),
			assign(value),
		)
	}
	switch {
	case sh.kind == shapePointer: // an entry holds the pointer's target
		return w.enc.pointerEntry(dec, read(w.readFunc(sh.elem).Call(dec.Clone()), jen.Op("&").Id("x")))
	case sh.kind == shapeSlice && sh.elem.kind == shapeScalar && types.Identical(sh.typ.Underlying(), sh.typ):
		return read(w.enc.slice(dec.Clone(), sh.elem, w.readFunc(sh.elem)), jen.Id("x"))
	}
	return read(w.readFunc(sh).Call(dec.Clone()), jen.Id("x"))
}

// writer emits (once) and names the helper writing a composite value.
func (w *walk) writer(sh *shape) string {
	name, decl := w.c.helper("Write"+w.names.helpers, sh)
	if decl == nil {
		return name
	}
	elem := func(x jen.Code) jen.Code { return w.writeValue(sh.elem, x) }
	var body []jen.Code
	switch sh.kind {
	case shapeByteArray, shapeText, shapeJSON:
		body = w.enc.writeWhole(sh)
	case shapeSlice, shapeArray:
		body = w.enc.writeList(sh, elem)
	case shapeMap:
		body = w.enc.writeMap(sh, elem)
	case shapeStruct:
		var entries []jen.Code
		for _, fd := range w.enc.order(sh.fields) {
			entries = append(entries, w.writeEntry(fd.shape, fd.key, jen.Id("v").Dot(fd.path)))
		}
		body = w.enc.writeStruct(entries)
	case shapePointer:
		body = w.enc.writePointer(sh, elem)
	}
	body = append(body, jen.Return(jen.Nil()))
	decl.code = append(docCode("%s writes %s%s.", name, withArticle(w.c.typeName(sh.typ)), w.names.in),
		jen.Func().Id(name).Params(jen.Id("e").Op("*").Qual(w.names.pkg, "Encoder"), jen.Id("v").Add(typeCode(sh.typ))).Error().Block(body...))
	return name
}

// reader emits (once) and names the helper reading a composite value.
func (w *walk) reader(sh *shape) string {
	name, decl := w.c.helper("Read"+w.names.helpers, sh)
	if decl == nil {
		return name
	}
	t := typeCode(sh.typ)
	var body []jen.Code
	switch sh.kind {
	case shapeByteArray, shapeText, shapeJSON:
		body = w.enc.readWhole(sh)
	case shapeSlice:
		call := w.enc.slice(jen.Id("d"), sh.elem, w.readFunc(sh.elem))
		if types.Identical(sh.typ.Underlying(), sh.typ) {
			body = append(body, jen.Return(call))
		} else {
			body = append(body,
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(call),
				jen.Return(t.Clone().Parens(jen.Id("x")), jen.Err()),
			)
		}
	case shapeArray:
		body = append(body, varV(sh),
			jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(w.enc.slice(jen.Id("d"), sh.elem, w.readFunc(sh.elem))),
			jen.If(jen.Err().Op("!=").Nil()).Block(returnV(jen.Err())),
			jen.If(jen.Len(jen.Id("x")).Op("!=").Len(jen.Id("v"))).Block(returnV(mismatch("%d values for an array of %d", jen.Len(jen.Id("x")), jen.Len(jen.Id("v"))))),
			jen.Copy(jen.Id("v").Index(jen.Op(":")), jen.Id("x")),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
	case shapeMap:
		body = w.enc.readMap(sh, w.readFunc(sh.elem))
	case shapeStruct:
		body = w.enc.readStruct(sh, func(member *jen.Statement) []jen.Code {
			var cases []jen.Code
			for _, fd := range sh.fields {
				assign := func(x jen.Code) jen.Code { return jen.Id("v").Dot(fd.path).Op("=").Add(x) }
				cases = append(cases, jen.Case(jen.Lit(fd.key)).Block(w.readEntry(fd.shape, member, assign, returnV)))
			}
			return cases
		})
	case shapePointer:
		body = w.enc.readPointer(w.readFunc(sh.elem))
	}
	decl.code = append(docCode("%s reads %s%s.", name, withArticle(w.c.typeName(sh.typ)), w.names.from),
		jen.Func().Id(name).Params(jen.Id("d").Add(w.enc.decoder())).Params(t.Clone(), jen.Error()).Block(body...))
	return name
}

// varV declares v, a value of the shape, in a reader.
func varV(sh *shape) jen.Code { return jen.Var().Id("v").Add(typeCode(sh.typ)) }

// returnV returns v and err from a reader.
func returnV(err jen.Code) jen.Code { return jen.Return(jen.Id("v"), err) }

// mismatch returns a wire mismatch error with a message, which the readers
// of every format return for a value that does not fit its type.
func mismatch(format string, args ...jen.Code) jen.Code {
	return jen.Qual(wirePath, "Mismatch").Call(append([]jen.Code{jen.Lit(format)}, args...)...)
}

func convertTo(basic string, v jen.Code) *jen.Statement {
	if basic == "[]byte" {
		return jen.Index().Byte().Parens(v)
	}
	return jen.Id(basic).Parens(v)
}
