package runtime

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

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

// validateKeys refuses keys that sign nothing or that anyone could
// guess, outside development mode, and encryption keys AES does not take.
// keyHint ends the error for a key too short (the format's).
func validateKeys(c *Config, keyHint string) error {
	if len(c.SecretKey) == 0 && c.AllowNullSession && len(c.SecretKeyFallbacks) == 0 && len(c.EncryptionKey) == 0 {
		return nil // null sessions: nothing to sign with
	}
	if len(c.SecretKey) == 0 {
		return &ConfigError{Field: "SecretKey", Err: ErrNoSecretKey, Hint: "set it from the environment: SESSION_SECRET_KEY=\"$(" + KeyRecipe + ")\" (ConfigFromEnv decodes the base64: prefix)"}
	}
	keys := append([][]byte{c.SecretKey}, c.SecretKeyFallbacks...)
	for i, k := range keys {
		field := "SecretKey"
		if i > 0 {
			field = fmt.Sprintf("SecretKeyFallbacks[%d]", i-1)
		}
		if len(k) == 0 {
			return &ConfigError{Field: field, Err: ErrNoSecretKey, Hint: "an empty key signs nothing: remove it"}
		}
		// Equal keys are refused in development too: EncryptionKey "must
		// differ from every signing key", and Development only relaxes the
		// length and example-value checks.
		if len(c.EncryptionKey) > 0 && bytes.Equal(k, c.EncryptionKey) {
			return &ConfigError{Field: field, Err: ErrWeakSecretKey, Hint: "the signing key equals EncryptionKey: use two independent random keys"}
		}
		if c.Development {
			continue
		}
		if isExampleSecret(k) {
			return &ConfigError{Field: field, Err: ErrWeakSecretKey, Hint: "this is a well-known example key that anyone can use to forge sessions: generate a random one: " + KeyRecipe}
		}
		if len(k) < MinSecretKeyLen {
			hint := fmt.Sprintf("%d bytes is shorter than %d: generate a random one: %s", len(k), MinSecretKeyLen, KeyRecipe)
			hint += keyHint
			return &ConfigError{Field: field, Err: ErrWeakSecretKey, Hint: hint}
		}
		if why := lowEntropy(k); why != "" {
			return &ConfigError{Field: field, Err: ErrWeakSecretKey, Hint: why + ": it is guessable whatever its length; generate a random one: " + KeyRecipe}
		}
	}
	switch len(c.EncryptionKey) {
	case 0, 16, 24, 32:
	default:
		hint := fmt.Sprintf("%d bytes: AES takes 16, 24 or 32", len(c.EncryptionKey))
		if _, err := base64.StdEncoding.DecodeString(string(c.EncryptionKey)); err == nil {
			hint += "; this looks like base64 text: prefix it with \"base64:\" in the environment so its bytes are used"
		}
		return &ConfigError{Field: "EncryptionKey", Err: ErrEncryptionKey, Hint: hint + "; make one with " + KeyRecipe}
	}
	if len(c.EncryptionKey) > 0 && !c.Development {
		if why := lowEntropy(c.EncryptionKey); why != "" {
			return &ConfigError{Field: "EncryptionKey", Err: ErrEncryptionKey, Hint: why + ": generate one: " + KeyRecipe}
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
