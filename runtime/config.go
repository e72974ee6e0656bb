package runtime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
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

// Config configures an [Interface]. The zero value of every field but
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
	// AbsoluteLifetime, when set, ends every session that long after it was
	// created, however often it is saved since (Flask has no such limit;
	// scs calls Lifetime what this is and IdleTimeout what Lifetime is
	// here). The creation time is signed into the payload, so it survives
	// re-saves and key rotation; a permanent session's Expires never goes
	// past it. Zero means no limit; at least a second, at most 400 days.
	AbsoluteLifetime time.Duration
	// DisableRefreshEachRequest stops re-sending the cookie of a permanent
	// session on requests that did not change it
	// (SESSION_REFRESH_EACH_REQUEST = False).
	DisableRefreshEachRequest bool
	// MaxCookieSize bounds the cookie's name plus value; zero means 4096,
	// the browsers' limit, which is also the most it may be.
	MaxCookieSize int

	// Store, when set, keeps sessions on the server (Flask-Session's
	// model; scs's stores): the cookie carries only a signed, random
	// 256-bit session ID, the session's bytes live in the Store under the
	// SHA-256 of that ID, and the Interface's Regenerate, Destroy and
	// DestroyAll end sessions for good. nil keeps sessions in the cookie
	// itself. Handlers do not change either way. See runtime/memstore
	// (one process) and runtime/redisstore (many).
	Store Store
	// IdleTimeout ends a server-side session that long after its last
	// save or refresh. Enforced by the store on every read. Unset, a
	// session with a user (see UserKey) idles out after Lifetime, and an
	// anonymous one after DefaultAnonymousIdleTimeout (or Lifetime, if
	// shorter): anonymous traffic (crawlers, one-page visits) then holds
	// the store's memory for a day, not a month. Set, it applies to every
	// session.
	IdleTimeout time.Duration
	// TouchInterval is how often, at most, a request that reads a
	// server-side session without changing it moves the record's expiry
	// (one round trip, the data not rewritten). Default: a minute, or
	// half of IdleTimeout if that is shorter.
	TouchInterval time.Duration
	// StoreKeyPrefix prefixes the store keys of server-side sessions;
	// default "sessiongen:session:".
	StoreKeyPrefix string
	// StoreNamespace separates this application's records and user
	// indexes from those of other applications on the same store: it
	// follows StoreKeyPrefix in every key. Default: the session type's
	// name (or Salt) and the cookie name, as "Visitor:session", so two
	// applications left on defaults differ unless both their type and
	// their cookie name are the same. Changing it ends every session.
	StoreNamespace string
	// StoreTimeout bounds each operation of the Store (one per request
	// that reads its session, two at most for one that writes): the
	// request's context is given to the store with this deadline, and a
	// store that does not answer in time makes the request fail with
	// ErrStoreUnavailable (503) instead of waiting for the client's own
	// timeouts. After a timeout the outcome of a write is unknown: it may
	// have been applied. Default: DefaultStoreTimeout.
	StoreTimeout time.Duration
	// UserKey names the session key (a field's `session:"..."` key, whose
	// value is a string or an integer) that identifies the session's user:
	// server-side sessions are then indexed by it, and
	// Interface.DestroyAll ends every session of one user. Empty: no
	// index.
	UserKey string
	// ErrorHandler answers a request whose session could not be opened or
	// saved (the store is unreachable, the record changed under a
	// concurrent request, the cookie is too large), in place of the
	// handler's response: nothing of it was sent yet. The error was
	// already given to OnError. nil means the default: 503 for
	// ErrStoreUnavailable, 409 for ErrConflict, 500 otherwise, with the
	// status text as the body and Cache-Control: no-store.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Salt is bound into every cookie's MAC beside the cookie name, as
	// itsdangerous binds its salt, so that a cookie minted for one purpose
	// never opens as another. Empty means the session type's name (the
	// generated Codec's Name): two session types that share a cookie name
	// and keys never read each other's cookies. Set it to the old name to
	// keep cookies valid across a rename of the type. It may not contain
	// "." or "|". In the Flask format it is itsdangerous's salt instead
	// (SecureCookieSessionInterface.salt), empty meaning Flask's
	// "cookie-session": set it only for a Flask app that overrides it.
	Salt string

	// CookieFormat is what the session cookie holds: CookieFormatWire ("" or
	// "wire", the default), sessiongen's compact signed format; or
	// CookieFormatFlask ("flask"), Flask's own session cookie (itsdangerous,
	// HMAC-SHA1, tagged JSON), so that a Go service and a Flask app with
	// the same SecretKey, SecretKeyFallbacks, CookieName and cookie path
	// share one login. The Flask format binds neither the cookie name nor
	// the session type into the MAC (Flask binds only its salt); it is
	// signed, never encrypted (no EncryptionKey) and kept in the cookie
	// (no Store).
	CookieFormat CookieFormat

	// VerifiedCacheSize is how many signed cookie values the Interface
	// remembers as verified, so that a cookie sent again unchanged (as it is
	// on every request that does not modify the session) is not decoded
	// and verified again; its age is still checked every time. Zero means
	// DefaultVerifiedCacheSize; negative turns the cache off. Encrypted
	// cookies are not cached. With a Store, what is remembered is the
	// session ID a verified cookie carries; the session itself is read
	// from the Store on every request.
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

	// OnError, when set, is told about cookies that were rejected (bad
	// signature, expired, malformed: the request goes on with a fresh
	// session) and about fields dropped from a cookie whose stored value no
	// longer fits the struct (a *FieldError). It is never told the cookie's
	// value.
	OnError func(r *http.Request, err error)

	// Now returns the current time; nil means time.Now. For tests.
	Now func() time.Time
}

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
	return fmt.Sprintf("sessiongen: Config.%s: %v: %s", e.Field, e.Err, e.Hint)
}

// Unwrap returns the sentinel error, for errors.Is.
func (e *ConfigError) Unwrap() error { return e.Err }

// exampleSecrets are keys copied from tutorials and docs; real deployments
// have been found running with each of them.
var exampleSecrets = []string{
	"your_secret_key", "your-secret-key", "super-secret-key", "super_secret_key",
	"very-secret", "something-very-secret", "secret-key", "secret_key", "secret",
	"changeme", "change-me", "dev", "development", "mysecretkey", "my-secret-key",
	"your_secret_key_here", "replace-me", "insecure",
}

func isExampleSecret(key []byte) bool {
	k := strings.ToLower(strings.TrimSpace(string(key)))
	for _, e := range exampleSecrets {
		if k == e {
			return true
		}
	}
	return false
}

// settings is a validated, defaulted Config.
type settings struct {
	Config
	secure   bool
	sameSite http.SameSite
	maxAge   int           // Lifetime in whole seconds
	format   *cookieFormat // the row of CookieFormat in the table of formats
	dates    dateRule      // how old and how far ahead a cookie may be dated (age.go)
	// anonymousIdle is the idle timeout of a server-side session without
	// a user (see Config.IdleTimeout).
	anonymousIdle time.Duration

	// The configured cookie's attributes as net/http writes them, around
	// where Expires goes: "; Path=/; Domain=d" and "; HttpOnly; Secure;
	// SameSite=Lax". Precomputed, since every save writes them.
	attrHead, attrTail string
}

// plainAttributes reports whether c has the configured attributes (none
// was overridden for this request), so that the precomputed ones apply.
func (s *settings) plainAttributes(c *http.Cookie) bool {
	return c.Name == s.CookieName && c.Domain == s.CookieDomain && c.Path == s.CookiePath &&
		c.HttpOnly == !s.DisableHTTPOnly && c.Secure == s.secure && c.SameSite == s.sameSite &&
		c.Partitioned == s.Partitioned && c.MaxAge == 0 && (c.Expires.IsZero() || c.Expires.Year() >= 1601)
}

func (c Config) validate() (*settings, error) {
	s := &settings{Config: c}
	if s.CookieName == "" {
		s.CookieName = DefaultCookieName
	}
	if s.ApplicationRoot == "" {
		s.ApplicationRoot = "/"
	}
	if s.CookiePath == "" {
		s.CookiePath = s.ApplicationRoot
	}
	if s.Lifetime == 0 {
		s.Lifetime = DefaultLifetime
	}
	if s.MaxCookieSize == 0 {
		s.MaxCookieSize = MaxCookieSize
	}
	if s.VerifiedCacheSize == 0 {
		s.VerifiedCacheSize = DefaultVerifiedCacheSize
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = s.Lifetime
		s.anonymousIdle = min(s.Lifetime, DefaultAnonymousIdleTimeout)
	} else {
		s.anonymousIdle = s.IdleTimeout
	}
	if s.TouchInterval == 0 {
		s.TouchInterval = min(time.Minute, s.anonymousIdle/2)
	}
	if s.StoreTimeout == 0 {
		s.StoreTimeout = DefaultStoreTimeout
	}
	if s.StoreKeyPrefix == "" {
		s.StoreKeyPrefix = DefaultStoreKeyPrefix
	}
	s.secure = !(s.Development || s.DisableSecure) || s.Partitioned
	s.sameSite = s.SameSite
	if s.sameSite == 0 {
		s.sameSite = http.SameSiteLaxMode
	}

	if err := s.validateFormat(); err != nil {
		return nil, err
	}
	if err := s.validateKeys(); err != nil {
		return nil, err
	}
	switch {
	case s.Lifetime < time.Second:
		return nil, &ConfigError{"Lifetime", ErrCookieConfig, fmt.Sprintf("%v is shorter than a second; leave it zero for 31 days", s.Lifetime)}
	case s.Lifetime > MaxLifetime:
		return nil, &ConfigError{"Lifetime", ErrCookieConfig, fmt.Sprintf("%v is longer than the 400 days browsers honour", s.Lifetime)}
	case s.AbsoluteLifetime != 0 && (s.AbsoluteLifetime < time.Second || s.AbsoluteLifetime > MaxLifetime):
		return nil, &ConfigError{"AbsoluteLifetime", ErrCookieConfig, fmt.Sprintf("%v is outside one second to 400 days; leave it zero for no absolute limit", s.AbsoluteLifetime)}
	case s.IdleTimeout < time.Second || s.TouchInterval < 0 || s.TouchInterval > s.anonymousIdle:
		return nil, &ConfigError{"IdleTimeout/TouchInterval", ErrCookieConfig, fmt.Sprintf("IdleTimeout %v must be at least a second and TouchInterval %v between zero and it", s.IdleTimeout, s.TouchInterval)}
	case s.StoreTimeout < time.Millisecond || s.StoreTimeout > time.Minute:
		return nil, &ConfigError{"StoreTimeout", ErrCookieConfig, fmt.Sprintf("%v is outside a millisecond to a minute; a request waits that long at most for the store before it answers 503", s.StoreTimeout)}
	case s.Store == nil && (s.UserKey != "" || c.IdleTimeout != 0):
		return nil, &ConfigError{"UserKey/IdleTimeout", ErrCookieConfig, "they apply to server-side sessions: set Store too (runtime/memstore or runtime/redisstore), or remove them"}
	case s.Store != nil && s.AllowNullSession && len(s.SecretKey) == 0:
		return nil, &ConfigError{"Store", ErrNoSecretKey, "server-side sessions sign their ID cookie: set SecretKey"}
	case strings.ContainsAny(s.Salt, ".|"):
		return nil, &ConfigError{"Salt", ErrCookieConfig, fmt.Sprintf("%q holds \".\" or \"|\", which separate what the MAC covers: use letters, digits, \"-\" or \"_\"", s.Salt)}
	case s.VerifiedCacheSize > MaxVerifiedCacheSize:
		return nil, &ConfigError{"VerifiedCacheSize", ErrCookieConfig, fmt.Sprintf("%d is over %d: every entry may hold a whole cookie", s.VerifiedCacheSize, MaxVerifiedCacheSize)}
	case s.MaxCookieSize < 0 || s.MaxCookieSize > MaxCookieSize:
		return nil, &ConfigError{"MaxCookieSize", ErrCookieConfig, fmt.Sprintf("%d is outside 1..%d: browsers drop larger cookies silently", s.MaxCookieSize, MaxCookieSize)}
	}
	s.maxAge = int(s.Lifetime / time.Second)
	s.dates = dateRule{maxAge: int64(s.maxAge), ahead: s.format.aheadSkew}
	switch s.sameSite {
	case http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !s.secure {
			return nil, &ConfigError{"SameSite", ErrCookieConfig, "SameSite=None requires Secure: browsers reject it otherwise; unset DisableSecure and Development"}
		}
	default:
		return nil, &ConfigError{"SameSite", ErrCookieConfig, fmt.Sprintf("%d is not a SameSite mode: use http.SameSiteLaxMode, StrictMode, NoneMode or DefaultMode", s.sameSite)}
	}
	name := strings.ToLower(s.CookieName)
	if strings.HasPrefix(name, "__secure-") && !s.secure {
		return nil, &ConfigError{"CookieName", ErrCookieConfig, "a __Secure- cookie must be Secure: unset DisableSecure and Development, or rename the cookie"}
	}
	if strings.HasPrefix(name, "__host-") && (!s.secure || s.CookiePath != "/" || s.CookieDomain != "") {
		return nil, &ConfigError{"CookieName", ErrCookieConfig, "a __Host- cookie must be Secure, with Path \"/\" and no Domain"}
	}
	if !strings.HasPrefix(s.CookiePath, "/") {
		return nil, &ConfigError{"CookiePath", ErrCookieConfig, fmt.Sprintf("%q must start with \"/\"", s.CookiePath)}
	}
	// net/http drops an invalid Domain and strips bad Path bytes silently
	// when it writes the cookie; Valid catches both here instead.
	probe := s.cookie(s.CookieName, "v", s.CookieDomain, s.CookiePath)
	if err := probe.Valid(); err != nil {
		return nil, &ConfigError{"CookieName/CookieDomain/CookiePath", ErrCookieConfig, err.Error()}
	}
	if isPublicSuffix(s.CookieDomain) {
		return nil, &ConfigError{"CookieDomain", ErrCookieConfig, fmt.Sprintf("%q is a public suffix: browsers refuse a cookie for it; use your own domain under it (example.%s), or leave it empty for a host-only cookie", s.CookieDomain, strings.TrimPrefix(s.CookieDomain, "."))}
	}
	head := &http.Cookie{Name: "n", Value: "v", Path: s.CookiePath, Domain: s.CookieDomain}
	tail := s.cookie("n", "v", "", "")
	s.attrHead = strings.TrimPrefix(head.String(), "n=v")
	s.attrTail = strings.TrimPrefix(tail.String(), "n=v")
	if len(s.CookieName) > s.MaxCookieSize/2 {
		return nil, &ConfigError{"CookieName", ErrCookieConfig, "the name leaves no room for the value"}
	}
	return s, nil
}

// validateFormat settles CookieFormat and refuses what its format cannot
// carry.
func (s *settings) validateFormat() error {
	f, err := formatNamed(s.CookieFormat)
	if err != nil {
		return &ConfigError{"CookieFormat", ErrCookieConfig, strings.TrimPrefix(err.Error(), fmt.Sprintf("%q is not a cookie format: ", s.CookieFormat))}
	}
	s.format, s.CookieFormat = f, f.name
	if f.check != nil {
		return f.check(s)
	}
	return nil
}

func (s *settings) validateKeys() error {
	if len(s.SecretKey) == 0 && s.AllowNullSession && len(s.SecretKeyFallbacks) == 0 && len(s.EncryptionKey) == 0 {
		return nil // null sessions: nothing to sign with
	}
	if len(s.SecretKey) == 0 {
		return &ConfigError{"SecretKey", ErrNoSecretKey, "set it from the environment: SESSION_SECRET_KEY=\"$(" + KeyRecipe + ")\" (ConfigFromEnv decodes the base64: prefix)"}
	}
	keys := append([][]byte{s.SecretKey}, s.SecretKeyFallbacks...)
	for i, k := range keys {
		field := "SecretKey"
		if i > 0 {
			field = fmt.Sprintf("SecretKeyFallbacks[%d]", i-1)
		}
		if len(k) == 0 {
			return &ConfigError{field, ErrNoSecretKey, "an empty key signs nothing: remove it"}
		}
		// Equal keys are refused in development too: EncryptionKey "must
		// differ from every signing key", and Development only relaxes the
		// length and example-value checks.
		if len(s.EncryptionKey) > 0 && bytes.Equal(k, s.EncryptionKey) {
			return &ConfigError{field, ErrWeakSecretKey, "the signing key equals EncryptionKey: use two independent random keys"}
		}
		if s.Development {
			continue
		}
		if isExampleSecret(k) {
			return &ConfigError{field, ErrWeakSecretKey, "this is a well-known example key that anyone can use to forge sessions: generate a random one: " + KeyRecipe}
		}
		if len(k) < MinSecretKeyLen {
			hint := fmt.Sprintf("%d bytes is shorter than %d: generate a random one: %s", len(k), MinSecretKeyLen, KeyRecipe)
			hint += s.format.keyHint
			return &ConfigError{field, ErrWeakSecretKey, hint}
		}
		if why := lowEntropy(k); why != "" {
			return &ConfigError{field, ErrWeakSecretKey, why + ": it is guessable whatever its length; generate a random one: " + KeyRecipe}
		}
	}
	switch len(s.EncryptionKey) {
	case 0, 16, 24, 32:
	default:
		hint := fmt.Sprintf("%d bytes: AES takes 16, 24 or 32", len(s.EncryptionKey))
		if _, err := base64.StdEncoding.DecodeString(string(s.EncryptionKey)); err == nil {
			hint += "; this looks like base64 text: prefix it with \"base64:\" in the environment so its bytes are used"
		}
		return &ConfigError{"EncryptionKey", ErrEncryptionKey, hint + "; make one with " + KeyRecipe}
	}
	if len(s.EncryptionKey) > 0 && !s.Development {
		if why := lowEntropy(s.EncryptionKey); why != "" {
			return &ConfigError{"EncryptionKey", ErrEncryptionKey, why + ": generate one: " + KeyRecipe}
		}
	}
	return nil
}

// minDistinctKeyBytes is the fewest distinct byte values a key may hold.
// 16 random bytes hold fewer than 8 distinct values with a probability
// below 1e-12; a hex or base64 text key holds far more.
const minDistinctKeyBytes = 8

// lowEntropy says why key carries almost no secret despite its length
// (zero bytes, one byte repeated, a short pattern repeated, a handful of
// byte values), or returns "".
func lowEntropy(key []byte) string {
	var seen [256]bool
	distinct := 0
	for _, b := range key {
		if !seen[b] {
			seen[b] = true
			distinct++
		}
	}
	if distinct < minDistinctKeyBytes {
		return fmt.Sprintf("it holds only %d distinct byte values", distinct)
	}
	for p := 1; p <= len(key)/2; p++ {
		if bytes.Equal(key[p:], key[:len(key)-p]) {
			return fmt.Sprintf("it repeats a %d-byte pattern", p)
		}
	}
	return ""
}

// isPublicSuffix tells whether domain is one under which anyone may
// register names (com, co.uk, github.io), which browsers refuse as a
// cookie's Domain. A single label the list does not know (localhost, an
// intranet name) is allowed.
func isPublicSuffix(domain string) bool {
	d := strings.ToLower(strings.TrimPrefix(domain, "."))
	if d == "" || net.ParseIP(d) != nil {
		return false
	}
	suffix, icann := publicsuffix.PublicSuffix(d)
	return suffix == d && (icann || strings.Contains(d, "."))
}

// validCookieName returns net/http's error for a name it would refuse to
// send (Set-Cookie lines with such names are dropped silently), or nil.
func validCookieName(name string) error {
	return (&http.Cookie{Name: name, Value: "v"}).Valid()
}

// cookie builds the session cookie with every configured attribute.
func (s *settings) cookie(name, value, domain, path string) *http.Cookie {
	return &http.Cookie{
		Name:        name,
		Value:       value,
		Domain:      domain,
		Path:        path,
		HttpOnly:    !s.DisableHTTPOnly,
		Secure:      s.secure,
		SameSite:    s.sameSite,
		Partitioned: s.Partitioned,
	}
}

// capAbsolute returns t, or the end of AbsoluteLifetime for a session
// created at created (Unix seconds; 0: not yet saved) if that comes first.
func (s *settings) capAbsolute(t time.Time, created int64) time.Time {
	if s.AbsoluteLifetime > 0 && created != 0 {
		if end := time.Unix(created, 0).Add(s.AbsoluteLifetime); end.Before(t) {
			return end
		}
	}
	return t
}

func (s *settings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
