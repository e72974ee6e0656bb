package gen

import (
	"bytes"
	"fmt"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/imports"
)

// Import paths of the runtime, and the names the generated file gives them
// unless the user's package declares those (see importNames): longer than
// the packages' own so that they seldom have to change.
const (
	rootPath     = "github.com/sessiongen/sessiongen"
	runtimePath  = "github.com/sessiongen/sessiongen/runtime"
	runtimeAlias = "sessionruntime"
	wirePath     = "github.com/sessiongen/sessiongen/runtime/wire"
	wireAlias    = "sessionwire"
	flaskPath    = "github.com/sessiongen/sessiongen/runtime/flaskjson"
	flaskAlias   = "sessionflask"
	implPath     = "github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// contractVersion is the version of the runtime's contract with generated
// code (sessionimpl.GenVersion) that this generator writes; a test keeps
// the two equal. gen imports nothing of the runtime.
const contractVersion = 2

// emit renders the model's file, its header naming invocation.
func emit(m *model, invocation string) ([]byte, error) {
	f := jen.NewFilePathName(m.pkgPath, m.pkgName)
	if m.buildConstraint != "" {
		// Written as is (it starts with //): the constraint needs its own
		// paragraph above the package clause.
		f.HeaderComment(Header(invocation) + "\n\n" + m.buildConstraint)
	} else {
		f.HeaderComment(Header(invocation))
	}
	imps := importNames(m)
	for _, im := range imps {
		if im.name == im.pkg {
			f.ImportName(im.path, im.name)
		} else {
			f.ImportAlias(im.path, im.name)
		}
	}

	c := newCodec(m, imps)
	emitVersionCheck(f)
	emitGuard(f, m)
	emitAPI(f, m)
	emitSessionType(f, m)
	emitSessionMethods(f, m)
	for _, fd := range m.fields {
		emitAccessors(f, m, c, fd)
		c.emitHelpers(f)
	}
	emitCodec(f, m, c)

	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	// Group the imports as goimports does (standard library first); the
	// result is gofmt'd.
	out, err := imports.Process("", buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, fmt.Errorf("formatting: %w", err)
	}
	return out, nil
}

// docWidth is where doc comments wrap.
const docWidth = 80

// doc emits a doc comment, wrapped, one // line per line of text.
func doc(f *jen.File, format string, args ...any) {
	for _, line := range docCode(format, args...) {
		f.Add(line)
	}
}

// docCode returns a doc comment's lines, wrapped, for a declaration built
// before its place in the file is known.
func docCode(format string, args ...any) []jen.Code {
	var lines []jen.Code
	for _, line := range wrap(fmt.Sprintf(format, args...), docWidth) {
		lines = append(lines, jen.Comment(line))
	}
	return lines
}

// withArticle puts "a" or "an" before a type's name, as its first letter
// sounds: an Address, a Profile, a []Item, a User (u is read "you" in most
// type names).
func withArticle(name string) string {
	if name != "" && strings.ContainsRune("aeioAEIO", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

// wrap breaks text into lines of at most width bytes, at spaces; a word
// longer than width gets a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) > width:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// emitAPI emits the package-level entry points: the aliases of what users
// configure, the constructor and its options, and the context accessor.
func emitAPI(f *jen.File, m *model) {
	rt := func(name string) *jen.Statement { return jen.Qual(runtimePath, name) }
	ofSession := func(name string) *jen.Statement { return rt(name).Index(jen.Id(m.sessionType)) }

	doc(f, "%s configures %s: keys, cookie attributes, lifetime. Its zero value, given a SecretKey, has secure defaults. It is package sessiongen's Config: go doc %s Config gives every field.", m.configType, withArticle(m.managerType), rootPath)
	f.Type().Id(m.configType).Op("=").Add(jen.Qual(rootPath, "Config"))

	doc(f, "%s configures %s beyond its %s: give %s and %s to %s.", m.optionType, withArticle(m.managerType), m.configType, m.withPolicyFunc, m.withHooksFunc, m.newFunc)
	f.Type().Id(m.optionType).Op("=").Add(ofSession("Option"))

	doc(f, "%s overrides some of the methods of Flask's SessionInterface per request (the cookie's domain, say): each function gets the configured answer and returns the one to use. Fixed when the %s is built, it is honoured however requests are served. See go doc %s Policy.", m.policyType, m.managerType, runtimePath)
	f.Type().Id(m.policyType).Op("=").Add(ofSession("Policy"))

	doc(f, "%s is a hook run after the handler and before the session is saved, like Flask's after_request: it may still change the session and the response headers.", m.afterRequestType)
	f.Type().Id(m.afterRequestType).Op("=").Add(ofSession("AfterRequest"))

	doc(f, "%s is one request's session as %s's Middleware drives it, for adapters to frameworks with writers of their own (Begin, ResponseWriter, Request, End). See go doc %s Lifecycle.", m.lifecycleType, withArticle(m.managerType), runtimePath)
	f.Type().Id(m.lifecycleType).Op("=").Add(ofSession("Lifecycle"))

	doc(f, "%s validates cfg and returns the %s for %s sessions. Every configuration problem is reported here, at start-up.", m.newFunc, m.managerType, m.name)
	f.Func().Id(m.newFunc).Params(jen.Id("cfg").Id(m.configType), jen.Id("opts").Op("...").Id(m.optionType)).Params(jen.Op("*").Id(m.managerType), jen.Error()).Block(
		jen.List(jen.Id("impl"), jen.Err()).Op(":=").Add(rt("New").Call(jen.Id("cfg"), jen.Id(m.codecVar), jen.Id("opts").Op("..."))),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(m.managerType).Values(jen.Dict{jen.Id("impl"): jen.Id("impl")}), jen.Nil()),
	)

	emitManager(f, m)

	doc(f, "%s makes the %s built with it answer with p's overrides.", m.withPolicyFunc, m.managerType)
	f.Func().Id(m.withPolicyFunc).Params(jen.Id("p").Id(m.policyType)).Id(m.optionType).Block(
		jen.Return(rt("WithPolicy").Call(jen.Id("p"))),
	)

	doc(f, "%s adds hooks that run, in order, after the handler and before the session is saved.", m.withHooksFunc)
	f.Func().Id(m.withHooksFunc).Params(jen.Id("hooks").Op("...").Id(m.afterRequestType)).Id(m.optionType).Block(
		jen.Return(rt("WithAfterRequest").Call(jen.Id("hooks").Op("..."))),
	)

	doc(f, "%sFromEnv reads %s from the SESSION_* environment variables (SESSION_SECRET_KEY, SESSION_COOKIE_SECURE, ...; see the README). Pass it to %s, which validates it.", m.configType, withArticle(m.configType), m.newFunc)
	f.Func().Id(m.configType+"FromEnv").Params().Params(jen.Id(m.configType), jen.Error()).Block(
		jen.Return(rt("ConfigFromEnv").Call()),
	)

	doc(f, "%s returns the %s session of the request that carries ctx. It panics, saying what to do, if the request did not pass through %s's Middleware: a handler served without it. A handler test can give the request a session without the middleware with %s.", m.fromFunc, m.name, withArticle(m.managerType), m.newContextFunc)
	f.Func().Id(m.fromFunc).Params(jen.Id("ctx").Qual("context", "Context")).Op("*").Id(m.sessionType).Block(
		jen.Return(jen.Qual(implPath, "MustFrom").Index(jen.Id(m.sessionType)).Call(jen.Id("ctx"), jen.Lit(m.name))),
	)

	doc(f, "%s returns a copy of ctx that carries s, where %s finds it: for testing a handler without the middleware. A zero %s is an empty session, ready to use:", m.newContextFunc, m.fromFunc, m.sessionType)
	f.Comment("")
	f.Comment("\tvar s " + m.sessionType)
	f.Comment("\t" + exampleWrite(m))
	f.Comment("\thandler.ServeHTTP(w, r.WithContext(" + m.newContextFunc + "(r.Context(), &s)))")
	f.Comment("")
	doc(f, "Nothing is saved: the handler's changes stay in s for the test to read. An end-to-end test starts from a given session with the cookie %s's Cookie method returns for it.", withArticle(m.managerType))
	f.Func().Id(m.newContextFunc).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("s").Op("*").Id(m.sessionType)).Qual("context", "Context").Block(
		jen.Return(rt("NewContext").Call(jen.Id("ctx"), jen.Id("s"))),
	)
}

// exampleWrite is a write to a session of the model for doc comments: the
// setter of its first field of a basic type, or a flash message.
func exampleWrite(m *model) string {
	for _, f := range m.fields {
		if f.shape.kind != shapeScalar {
			continue
		}
		switch f.shape.scalar {
		case kindString:
			value := `"example"`
			if name := strings.ToLower(f.name); strings.Contains(name, "name") || strings.Contains(name, "user") {
				value = `"alice"`
			}
			return fmt.Sprintf("s.Set%s(%s)", f.accessor, value)
		case kindInt, kindUint, kindFloat:
			return fmt.Sprintf("s.Set%s(1)", f.accessor)
		case kindBool:
			return fmt.Sprintf("s.Set%s(true)", f.accessor)
		}
	}
	return `s.Flash("hello")`
}

// emitSessionType emits the per-request session handle.
func emitSessionType(f *jen.File, m *model) {
	doc(f, "%s is the %s session of one request: typed access to each field, with presence and modification tracking. Getters return copies, so every change goes through a method and is seen.", m.sessionType, m.name)
	f.Type().Id(m.sessionType).Struct(
		jen.Id("state").Qual(implPath, "State"),
		jen.Id("data").Id(m.name),
		jen.Id("has").Index(jen.Lit(len(m.fields))).Bool().Comment("has[i]: field i holds a value"),
	)
}

// emitSessionMethods emits the methods that do not depend on one field.
func emitSessionMethods(f *jen.File, m *model) {
	recv := func() *jen.Statement { return jen.Id("s").Op("*").Id(m.sessionType) }
	delegate := func(name, text string, result jen.Code) {
		doc(f, "%s", text)
		f.Func().Params(recv()).Id(name).Params().Add(result).Block(
			jen.Return(jen.Id("s").Dot("state").Dot(name).Call()),
		)
	}
	delegate("Modified", "Modified reports whether the session was written during this request.", jen.Bool())
	delegate("Accessed", "Accessed reports whether the session was read or written during this request.", jen.Bool())
	delegate("IsNew", "IsNew reports whether the request brought no valid session cookie.", jen.Bool())
	delegate("Permanent", "Permanent reports whether the session's cookie outlives the browser session.", jen.Bool())
	delegate("Err", "Err returns the error of a write that could not happen: a write to a null session.", jen.Error())

	doc(f, "Flash stores a message, in the category \"message\", for a later request to show with Flashes.")
	f.Func().Params(recv()).Id("Flash").Params(jen.Id("message").String()).Block(
		jen.Id("s").Dot("state").Dot("Flash").Call(jen.Qual(rootPath, "DefaultFlashCategory"), jen.Id("message")),
	)

	doc(f, "FlashCategory stores a message under a category for a later request to show with Flashes.")
	f.Func().Params(recv()).Id("FlashCategory").Params(jen.List(jen.Id("category"), jen.Id("message")).String()).Block(
		jen.Id("s").Dot("state").Dot("Flash").Call(jen.Id("category"), jen.Id("message")),
	)

	doc(f, "Flashes returns the stored messages in the given categories (all when none is given) and removes them all from the session, like Flask's get_flashed_messages: later calls in the same request return the same messages.")
	f.Func().Params(recv()).Id("Flashes").Params(jen.Id("categories").Op("...").String()).Index().Qual(rootPath, "Flash").Block(
		jen.Return(jen.Id("s").Dot("state").Dot("Flashes").Call(jen.Id("categories").Op("..."))),
	)

	doc(f, "SetPermanent makes the session's cookie last for the configured lifetime (true) or end with the browser session (false).")
	f.Func().Params(recv()).Id("SetPermanent").Params(jen.Id("permanent").Bool()).Block(
		jen.Id("s").Dot("state").Dot("SetPermanent").Call(jen.Id("permanent")),
	)

	doc(f, "Clear removes every field and the permanent flag. The cookie is deleted when the response is sent, unless something is stored again.")
	f.Func().Params(recv()).Id("Clear").Params().Block(
		jen.If(jen.Op("!").Id("s").Dot("state").Dot("Modify").Call()).Block(jen.Return()),
		jen.Id("s").Dot("state").Dot("Clear").Call(),
		jen.Id("s").Dot("data").Op("=").Id(m.name).Values(),
		jen.Id("s").Dot("has").Op("=").Index(jen.Lit(len(m.fields))).Bool().Values(),
	)
}

// typeCode renders a type as the user spells it, qualified where needed.
func typeCode(t types.Type) *jen.Statement {
	switch t := t.(type) {
	case *types.Alias:
		return qualified(t.Obj())
	case *types.Named:
		code := qualified(t.Obj())
		if args := t.TypeArgs(); args.Len() > 0 {
			var list []jen.Code
			for i := 0; i < args.Len(); i++ {
				list = append(list, typeCode(args.At(i)))
			}
			code = code.Index(list...)
		}
		return code
	case *types.Basic:
		return jen.Id(t.Name())
	case *types.Slice:
		return jen.Index().Add(typeCode(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Lit(int(t.Len()))).Add(typeCode(t.Elem()))
	case *types.Map:
		return jen.Map(typeCode(t.Key())).Add(typeCode(t.Elem()))
	case *types.Pointer:
		return jen.Op("*").Add(typeCode(t.Elem()))
	case *types.Struct:
		var fields []jen.Code
		for i := 0; i < t.NumFields(); i++ {
			v := t.Field(i)
			var field *jen.Statement
			if v.Embedded() {
				field = typeCode(v.Type())
			} else {
				field = jen.Id(v.Name()).Add(typeCode(v.Type()))
			}
			if tag := t.Tag(i); tag != "" {
				field = field.Tag(tagMap(tag))
			}
			fields = append(fields, field)
		}
		return jen.Struct(fields...)
	}
	// The model admits only the types above; spell anything else as go/types does.
	return jen.Id(types.TypeString(t, func(p *types.Package) string { return p.Name() }))
}

// tagMap splits a canonical struct tag (key:"value" pairs) for jennifer,
// which writes them back sorted by key.
func tagMap(tag string) map[string]string {
	m := map[string]string{}
	for _, kv := range tagPairs(tag) {
		m[kv[0]] = kv[1]
	}
	return m
}

// tagPairs parses a struct tag into its key:"value" pairs, in order, as
// reflect.StructTag.Lookup reads them.
func tagPairs(tag string) [][2]string {
	var out [][2]string
	for tag != "" {
		tag = strings.TrimLeft(tag, " ")
		i := strings.Index(tag, ":\"")
		if i <= 0 {
			break
		}
		key := tag[:i]
		rest := tag[i+1:]
		j := 1
		for j < len(rest) && rest[j] != '"' {
			if rest[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(rest) {
			break
		}
		value, err := strconv.Unquote(rest[:j+1])
		if err != nil {
			break
		}
		out = append(out, [2]string{key, value})
		tag = rest[j+1:]
	}
	return out
}

// canonicalTag reports whether jennifer writes tag back unchanged, which an
// anonymous struct type needs to stay the same type.
func canonicalTag(tag string) bool {
	m := tagMap(tag)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%q", k, m[k]))
	}
	return strings.Join(parts, " ") == tag
}

func qualified(obj *types.TypeName) *jen.Statement {
	if obj.Pkg() == nil {
		return jen.Id(obj.Name()) // predeclared: error, comparable
	}
	return jen.Qual(obj.Pkg().Path(), obj.Name())
}

// emitGuard emits, first in the file, a function that fails to compile
// when the struct's fields no longer have the types this file was generated
// for. Its variable is named so that each error says what to do, and is the
// file's first (compilers report errors in the order of the file):
//
//	visitor_session.go:12:18: cannot use &_sessiongen_Visitor_changed_run_go_generate.Visits (value of type *string) as *int value in variable declaration
//
// A pointer to each field checks that its type is the same, not only
// assignable (a []string field that became a named slice type is caught).
func emitGuard(f *jen.File, m *model) {
	v := guardName(m)
	doc(f, "If %s changes, this function stops compiling, with errors that name %s: this file was generated for %s as it was then. Run \"go generate\" again.", m.name, v, m.name)
	body := []jen.Code{jen.Var().Id(v).Id(m.name)}
	for _, fd := range m.fields {
		body = append(body, jen.Var().Id("_").Op("*").Add(typeCode(fd.typ)).Op("=").Op("&").Id(v).Dot(fd.name))
	}
	if len(m.fields) == 0 {
		body = append(body, jen.Id("_").Op("=").Id(v))
	}
	f.Func().Id("_").Params().Block(body...)
}

// emitVersionCheck emits the constants that stop the file compiling
// against a runtime that does not serve its contract version, with errors
// that name the fix (see sessionimpl's package doc).
func emitVersionCheck(f *jen.File) {
	impl := func(name string) *jen.Statement { return jen.Qual(implPath, name) }
	doc(f, "This file speaks version %d of the contract between generated code and the sessiongen runtime. Built against a runtime that does not serve it, it stops compiling with an error that names the fix.", contractVersion)
	f.Const().Defs(
		jen.Id("_").Op("=").Add(impl("GeneratedTooOld_RunGoGenerate")).Call(jen.Lit(contractVersion).Op("-").Add(impl("MinVersion"))),
		jen.Id("_").Op("=").Add(impl("GeneratedTooNew_UpgradeSessiongen")).Call(impl("MaxVersion").Op("-").Lit(contractVersion)),
	)
}

// guardName is the variable of the guard, which compile errors name.
func guardName(m *model) string {
	return "_sessiongen_" + m.name + "_changed_run_go_generate"
}

// typeString spells t fully qualified, for comparisons.
func typeString(t types.Type) string { return types.TypeString(t, nil) }
