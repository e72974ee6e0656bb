package runtime

import "time"

// The date rule. A cookie carries the date it was sealed (Unix seconds);
// whether it is still good at the clock's now is decided in one place,
// checkCookieAge, and nowhere else: signers only seal and unseal, and
// report the date they found; the storage checks it right after a fresh
// unseal, and the verified caches (the Interface's, and the server-side ID
// cache) check the remembered date with the same rule on every hit. So a
// cookie gets the same answer whether or not a cache holds it.

// futureSkew is how far ahead of the clock, in seconds, each cookie format
// may be dated and still open.
//
//   - securecookie's format (signed, encrypted, and the ID cookie of
//     server-side sessions): 5 s, so that servers whose clocks differ a
//     little can share cookies. A cookie dated further ahead is expired.
//   - Flask's: none. itsdangerous (2.2, TimestampSigner.unsign) raises
//     SignatureExpired for any negative age ("Signature age -1 < 0
//     seconds"), so Flask refuses a cookie dated a second ahead; a Flask
//     cookie that Flask refuses is refused here too, and the other way
//     round. Keep the Go and Flask servers' clocks in sync.
//
// Both formats allow an age of exactly Lifetime and refuse one more
// second, as itsdangerous ("age > max_age") and securecookie
// ("t1 < t2-maxAge") do.
var futureSkew = map[CookieFormat]int64{
	CookieFormatWire:  5,
	CookieFormatFlask: 0,
}

// dateRule is how old, and how far ahead, a cookie's date may be: the
// settings' Lifetime and the format's futureSkew.
type dateRule struct {
	maxAge int64 // seconds; at least 1 (settings refuse a shorter Lifetime)
	ahead  int64 // seconds: futureSkew of the format
}

func newDateRule(format CookieFormat, maxAge int) dateRule {
	return dateRule{maxAge: int64(maxAge), ahead: futureSkew[format]}
}

// checkCookieAge refuses the cookie value (of cookie name), sealed at date,
// when at now it is older than the rule's maxAge or dated more than its
// skew ahead: the only comparison of a cookie's date with the clock. It
// compares dates, not ages, so that no date overflows.
func checkCookieAge(r dateRule, name, value string, date int64, now time.Time) error {
	t := now.Unix()
	switch {
	case date > t+r.ahead:
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: errDatedAhead}
	case date < t-r.maxAge:
		return &CookieError{Name: name, Size: len(value), Err: ErrCookieExpired, Cause: errOlderThanLifetime}
	}
	return nil
}

// The causes of an ErrCookieExpired from checkCookieAge.
var (
	errDatedAhead        = errorString("dated ahead of the clock by more than the format allows")
	errOlderThanLifetime = errorString("older than Lifetime")
)
