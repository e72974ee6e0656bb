package runtime

func init() {
	registerFormat(&cookieFormat{
		name:  CookieFormatFlask,
		about: "Flask's own session cookie",
		// itsdangerous (2.2, TimestampSigner.unsign) raises SignatureExpired
		// for any negative age ("Signature age -1 < 0 seconds"), so Flask
		// refuses a cookie dated a second ahead; a Flask cookie that Flask
		// refuses is refused here too, and the other way round. Keep the Go
		// and Flask servers' clocks in sync.
		aheadSkew: 0,
		salt:      FlaskSalt,
		keyHint:   flaskRotationHint,
		check:     checkFlaskConfig,
		signer:    newFlaskSigner,
		encoding:  newFlaskEncoding,
	})
}

// checkFlaskConfig refuses what Flask's cookie cannot carry.
func checkFlaskConfig(c *Config) error {
	if len(c.EncryptionKey) > 0 {
		return &ConfigError{Field: "EncryptionKey", Err: ErrEncryptionKey, Hint: "Flask's session cookie is signed, not encrypted: Flask could not read an encrypted one; remove EncryptionKey, or use the wire format and keep secrets out of the session"}
	}
	if c.Store != nil {
		return &ConfigError{Field: "Store", Err: ErrCookieConfig, Hint: "the Flask format is Flask's own cookie, which carries the session itself: a Store has nothing to share with Flask (Flask-Session's cookies hold an ID in another format); remove Store, or CookieFormat"}
	}
	if c.AbsoluteLifetime != 0 {
		return &ConfigError{Field: "AbsoluteLifetime", Err: ErrCookieConfig, Hint: "a Flask session has no creation time to sign (Flask has no such limit), so it could only be counted from the last save, which Lifetime already does; remove AbsoluteLifetime, or keep a login time in a session field and check it"}
	}
	return nil
}

// newFlaskEncoding returns Flask's tagged JSON encoding for the codec.
func newFlaskEncoding(c *codec) (encoding, error) {
	if c.encodeFlask == nil {
		return nil, errNoEncoding("Flask")
	}
	return flaskEncoding{c}, nil
}

// flaskRotationHint ends the short-key error of the Flask format: Flask
// accepts any SECRET_KEY, and many apps run with a short one.
const flaskRotationHint = `; Flask accepts short keys, this side does not: rotate the Flask app first, ` +
	`SECRET_KEY = the new key (as raw text: python3 -c 'import secrets; print(secrets.token_urlsafe(32))') ` +
	`and SECRET_KEY_FALLBACKS = [the old key], so that Flask re-signs each session with the new key when it next saves it; ` +
	`give this side the new key only (SESSION_SECRET_KEY). A short key cannot be a fallback here either: a fallback that verifies lets a forger in as well as the key. ` +
	`Later rotations list the previous key in SECRET_KEY_FALLBACKS and SESSION_SECRET_KEY_FALLBACKS on both sides`
