package gen

import (
	"fmt"
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"
)

// emitAccessors emits the typed methods of one field: the getter, SetF,
// HasF, DeleteF, PopF; UpdateF for composite values, AppendF for slices,
// SetFKey and DeleteFKey for maps.
func emitAccessors(f *jen.File, m *model, c *codec, fd *field) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.sessionType) }
	field := func() *jen.Statement { return jen.Id("s").Dot("data").Dot(fd.path) }
	has := func() *jen.Statement { return jen.Id("s").Dot("has").Index(jen.Lit(fd.index)) }
	// Each method tells the state what it did to the field, by its index:
	// a read, a write, or both (a change computed from the value), so
	// that concurrent requests of one session merge field by field.
	state := func(method string, args ...jen.Code) *jen.Statement {
		return jen.Id("s").Dot("state").Dot(method).Call(append([]jen.Code{jen.Lit(fd.index)}, args...)...)
	}
	what := fmt.Sprintf("the %s field (key %q)", fd.path, fd.key)
	typ := typeCode(fd.typ)
	sh := fd.shape
	a := fd.accessor

	// Getter.
	getterDoc := fmt.Sprintf("%s returns %s, or its zero value when absent.", a, what)
	if sh.hasRefs() {
		getterDoc += " It is a deep copy: change the field with the methods below, so that the change is tracked."
	}
	doc(f, "%s", getterDoc)
	if fd.doc != "" {
		f.Comment("")
		for _, line := range strings.Split(fd.doc, "\n") {
			f.Comment(line)
		}
	}
	f.Func().Params(recv()).Id(a).Params().Add(typ.Clone()).Block(
		state("Read"),
		jen.Return(c.cloneExpr(sh, field())),
	)

	doc(f, "Set%s stores v in %s.", a, what)
	f.Func().Params(recv()).Id("Set" + a).Params(jen.Id("v").Add(typ.Clone())).Block(
		jen.If(state("Write")).Block(
			jen.List(field(), has()).Op("=").List(c.cloneExpr(sh, jen.Id("v")), jen.True()),
		),
	)

	doc(f, "Has%s reports whether %s holds a value.", a, what)
	f.Func().Params(recv()).Id("Has"+a).Params().Bool().Block(
		state("Read"),
		jen.Return(has()),
	)

	doc(f, "Delete%s removes %s. Removing an absent field changes nothing.", a, what)
	f.Func().Params(recv()).Id("Delete"+a).Params().Block(
		jen.Id("s").Dot("state").Dot("Load").Call(),
		jen.If(state("Remove", has())).Block(
			jen.List(field(), has()).Op("=").List(zeroOf(fd.typ), jen.False()),
		),
	)

	doc(f, "Pop%s removes %s and returns the value it held, and whether it held one.", a, what)
	f.Func().Params(recv()).Id("Pop"+a).Params().Params(typ.Clone(), jen.Bool()).Block(
		state("Read"),
		jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").List(field(), has()),
		jen.Id("s").Dot("Delete"+a).Call(),
		jen.Return(jen.Id("v"), jen.Id("ok")),
	)

	if fd.composite() {
		doc(f, "Update%s calls fn with %s to change it in place, and records the change. fn must not keep the pointer: later changes through it would not be saved.", a, what)
		f.Func().Params(recv()).Id("Update" + a).Params(jen.Id("fn").Func().Params(jen.Op("*").Add(typ.Clone()))).Block(
			jen.If(state("Update")).Block(
				jen.Id("fn").Call(jen.Op("&").Add(field())),
				has().Op("=").True(),
			),
		)
	}

	switch sh.kind {
	case shapeSlice:
		elem := typeCode(sh.typ.Underlying().(*types.Slice).Elem())
		var appendCode jen.Code
		if sh.elem.hasRefs() {
			appendCode = jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("v")).Block(
				field().Op("=").Append(field(), c.cloneExpr(sh.elem, jen.Id("x"))),
			)
		} else {
			appendCode = field().Op("=").Append(field(), jen.Id("v").Op("..."))
		}
		doc(f, "Append%s appends to %s, creating it if absent.", a, what)
		f.Func().Params(recv()).Id("Append" + a).Params(jen.Id("v").Op("...").Add(elem)).Block(
			jen.If(state("Append")).Block(appendCode, has().Op("=").True()),
		)
	case shapeMap:
		mt := sh.typ.Underlying().(*types.Map)
		doc(f, "Set%sKey stores v under k in %s, creating the map if absent.", a, what)
		f.Func().Params(recv()).Id("Set"+a+"Key").Params(jen.Id("k").Add(typeCode(mt.Key())), jen.Id("v").Add(typeCode(mt.Elem()))).Block(
			jen.If(state("SetKey")).Block(
				jen.If(field().Op("==").Nil()).Block(field().Op("=").Make(typ.Clone())),
				field().Index(jen.Id("k")).Op("=").Add(c.cloneExpr(sh.elem, jen.Id("v"))),
				has().Op("=").True(),
			),
		)
		doc(f, "Delete%sKey removes k from %s. Removing an absent key changes nothing.", a, what)
		f.Func().Params(recv()).Id("Delete"+a+"Key").Params(jen.Id("k").Add(typeCode(mt.Key()))).Block(
			jen.Id("s").Dot("state").Dot("Load").Call(),
			jen.List(jen.Id("_"), jen.Id("ok")).Op(":=").Add(field()).Index(jen.Id("k")),
			jen.If(state("DeleteKey", jen.Id("ok"))).Block(
				jen.Delete(field(), jen.Id("k")),
			),
		)
	}
}

// zeroOf returns the zero value of t as a literal.
func zeroOf(t types.Type) jen.Code {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return jen.False()
		case u.Info()&types.IsString != 0:
			return jen.Lit("")
		}
		return jen.Lit(0)
	case *types.Struct, *types.Array:
		return typeCode(t).Values()
	}
	return jen.Nil()
}
