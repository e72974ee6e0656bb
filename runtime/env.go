package runtime

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// The environment variables ConfigFromEnv reads, named after the Flask
// settings they stand for.
const (
	EnvSecretKey          = "SESSION_SECRET_KEY"           // SECRET_KEY
	EnvSecretKeyFallbacks = "SESSION_SECRET_KEY_FALLBACKS" // SECRET_KEY_FALLBACKS, comma-separated, newest first
	EnvEncryptionKey      = "SESSION_ENCRYPTION_KEY"       // 16, 24 or 32 bytes
	EnvCookieName         = "SESSION_COOKIE_NAME"          // SESSION_COOKIE_NAME
	EnvCookieDomain       = "SESSION_COOKIE_DOMAIN"        // SESSION_COOKIE_DOMAIN
	EnvCookiePath         = "SESSION_COOKIE_PATH"          // SESSION_COOKIE_PATH
	EnvApplicationRoot    = "SESSION_APPLICATION_ROOT"     // APPLICATION_ROOT
	EnvCookieHTTPOnly     = "SESSION_COOKIE_HTTPONLY"      // SESSION_COOKIE_HTTPONLY
	EnvCookieSecure       = "SESSION_COOKIE_SECURE"        // SESSION_COOKIE_SECURE
	EnvCookieSameSite     = "SESSION_COOKIE_SAMESITE"      // SESSION_COOKIE_SAMESITE: Lax, Strict, None or Unset
	EnvCookiePartitioned  = "SESSION_COOKIE_PARTITIONED"   // SESSION_COOKIE_PARTITIONED
	EnvLifetime           = "SESSION_LIFETIME"             // PERMANENT_SESSION_LIFETIME: seconds, or a Go duration such as 720h
	EnvAbsoluteLifetime   = "SESSION_ABSOLUTE_LIFETIME"    // Config.AbsoluteLifetime: seconds, or a Go duration such as 12h
	EnvRefreshEachRequest = "SESSION_REFRESH_EACH_REQUEST" // SESSION_REFRESH_EACH_REQUEST
	EnvDevelopment        = "SESSION_DEVELOPMENT"          // Config.Development
	EnvVerifiedCacheSize  = "SESSION_VERIFIED_CACHE_SIZE"  // Config.VerifiedCacheSize: an integer, -1 turns the cache off
	EnvCookieFormat       = "SESSION_COOKIE_FORMAT"        // Config.CookieFormat: wire (the default) or flask
	EnvConcurrency        = "SESSION_CONCURRENCY"          // Config.Concurrency: merge (the default), fail or last-writer-wins
)

// ConfigFromEnv builds a Config from the SESSION_* environment variables
// (the Env* constants). Unset variables keep the defaults. A malformed value
// is an error naming the variable; the Config itself is validated later, by
// New.
func ConfigFromEnv() (Config, error) {
	return configFrom(os.LookupEnv)
}

func configFrom(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = v
		}
	}
	flag := func(name string, dst *bool, invert bool) {
		v, ok := lookup(name)
		if !ok || v == "" {
			return
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: name, Err: ErrCookieConfig, Hint: fmt.Sprintf("%q is not a boolean (true, false, 1, 0)", v)})
			return
		}
		*dst = b != invert
	}
	key := func(name, v string) []byte {
		k, err := ParseKey(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: name, Err: ErrMalformedKey, Hint: strings.TrimPrefix(err.Error(), ErrMalformedKey.Error()+": ")})
		}
		return k
	}
	if v, ok := lookup(EnvSecretKey); ok {
		c.SecretKey = key(EnvSecretKey, v)
	}
	if v, ok := lookup(EnvSecretKeyFallbacks); ok && v != "" {
		for _, k := range strings.Split(v, ",") {
			c.SecretKeyFallbacks = append(c.SecretKeyFallbacks, key(EnvSecretKeyFallbacks, strings.TrimSpace(k)))
		}
	}
	if v, ok := lookup(EnvEncryptionKey); ok {
		c.EncryptionKey = key(EnvEncryptionKey, v)
	}
	str(EnvCookieName, &c.CookieName)
	str(EnvCookieDomain, &c.CookieDomain)
	str(EnvCookiePath, &c.CookiePath)
	str(EnvApplicationRoot, &c.ApplicationRoot)
	flag(EnvCookieHTTPOnly, &c.DisableHTTPOnly, true)
	flag(EnvCookieSecure, &c.DisableSecure, true)
	flag(EnvCookiePartitioned, &c.Partitioned, false)
	flag(EnvRefreshEachRequest, &c.DisableRefreshEachRequest, true)
	flag(EnvDevelopment, &c.Development, false)
	if v, ok := lookup(EnvCookieSameSite); ok && v != "" {
		ss, err := ParseSameSite(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: EnvCookieSameSite, Err: ErrCookieConfig, Hint: err.Error()})
		}
		c.SameSite = ss
	}
	if v, ok := lookup(EnvLifetime); ok && v != "" {
		d, err := parseLifetime(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: EnvLifetime, Err: ErrCookieConfig, Hint: err.Error()})
		}
		c.Lifetime = d
	}
	if v, ok := lookup(EnvAbsoluteLifetime); ok && v != "" {
		d, err := parseLifetime(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: EnvAbsoluteLifetime, Err: ErrCookieConfig, Hint: err.Error()})
		}
		c.AbsoluteLifetime = d
	}
	if v, ok := lookup(EnvCookieFormat); ok {
		f, err := ParseCookieFormat(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: EnvCookieFormat, Err: ErrCookieConfig, Hint: err.Error()})
		}
		c.CookieFormat = f
	}
	if v, ok := lookup(EnvConcurrency); ok {
		p, err := ParseConcurrency(v)
		if err != nil {
			errs = append(errs, &ConfigError{Field: EnvConcurrency, Err: ErrCookieConfig, Hint: err.Error()})
		}
		c.Concurrency = p
	}
	if v, ok := lookup(EnvVerifiedCacheSize); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, &ConfigError{Field: EnvVerifiedCacheSize, Err: ErrCookieConfig, Hint: fmt.Sprintf("%q is not an integer (-1 turns the cache off)", v)})
		}
		c.VerifiedCacheSize = n
	}
	if len(errs) > 0 {
		return Config{}, errs[0]
	}
	// The keys read are checked here, and reported by the variable that
	// held them, as New would check them (its errors name Config fields).
	if len(c.SecretKey) > 0 {
		if err := validateKeys(&c, ""); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				ce.Field = envOfKeyField(ce.Field)
			}
			return Config{}, err
		}
	}
	return c, nil
}

// envOfKeyField returns the environment variable that sets the key field
// (as validateKeys names it).
func envOfKeyField(field string) string {
	switch {
	case field == "SecretKey":
		return EnvSecretKey
	case field == "EncryptionKey":
		return EnvEncryptionKey
	case strings.HasPrefix(field, "SecretKeyFallbacks["):
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(field, "SecretKeyFallbacks["), "]"))
		return fmt.Sprintf("%s (key %d of the list)", EnvSecretKeyFallbacks, n+1)
	}
	return field
}

// ParseConcurrency reads a Config.Concurrency as SESSION_CONCURRENCY spells
// it: "merge" (or empty), "fail" or "last-writer-wins", case-insensitive.
func ParseConcurrency(s string) (Concurrency, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "merge":
		return MergeFields, nil
	case "fail":
		return FailOnConcurrentChange, nil
	case "last-writer-wins":
		return LastWriterWinsPerField, nil
	}
	return 0, fmt.Errorf("%q is not a concurrency policy: use merge (the default: disjoint changes merge, a field read and changed meanwhile is a 409), fail (any concurrent change is a 409) or last-writer-wins", s)
}

// KeyRecipe is a shell command that prints a random 32-byte key in the form
// ConfigFromEnv reads: SESSION_SECRET_KEY="$(...)" works as printed.
const KeyRecipe = `echo "base64:$(head -c 32 /dev/urandom | base64)"`

// ParseKey reads a key as ConfigFromEnv does. A value that starts with
// "base64:" is the standard base64 of the key's bytes (as Laravel's APP_KEY
// is), so any 16 or 32 random bytes fit in an environment variable; any
// other value is the key's bytes as they are, exactly as Flask reads
// SECRET_KEY, so a Go service sharing a Flask app's secret uses the same
// string.
func ParseKey(v string) ([]byte, error) {
	rest, ok := strings.CutPrefix(v, "base64:")
	if !ok {
		return []byte(v), nil
	}
	rest = strings.TrimSpace(rest)
	k, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		if k2, err2 := base64.RawStdEncoding.DecodeString(rest); err2 == nil {
			return k2, nil
		}
		return nil, fmt.Errorf("%w: the value after \"base64:\" is not standard base64 (%v); make one with %s", ErrMalformedKey, err, KeyRecipe)
	}
	return k, nil
}

// ParseSameSite reads a SameSite setting as Flask spells it: "Lax",
// "Strict", "None", or "Unset" for no attribute (case-insensitive).
// Anything else is an error, as in Flask.
func ParseSameSite(s string) (http.SameSite, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "lax":
		return http.SameSiteLaxMode, nil
	case "strict":
		return http.SameSiteStrictMode, nil
	case "none":
		return http.SameSiteNoneMode, nil
	case "unset":
		return http.SameSiteDefaultMode, nil
	}
	return 0, fmt.Errorf("%q is not a SameSite value: use Lax, Strict, None or Unset", s)
}

func parseLifetime(v string) (time.Duration, error) {
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 || secs > int64(MaxLifetime/time.Second) {
			return 0, fmt.Errorf("%d seconds is outside 1..%d", secs, int64(MaxLifetime/time.Second))
		}
		return time.Duration(secs) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is neither seconds nor a duration such as 720h", v)
	}
	return d, nil
}
