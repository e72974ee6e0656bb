package runtime

import (
	"github.com/sessiongen/sessiongen"
	"github.com/sessiongen/sessiongen/store"
)

// The names an application uses are declared in the package sessiongen;
// the runtime, and the code generated before they moved, use them here.

type (
	Commit             = store.Commit
	Concurrency        = sessiongen.Concurrency
	ConcurrentChange   = sessiongen.ConcurrentChange
	Config             = sessiongen.Config
	ConfigError        = sessiongen.ConfigError
	CookieError        = sessiongen.CookieError
	CookieFormat       = sessiongen.CookieFormat
	Device             = store.Device
	FieldError         = sessiongen.FieldError
	Record             = store.Record
	Store              = store.Store
	User               = store.User
	UserRecord         = store.UserRecord
	UserSession        = sessiongen.UserSession
	VerifiedCacheStats = sessiongen.VerifiedCacheStats
)

const (
	DefaultCookieName           = sessiongen.DefaultCookieName
	DefaultLifetime             = sessiongen.DefaultLifetime
	MaxLifetime                 = sessiongen.MaxLifetime
	MaxCookieSize               = sessiongen.MaxCookieSize
	DefaultStoreKeyPrefix       = sessiongen.DefaultStoreKeyPrefix
	DefaultStoreTimeout         = sessiongen.DefaultStoreTimeout
	DefaultAnonymousIdleTimeout = sessiongen.DefaultAnonymousIdleTimeout
	MinSecretKeyLen             = sessiongen.MinSecretKeyLen
	MergeFields                 = sessiongen.MergeFields
	FailOnConcurrentChange      = sessiongen.FailOnConcurrentChange
	LastWriterWinsPerField      = sessiongen.LastWriterWinsPerField
	CookieFormatWire            = sessiongen.CookieFormatWire
	CookieFormatFlask           = sessiongen.CookieFormatFlask
	FlaskSalt                   = sessiongen.FlaskSalt
	DefaultVerifiedCacheSize    = sessiongen.DefaultVerifiedCacheSize
	MaxVerifiedCacheSize        = sessiongen.MaxVerifiedCacheSize
	MaxUserAgentLen             = sessiongen.MaxUserAgentLen
)

var (
	ErrNoSecretKey       = sessiongen.ErrNoSecretKey
	ErrWeakSecretKey     = sessiongen.ErrWeakSecretKey
	ErrEncryptionKey     = sessiongen.ErrEncryptionKey
	ErrMalformedKey      = sessiongen.ErrMalformedKey
	ErrCookieConfig      = sessiongen.ErrCookieConfig
	ErrCookieInvalid     = sessiongen.ErrCookieInvalid
	ErrCookieExpired     = sessiongen.ErrCookieExpired
	ErrCookieTooLarge    = sessiongen.ErrCookieTooLarge
	ErrPayload           = sessiongen.ErrPayload
	ErrNotFound          = store.ErrNotFound
	ErrConflict          = store.ErrConflict
	ErrStoreUnavailable  = store.ErrStoreUnavailable
	ErrNoSession         = sessiongen.ErrNoSession
	ErrNoStore           = sessiongen.ErrNoStore
	ErrSessionHijacked   = sessiongen.ErrSessionHijacked
	ErrWriteAfterSave    = sessiongen.ErrWriteAfterSave
	ErrSessionNotSaved   = sessiongen.ErrSessionNotSaved
	ErrInsecureTransport = sessiongen.ErrInsecureTransport
	ErrNoUser            = sessiongen.ErrNoUser
)
