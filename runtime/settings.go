package runtime

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

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

func validateConfig(c Config) (*settings, error) {
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
	if err := validateKeys(&s.Config, s.format.keyHint); err != nil {
		return nil, err
	}
	switch {
	case s.Lifetime < time.Second:
		return nil, &ConfigError{Field: "Lifetime", Err: ErrCookieConfig, Hint: fmt.Sprintf("%v is shorter than a second; leave it zero for 31 days", s.Lifetime)}
	case s.Lifetime > MaxLifetime:
		return nil, &ConfigError{Field: "Lifetime", Err: ErrCookieConfig, Hint: fmt.Sprintf("%v is longer than the 400 days browsers honour", s.Lifetime)}
	case s.AbsoluteLifetime != 0 && (s.AbsoluteLifetime < time.Second || s.AbsoluteLifetime > MaxLifetime):
		return nil, &ConfigError{Field: "AbsoluteLifetime", Err: ErrCookieConfig, Hint: fmt.Sprintf("%v is outside one second to 400 days; leave it zero for no absolute limit", s.AbsoluteLifetime)}
	case s.IdleTimeout < time.Second || s.TouchInterval < 0 || s.TouchInterval > s.anonymousIdle:
		return nil, &ConfigError{Field: "IdleTimeout/TouchInterval", Err: ErrCookieConfig, Hint: fmt.Sprintf("IdleTimeout %v must be at least a second and TouchInterval %v between zero and it", s.IdleTimeout, s.TouchInterval)}
	case s.Concurrency < MergeFields || s.Concurrency > LastWriterWinsPerField:
		return nil, &ConfigError{Field: "Concurrency", Err: ErrCookieConfig, Hint: fmt.Sprintf("%d is not a policy: use runtime.MergeFields (the default), FailOnConcurrentChange or LastWriterWinsPerField", s.Concurrency)}
	case s.StoreTimeout < time.Millisecond || s.StoreTimeout > time.Minute:
		return nil, &ConfigError{Field: "StoreTimeout", Err: ErrCookieConfig, Hint: fmt.Sprintf("%v is outside a millisecond to a minute; a request waits that long at most for the store before it answers 503", s.StoreTimeout)}
	case s.Store == nil && (s.UserKey != "" || c.IdleTimeout != 0):
		return nil, &ConfigError{Field: "UserKey/IdleTimeout", Err: ErrCookieConfig, Hint: "they apply to server-side sessions: set Store too (runtime/memstore or runtime/redisstore), or remove them"}
	case s.Store == nil && (s.MaxSessionsPerUser != 0 || s.RecordDevices):
		return nil, &ConfigError{Field: "MaxSessionsPerUser/RecordDevices", Err: ErrCookieConfig, Hint: "they apply to server-side sessions: set Store too, or remove them"}
	case s.MaxSessionsPerUser < 0 || s.MaxSessionsPerUser != 0 && s.UserKey == "":
		return nil, &ConfigError{Field: "MaxSessionsPerUser", Err: ErrCookieConfig, Hint: fmt.Sprintf("%d: a limit counts the sessions of one user: set UserKey, and a limit of 1 or more (0: none)", s.MaxSessionsPerUser)}
	case s.Store != nil && s.AllowNullSession && len(s.SecretKey) == 0:
		return nil, &ConfigError{Field: "Store", Err: ErrNoSecretKey, Hint: "server-side sessions sign their ID cookie: set SecretKey"}
	case strings.ContainsAny(s.Salt, ".|"):
		return nil, &ConfigError{Field: "Salt", Err: ErrCookieConfig, Hint: fmt.Sprintf("%q holds \".\" or \"|\", which separate what the MAC covers: use letters, digits, \"-\" or \"_\"", s.Salt)}
	case s.VerifiedCacheSize > MaxVerifiedCacheSize:
		return nil, &ConfigError{Field: "VerifiedCacheSize", Err: ErrCookieConfig, Hint: fmt.Sprintf("%d is over %d: every entry may hold a whole cookie", s.VerifiedCacheSize, MaxVerifiedCacheSize)}
	case s.MaxCookieSize < 0 || s.MaxCookieSize > MaxCookieSize:
		return nil, &ConfigError{Field: "MaxCookieSize", Err: ErrCookieConfig, Hint: fmt.Sprintf("%d is outside 1..%d: browsers drop larger cookies silently", s.MaxCookieSize, MaxCookieSize)}
	}
	s.maxAge = int(s.Lifetime / time.Second)
	s.dates = dateRule{maxAge: int64(s.maxAge), ahead: s.format.aheadSkew}
	switch s.sameSite {
	case http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !s.secure {
			return nil, &ConfigError{Field: "SameSite", Err: ErrCookieConfig, Hint: "SameSite=None requires Secure: browsers reject it otherwise; unset DisableSecure and Development"}
		}
	default:
		return nil, &ConfigError{Field: "SameSite", Err: ErrCookieConfig, Hint: fmt.Sprintf("%d is not a SameSite mode: use http.SameSiteLaxMode, StrictMode, NoneMode or DefaultMode", s.sameSite)}
	}
	name := strings.ToLower(s.CookieName)
	if strings.HasPrefix(name, "__secure-") && !s.secure {
		return nil, &ConfigError{Field: "CookieName", Err: ErrCookieConfig, Hint: "a __Secure- cookie must be Secure: unset DisableSecure and Development, or rename the cookie"}
	}
	if strings.HasPrefix(name, "__host-") && (!s.secure || s.CookiePath != "/" || s.CookieDomain != "") {
		return nil, &ConfigError{Field: "CookieName", Err: ErrCookieConfig, Hint: "a __Host- cookie must be Secure, with Path \"/\" and no Domain"}
	}
	if !strings.HasPrefix(s.CookiePath, "/") {
		return nil, &ConfigError{Field: "CookiePath", Err: ErrCookieConfig, Hint: fmt.Sprintf("%q must start with \"/\"", s.CookiePath)}
	}
	// net/http drops an invalid Domain and strips bad Path bytes silently
	// when it writes the cookie; Valid catches both here instead.
	probe := s.cookie(s.CookieName, "v", s.CookieDomain, s.CookiePath)
	if err := probe.Valid(); err != nil {
		return nil, &ConfigError{Field: "CookieName/CookieDomain/CookiePath", Err: ErrCookieConfig, Hint: err.Error()}
	}
	if isPublicSuffix(s.CookieDomain) {
		return nil, &ConfigError{Field: "CookieDomain", Err: ErrCookieConfig, Hint: fmt.Sprintf("%q is a public suffix: browsers refuse a cookie for it; use your own domain under it (example.%s), or leave it empty for a host-only cookie", s.CookieDomain, strings.TrimPrefix(s.CookieDomain, "."))}
	}
	head := &http.Cookie{Name: "n", Value: "v", Path: s.CookiePath, Domain: s.CookieDomain}
	tail := s.cookie("n", "v", "", "")
	s.attrHead = strings.TrimPrefix(head.String(), "n=v")
	s.attrTail = strings.TrimPrefix(tail.String(), "n=v")
	if len(s.CookieName) > s.MaxCookieSize/2 {
		return nil, &ConfigError{Field: "CookieName", Err: ErrCookieConfig, Hint: "the name leaves no room for the value"}
	}
	return s, nil
}

// validateFormat settles CookieFormat and refuses what its format cannot
// carry.
func (s *settings) validateFormat() error {
	f, err := formatNamed(s.CookieFormat)
	if err != nil {
		return &ConfigError{Field: "CookieFormat", Err: ErrCookieConfig, Hint: strings.TrimPrefix(err.Error(), fmt.Sprintf("%q is not a cookie format: ", s.CookieFormat))}
	}
	s.format, s.CookieFormat = f, f.name
	if f.check != nil {
		return f.check(&s.Config)
	}
	return nil
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
