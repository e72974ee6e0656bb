package runtime

import (
	"net/http"
	"time"
)

// What an application gives an Interface beside its Config, when it is
// built: the per-request overrides of Flask's decisions (policy.go answers
// with them) and the hooks that run before the save (middleware.go runs
// them).

// Policy overrides, per request, some of the decisions of Flask's
// SessionInterface, as a subclass of SecureCookieSessionInterface overrides
// get_cookie_domain and the like. Each function is given the answer the
// Config gives (or, for ExpirationTime and ShouldSetCookie, the one Flask's
// rule computes) and returns the one to use; a nil function keeps it.
//
// A Policy is fixed when the Interface is built ([WithPolicy]), so no way of
// serving a request can skip it: the Interface's methods of the same names
// answer with it, and Middleware, Begin, OpenSession and SaveSession all
// ask those methods.
type Policy[S any] struct {
	CookieName        func(r *http.Request, configured string) string
	CookieDomain      func(r *http.Request, configured string) string
	CookiePath        func(r *http.Request, configured string) string
	CookieHTTPOnly    func(r *http.Request, configured bool) bool
	CookieSecure      func(r *http.Request, configured bool) bool
	CookieSameSite    func(r *http.Request, configured http.SameSite) http.SameSite
	CookiePartitioned func(r *http.Request, configured bool) bool
	ExpirationTime    func(r *http.Request, s *S, computed time.Time) time.Time
	ShouldSetCookie   func(r *http.Request, s *S, computed bool) bool
}

// AfterRequest is a hook that runs after the handler and before the
// session is saved, like a Flask after_request function: it may read and
// change the session and the response headers. It runs when the response
// is about to be sent (the first byte, or the handler's return), which is
// the last moment a change can still reach the cookie. Give hooks to the
// Interface when it is built ([WithAfterRequest]).
type AfterRequest[S any] func(h http.Header, r *http.Request, s *S)
