package runtime

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// CookieName returns the session cookie's name for r (Flask's
// get_cookie_name).
func (si *Interface[S]) CookieName(r *http.Request) string {
	if f := si.policy.CookieName; f != nil {
		return f(r, si.cfg.CookieName)
	}
	return si.cfg.CookieName
}

// CookieDomain returns the Domain attribute for r, empty for a host-only
// cookie (get_cookie_domain).
func (si *Interface[S]) CookieDomain(r *http.Request) string {
	if f := si.policy.CookieDomain; f != nil {
		return f(r, si.cfg.CookieDomain)
	}
	return si.cfg.CookieDomain
}

// CookiePath returns the Path attribute for r (get_cookie_path).
func (si *Interface[S]) CookiePath(r *http.Request) string {
	if f := si.policy.CookiePath; f != nil {
		return f(r, si.cfg.CookiePath)
	}
	return si.cfg.CookiePath
}

// CookieHTTPOnly reports whether the cookie is HttpOnly for r
// (get_cookie_httponly).
func (si *Interface[S]) CookieHTTPOnly(r *http.Request) bool {
	if f := si.policy.CookieHTTPOnly; f != nil {
		return f(r, !si.cfg.DisableHTTPOnly)
	}
	return !si.cfg.DisableHTTPOnly
}

// CookieSecure reports whether the cookie is Secure for r
// (get_cookie_secure).
func (si *Interface[S]) CookieSecure(r *http.Request) bool {
	if f := si.policy.CookieSecure; f != nil {
		return f(r, si.cfg.secure)
	}
	return si.cfg.secure
}

// CookieSameSite returns the SameSite attribute for r;
// http.SameSiteDefaultMode means none is sent (get_cookie_samesite).
func (si *Interface[S]) CookieSameSite(r *http.Request) http.SameSite {
	if f := si.policy.CookieSameSite; f != nil {
		return f(r, si.cfg.sameSite)
	}
	return si.cfg.sameSite
}

// CookiePartitioned reports whether the cookie is Partitioned for r
// (get_cookie_partitioned).
func (si *Interface[S]) CookiePartitioned(r *http.Request) bool {
	if f := si.policy.CookiePartitioned; f != nil {
		return f(r, si.cfg.Partitioned)
	}
	return si.cfg.Partitioned
}

// ExpirationTime returns when the session's cookie expires: now plus the
// lifetime for a permanent session (never past its AbsoluteLifetime), the
// zero time (a browser-session cookie) otherwise (get_expiration_time).
func (si *Interface[S]) ExpirationTime(r *http.Request, s *S) time.Time {
	exp := si.expirationTime(s)
	if f := si.policy.ExpirationTime; f != nil {
		return f(r, s, exp)
	}
	return exp
}

func (si *Interface[S]) expirationTime(s *S) time.Time {
	m := si.meta(s)
	if !m.Has(sessionimpl.StatusPermanent) {
		return time.Time{}
	}
	return si.cfg.capAbsolute(si.cfg.now().Add(si.cfg.Lifetime), m.Created)
}

// ShouldSetCookie reports whether SaveSession sends the cookie: when the
// session was modified, or when it is permanent and refreshed on every
// request (should_set_cookie).
func (si *Interface[S]) ShouldSetCookie(r *http.Request, s *S) bool {
	m := si.meta(s)
	set := m.Has(sessionimpl.StatusModified) || (m.Has(sessionimpl.StatusPermanent) && !si.cfg.DisableRefreshEachRequest)
	if f := si.policy.ShouldSetCookie; f != nil {
		return f(r, s, set)
	}
	return set
}

// MakeNullSession returns a session that can be read (it is empty) but not
// written: writes record ErrNullSession. It is never saved
// (make_null_session).
func (si *Interface[S]) MakeNullSession() *S {
	s := new(S)
	si.meta(s).Status = sessionimpl.StatusNew | sessionimpl.StatusNull
	return s
}

// IsNullSession reports whether s is a null session (is_null_session).
func (si *Interface[S]) IsNullSession(s *S) bool { return si.meta(s).Has(sessionimpl.StatusNull) }

// cookieFor builds the session cookie, without a value, with the
// attributes the policy gives r. Partitioned forces Secure, as in Flask.
func (si *Interface[S]) cookieFor(r *http.Request, name string) http.Cookie {
	partitioned := si.CookiePartitioned(r)
	return http.Cookie{
		Name:        name,
		Domain:      si.CookieDomain(r),
		Path:        si.CookiePath(r),
		HttpOnly:    si.CookieHTTPOnly(r),
		Secure:      si.CookieSecure(r) || partitioned,
		SameSite:    si.CookieSameSite(r),
		Partitioned: partitioned,
	}
}

// sendable returns an error matching ErrCookieConfig if net/http would drop
// c (it drops invalid cookies silently): an override returned a name,
// domain or path no cookie can have.
func sendable(c *http.Cookie) error {
	if err := c.Valid(); err != nil {
		return fmt.Errorf("sessiongen: the session cookie cannot be sent: %w: %w", ErrCookieConfig, err)
	}
	return nil
}

// addVaryCookie adds "Cookie" to the Vary header unless it is there
// already, appending to the last Vary line so that the header stays one
// line ("Accept-Encoding, Cookie"), as Flask writes it.
func addVaryCookie(h http.Header) {
	vary := h["Vary"]
	for _, v := range vary {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	if n := len(vary); n > 0 && strings.TrimSpace(vary[n-1]) != "" {
		vary[n-1] += ", Cookie"
		return
	}
	h.Set("Vary", "Cookie")
}

// noSharedCache keeps a response that sets a cookie out of shared caches,
// unless the handler chose a Cache-Control itself.
func noSharedCache(h http.Header) {
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private")
	}
}
