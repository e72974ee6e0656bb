package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"
)

// shapeKind is how a Go type is stored: the structure the encoder, decoder
// and deep copy follow.
type shapeKind int

// The shapes.
const (
	shapeScalar    shapeKind = iota + 1 // bool, string, numbers, []byte, time.Time
	shapeByteArray                      // [N]byte, stored as bytes
	shapeText                           // encoding.TextMarshaler and TextUnmarshaler
	shapeJSON                           // json.Marshaler and json.Unmarshaler
	shapeSlice
	shapeArray
	shapeMap // string-kinded keys
	shapeStruct
	shapePointer
)

// shape describes how values of one Go type are stored.
type shape struct {
	kind   shapeKind
	scalar scalarKind // for shapeScalar
	typ    types.Type // the Go type, as declared
	elem   *shape     // slice, array, map value, pointer target
	fields []*field   // struct fields, embedded ones flattened as Go promotes them
}

// hasRefs reports whether a value of the shape can share memory with a
// copy of it, so that handing it out needs a deep copy.
func (s *shape) hasRefs() bool {
	switch s.kind {
	case shapeScalar:
		return s.scalar == kindBytes
	case shapeSlice, shapeMap, shapePointer:
		return true
	case shapeArray:
		return s.elem.hasRefs()
	case shapeStruct:
		for _, f := range s.fields {
			if f.shape.hasRefs() {
				return true
			}
		}
	}
	return false
}

// maxWireDepth is how deeply groups and lists may nest in a payload the
// session decoder accepts: maxDepth in runtime/wire/decode.go, which gen
// does not import. TestMaxWireDepth checks the two agree.
const maxWireDepth = 32

// valueDepth is how many groups and lists nest in a value of the shape as
// the generated encoder writes it bare: as a list element, a map value, or
// a pointer's target. Structs, maps, slices and arrays are one level each; so
// is a pointer, whose target goes in a group of one entry (none for nil).
// Scalars, byte arrays and marshalers are bytes: no level.
func (s *shape) valueDepth() int {
	switch s.kind {
	case shapeSlice, shapeArray, shapeMap, shapePointer:
		return 1 + s.elem.valueDepth()
	case shapeStruct:
		d := 0
		for _, f := range s.fields {
			d = max(d, f.shape.entryDepth())
		}
		return 1 + d
	}
	return 0
}

// entryDepth is valueDepth for the value of an entry (a session field, a
// field of a nested struct): a pointer entry holds its target itself, and
// is absent for nil.
func (s *shape) entryDepth() int {
	if s.kind == shapePointer {
		return s.elem.valueDepth()
	}
	return s.valueDepth()
}

// opaqueRefs reports whether the shape holds, somewhere, a TextMarshaler or
// json.Marshaler value whose type has pointers, slices or maps inside:
// such a value is copied as a whole, so a copy may share memory with the
// original, and the generator cannot know whether the type ever changes
// that memory in place.
func (s *shape) opaqueRefs() bool {
	switch s.kind {
	case shapeText, shapeJSON:
		return typeHasRefs(s.typ, map[types.Type]bool{})
	case shapeSlice, shapeArray, shapeMap, shapePointer:
		return s.elem.opaqueRefs()
	case shapeStruct:
		for _, f := range s.fields {
			if f.shape.opaqueRefs() {
				return true
			}
		}
	}
	return false
}

// immutableTypes are types whose values hold pointers but are documented
// as immutable: sharing them is safe.
var immutableTypes = map[string]bool{
	"net/netip.Addr":     true,
	"net/netip.AddrPort": true,
	"net/netip.Prefix":   true,
}

// typeHasRefs reports whether values of t can point to memory outside
// themselves.
func typeHasRefs(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && immutableTypes[n.Obj().Pkg().Path()+"."+n.Obj().Name()] {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Array:
		return typeHasRefs(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if typeHasRefs(u.Field(i).Type(), seen) {
				return true
			}
		}
		return false
	}
	return true // pointers, slices, maps, channels, functions, interfaces
}

// shaper builds shapes, remembering the named types it is inside of so
// that recursive types are refused instead of looping.
type shaper struct {
	pkg     *types.Package // the package being generated into
	fset    *token.FileSet
	errs    *ErrorList
	visible map[*types.TypeName]bool // named types being shaped, outermost first
	// typeErrs are the package's type errors, which say why a field's
	// type is invalid.
	typeErrs []types.Error
}

// shapeOf returns the shape of t, or a message saying why t cannot be
// stored.
func (sh *shaper) shapeOf(t types.Type) (*shape, *message) {
	if isNamed(t, "time", "Time") {
		return &shape{kind: shapeScalar, scalar: kindTime, typ: t}, nil
	}
	if k, ok := basicKind(t); ok {
		return &shape{kind: shapeScalar, scalar: k, typ: t}, nil
	}
	if b, ok := t.Underlying().(*types.Basic); ok {
		switch {
		case b.Info()&types.IsComplex != 0:
			return nil, msgf("complex numbers are not supported; store the real and imaginary parts as two float64 fields")
		case b.Kind() == types.UnsafePointer:
			return nil, msgf("unsafe.Pointer cannot be stored")
		}
		return nil, msgf("%s is not supported", b)
	}
	if isBytes(t) {
		return &shape{kind: shapeScalar, scalar: kindBytes, typ: t}, nil
	}
	if implementsText(t) {
		return &shape{kind: shapeText, typ: t}, nil
	}
	if implementsJSON(t) {
		return &shape{kind: shapeJSON, typ: t}, nil
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		if sh.visible[n.Obj()] {
			return nil, msgf("%s is recursive (it contains itself): sessions store trees, not graphs; store an ID instead", n.Obj().Name())
		}
		sh.visible[n.Obj()] = true
		defer delete(sh.visible, n.Obj())
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		elem, why := sh.shapeOf(u.Elem())
		if elem == nil {
			return nil, why
		}
		return &shape{kind: shapePointer, typ: t, elem: elem}, nil
	case *types.Slice:
		elem, why := sh.shapeOf(u.Elem())
		if elem == nil {
			return nil, why
		}
		return &shape{kind: shapeSlice, typ: t, elem: elem}, nil
	case *types.Array:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Uint8 {
			return &shape{kind: shapeByteArray, typ: t}, nil
		}
		elem, why := sh.shapeOf(u.Elem())
		if elem == nil {
			return nil, why
		}
		return &shape{kind: shapeArray, typ: t, elem: elem}, nil
	case *types.Map:
		if b, ok := u.Key().Underlying().(*types.Basic); !ok || b.Kind() != types.String {
			return nil, msgf("map keys must be strings (or a string type), not %s; convert the keys with strconv, or use a slice of pairs", types.TypeString(u.Key(), types.RelativeTo(sh.pkg)))
		}
		elem, why := sh.shapeOf(u.Elem())
		if elem == nil {
			return nil, why
		}
		return &shape{kind: shapeMap, typ: t, elem: elem}, nil
	case *types.Struct:
		if _, named := types.Unalias(t).(*types.Named); !named {
			for i := 0; i < u.NumFields(); i++ {
				if tag := u.Tag(i); tag != "" && !canonicalTag(tag) {
					return nil, msgf("the tag of field %s is not in the form key:\"value\" with keys sorted, which generated code must reproduce exactly; give the struct type a name", u.Field(i).Name())
				}
			}
		}
		if !sh.settable(t, u) {
			return nil, msgf("%s has unexported fields that sessiongen cannot set from this package; give the type MarshalText and UnmarshalText methods", types.TypeString(t, types.RelativeTo(sh.pkg)))
		}
		before := len(*sh.errs)
		fields, _, ok := sh.fieldsOf(u)
		if !ok {
			return nil, msgf("its fields cannot all be stored: see %s", (*sh.errs)[before].Pos)
		}
		return &shape{kind: shapeStruct, typ: t, fields: fields}, nil
	case *types.Interface:
		return nil, msgf("interfaces (any included) cannot be decoded without knowing the concrete type; use a concrete type")
	case *types.Chan:
		return nil, msgf("channels cannot be stored")
	case *types.Signature:
		return nil, msgf("functions cannot be stored")
	}
	return nil, msgf("this type is not supported")
}

// settable reports whether code in the generated package can set every
// field of st that would be stored.
func (sh *shaper) settable(t types.Type, st *types.Struct) bool {
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if tag, _ := reflect.StructTag(st.Tag(i)).Lookup("session"); tag == "-" {
			continue
		}
		if !f.Exported() && f.Pkg() != sh.pkg {
			return false
		}
	}
	return true
}

// candidate is a field found while flattening embedded structs.
type candidate struct {
	field *field
	depth int
	ok    bool // false: the field was refused (its shape may be nil)
}

// fieldsOf returns the stored fields of a struct, flattening embedded
// structs as Go promotes their fields: the shallowest field of a name wins,
// and two at the same depth hide each other. It reports every problem it
// finds with its position, not only the first: fields is what can be
// stored, all adds the refused fields that are not hidden (for the checks
// that look at every field: keys, method names), and ok is false if any
// problem was found.
func (sh *shaper) fieldsOf(st *types.Struct) (fields, all []*field, ok bool) {
	before := len(*sh.errs)
	var cands []candidate
	sh.collect(st, "", 0, &cands)
	// Go's promotion: keep the shallowest field of each name.
	best := map[string]int{}
	count := map[string]int{}
	for _, c := range cands {
		d, seen := best[c.field.name]
		switch {
		case !seen || c.depth < d:
			best[c.field.name], count[c.field.name] = c.depth, 1
		case c.depth == d:
			count[c.field.name]++
		}
	}
	keys := map[string]*field{}
	for _, c := range cands {
		if c.depth != best[c.field.name] {
			continue // hidden by a shallower field
		}
		if count[c.field.name] > 1 {
			sh.fail(c.field.pos, c.field.name, "field %s is promoted from two embedded structs at the same depth, so Go hides both; rename one or tag one with another name", c.field.name)
			continue
		}
		all = append(all, c.field)
		if prev, dup := keys[c.field.key]; dup {
			sh.fail(c.field.pos, c.field.name, "session key %q is already used by field %s at %s; give one of them another key with a `session:\"...\"` tag", c.field.key, prev.name, prev.position)
			continue
		}
		keys[c.field.key] = c.field
		if c.ok {
			fields = append(fields, c.field)
		}
	}
	if fields == nil {
		fields = []*field{}
	}
	return fields, all, len(*sh.errs) == before
}

// collect appends the fields of st, and of the structs it embeds, with the
// selector path from the outer value. A refused field is reported and
// appended too, not ok, so that the checks of its key and methods still
// see it.
func (sh *shaper) collect(st *types.Struct, path string, depth int, out *[]candidate) {
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		tag, hasTag := reflect.StructTag(st.Tag(i)).Lookup("session")
		if !hasTag && malformedSessionTag(st.Tag(i)) {
			sh.fail(v.Pos(), v.Name(), "the struct tag `%s` is malformed, so its session key would be ignored (go vet's structtag check says why); write it as session:\"key\", separated from other keys by a space", st.Tag(i))
			continue
		}
		if tag == "-" {
			continue
		}
		if v.Name() == "_" {
			// Generated code would have to name the field to store it.
			if hasTag {
				sh.fail(v.Pos(), v.Name(), "a blank field cannot be stored, but it is tagged `session:%q`; name it or drop the tag", tag)
			}
			continue
		}
		sel := path + v.Name()
		if v.Embedded() && tag == "" {
			if _, isPtr := v.Type().Underlying().(*types.Pointer); isPtr {
				sh.fail(v.Pos(), v.Name(), "embedded pointer %s: a nil pointer would hide its fields; embed the struct by value, or tag the field `session:\"-\"`", types.TypeString(v.Type(), types.RelativeTo(sh.pkg)))
				continue
			}
			if inner, ok := v.Type().Underlying().(*types.Struct); ok && !implementsText(v.Type()) && !implementsJSON(v.Type()) {
				if n, named := types.Unalias(v.Type()).(*types.Named); named {
					if sh.visible[n.Obj()] {
						sh.fail(v.Pos(), v.Name(), "%s embeds itself", n.Obj().Name())
						continue
					}
					sh.visible[n.Obj()] = true
					sh.collect(inner, sel+".", depth+1, out)
					delete(sh.visible, n.Obj())
				} else {
					sh.collect(inner, sel+".", depth+1, out)
				}
				continue
			}
		}
		if !v.Exported() && !hasTag {
			continue // unexported and untagged: private to the program, not stored
		}
		if !v.Exported() && v.Pkg() != sh.pkg {
			continue
		}
		f := &field{
			name:     v.Name(),
			path:     sel,
			accessor: upperFirst(v.Name()),
			key:      tag,
			typ:      v.Type(),
			position: sh.fset.Position(v.Pos()),
			pos:      v.Pos(),
		}
		ok := true
		if key, opts, found := strings.Cut(tag, ","); found {
			fix := fmt.Sprintf("write `session:%q`", key)
			if key == "" {
				fix = fmt.Sprintf("drop the tag: the key is %q by default", snakeCase(v.Name()))
			}
			sh.fail(v.Pos(), v.Name(), "session tag %q has options (%s): session tags take a key only; options such as omitempty are not supported: absent fields are never stored anyway; %s", tag, opts, fix)
			f.key, ok = key, false
		}
		if f.key == "" {
			f.key = snakeCase(v.Name())
		}
		if msg := checkKey(f.key); msg != "" {
			sh.fail(v.Pos(), v.Name(), "session key %q %s; change the tag", f.key, msg)
			ok = false
		}
		if isInvalid(v.Type()) {
			sh.fail(v.Pos(), v.Name(), "its type does not compile: %s; fix it (go build says the same), then run sessiongen again", sh.typeError(v.Pos()))
			ok = false
		} else if shape, why := sh.shapeOf(v.Type()); shape == nil {
			sh.fail(v.Pos(), v.Name(), "type %s is not supported: %s (or tag the field `session:\"-\"`)", types.TypeString(v.Type(), types.RelativeTo(sh.pkg)), why)
			ok = false
		} else {
			f.shape = shape
		}
		*out = append(*out, candidate{field: f, depth: depth, ok: ok})
	}
}

// malformedSessionTag reports whether a struct tag that
// reflect.StructTag.Lookup finds no session key in mentions one in a part
// it cannot parse: session:name, session: "name", a missing space.
func malformedSessionTag(tag string) bool {
	// The loop of reflect.StructTag.Lookup, stopping where it gives up.
	for tag != "" {
		i := 0
		for i < len(tag) && tag[i] == ' ' {
			i++
		}
		tag = tag[i:]
		if tag == "" {
			return false
		}
		i = 0
		for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' && tag[i] != 0x7f {
			i++
		}
		if i == 0 || i+1 >= len(tag) || tag[i] != ':' || tag[i+1] != '"' {
			return strings.Contains(tag, "session")
		}
		tag = tag[i+1:]
		i = 1
		for i < len(tag) && tag[i] != '"' {
			if tag[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(tag) {
			return strings.Contains(tag, "session")
		}
		if _, err := strconv.Unquote(tag[:i+1]); err != nil {
			return strings.Contains(tag, "session")
		}
		tag = tag[i+1:]
	}
	return false
}

// isInvalid reports whether t, or a type in it, did not type-check.
func isInvalid(t types.Type) bool {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return t.Kind() == types.Invalid
	case *types.Pointer:
		return isInvalid(t.Elem())
	case *types.Slice:
		return isInvalid(t.Elem())
	case *types.Array:
		return isInvalid(t.Elem())
	case *types.Map:
		return isInvalid(t.Key()) || isInvalid(t.Elem())
	}
	return false
}

// typeError returns the type checker's message about the line of pos: why
// the field declared there does not compile.
func (sh *shaper) typeError(pos token.Pos) string {
	p := sh.fset.Position(pos)
	for _, e := range sh.typeErrs {
		q := sh.fset.Position(e.Pos)
		if q.Filename == p.Filename && q.Line == p.Line {
			return e.Msg
		}
	}
	return "the type checker reports an error"
}

func (sh *shaper) fail(p token.Pos, field, format string, args ...any) {
	*sh.errs = append(*sh.errs, errorAt(sh.fset.Position(p), field, format, args...))
}

// basicKind classifies booleans, strings and real numbers, named or not.
func basicKind(t types.Type) (scalarKind, bool) {
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return 0, false
	}
	switch {
	case b.Kind() == types.Bool:
		return kindBool, true
	case b.Kind() == types.String:
		return kindString, true
	case b.Info()&types.IsInteger != 0 && b.Info()&types.IsUnsigned != 0:
		return kindUint, true
	case b.Info()&types.IsInteger != 0:
		return kindInt, true
	case b.Info()&types.IsFloat != 0:
		return kindFloat, true
	}
	return 0, false
}

// isBytes tells whether t is []byte or a named type of it.
func isBytes(t types.Type) bool {
	s, ok := t.Underlying().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uint8 && types.Identical(s.Elem(), types.Typ[types.Uint8])
}

// implementsText tells whether t marshals itself to text and back: the
// escape hatch for types sessiongen cannot see into.
func implementsText(t types.Type) bool {
	return hasMethod(t, "MarshalText", nil, byteSlice, errorType) && hasMethod(t, "UnmarshalText", byteSlice, errorType)
}

// implementsJSON tells whether t marshals itself to JSON and back.
func implementsJSON(t types.Type) bool {
	return hasMethod(t, "MarshalJSON", nil, byteSlice, errorType) && hasMethod(t, "UnmarshalJSON", byteSlice, errorType)
}

// hasMethod tells whether *t has the method name taking in (nil: nothing)
// and returning out. Generated code calls methods on addressable values, so
// pointer receivers count.
func hasMethod(t types.Type, name string, in types.Type, out ...types.Type) bool {
	ms := types.NewMethodSet(types.NewPointer(t))
	for i := 0; i < ms.Len(); i++ {
		f := ms.At(i).Obj()
		if f.Name() != name {
			continue
		}
		sig, ok := f.Type().(*types.Signature)
		if !ok || sig.Results().Len() != len(out) {
			return false
		}
		if in == nil && sig.Params().Len() != 0 || in != nil && (sig.Params().Len() != 1 || !types.Identical(sig.Params().At(0).Type(), in)) {
			return false
		}
		for j, o := range out {
			if !types.Identical(sig.Results().At(j).Type(), o) {
				return false
			}
		}
		return true
	}
	return false
}

var (
	byteSlice = types.NewSlice(types.Typ[types.Byte])
	errorType = types.Universe.Lookup("error").Type()
)
