package runtime

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// OpenSession returns the session carried by the request's cookie, or a new
// empty one when there is none or it does not verify (open_session). A
// rejected cookie is reported to Config.OnError, not returned: the request
// goes on with a fresh session, as in Flask.
//
// When several cookies have the session's name (a sibling subdomain can set
// one), the first that verifies is used, of at most MaxCookieCandidates.
//
// With no secret key (Config.AllowNullSession) it returns a null session,
// as Flask does.
func (si *Interface[S]) OpenSession(r *http.Request) (*S, error) {
	s := new(S)
	si.openInto(r, s)
	return s, si.meta(s).LoadErr
}

// MaxCookieCandidates is how many cookies of the session's name one request
// may make the Interface verify. A sibling subdomain can plant cookies of
// the same name, and a path more specific than the session's puts them
// first, so a few are tried in order and the first that verifies wins; the
// rest are not read, so that thousands of planted cookies cost a few MAC
// checks, not thousands. Empty values, and values with bytes net/http
// refuses in a cookie, are ignored as net/http ignores them and do not
// count.
const MaxCookieCandidates = 4

// RejectedCookiesError reports, in one error per request, the cookies of
// the session's name that the request carried and that could not be
// opened, when there was more than one or some were not read at all. A
// single rejected cookie is reported as its own [*CookieError].
type RejectedCookiesError struct {
	Errs    []error // one per cookie tried, in the order they came
	Skipped int     // cookies of the name after MaxCookieCandidates, not read
}

func (e *RejectedCookiesError) Error() string {
	msg := fmt.Sprintf("sessiongen: %d session cookies rejected", len(e.Errs))
	if e.Skipped > 0 {
		msg += fmt.Sprintf(", %d more not read (at most %d are tried)", e.Skipped, MaxCookieCandidates)
	}
	if len(e.Errs) > 0 {
		msg += "; the first: " + e.Errs[0].Error()
	}
	return msg
}

// Unwrap returns each cookie's error, for errors.Is and errors.As.
func (e *RejectedCookiesError) Unwrap() []error { return e.Errs }

// openInto fills the zero session s from the request's cookie.
func (si *Interface[S]) openInto(r *http.Request, s *S) {
	if si.storage == nil {
		si.meta(s).Status = sessionimpl.StatusNew | sessionimpl.StatusNull
		return
	}
	name := si.CookieName(r)
	if name != si.cfg.CookieName && validCookieName(name) != nil {
		// Reported when the session is saved; no cookie can carry it.
		si.meta(s).Status |= sessionimpl.StatusNew
		return
	}
	cookies := newCookieScanner(r.Header, name)
	var rejected []error
	skipped, opened, dead := 0, false, false
	for {
		value, ok := cookies.next()
		if !ok {
			break
		}
		if value == "" {
			continue
		}
		if len(rejected) == MaxCookieCandidates {
			skipped++
			continue
		}
		err := si.load(r, s, name, value)
		if opened = err == nil; opened {
			break
		}
		var zero S
		*s = zero
		if !isCookieError(err) {
			// The store failed: the session may well exist. The request
			// must not go on as if it did not (a save would replace it).
			si.meta(s).LoadErr = err
			si.report(r, err)
			break
		}
		if err != errNotCookieValue {
			rejected = append(rejected, err)
		}
		// A valid ID whose record is gone (a logout elsewhere, an expiry,
		// a store that lost its data): the response deletes the cookie,
		// so that it is not sent, and reported, again and again.
		dead = dead || errors.Is(err, ErrNotFound)
	}
	switch {
	case len(rejected) == 1 && skipped == 0:
		si.report(r, rejected[0])
	case len(rejected) > 0:
		si.report(r, &RejectedCookiesError{Errs: rejected, Skipped: skipped})
	}
	if !opened {
		m := si.meta(s)
		m.Status |= sessionimpl.StatusNew
		if dead {
			m.Status |= sessionimpl.StatusDeadCookie
		}
	}
}

// load fills s from what the cookie value stands for, in three steps: the
// storage verifies the value (or finds it in its verified cache) and
// reports its date; the date is checked, here and only here; the storage
// loads what the value stands for.
func (si *Interface[S]) load(r *http.Request, s *S, name, value string) error {
	// Length first: no base64 or crypto work on oversized input.
	if len(name)+len(value) > si.cfg.MaxCookieSize {
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieTooLarge}
	}
	now := si.cfg.now()
	sc := si.pool.Get().(*scratch)
	defer si.pool.Put(sc)
	v := si.view(s)
	date, err := si.storage.verify(sc, v, name, value)
	if err != nil {
		return err
	}
	if err := checkCookieAge(si.cfg.dates, name, value, date, now); err != nil {
		return err
	}
	dropped, err := si.storage.load(r.Context(), sc, v, name, value)
	if err != nil {
		return err
	}
	if si.cfg.AbsoluteLifetime > 0 {
		if v.m.Created == 0 {
			// Saved before AbsoluteLifetime was set: created no later
			// than its last save.
			v.m.Created = date
		}
		if now.Unix()-v.m.Created >= int64(si.cfg.AbsoluteLifetime/time.Second) {
			return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: errAbsoluteLifetime}
		}
	}
	for _, err := range dropped {
		si.report(r, err)
	}
	return nil
}

// isCookieError tells the errors of a cookie that does not open (the
// request goes on with a new session) from those of a store that could
// not answer.
func isCookieError(err error) bool {
	var ce *CookieError
	return err == errNotCookieValue || errors.As(err, &ce)
}

// errAbsoluteLifetime is the cause of an ErrCookieExpired for a session
// older than AbsoluteLifetime.
var errAbsoluteLifetime = errorString("the session is older than AbsoluteLifetime")
