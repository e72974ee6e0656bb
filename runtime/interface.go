package runtime

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessiongen/sessiongen/runtime/flaskjson"
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
	// EncodeFlask writes every present field as a member of the session's
	// object in Flask's tagged JSON (see runtime/flaskjson), keyed by its
	// session key and valued as Flask would write the same Python value: a
	// []byte as " b" bytes, a time.Time as a " d" datetime, a [16]byte
	// whose type's name ends in UUID as a " u" UUID, a slice as a list. It
	// fails only when a field's own MarshalText or MarshalJSON does; a
	// value Flask cannot hold (a time outside the years 1 to 9999) is the
	// Encoder's error (flaskjson.Encoder.Err).
	EncodeFlask func(*S, *flaskjson.Encoder) error
	// DecodeFlaskMember reads one member of Flask's session object into
	// the field with that session key; keys of no field are ignored. It
	// returns an error matching wire.ErrMismatch when the value does not
	// fit the field; the field stays absent.
	DecodeFlaskMember func(s *S, key string, v flaskjson.Value) error
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

// Interface is Flask's SessionInterface for the session type S: the policy
// that opens a request's session and saves it into the response, written
// once, over two seams: where the session's bytes are kept (storage.go: a
// signed cookie) and how a session becomes bytes (payload.go: the wire
// format). The methods that decide a request's cookie (policy.go) and the
// middleware (middleware.go) complete it. Its methods are safe for
// concurrent use; the sessions it opens belong to one request each.
type Interface[S any] struct {
	warned   atomic.Bool // ErrInsecureTransport was reported
	cfg      *settings
	codec    Codec[S]
	policy   Policy[S]
	hooks    []AfterRequest[S]
	payload  encoding[S]
	storage  storage                   // nil for null sessions: no secret key
	pool     sync.Pool                 // of *scratch
	verified *verifiedCache[opened[S]] // nil: every cookie is loaded afresh
}

// scratch is the memory one request's save or open works in, pooled by the
// Interface so that a request allocates as little as possible.
type scratch struct {
	enc  wire.Encoder
	dec  wire.Decoder
	buf  []byte      // the signer's
	line []byte      // the Set-Cookie line
	macs []hash.Hash // one HMAC-SHA256 per key, for macSigner
	sum  [sha256.Size]byte
}

// opened is a session as a verified cookie decoded to it, kept by the
// verified cache and copied into each request that sends the cookie again.
type opened[S any] struct {
	session *S     // fields and presence; its State is unused
	status  status // the permanent flags
	flashes []Flash
	created int64
	kept    []keptMember // shared, never changed in place
}

// An Option configures an Interface beyond its Config: what depends on the
// session type S.
type Option[S any] func(*Interface[S])

// WithPolicy overrides some of the methods of Flask's SessionInterface (see
// [Policy]). The policy is part of the Interface from then on: every way of
// serving a request with it honours the overrides.
func WithPolicy[S any](p Policy[S]) Option[S] {
	return func(si *Interface[S]) { si.policy = p }
}

// WithAfterRequest adds hooks that run after the handler and before the
// session is saved, in order (see [AfterRequest]).
func WithAfterRequest[S any](hooks ...AfterRequest[S]) Option[S] {
	return func(si *Interface[S]) { si.hooks = append(si.hooks, hooks...) }
}

// New validates cfg and returns an Interface for S. Every problem a request
// could hit because of the configuration is reported here, at start-up.
func New[S any](cfg Config, codec Codec[S], opts ...Option[S]) (*Interface[S], error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	si := &Interface[S]{cfg: s, codec: codec, payload: wireEncoding[S]{codec}}
	for _, o := range opts {
		o(si)
	}
	if len(s.SecretKey) > 0 {
		salt := s.Salt
		if salt == "" {
			salt = codec.Name
		}
		switch {
		case s.CookieFormat == CookieFormatFlask:
			err = si.useFlaskFormat() // flasksign.go
		case s.Store != nil:
			si.storage, err = newStoreStorage(s, salt)
		default:
			si.storage, err = newCookieStorage(s, salt)
		}
		if err != nil {
			return nil, err
		}
	}
	si.pool.New = func() any { return new(scratch) }
	// A server-side session's cookie holds only its ID: the storage
	// remembers verified IDs itself, and the session is read from the
	// store every time.
	if si.storage != nil && s.Store == nil && s.VerifiedCacheSize > 0 && codec.Copy != nil {
		si.verified = newVerifiedCache[opened[S]](s.VerifiedCacheSize)
	}
	return si, nil
}

// VerifiedCacheStats reports how the verified-cookie cache is doing (see
// Config.VerifiedCacheSize): for server-side sessions, the cache of
// verified session IDs. All zero when it is off.
func (si *Interface[S]) VerifiedCacheStats() VerifiedCacheStats {
	if ss, ok := si.storage.(*storeStorage); ok {
		return ss.ids.stats()
	}
	return si.verified.stats()
}

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
	return s, si.codec.State(s).loadErr()
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
	st := si.codec.State(s)
	if si.storage == nil {
		st.status = statusNew | statusNull
		return
	}
	name := si.CookieName(r)
	if name != si.cfg.CookieName && validCookieName(name) != nil {
		// Reported when the session is saved; no cookie can carry it.
		st.status |= statusNew
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
			st := si.codec.State(s)
			st.rec = &storeRef{err: err}
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
		st := si.codec.State(s)
		st.status |= statusNew
		if dead {
			st.status |= statusDeadCookie
		}
	}
}

// load fills s from what the cookie value stands for: from the verified
// cache if it holds the value, else from storage, decoded.
func (si *Interface[S]) load(r *http.Request, s *S, name, value string) error {
	// Length first: no base64 or crypto work on oversized input.
	if len(name)+len(value) > si.cfg.MaxCookieSize {
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieTooLarge}
	}
	now := si.cfg.now()
	var h uint64
	key := ""
	if si.verified != nil {
		if key = si.storage.identify(value); key != "" {
			h = si.verified.hash(key)
			if e, ok := si.verified.get(h, name, key); ok {
				if err := si.checkAge(name, value, e.date, e.v.created, now); err != nil {
					return err
				}
				si.restore(s, &e.v)
				return nil
			}
		}
	}
	sc := si.pool.Get().(*scratch)
	defer si.pool.Put(sc)
	payload, date, err := si.storage.load(r.Context(), sc, si.codec.State(s), name, value, now)
	if err != nil {
		return err
	}
	dropped, err := si.payload.unmarshal(sc, s, payload)
	if err != nil {
		return &CookieError{Name: name, Size: len(value), Err: ErrPayload, Cause: err}
	}
	st := si.codec.State(s)
	if si.cfg.AbsoluteLifetime > 0 && st.created == 0 {
		// Saved before AbsoluteLifetime was set: created no later than
		// its last save.
		st.created = date
		if date < 0 {
			st.created = now.Unix()
		}
	}
	if err := si.checkAge(name, value, -1, st.created, now); err != nil {
		return err
	}
	for _, err := range dropped {
		si.report(r, err)
	}
	// A cookie that lost fields is not remembered, so that every request
	// sending it reports the loss.
	if key != "" && len(dropped) == 0 && si.verified.admit(h) {
		si.verified.put(h, name, key, date, si.snapshot(s))
	}
	return nil
}

// checkAge refuses a session last saved at date (Unix seconds; -1: checked
// by storage already) too long ago for Lifetime, or created too long ago
// for AbsoluteLifetime.
func (si *Interface[S]) checkAge(name, value string, date, created int64, now time.Time) error {
	if date >= 0 {
		if err := checkCookieAge(si.cfg.dates, name, value, date, now); err != nil {
			return err
		}
	}
	if si.cfg.AbsoluteLifetime > 0 && now.Unix()-created >= int64(si.cfg.AbsoluteLifetime/time.Second) {
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: errAbsoluteLifetime}
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

// snapshot copies what decoding gave s, for the verified cache.
func (si *Interface[S]) snapshot(s *S) opened[S] {
	st := si.codec.State(s)
	o := opened[S]{session: new(S), status: st.status & (statusPermanentSet | statusPermanent), flashes: slices.Clone(st.flashes), created: st.created, kept: st.flaskKept}
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
	st.flaskKept = o.kept
}

func (si *Interface[S]) report(r *http.Request, err error) {
	if si.cfg.OnError != nil {
		si.cfg.OnError(r, err)
	}
}

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
	st := si.codec.State(s)
	if st.loader != nil {
		return nil // never used: not even loaded
	}
	if err := st.loadErr(); err != nil {
		return err
	}
	if si.IsNullSession(s) {
		return nil
	}
	h := w.Header()
	if st.has(statusAccessed) {
		addVaryCookie(h)
	}
	name := si.CookieName(r)
	if si.codec.Empty(s) && st.empty() {
		if st.has(statusModified) || st.has(statusDeadCookie) {
			if err := si.storage.remove(r.Context(), st); err != nil {
				return err
			}
			st.status &^= statusDeadCookie
			c := si.cookieFor(r, name)
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
	if !si.ShouldSetCookie(r, s) {
		if st.rec != nil { // a server-side record: its expiry may be due a move
			return si.storage.keepAlive(r.Context(), st, si.cfg.now())
		}
		return nil
	}
	now := si.cfg.now()
	if si.cfg.AbsoluteLifetime > 0 && st.created == 0 {
		st.created = now.Unix()
	}
	c := si.cookieFor(r, name)
	if exp := si.ExpirationTime(r, s); !exp.IsZero() {
		c.Expires = exp
	}
	sc := si.pool.Get().(*scratch)
	defer si.pool.Put(sc)
	// The Set-Cookie line is written in one buffer: name=value, then the
	// attributes, precomputed when they are the configured ones.
	line := append(sc.line[:0], name...)
	line = append(line, '=')
	valueAt := len(line)
	line, refreshed, err := si.storage.refresh(r.Context(), sc, st, line, name, now)
	if err == nil && !refreshed {
		var payload []byte
		if payload, err = si.payload.marshal(sc, s); err != nil {
			sc.line = line
			return fmt.Errorf("sessiongen: encoding the session: %w", err)
		}
		user := ""
		if si.cfg.UserKey != "" {
			user = si.payload.field(payload, si.cfg.UserKey)
		}
		line, err = si.storage.save(r.Context(), sc, st, line, name, payload, user, now)
	}
	sc.line = line
	if err != nil {
		return fmt.Errorf("sessiongen: saving the session: %w", err)
	}
	if size := len(line) - 1; size > si.cfg.MaxCookieSize { // name and value, without the "="
		return &CookieError{Name: name, Size: len(line) - valueAt, Err: ErrCookieTooLarge,
			Cause: fmt.Errorf("name and value take %d bytes, more than the %d a browser keeps: store less in the session", size, si.cfg.MaxCookieSize)}
	}
	if c.Secure {
		si.warnInsecure(r)
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

// ErrNoSession is returned by Regenerate and Destroy for a context that
// carries no session of the Interface's type.
var ErrNoSession = errors.New("sessiongen: the context carries no session: call this with the request's context, under the middleware")

// ErrNoStore is returned by DestroyAll for cookie sessions, which the server
// keeps no record of: set Config.Store.
var ErrNoStore = errors.New("sessiongen: sessions are kept in cookies, which the server cannot end: set Config.Store")

// Regenerate gives the session of the request carrying ctx a new ID,
// keeping its data: call it at login and at every change of privilege, so
// that an ID planted before (session fixation) or seen before is worth
// nothing after. The new ID goes out with the response; its record is
// created when the session is saved, in the same step that deletes the
// record under the old ID, and only if no other request changed or ended
// that record since this one loaded it (else the request answers 409, and
// a session ended by a logout or DestroyAll stays ended). A save that
// changes the value of Config.UserKey, or follows Clear, does the same by
// itself. With cookie sessions there is no ID: the session is marked
// modified, so a new cookie is minted, but a copy of the old cookie stays
// valid until it expires.
func (si *Interface[S]) Regenerate(ctx context.Context) error {
	s := From[S](ctx)
	if s == nil {
		return ErrNoSession
	}
	st := si.codec.State(s)
	if !st.Modify() {
		return st.Err()
	}
	if err := st.loadErr(); err != nil {
		return err
	}
	st.status |= statusRenew
	return nil
}

// Destroy ends the session of the request carrying ctx: its record is
// deleted now (server-side sessions), its data cleared, and the response
// deletes the cookie, so a copy of the cookie taken before opens nothing.
// What the handler stores afterwards starts a new session with a new ID.
// With cookie sessions it clears the session; a copy of the old cookie
// stays valid until it expires.
func (si *Interface[S]) Destroy(ctx context.Context) error {
	s := From[S](ctx)
	if s == nil {
		return ErrNoSession
	}
	st := si.codec.State(s)
	st.Load()
	if err := st.loadErr(); err != nil {
		return err
	}
	if st.has(statusNull) {
		st.Modify() // records ErrNullSession
		return st.Err()
	}
	err := si.storage.destroy(ctx, st)
	// Everything goes, fields and metadata: the session is new, and emptied
	// by this request, so the save deletes the cookie.
	kept := st.status & (statusSaved | statusLate)
	var zero S
	*s = zero
	st = si.codec.State(s)
	st.status = kept | statusNew
	st.Modify()
	return err
}

// DestroyAll ends every server-side session of user (the value of the
// Config.UserKey field when they were saved), on every instance of the
// application, and returns how many it ended. A request of that user that
// is under way cannot bring its session back (see Store.Commit).
func (si *Interface[S]) DestroyAll(ctx context.Context, user string) (int, error) {
	ss, ok := si.storage.(*storeStorage)
	if !ok {
		return 0, ErrNoStore
	}
	if si.cfg.UserKey == "" {
		return 0, &ConfigError{"UserKey", ErrCookieConfig, "DestroyAll needs sessions indexed by user: name the session key that holds the user in Config.UserKey"}
	}
	return ss.store.DeleteUser(ctx, ss.user(user))
}

// ErrInsecureTransport is reported once per Interface, to Config.OnError (or
// the standard logger without one), the first time a Secure session cookie
// is set in answer to a plain-HTTP request from another machine: the
// browser will not send that cookie back over plain HTTP, so its sessions
// silently never persist. Serve over TLS (behind a proxy that terminates
// TLS, have it set X-Forwarded-Proto: https), or set DisableSecure
// (SESSION_COOKIE_SECURE=false) for plain-HTTP development.
var ErrInsecureTransport = errors.New("sessiongen: a Secure session cookie was set on a plain-HTTP request from another machine: " +
	"the browser will not send it back over HTTP, so sessions will not persist; serve over TLS, " +
	"or set DisableSecure (SESSION_COOKIE_SECURE=false) for plain-HTTP development")

// warnInsecure reports ErrInsecureTransport, once, if r came over plain
// HTTP from another machine. Loopback requests are left alone: browsers
// treat http://localhost as secure and keep its Secure cookies.
func (si *Interface[S]) warnInsecure(r *http.Request) {
	if r.TLS != nil || si.warned.Load() || r.Header.Get("X-Forwarded-Proto") == "https" {
		return
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() || testNet.Contains(ip) {
		return // this machine, or an in-process test request
	}
	if !si.warned.CompareAndSwap(false, true) {
		return
	}
	if si.cfg.OnError != nil {
		si.cfg.OnError(r, ErrInsecureTransport)
		return
	}
	log.Printf("%v (request from %s)", ErrInsecureTransport, r.RemoteAddr)
}

// testNet is where httptest.NewRequest says requests come from (RFC 5737's
// TEST-NET-1, never a real client): in-process tests are not warned.
var testNet = &net.IPNet{IP: net.IPv4(192, 0, 2, 0), Mask: net.CIDRMask(24, 32)}

// Cookie returns the cookie that carries s, as SaveSession would set it in
// answer to r (nil: a GET of "/"): for an end-to-end test that starts from a
// given session (a client's cookie jar or req.AddCookie takes it), as
// Flask's session_transaction does. With a Store, the session is saved in
// it. s is marked modified.
func (si *Interface[S]) Cookie(r *http.Request, s *S) (*http.Cookie, error) {
	if r == nil {
		r = &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}, Host: "localhost"}
	}
	st := si.codec.State(s)
	st.Modify()
	h := headerWriter{}
	if err := si.SaveSession(h, r, s); err != nil {
		return nil, err
	}
	name := si.CookieName(r)
	for _, line := range h["Set-Cookie"] {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name && c.Value != "" {
			return c, nil
		}
	}
	if err := st.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("sessiongen: the session sets no cookie: it is empty")
}

// headerWriter is a ResponseWriter that keeps the headers only.
type headerWriter http.Header

func (h headerWriter) Header() http.Header         { return http.Header(h) }
func (h headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (h headerWriter) WriteHeader(int)             {}
