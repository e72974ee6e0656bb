package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
)

// emitAccessors emits the typed methods of one field: the getter, SetF,
// HasF, DeleteF, PopF, and AppendF for slices.
func emitAccessors(f *jen.File, m *Model, fd *Field) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.Session) }
	field := func() *jen.Statement { return jen.Id("s").Dot("data").Dot(fd.Name) }
	has := func() *jen.Statement { return jen.Id("s").Dot("has").Index(jen.Lit(fd.Index)) }
	what := fmt.Sprintf("the %s field (key %q)", fd.Name, fd.Key)
	typ := typeCode(fd.Type)

	// Getter.
	getterDoc := fmt.Sprintf("%s returns %s, or its zero value when absent.", fd.Accessor, what)
	if fd.Slice {
		getterDoc += fmt.Sprintf(" The slice is a copy: change the field with Set%s or Append%s.", fd.Accessor, fd.Accessor)
	} else if fd.Kind == KindBytes {
		getterDoc += fmt.Sprintf(" The slice is a copy: change the field with Set%s.", fd.Accessor)
	}
	doc(f, "%s", getterDoc)
	if fd.Doc != "" {
		doc(f, "")
		for _, line := range strings.Split(fd.Doc, "\n") {
			f.Comment(line)
		}
	}
	f.Func().Params(recv()).Id(fd.Accessor).Params().Add(typ.Clone()).Block(
		jen.Id("s").Dot("state").Dot("Access").Call(),
		jen.Return(copyOf(fd, field())),
	)

	// Setter.
	doc(f, "Set%s stores v in %s.", fd.Accessor, what)
	f.Func().Params(recv()).Id("Set" + fd.Accessor).Params(jen.Id("v").Add(typ.Clone())).Block(
		jen.If(jen.Id("s").Dot("state").Dot("Modify").Call()).Block(
			jen.List(field(), has()).Op("=").List(copyOf(fd, jen.Id("v")), jen.True()),
		),
	)

	// Presence.
	doc(f, "Has%s reports whether %s holds a value.", fd.Accessor, what)
	f.Func().Params(recv()).Id("Has"+fd.Accessor).Params().Bool().Block(
		jen.Id("s").Dot("state").Dot("Access").Call(),
		jen.Return(has()),
	)

	doc(f, "Delete%s removes %s. Removing an absent field changes nothing.", fd.Accessor, what)
	f.Func().Params(recv()).Id("Delete" + fd.Accessor).Params().Block(
		jen.If(jen.Id("s").Dot("state").Dot("ModifyIf").Call(has())).Block(
			jen.List(field(), has()).Op("=").List(zeroOf(fd), jen.False()),
		),
	)

	doc(f, "Pop%s removes %s and returns the value it held, and whether it held one.", fd.Accessor, what)
	f.Func().Params(recv()).Id("Pop"+fd.Accessor).Params().Params(typ.Clone(), jen.Bool()).Block(
		jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").List(field(), has()),
		jen.Id("s").Dot("Delete"+fd.Accessor).Call(),
		jen.Return(jen.Id("v"), jen.Id("ok")),
	)

	if fd.Slice {
		doc(f, "Append%s appends to %s, creating it if absent.", fd.Accessor, what)
		f.Func().Params(recv()).Id("Append" + fd.Accessor).Params(jen.Id("v").Op("...").Add(typeCode(fd.Elem))).Block(
			jen.If(jen.Id("s").Dot("state").Dot("Modify").Call()).Block(
				jen.List(field(), has()).Op("=").List(appendCopy(fd, field()), jen.True()),
			),
		)
	}
}

// copyOf returns an expression copying v deeply enough that the session and
// the caller never share memory a change could go through.
func copyOf(fd *Field, v *jen.Statement) jen.Code {
	switch {
	case fd.Slice && fd.Kind == KindBytes:
		return jen.Qual(runtimePath, "CloneByteSlices").Call(v)
	case fd.Slice || fd.Kind == KindBytes:
		return jen.Qual("slices", "Clone").Call(v)
	}
	return v
}

// appendCopy appends v... to the field, copying byte slices.
func appendCopy(fd *Field, field *jen.Statement) jen.Code {
	if fd.Kind == KindBytes {
		return jen.Append(field, jen.Qual(runtimePath, "CloneByteSlices").Call(jen.Id("v")).Op("..."))
	}
	return jen.Append(field, jen.Id("v").Op("..."))
}

// zeroOf returns the zero value of the field's type as a literal.
func zeroOf(fd *Field) jen.Code {
	switch {
	case fd.Slice || fd.Kind == KindBytes:
		return jen.Nil()
	case fd.Kind == KindBool:
		return jen.False()
	case fd.Kind == KindString:
		return jen.Lit("")
	case fd.Kind == KindTime:
		return jen.Qual("time", "Time").Values()
	}
	return jen.Lit(0)
}
