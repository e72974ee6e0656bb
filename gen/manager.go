package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
)

// The manager: a type of the user's package that holds the runtime's
// Interface for the session type and forwards each of its methods, so that
// go doc of the generated type lists what a user calls, each with its doc.

// forward is one forwarded method of the manager.
type forward struct {
	name    string
	doc     string // a format with the model's names: see managerMethods
	params  []forwardParam
	results []jen.Code
}

// forwardParam is a parameter of a forwarded method.
type forwardParam struct {
	name string
	typ  jen.Code
}

// managerMethods returns the methods the manager forwards, in the order go
// doc lists them: the ones an application calls, then Flask's
// SessionInterface.
func managerMethods(m *model) []forward {
	ctx := forwardParam{"ctx", jen.Qual("context", "Context")}
	req := forwardParam{"r", jen.Op("*").Qual("net/http", "Request")}
	w := forwardParam{"w", jen.Qual("net/http", "ResponseWriter")}
	sess := forwardParam{"s", jen.Op("*").Id(m.sessionType)}
	user := forwardParam{"user", jen.String()}
	str, boolean, errT := jen.String(), jen.Bool(), jen.Error()
	return []forward{
		{"Middleware", "Middleware serves next with each request's %[1]s session, opened on its first use and saved just before the first byte of the response, so no handler can forget to save it; handlers read it with %[2]s.",
			[]forwardParam{{"next", jen.Qual("net/http", "Handler")}}, []jen.Code{jen.Qual("net/http", "Handler")}},
		{"Regenerate", "Regenerate gives the session of the request carrying ctx a new ID, keeping its data: call it at login and at every change of privilege, so that an ID planted or seen before opens nothing afterwards. With a Store, a request that loaded the session before a logout answers 409 instead of bringing it back.",
			[]forwardParam{ctx}, []jen.Code{errT}},
		{"Destroy", "Destroy ends the session of the request carrying ctx (a logout): with a Store its record is deleted now, so a copy of its cookie opens nothing; the response deletes the cookie.",
			[]forwardParam{ctx}, []jen.Code{errT}},
		{"DestroyAll", "DestroyAll ends every server-side session of user (the value of the Config.UserKey field) on every instance, and returns how many it ended.",
			[]forwardParam{ctx, user}, []jen.Code{jen.Int(), errT}},
		{"ListUser", "ListUser returns the live server-side sessions of user, most recently used first, each with when it began and was last used and, with Config.RecordDevices, its browser and address: a \"your devices\" page. The request's own session is marked Current.",
			[]forwardParam{ctx, user}, []jen.Code{jen.Index().Qual(rootPath, "UserSession"), errT}},
		{"DestroySession", "DestroySession ends the session of user whose Handle ListUser gave (\"end this session\").",
			[]forwardParam{ctx, user, {"handle", jen.String()}}, []jen.Code{errT}},
		{"DestroyOthers", "DestroyOthers ends every other session of the user of the request carrying ctx (\"log out my other devices\"), in one step of the store, and returns how many it ended.",
			[]forwardParam{ctx}, []jen.Code{jen.Int(), errT}},
		{"Cookie", "Cookie returns the session cookie that carries s, as a response would set it: a test starts an end-to-end request from a given session with it.",
			[]forwardParam{req, sess}, []jen.Code{jen.Op("*").Qual("net/http", "Cookie"), errT}},
		{"Begin", "Begin starts the session of one request for an adapter to a framework whose response writer is its own (see %[3]s): Middleware is Begin, the handler, then the Lifecycle's End.",
			[]forwardParam{w, req}, []jen.Code{jen.Op("*").Id(m.lifecycleType)}},
		{"VerifiedCacheStats", "VerifiedCacheStats reports on the cache of cookie values already verified.",
			nil, []jen.Code{jen.Qual(rootPath, "VerifiedCacheStats")}},
		{"OpenSession", "OpenSession is Flask's open_session: the session the request's cookie carries, else a new one (a null session without a SecretKey). Middleware calls it.",
			[]forwardParam{req}, []jen.Code{jen.Op("*").Id(m.sessionType), errT}},
		{"SaveSession", "SaveSession is Flask's save_session: it sets, refreshes or deletes the cookie as the session and the Config say. Middleware calls it.",
			[]forwardParam{w, req, sess}, []jen.Code{errT}},
		{"MakeNullSession", "MakeNullSession is Flask's make_null_session: a session that refuses writes, for a configuration without a SecretKey.",
			nil, []jen.Code{jen.Op("*").Id(m.sessionType)}},
		{"IsNullSession", "IsNullSession is Flask's is_null_session.", []forwardParam{sess}, []jen.Code{boolean}},
		{"CookieName", "CookieName is Flask's get_cookie_name: the configured name, or the Policy's answer for r.", []forwardParam{req}, []jen.Code{str}},
		{"CookieDomain", "CookieDomain is Flask's get_cookie_domain.", []forwardParam{req}, []jen.Code{str}},
		{"CookiePath", "CookiePath is Flask's get_cookie_path.", []forwardParam{req}, []jen.Code{str}},
		{"CookieHTTPOnly", "CookieHTTPOnly is Flask's get_cookie_httponly.", []forwardParam{req}, []jen.Code{boolean}},
		{"CookieSecure", "CookieSecure is Flask's get_cookie_secure.", []forwardParam{req}, []jen.Code{boolean}},
		{"CookieSameSite", "CookieSameSite is Flask's get_cookie_samesite.", []forwardParam{req}, []jen.Code{jen.Qual("net/http", "SameSite")}},
		{"CookiePartitioned", "CookiePartitioned is Flask's get_cookie_partitioned.", []forwardParam{req}, []jen.Code{boolean}},
		{"ExpirationTime", "ExpirationTime is Flask's get_expiration_time: when the cookie of s expires, zero for a cookie that ends with the browser session.",
			[]forwardParam{req, sess}, []jen.Code{jen.Qual("time", "Time")}},
		{"ShouldSetCookie", "ShouldSetCookie is Flask's should_set_cookie: whether the response sets the cookie of s.", []forwardParam{req, sess}, []jen.Code{boolean}},
	}
}

// emitManager emits the manager type and its forwarded methods.
func emitManager(f *jen.File, m *model) {
	doc(f, "%s keeps %s sessions, in signed cookies or, when its Config has a Store, on the server: serve handlers through its Middleware and read each request's session with %s. It is Flask's SessionInterface for %s; the methods below are the runtime package's Interface's (go doc %s Interface), for this session type. Make one with %s.",
		m.managerType, m.name, m.fromFunc, m.name, runtimePath, m.newFunc)
	f.Type().Id(m.managerType).Struct(
		jen.Id("impl").Op("*").Qual(runtimePath, "Interface").Index(jen.Id(m.sessionType)),
	)
	for _, fw := range managerMethods(m) {
		text := fw.doc
		if strings.Contains(text, "%[") {
			text = fmt.Sprintf(text, m.name, m.fromFunc, m.lifecycleType)
		}
		doc(f, "%s", text)
		params := make([]jen.Code, len(fw.params))
		args := make([]jen.Code, len(fw.params))
		for i, p := range fw.params {
			params[i] = jen.Id(p.name).Add(p.typ)
			args[i] = jen.Id(p.name)
		}
		call := jen.Id("m").Dot("impl").Dot(fw.name).Call(args...)
		body := jen.Return(call)
		if len(fw.results) == 0 {
			body = call
		}
		f.Func().Params(jen.Id("m").Op("*").Id(m.managerType)).Id(fw.name).Params(params...).Params(fw.results...).Block(body)
	}
}
