package runtime

import (
	"net/http"
	"strings"
)

// maxCookies is how many cookies a request may carry: with more, net/http
// reads none of them (its cap since Go 1.24, CVE-2025-58186), and neither
// does the scanner.
const maxCookies = 3000

// cookieScanner yields the values of the request's cookies with one name,
// in order, exactly as r.CookiesNamed would (same splitting, same trimming
// of ASCII space and tab only, names matched byte for byte, quotes
// stripped) but without allocating: the values are substrings of the
// header. A name with any other white space around it ("\u2000__Host-x")
// is another cookie, as it is to browsers, which apply no prefix rule to
// it. It does not apply net/http's rule on the bytes of a value: the
// signers do, with validCookieValue, only for values they have not
// verified before, since that check costs as much as a cache lookup.
type cookieScanner struct {
	lines []string // the Cookie header lines not yet read
	rest  string   // what remains of the current line
	name  string
}

func newCookieScanner(h http.Header, name string) cookieScanner {
	lines := h["Cookie"]
	// Each cookie past the first of a line costs its ";": lines shorter
	// than maxCookies bytes in all cannot hold too many, and are not
	// counted.
	size := 0
	for _, line := range lines {
		size += len(line) + 1
	}
	if size > maxCookies {
		n := 0
		for _, line := range lines {
			n += strings.Count(line, ";") + 1
		}
		if n > maxCookies {
			lines = nil
		}
	}
	return cookieScanner{lines: lines, name: name}
}

// next returns the next value of a cookie with the scanner's name.
func (c *cookieScanner) next() (string, bool) {
	for {
		for c.rest == "" {
			if len(c.lines) == 0 {
				return "", false
			}
			c.rest = trimHTTPSpace(c.lines[0])
			c.lines = c.lines[1:]
		}
		var part string
		part, c.rest, _ = strings.Cut(c.rest, ";")
		part = trimHTTPSpace(part)
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if trimHTTPSpace(name) != c.name {
			continue
		}
		if len(value) > 1 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		return value, true
	}
}

// trimHTTPSpace trims what net/textproto.TrimString trims (space, tab, CR,
// LF) and nothing else: strings.TrimSpace would also trim Unicode spaces.
func trimHTTPSpace(s string) string {
	for len(s) > 0 && isHTTPSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isHTTPSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isHTTPSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// validCookieValue applies net/http's rule for cookie-value bytes: 0x20
// to 0x7e except '"', ';' and '\\'. Eight bytes at a time: every cookie
// value the verified cache does not hold goes through it.
func validCookieValue(v string) bool {
	// bad collects, in the high bit of each byte, "this byte was out of
	// range or one of the three": the usual has-zero-byte and
	// has-byte-below-n word tricks, one branch for the whole string.
	var bad uint64
	for ; len(v) >= 8; v = v[8:] {
		x := uint64(v[0]) | uint64(v[1])<<8 | uint64(v[2])<<16 | uint64(v[3])<<24 |
			uint64(v[4])<<32 | uint64(v[5])<<40 | uint64(v[6])<<48 | uint64(v[7])<<56
		del, quote := x^(0x7f*lowBits), x^('"'*lowBits)
		semi, slash := x^(';'*lowBits), x^('\\'*lowBits)
		bad |= x | (x-0x20*lowBits)&^x |
			(del-lowBits)&^del | (quote-lowBits)&^quote |
			(semi-lowBits)&^semi | (slash-lowBits)&^slash
	}
	if bad&highBits != 0 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !cookieValueByte[v[i]] {
			return false
		}
	}
	return true
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// cookieValueByte[b] tells whether net/http accepts b in a cookie value.
var cookieValueByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != ';' && b != '\\'
	}
	return t
}()
