package runtime

import "time"

// The date rule. A cookie carries the date it was sealed (Unix seconds);
// whether it is still good at the clock's now is decided in one place,
// checkCookieAge, and nowhere else: signers only seal and unseal, and
// report the date they found; a storage's verify reports the date it
// unsealed or remembered, and the Interface checks it (open.go) before the
// storage loads anything. So a cookie gets the same answer whether or not
// a verified cache holds it.

// dateRule is how old, and how far ahead, a cookie's date may be: the
// settings' Lifetime and the aheadSkew of the format's row in the table of
// formats (format_*.go). Every format allows an age of exactly Lifetime and
// refuses one more second, as itsdangerous ("age > max_age") and
// securecookie ("t1 < t2-maxAge") do.
type dateRule struct {
	maxAge int64 // seconds; at least 1 (settings refuse a shorter Lifetime)
	ahead  int64 // seconds: the format's aheadSkew
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
