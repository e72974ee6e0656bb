package sessiongen

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Defaults, as in Flask where Flask has one.
const (
	// DefaultCookieName is SESSION_COOKIE_NAME's default.
	DefaultCookieName = "session"
	// DefaultLifetime is PERMANENT_SESSION_LIFETIME's default: 31 days.
	DefaultLifetime = 31 * 24 * time.Hour
	// MaxLifetime is the longest lifetime browsers honour (RFC 6265bis caps
	// Max-Age and Expires at 400 days).
	MaxLifetime = 400 * 24 * time.Hour
	// MaxCookieSize is the largest name plus value a browser stores; a
	// larger cookie is dropped silently by the browser, so it is refused here.
	MaxCookieSize = 4096
	// DefaultStoreKeyPrefix prefixes the store keys of server-side
	// sessions unless Config.StoreKeyPrefix says otherwise.
	DefaultStoreKeyPrefix = "sessiongen:session:"
	// DefaultStoreTimeout bounds each Store operation unless
	// Config.StoreTimeout says otherwise.
	DefaultStoreTimeout = time.Second
	// DefaultAnonymousIdleTimeout ends a server-side session without a
	// user a day after its last use, unless Config.IdleTimeout is set.
	DefaultAnonymousIdleTimeout = 24 * time.Hour
	// MinSecretKeyLen is the shortest secret key accepted outside
	// development mode: 32 bytes, the output size of HMAC-SHA256.
	MinSecretKeyLen = 32
)

// Config configures a session manager (the generated NewXManager); every
// field, with its environment variable: docs/configuration.md. The zero value of every field but
// SecretKey is a safe default: HttpOnly, Secure, SameSite=Lax, Path=/, a
// host-only cookie named "session", permanent sessions lasting 31 days and
// refreshed on every request.
type Config struct {
	// SecretKey signs cookies (Flask's SECRET_KEY). At least 32 bytes, and
	// not a well-known example value, unless Development is set. Read it
	// from the environment (see ConfigFromEnv), never from source code.
	SecretKey []byte
	// SecretKeyFallbacks are older keys still accepted when reading, newest
	// first (SECRET_KEY_FALLBACKS). A cookie they verify is re-signed with
	// SecretKey the next time it is saved.
	SecretKeyFallbacks [][]byte
	// EncryptionKey, when set, encrypts cookie values with AES-CTR under a
	// MAC (16, 24 or 32 bytes: AES-128, -192, -256). It must differ from
	// every signing key.
	EncryptionKey []byte

	// CookieName is the cookie's name (SESSION_COOKIE_NAME); default
	// "session". Names with the __Host- or __Secure- prefix are checked
	// against the rules browsers enforce for them.
	CookieName string
	// CookieDomain sets the Domain attribute (SESSION_COOKIE_DOMAIN); empty
	// means a host-only cookie.
	CookieDomain string
	// CookiePath sets the Path attribute (SESSION_COOKIE_PATH); empty means
	// ApplicationRoot.
	CookiePath string
	// ApplicationRoot is where the application is mounted (APPLICATION_ROOT);
	// empty means "/".
	ApplicationRoot string
	// DisableHTTPOnly lets scripts read the cookie (SESSION_COOKIE_HTTPONLY =
	// False). Leave it off unless scripts must read the session.
	DisableHTTPOnly bool
	// DisableSecure lets the cookie travel over plain HTTP
	// (SESSION_COOKIE_SECURE = False). Development implies it.
	DisableSecure bool
	// SameSite sets the SameSite attribute (SESSION_COOKIE_SAMESITE). The
	// zero value means Lax; http.SameSiteDefaultMode means no attribute;
	// http.SameSiteNoneMode requires Secure.
	SameSite http.SameSite
	// Partitioned sets the CHIPS Partitioned attribute
	// (SESSION_COOKIE_PARTITIONED); it forces Secure.
	Partitioned bool

	// Lifetime is how long a permanent session's cookie lives, and the
	// maximum age of every signed cookie, permanent or not, counted from its
	// last save (PERMANENT_SESSION_LIFETIME). Zero means 31 days; at most
	// 400 days.
	Lifetime time.Duration
	// AbsoluteLifetime, when set, ends every session that long after it
	// was created, however often saved since (scs's Lifetime). Zero: no
	// limit.
	AbsoluteLifetime time.Duration
	// DisableRefreshEachRequest stops re-sending the cookie of a permanent
	// session on requests that did not change it
	// (SESSION_REFRESH_EACH_REQUEST = False).
	DisableRefreshEachRequest bool
	// MaxCookieSize bounds the cookie's name plus value; zero means 4096,
	// the browsers' limit, which is also the most it may be.
	MaxCookieSize int

	// Store keeps sessions on the server: the cookie carries a signed
	// random ID, and Regenerate, Destroy and DestroyAll end sessions for
	// good. nil keeps them in the cookie. See runtime/memstore,
	// runtime/redisstore, runtime/pgstore.
	Store Store
	// IdleTimeout ends a server-side session that long after its last
	// use. Unset: Lifetime with a user, DefaultAnonymousIdleTimeout
	// without.
	IdleTimeout time.Duration
	// TouchInterval is how often, at most, a read moves a server-side
	// session's expiry. Default: a minute, at most half of IdleTimeout.
	TouchInterval time.Duration
	// StoreKeyPrefix prefixes the store keys of server-side sessions;
	// default "sessiongen:session:".
	StoreKeyPrefix string
	// StoreNamespace separates applications on one store; default: the
	// session type's name and the cookie name. Changing it ends every
	// session.
	StoreNamespace string
	// StoreTimeout bounds each store operation, then the request answers
	// ErrStoreUnavailable (503; a write's outcome is then unknown).
	// Default: DefaultStoreTimeout.
	StoreTimeout time.Duration
	// UserKey names the session key (a string or integer field) holding
	// the user: server-side sessions are then indexed by user, for
	// DestroyAll, ListUser and DestroyOthers.
	UserKey string
	// MaxSessionsPerUser, when positive, ends a user's least recently
	// used sessions beyond it at each login, atomically in the store.
	MaxSessionsPerUser int
	// RecordDevices keeps the User-Agent and client address that began
	// each server-side session, for ListUser: personal data, kept as long
	// as the session.
	RecordDevices bool
	// TrustedProxies are the networks of your reverse proxies: only
	// behind them is X-Forwarded-For read for the client's address.
	TrustedProxies []netip.Prefix
	// Concurrency is what a save does when another request of the session
	// committed meanwhile: MergeFields (default), FailOnConcurrentChange
	// or LastWriterWinsPerField (docs/concurrency.md).
	Concurrency Concurrency
	// OnConcurrentChange is told of each save that met a concurrent
	// change: merged, or refused.
	OnConcurrentChange func(r *http.Request, c ConcurrentChange)
	// ErrorHandler answers a request whose session could not be opened
	// or saved, in place of the handler. nil: 503 for
	// ErrStoreUnavailable, 409 for ErrConflict, 500 otherwise.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Salt is bound into every cookie's MAC; empty means the session
	// type's name (in the Flask format, itsdangerous's salt, empty
	// meaning FlaskSalt). Set it to the old name across a type's rename.
	Salt string

	// CookieFormat is what the cookie holds: CookieFormatWire (default),
	// or CookieFormatFlask, Flask's own cookie, to share a login with a
	// Flask app (signed, not encrypted, no Store).
	CookieFormat CookieFormat

	// VerifiedCacheSize is how many verified cookie values are
	// remembered, so an unchanged cookie is not verified again. Zero:
	// DefaultVerifiedCacheSize; negative: off.
	VerifiedCacheSize int

	// AllowNullSession accepts a Config with no SecretKey: every session is
	// then a null session (Flask's behaviour without SECRET_KEY) that reads
	// as empty, records ErrNullSession on any write, and is never saved.
	// Without it a missing key is an error at start-up.
	AllowNullSession bool

	// Development relaxes the checks meant for production: Secure is off and
	// short or well-known secret keys are accepted. Never set it in
	// production.
	Development bool

	// OnError is told about rejected cookies (the request goes on with a
	// fresh session) and dropped fields (*FieldError); never a cookie's
	// value.
	OnError func(r *http.Request, err error)

	// Now returns the current time; nil means time.Now. For tests.
	Now func() time.Time
}

// Concurrency is a policy for concurrent requests of one server-side
// session (Config.Concurrency).
type Concurrency int

// The policies.
const (
	// MergeFields merges disjoint changes: a save that finds the record
	// changed by another request reloads it and, if no field this request
	// read (its value or presence; an append or a map key set reads its
	// field) has changed, applies this request's writes onto it and
	// commits again, until Config.StoreTimeout; a field written without
	// being read takes this request's value (the later commit wins). A
	// field read and changed by another request is a true conflict:
	// ErrConflict. The 2xx requests are serializable. The default.
	MergeFields Concurrency = iota
	// FailOnConcurrentChange answers ErrConflict to any change committed
	// since the request loaded its session, touched fields or not.
	FailOnConcurrentChange
	// LastWriterWinsPerField applies this request's writes onto the newer
	// record whatever it read: no request fails for a concurrent change,
	// and a value computed from a stale read may overwrite a newer one.
	// For applications that prefer availability to serializability.
	LastWriterWinsPerField
)

// ConcurrentChange tells Config.OnConcurrentChange how a save met another
// request's commit of the same session.
type ConcurrentChange struct {
	// Merged: this request's writes were applied onto the newer record and
	// committed. Otherwise the save failed with ErrConflict.
	Merged bool
	// Reloads is how many times the record was read again.
	Reloads int
	// Conflicts are the session keys this request read that another
	// request changed: why a merge was refused. Empty when the record
	// was gone (a logout, Destroy, DestroyAll, Regenerate elsewhere) or
	// the policy is FailOnConcurrentChange.
	Conflicts []string
}

// CookieFormat names a format of the session cookie (Config.CookieFormat):
// a row of the table of formats (format.go).
type CookieFormat string

// Errors reported by [Config] validation. Each is wrapped in a
// [*ConfigError] that says which field is wrong and how to fix it.
var (
	// ErrNoSecretKey: SecretKey is empty.
	ErrNoSecretKey = errors.New("no secret key")
	// ErrWeakSecretKey: a signing key is too short, a well-known example
	// value, or equal to the encryption key.
	ErrWeakSecretKey = errors.New("weak secret key")
	// ErrEncryptionKey: EncryptionKey has a length AES does not take.
	ErrEncryptionKey = errors.New("invalid encryption key")
	// ErrMalformedKey: a key in the environment does not read as a key
	// (text after "base64:" that is not base64; see ParseKey).
	ErrMalformedKey = errors.New("malformed key")
	// ErrCookieConfig: the cookie attributes break a rule browsers enforce.
	ErrCookieConfig = errors.New("invalid cookie settings")
)

// ConfigError is a configuration problem found at start-up.
type ConfigError struct {
	Field string // the Config field at fault
	Err   error  // one of the Err* values above
	Hint  string // what is wrong and how to fix it
}

func (e *ConfigError) Error() string {
	if strings.HasPrefix(e.Field, "SESSION_") {
		return fmt.Sprintf("sessiongen: environment variable %s: %v: %s", e.Field, e.Err, e.Hint)
	}
	return fmt.Sprintf("sessiongen: Config.%s: %v: %s", e.Field, e.Err, e.Hint)
}

// Unwrap returns the sentinel error, for errors.Is.
func (e *ConfigError) Unwrap() error { return e.Err }

// CookieFormatWire is sessiongen's own format: securecookie's HMAC-SHA256
// (or AES) over the generated wire encoding, with the cookie name and the
// session type bound into the MAC. The default. Its signers are in
// format_wire_mac.go and format_wire_securecookie.go, its encoding in
// format_wire_payload.go.
const CookieFormatWire CookieFormat = "wire"

// CookieFormatFlask is Flask's session cookie, as Flask 3.1's
// SecureCookieSessionInterface reads and writes it: a Flask app and a Go
// service with the same keys read each other's sessions. Its signer is in
// format_flask_sign.go, its encoding (Flask's tagged JSON) in
// format_flask_payload.go.
const CookieFormatFlask CookieFormat = "flask"

// FlaskSalt is the salt Flask's SecureCookieSessionInterface signs its
// session cookie with; Config.Salt replaces it in the Flask format, for an
// app whose session interface sets another.
const FlaskSalt = "cookie-session"

// DefaultVerifiedCacheSize is how many cookie values an Interface remembers
// as verified when Config.VerifiedCacheSize is zero.
const DefaultVerifiedCacheSize = 1024

// MaxVerifiedCacheSize bounds Config.VerifiedCacheSize: at 4 KB a cookie,
// a full cache of this many holds a few GB.
const MaxVerifiedCacheSize = 1 << 20

// VerifiedCacheStats tells how the verified-cookie cache is doing (see
// Config.VerifiedCacheSize): a hit ratio well below what the traffic
// suggests means more sessions are active at once than it holds.
type VerifiedCacheStats struct {
	Hits     uint64 // cookies found remembered
	Misses   uint64 // cookies looked up and verified afresh
	Entries  int    // values remembered now
	Capacity int    // the most it holds; 0 when it is off
}
