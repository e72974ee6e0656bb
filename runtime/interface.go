package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime/wire"
)

// Codec binds a generated session type S to the runtime. The generated file
// fills one in; nothing else needs to.
type Codec[S any] struct {
	// Name is the session type's name. It is bound into every cookie's
	// MAC, beside the cookie name, so that a cookie minted for one session
	// type never opens as another that shares its cookie name and keys.
	Name string
	// State returns the session's metadata.
	State func(*S) *State
	// Empty reports whether no field of the session holds a value.
	Empty func(*S) bool
	// Encode writes every present field as an entry. It fails only when a
	// field's own MarshalText or MarshalJSON does.
	Encode func(*S, *wire.Encoder) error
	// DecodeEntry reads the entry at d into the field with that key, if
	// any. It returns an error matching wire.ErrMismatch when the stored
	// value no longer fits the field; the field stays absent.
	DecodeEntry func(s *S, key []byte, d *wire.Decoder) error
	// Copy copies the fields of src and their presence to dst, deeply: the
	// two share no memory afterwards. The State is not copied. With Copy
	// nil, verified cookies are not remembered (Config.VerifiedCacheSize).
	Copy func(dst, src *S)
}

// FieldError reports a field dropped while opening a session because its
// stored value no longer fits the struct (a type changed incompatibly
// between releases). The rest of the session is kept.
type FieldError struct {
	Key string // the field's session key
	Err error  // matches wire.ErrMismatch
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("sessiongen: session key %q dropped: %v", e.Key, e.Err)
}

// Unwrap returns the decoding error.
func (e *FieldError) Unwrap() error { return e.Err }

// payloadVersion is the first byte of every payload. A payload with another
// first byte is refused as a whole (ErrPayload) and the request gets a
// fresh session.
const payloadVersion = 1

// Flag bits, the payload's second byte.
const (
	flagPermanentSet = 1 << iota
	flagPermanent
)

// Interface is Flask's SessionInterface for the session type S, storing the
// session in a signed (optionally encrypted) cookie. Its methods are safe
// for concurrent use; the sessions it opens belong to one request each.
type Interface[S any] struct {
	cfg      *settings
	codec    Codec[S]
	signer   cookieSigner              // nil for null sessions: no secret key
	pool     sync.Pool                 // of *scratch
	verified *verifiedCache[opened[S]] // nil: every cookie is verified afresh
}

// opened is a session as a verified cookie decoded to it, kept by the
// verified cache and copied into each request that sends the cookie again.
type opened[S any] struct {
	session *S     // fields and presence; its State is unused
	status  status // the permanent flags
	flashes []Flash
	created int64
}

// SessionInterface is Flask's SessionInterface: every method that decides
// how a session is opened, saved and sent. *Interface[S] implements it; to
// change one method, embed an *Interface[S] in a type of your own, override
// the method, and serve through [Middleware] with your type: the embedded
// Interface's OpenSession and SaveSession then call your override, as a
// Flask subclass of SecureCookieSessionInterface would.
type SessionInterface[S any] interface {
	CookieName(r *http.Request) string
	CookieDomain(r *http.Request) string
	CookiePath(r *http.Request) string
	CookieHTTPOnly(r *http.Request) bool
	CookieSecure(r *http.Request) bool
	CookieSameSite(r *http.Request) http.SameSite
	CookiePartitioned(r *http.Request) bool
	ExpirationTime(r *http.Request, s *S) time.Time
	ShouldSetCookie(r *http.Request, s *S) bool
	OpenSession(r *http.Request) (*S, error)
	SaveSession(w http.ResponseWriter, r *http.Request, s *S) error
	MakeNullSession() *S
	IsNullSession(s *S) bool
}

// New validates cfg and returns an Interface for S. Every problem a request
// could hit because of the configuration is reported here, at start-up.
func New[S any](cfg Config, codec Codec[S]) (*Interface[S], error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	si := &Interface[S]{cfg: s, codec: codec}
	if len(s.SecretKey) > 0 {
		salt := s.Salt
		if salt == "" {
			salt = codec.Name
		}
		if si.signer, err = newSigner(s, salt); err != nil {
			return nil, err
		}
	}
	si.pool.New = func() any { return new(scratch) }
	// Only signed cookies are remembered: securecookie keeps an encrypted
	// cookie's timestamp to itself, and the age check must run every time.
	if _, signed := si.signer.(*macSigner); signed && s.VerifiedCacheSize > 0 && codec.Copy != nil {
		si.verified = newVerifiedCache[opened[S]](s.VerifiedCacheSize)
	}
	return si, nil
}

// VerifiedCacheStats reports how the verified-cookie cache is doing (see
// Config.VerifiedCacheSize); all zero when it is off.
func (si *Interface[S]) VerifiedCacheStats() VerifiedCacheStats { return si.verified.stats() }

// CookieName returns the session cookie's name (Flask's
// get_cookie_name).
func (si *Interface[S]) CookieName(*http.Request) string { return si.cfg.CookieName }

// CookieDomain returns the Domain attribute, empty for a host-only cookie
// (get_cookie_domain).
func (si *Interface[S]) CookieDomain(*http.Request) string { return si.cfg.CookieDomain }

// CookiePath returns the Path attribute (get_cookie_path).
func (si *Interface[S]) CookiePath(*http.Request) string { return si.cfg.CookiePath }

// CookieHTTPOnly reports whether the cookie is HttpOnly
// (get_cookie_httponly).
func (si *Interface[S]) CookieHTTPOnly(*http.Request) bool { return !si.cfg.DisableHTTPOnly }

// CookieSecure reports whether the cookie is Secure (get_cookie_secure).
func (si *Interface[S]) CookieSecure(*http.Request) bool { return si.cfg.secure }

// CookieSameSite returns the SameSite attribute; http.SameSiteDefaultMode
// means none is sent (get_cookie_samesite).
func (si *Interface[S]) CookieSameSite(*http.Request) http.SameSite { return si.cfg.sameSite }

// CookiePartitioned reports whether the cookie is Partitioned
// (get_cookie_partitioned).
func (si *Interface[S]) CookiePartitioned(*http.Request) bool { return si.cfg.Partitioned }

// ExpirationTime returns when the session's cookie expires: now plus the
// lifetime for a permanent session, the zero time (a browser-session cookie)
// otherwise (get_expiration_time).
func (si *Interface[S]) ExpirationTime(_ *http.Request, s *S) time.Time {
	st := si.codec.State(s)
	if !st.has(statusPermanent) {
		return time.Time{}
	}
	exp := si.cfg.now().Add(si.cfg.Lifetime)
	if si.cfg.AbsoluteLifetime > 0 && st.created != 0 {
		if end := time.Unix(st.created, 0).Add(si.cfg.AbsoluteLifetime); end.Before(exp) {
			return end
		}
	}
	return exp
}

// ShouldSetCookie reports whether SaveSession sends the cookie: when the
// session was modified, or when it is permanent and refreshed on every
// request (should_set_cookie).
func (si *Interface[S]) ShouldSetCookie(_ *http.Request, s *S) bool {
	st := si.codec.State(s)
	return st.has(statusModified) || (st.has(statusPermanent) && !si.cfg.DisableRefreshEachRequest)
}

// MakeNullSession returns a session that can be read (it is empty) but not
// written: writes record ErrNullSession. It is never saved
// (make_null_session).
func (si *Interface[S]) MakeNullSession() *S {
	s := new(S)
	si.codec.State(s).status = statusNew | statusNull
	return s
}

// IsNullSession reports whether s is a null session (is_null_session).
func (si *Interface[S]) IsNullSession(s *S) bool { return si.codec.State(s).has(statusNull) }

// OpenSession returns the session carried by the request's cookie, or a new
// empty one when there is none or it does not verify (open_session). A
// rejected cookie is reported to Config.OnError, not returned: the request
// goes on with a fresh session, as in Flask.
//
// When several cookies have the session's name (a sibling subdomain can set
// one), the first that verifies is used.
//
// With no secret key (Config.AllowNullSession) it returns a null session,
// as Flask does.
func (si *Interface[S]) OpenSession(r *http.Request) (*S, error) {
	if si.signer == nil {
		return si.outer(r).MakeNullSession(), nil
	}
	s := new(S)
	si.openInto(r, s)
	return s, nil
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
	name := si.outer(r).CookieName(r)
	if name != si.cfg.CookieName && validCookieName(name) != nil {
		// Reported when the session is saved; no cookie can carry it.
		si.codec.State(s).status |= statusNew
		return
	}
	cookies := newCookieScanner(r.Header, name)
	var rejected []error
	skipped, opened := 0, false
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
		err := si.decode(r, s, name, value)
		if opened = err == nil; opened {
			break
		}
		var zero S
		*s = zero
		if err != errNotCookieValue {
			rejected = append(rejected, err)
		}
	}
	switch {
	case len(rejected) == 1 && skipped == 0:
		si.report(r, rejected[0])
	case len(rejected) > 0:
		si.report(r, &RejectedCookiesError{Errs: rejected, Skipped: skipped})
	}
	if !opened {
		si.codec.State(s).status |= statusNew
	}
}

// decode verifies value and fills s from its payload, or from what the
// same value decoded to before.
func (si *Interface[S]) decode(r *http.Request, s *S, name, value string) error {
	// Length first: no base64 or crypto work on oversized input.
	if len(name)+len(value) > si.cfg.MaxCookieSize {
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieTooLarge}
	}
	now := si.cfg.now()
	var h uint64
	if si.verified != nil {
		h = si.verified.hash(value)
	}
	if e, ok := si.verified.get(h, name, value); ok {
		if expired(e.date, now, int64(si.cfg.maxAge)) {
			return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired}
		}
		if si.pastAbsoluteEnd(e.v.created, now) {
			return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: errAbsoluteLifetime}
		}
		si.restore(s, &e.v)
		return nil
	}
	sc := si.pool.Get().(*scratch)
	defer si.pool.Put(sc)
	payload, date, err := si.signer.open(sc, name, value, now)
	if err != nil {
		return err
	}
	if len(payload) < 2 || payload[0] != payloadVersion || payload[1]&^(flagPermanentSet|flagPermanent) != 0 {
		return &CookieError{Name: name, Size: len(value), Err: ErrPayload, Cause: wire.ErrCorrupt}
	}
	st := si.codec.State(s)
	if payload[1]&flagPermanentSet != 0 {
		st.status |= statusPermanentSet
	}
	if payload[1]&flagPermanent != 0 {
		st.status |= statusPermanent
	}
	d := &sc.dec
	// One string holds every string the payload carries.
	d.ResetText(payload[2:], string(payload[2:]))
	defer d.Reset(nil) // the pool must not keep the strings alive
	var dropped []error
	for d.Next() {
		if key := d.Key(); len(key) > 0 && key[0] == metaPrefix {
			si.decodeMeta(st, key, d)
			continue
		}
		if err := si.codec.DecodeEntry(s, d.Key(), d); err != nil {
			if d.Err() != nil {
				break
			}
			dropped = append(dropped, &FieldError{Key: string(d.Key()), Err: err})
		}
	}
	if err := d.Err(); err != nil {
		return &CookieError{Name: name, Size: len(value), Err: ErrPayload, Cause: err}
	}
	if si.cfg.AbsoluteLifetime > 0 && st.created == 0 {
		// Written before AbsoluteLifetime was set: created no later than
		// its signature.
		st.created = date
		if date < 0 { // securecookie keeps the date to itself
			st.created = now.Unix()
		}
	}
	if si.pastAbsoluteEnd(st.created, now) {
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: errAbsoluteLifetime}
	}
	for _, err := range dropped {
		si.report(r, err)
	}
	// A cookie that lost fields is not remembered, so that every request
	// sending it reports the loss.
	if si.verified != nil && len(dropped) == 0 && si.verified.admit(h) {
		si.verified.put(h, name, value, date, si.snapshot(s))
	}
	return nil
}

// snapshot copies what decoding gave s, for the verified cache.
func (si *Interface[S]) snapshot(s *S) opened[S] {
	st := si.codec.State(s)
	o := opened[S]{session: new(S), status: st.status & (statusPermanentSet | statusPermanent), flashes: slices.Clone(st.flashes), created: st.created}
	si.codec.Copy(o.session, s)
	return o
}

// restore fills the zero session s from a snapshot.
func (si *Interface[S]) restore(s *S, o *opened[S]) {
	si.codec.Copy(s, o.session)
	st := si.codec.State(s)
	st.status |= o.status
	st.flashes = slices.Clone(o.flashes)
	st.created = o.created
}

// pastAbsoluteEnd tells whether a session created at created (Unix
// seconds) has outlived AbsoluteLifetime at now.
func (si *Interface[S]) pastAbsoluteEnd(created int64, now time.Time) bool {
	return si.cfg.AbsoluteLifetime > 0 && now.Unix()-created >= int64(si.cfg.AbsoluteLifetime/time.Second)
}

// errAbsoluteLifetime is the cause of an ErrCookieExpired for a session
// older than AbsoluteLifetime.
var errAbsoluteLifetime = errorString("the session is older than AbsoluteLifetime")

// Metadata entries have keys that start with a NUL byte, which the
// generator refuses in session keys: they cannot collide with user fields.
const (
	metaPrefix  = 0
	metaFlashes = "\x00flashes" // a list of strings: category, message, category, message...
	metaCreated = "\x00created" // Unix seconds; written only with Config.AbsoluteLifetime
)

// decodeMeta reads a metadata entry; unknown ones, from a later release, are
// skipped.
func (si *Interface[S]) decodeMeta(st *State, key []byte, d *wire.Decoder) {
	if string(key) == metaCreated {
		if v, err := d.Int(); err == nil && v > 0 {
			st.created = v
		}
		return
	}
	if string(key) != metaFlashes {
		return
	}
	v, err := wire.Slice(d, wire.TypeBytes, wire.ReadString[string])
	if err != nil || len(v)%2 != 0 {
		return
	}
	for i := 0; i < len(v); i += 2 {
		st.flashes = append(st.flashes, Flash{Category: v[i], Message: v[i+1]})
	}
}

func encodeMeta(e *wire.Encoder, st *State) {
	if st.created != 0 {
		e.Int(metaCreated, st.created)
	}
	if len(st.flashes) == 0 {
		return
	}
	mark := e.BeginList(metaFlashes, wire.TypeBytes, 2*len(st.flashes))
	for _, f := range st.flashes {
		e.StringValue(f.Category)
		e.StringValue(f.Message)
	}
	e.EndList(mark)
}

func (si *Interface[S]) stateOf(s *S) *State { return si.codec.State(s) }

func (si *Interface[S]) report(r *http.Request, err error) {
	if si.cfg.OnError != nil {
		si.cfg.OnError(r, err)
	}
}

// appendValue appends the signed cookie value of s to dst.
func (si *Interface[S]) appendValue(sc *scratch, dst []byte, name string, s *S) ([]byte, error) {
	e := &sc.enc
	e.Reset(e.Data())
	st := si.codec.State(s)
	var flags byte
	if st.has(statusPermanentSet) {
		flags |= flagPermanentSet
	}
	if st.has(statusPermanent) {
		flags |= flagPermanent
	}
	e.Raw(payloadVersion, flags)
	encodeMeta(e, st)
	if err := si.codec.Encode(s, e); err != nil {
		return dst, err
	}
	return si.signer.appendValue(sc, dst, name, e.Data(), si.cfg.now())
}

// SaveSession writes the session's cookie to the response headers, or
// deletes it, following Flask 3.1's save_session:
//
//  1. a session that was read or written adds "Vary: Cookie";
//  2. an empty session deletes the cookie if this request emptied it, and
//     is otherwise not sent;
//  3. ShouldSetCookie decides whether the cookie is sent at all;
//  4. the cookie carries every configured attribute and, for a permanent
//     session, Expires = ExpirationTime.
//
// A cookie larger than MaxCookieSize is not sent: the error wraps
// ErrCookieTooLarge. Null sessions are never saved.
func (si *Interface[S]) SaveSession(w http.ResponseWriter, r *http.Request, s *S) error {
	o := si.outer(r)
	if o.IsNullSession(s) {
		return nil
	}
	st := si.codec.State(s)
	h := w.Header()
	if st.has(statusAccessed) {
		addVaryCookie(h)
	}
	name := o.CookieName(r)
	if si.codec.Empty(s) && st.empty() {
		if st.has(statusModified) {
			c := cookieFor(o, r, name, "")
			c.MaxAge = -1 // Max-Age=0
			c.Expires = time.Unix(0, 0)
			if err := sendable(&c); err != nil {
				return err
			}
			http.SetCookie(w, &c)
			addVaryCookie(h)
			noSharedCache(h)
		}
		return nil
	}
	if !o.ShouldSetCookie(r, s) {
		return nil
	}
	if si.cfg.AbsoluteLifetime > 0 && st.created == 0 {
		st.created = si.cfg.now().Unix()
	}
	c := cookieFor(o, r, name, "")
	if exp := o.ExpirationTime(r, s); !exp.IsZero() {
		c.Expires = exp
	}
	sc := si.pool.Get().(*scratch)
	defer si.pool.Put(sc)
	// The Set-Cookie line is written in one buffer: name=value, then the
	// attributes, precomputed when they are the configured ones.
	line := append(sc.line[:0], name...)
	line = append(line, '=')
	valueAt := len(line)
	line, err := si.appendValue(sc, line, name, s)
	sc.line = line
	if err != nil {
		return fmt.Errorf("sessiongen: signing the session: %w", err)
	}
	if size := len(line) - 1; size > si.cfg.MaxCookieSize { // name and value, without the "="
		return &CookieError{Name: name, Size: len(line) - valueAt, Err: ErrCookieTooLarge,
			Cause: fmt.Errorf("name and value take %d bytes, more than the %d a browser keeps: store less in the session", size, si.cfg.MaxCookieSize)}
	}
	if si.cfg.plainAttributes(&c) {
		line = append(line, si.cfg.attrHead...)
		if !c.Expires.IsZero() {
			line = append(line, "; Expires="...)
			line = c.Expires.UTC().AppendFormat(line, http.TimeFormat)
		}
		line = append(line, si.cfg.attrTail...)
		sc.line = line
		h["Set-Cookie"] = append(h["Set-Cookie"], string(line))
	} else {
		c.Value = string(line[valueAt:])
		if err := sendable(&c); err != nil {
			return err
		}
		http.SetCookie(w, &c)
	}
	addVaryCookie(h)
	noSharedCache(h)
	return nil
}

// cookieFor builds the cookie with the attributes o gives this request.
// Partitioned forces Secure, as in Flask.
func cookieFor[S any](o SessionInterface[S], r *http.Request, name, value string) http.Cookie {
	partitioned := o.CookiePartitioned(r)
	return http.Cookie{
		Name:        name,
		Value:       value,
		Domain:      o.CookieDomain(r),
		Path:        o.CookiePath(r),
		HttpOnly:    o.CookieHTTPOnly(r),
		Secure:      o.CookieSecure(r) || partitioned,
		SameSite:    o.CookieSameSite(r),
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

// requestState is what the middleware keeps in a request's context: the
// interface serving it (so that overrides are honoured by the embedded
// Interface's methods) and the session.
type requestState[S any] struct {
	si SessionInterface[S]
	s  *S
}

// contextKey is the context key of sessions of type S.
type contextKey[S any] struct{}

// outer returns the interface serving r: the value given to Middleware,
// which may override some of si's methods, or si itself.
func (si *Interface[S]) outer(r *http.Request) SessionInterface[S] {
	if rs, ok := r.Context().Value(contextKey[S]{}).(*requestState[S]); ok && rs.si != nil {
		return rs.si
	}
	return si
}

// From returns the session that [Middleware] opened for the request
// carrying ctx, or nil if the request did not pass through it.
func From[S any](ctx context.Context) *S {
	rs, _ := ctx.Value(contextKey[S]{}).(*requestState[S])
	if rs == nil {
		return nil
	}
	return rs.s
}

// NewContext returns a copy of ctx carrying s, for handlers and tests that
// open sessions without the middleware.
func NewContext[S any](ctx context.Context, s *S) context.Context {
	return context.WithValue(ctx, contextKey[S]{}, &requestState[S]{s: s})
}

// ErrSessionNotSaved is what writes to the response return after the
// session could not be saved and the response was replaced by a 500.
var ErrSessionNotSaved = errors.New("sessiongen: the session could not be saved; the response was replaced by a 500")

// internals are the unexported methods of *Interface[S], also promoted to
// the types that embed one.
type internals[S any] interface {
	report(*http.Request, error)
	stateOf(*S) *State
}

// sessionContext is the request's context under the middleware: its
// parent plus the request's state, answered to contextKey[S]. It saves the
// allocation of a context.WithValue on every request.
type sessionContext[S any] struct {
	context.Context
	rs *requestState[S]
}

// Value returns the request's state for contextKey[S], and asks the parent
// for every other key.
func (c *sessionContext[S]) Value(key any) any {
	if _, ok := key.(contextKey[S]); ok {
		return c.rs
	}
	return c.Context.Value(key)
}

// String names the context as the context package's own do.
func (c *sessionContext[S]) String() string {
	return fmt.Sprintf("%v.WithValue(sessiongen session)", c.Context)
}

// serving is the middleware's state for one request.
type serving[S any] struct {
	responseWriter
	requestState[S]
	ctx     sessionContext[S]
	session S // the session, when the default interface opens it
	r       *http.Request
	hooks   []AfterRequest[S]
	in      internals[S] // nil for a SessionInterface that embeds no *Interface[S]
}

// save runs the hooks and saves the session, just before the first byte.
func (sv *serving[S]) save() error {
	w, r, s := sv.ResponseWriter, sv.r, sv.s
	for _, h := range sv.hooks {
		h(w.Header(), r, s)
	}
	err := sv.si.SaveSession(w, r, s)
	if sv.in != nil {
		if err != nil {
			sv.in.report(r, err)
		}
		sv.in.stateOf(s).status |= statusSaved
	}
	return err
}

// hijacked reports a session changed before its connection was hijacked,
// and makes later changes count as late.
func (sv *serving[S]) hijacked() {
	if sv.in == nil {
		return
	}
	st := sv.in.stateOf(sv.s)
	if st.has(statusModified) {
		sv.in.report(sv.r, ErrSessionHijacked)
	}
	st.status |= statusSaved
}

// ErrSessionHijacked is reported to Config.OnError when a handler changed
// the session and then hijacked the connection (a WebSocket upgrade, say):
// no response of the server's follows, so the cookie cannot be sent and
// the change is lost. Change the session in a request that returns a
// normal response.
var ErrSessionHijacked = errors.New("sessiongen: the session was changed and then the connection was hijacked; the change is lost: no response carries the cookie")

// AfterRequest is a hook that runs after the handler and before the
// session is saved, like a Flask after_request function: it may read and
// change the session and the response headers. It runs when the response
// is about to be sent (the first byte, or the handler's return), which is
// the last moment a change can still reach the cookie.
type AfterRequest[S any] func(h http.Header, r *http.Request, s *S)

// Middleware is [Middleware] with si serving every request.
func (si *Interface[S]) Middleware(next http.Handler, hooks ...AfterRequest[S]) http.Handler {
	return Middleware[S](si, next, hooks...)
}

// Middleware opens the session with si before next runs, puts it in the
// request's context (read it with From, or the generated TFrom), runs the
// hooks, and saves the session with si just before the first byte of the
// response: when next calls WriteHeader, Write, Flush or ReadFrom, or when
// it returns without writing. So the cookie is always set, and never after
// the headers are gone.
//
// si is an *Interface[S], or a type that embeds one and overrides some of
// its methods (see [SessionInterface]).
//
// If the session cannot be saved (a cookie over MaxCookieSize), the
// response becomes a 500, the error goes to Config.OnError, and what next
// writes afterwards is discarded: a browser would have dropped the cookie
// silently. A write to a null session is reported to Config.OnError too.
func Middleware[S any](si SessionInterface[S], next http.Handler, hooks ...AfterRequest[S]) http.Handler {
	// An *Interface[S], embedded or not, reports errors to OnError; a
	// SessionInterface written from scratch has nowhere to report them.
	in, _ := si.(internals[S])
	report := func(r *http.Request, err error) {
		if in != nil {
			in.report(r, err)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One allocation holds everything this request needs from the
		// middleware: the writer, the context's state, the save callback.
		sv := &serving[S]{hooks: hooks, in: in}
		sv.requestState.si = si
		sv.responseWriter = responseWriter{ResponseWriter: w, saver: sv}
		sv.ctx = sessionContext[S]{Context: r.Context(), rs: &sv.requestState}
		r = r.WithContext(&sv.ctx)
		sv.r = r
		var s *S
		var err error
		if base, ok := si.(*Interface[S]); ok && base.signer != nil {
			// The default interface, not wrapped: the session lives in
			// sv, saving an allocation.
			s = &sv.session
			base.openInto(r, s)
		} else {
			s, err = si.OpenSession(r)
		}
		if err != nil {
			report(r, err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		sv.s = s
		next.ServeHTTP(sv.responseWriter.forHandler(), r)
		sv.commit()
		if in != nil {
			st := in.stateOf(s)
			if err := st.Err(); err != nil {
				report(r, err) // a write to a null session
			} else if st.has(statusLate) {
				report(r, ErrWriteAfterSave)
			}
		}
	})
}
