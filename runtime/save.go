package runtime

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// SaveSession writes the session's cookie to the response headers, or
// deletes it, following Flask 3.1's save_session:
//
//  1. a session that was read or written adds "Vary: Cookie";
//  2. an empty session deletes the cookie if this request emptied it, and
//     is otherwise not sent;
//  3. ShouldSetCookie decides whether the cookie is sent at all;
//  4. the cookie carries every attribute the policy gives and, for a
//     permanent session, Expires = ExpirationTime.
//
// A cookie larger than MaxCookieSize is not sent: the error wraps
// ErrCookieTooLarge. Null sessions are never saved.
func (si *Interface[S]) SaveSession(w http.ResponseWriter, r *http.Request, s *S) error {
	m := si.meta(s)
	if m.Loader != nil {
		return nil // never used: not even loaded
	}
	if m.LoadErr != nil {
		return m.LoadErr
	}
	if si.IsNullSession(s) {
		return nil
	}
	if m.Has(sessionimpl.StatusAccessed) {
		addVaryCookie(w.Header())
	}
	if si.codec.Empty(s) && m.Bare() {
		if m.Has(sessionimpl.StatusModified | sessionimpl.StatusDeadCookie) {
			return si.deleteCookie(w, r, m)
		}
		return nil
	}
	if !si.ShouldSetCookie(r, s) {
		if m.Record != nil { // a record on the server: its expiry may be due a move
			return si.storage.keepAlive(r.Context(), m, si.cfg.now())
		}
		return nil
	}
	return si.setCookie(w, r, s)
}

// deleteCookie forgets the session m, which this request emptied, and
// deletes its cookie.
func (si *Interface[S]) deleteCookie(w http.ResponseWriter, r *http.Request, m *sessionimpl.Meta) error {
	if err := si.storage.remove(r.Context(), m); err != nil {
		return err
	}
	m.Status &^= sessionimpl.StatusDeadCookie
	c := si.cookieFor(r, si.CookieName(r))
	c.MaxAge = -1 // Max-Age=0
	c.Expires = time.Unix(0, 0)
	if err := sendable(&c); err != nil {
		return err
	}
	http.SetCookie(w, &c)
	h := w.Header()
	addVaryCookie(h)
	noSharedCache(h)
	return nil
}

// setCookie keeps the session s and sets the cookie that finds it again:
// the value from storage, checked against MaxCookieSize, then the
// attributes, in one Set-Cookie line.
func (si *Interface[S]) setCookie(w http.ResponseWriter, r *http.Request, s *S) error {
	now := si.cfg.now()
	m := si.meta(s)
	if si.cfg.AbsoluteLifetime > 0 && m.Created == 0 {
		m.Created = now.Unix()
	}
	name := si.CookieName(r)
	c := si.cookieFor(r, name)
	if exp := si.ExpirationTime(r, s); !exp.IsZero() {
		c.Expires = exp
	}
	sc := si.pool.Get().(*scratch)
	defer si.pool.Put(sc)
	// The Set-Cookie line is written in one buffer: name=value, then the
	// attributes.
	line := append(sc.line[:0], name...)
	line = append(line, '=')
	valueAt := len(line)
	sc.changeSet = false
	line, err := si.storage.value(r, sc, si.view(s), line, name, now)
	sc.line = line
	if sc.changeSet && si.cfg.OnConcurrentChange != nil {
		si.cfg.OnConcurrentChange(r, sc.change)
	}
	if err != nil {
		return err
	}
	if size := len(line) - 1; size > si.cfg.MaxCookieSize { // name and value, without the "="
		return &CookieError{Name: name, Size: len(line) - valueAt, Err: ErrCookieTooLarge,
			Cause: fmt.Errorf("name and value take %d bytes, more than the %d a browser keeps: store less in the session", size, si.cfg.MaxCookieSize)}
	}
	if c.Secure {
		si.warnInsecure(r)
	}
	if err := si.appendAttributes(w, sc, &c, valueAt); err != nil {
		return err
	}
	h := w.Header()
	addVaryCookie(h)
	noSharedCache(h)
	return nil
}

// appendAttributes completes the Set-Cookie line in sc.line, whose value
// starts at valueAt, with the attributes of c and adds it to w: the
// precomputed attributes when c has the configured ones, else through
// net/http, which checks them.
func (si *Interface[S]) appendAttributes(w http.ResponseWriter, sc *scratch, c *http.Cookie, valueAt int) error {
	line := sc.line
	if !si.cfg.plainAttributes(c) {
		c.Value = string(line[valueAt:])
		if err := sendable(c); err != nil {
			return err
		}
		http.SetCookie(w, c)
		return nil
	}
	line = append(line, si.cfg.attrHead...)
	if !c.Expires.IsZero() {
		line = append(line, "; Expires="...)
		line = c.Expires.UTC().AppendFormat(line, http.TimeFormat)
	}
	line = append(line, si.cfg.attrTail...)
	sc.line = line
	h := w.Header()
	h["Set-Cookie"] = append(h["Set-Cookie"], string(line))
	return nil
}
