package runtime

import (
	"net/http"
	"strings"
)

// maxCookies is how many cookies a request may carry before the rest are
// ignored: net/http's own cap since Go 1.24 (CVE-2025-58186).
const maxCookies = 3000

// cookieScanner yields the values of the request's cookies with one name,
// in order, as r.CookiesNamed would (same splitting, same validation, quotes
// stripped) but without allocating: the values are substrings of the
// header.
type cookieScanner struct {
	lines []string // the Cookie header lines not yet read
	rest  string   // what remains of the current line
	name  string
	seen  int
}

func newCookieScanner(h http.Header, name string) cookieScanner {
	return cookieScanner{lines: h["Cookie"], name: name}
}

// next returns the next value of a cookie with the scanner's name.
func (c *cookieScanner) next() (string, bool) {
	for {
		for c.rest == "" {
			if len(c.lines) == 0 {
				return "", false
			}
			c.rest = strings.TrimSpace(c.lines[0])
			c.lines = c.lines[1:]
		}
		var part string
		part, c.rest, _ = strings.Cut(c.rest, ";")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if c.seen++; c.seen > maxCookies {
			c.lines, c.rest = nil, ""
			return "", false
		}
		name, value, _ := strings.Cut(part, "=")
		if name != c.name {
			continue
		}
		if len(value) > 1 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if validCookieValue(value) {
			return value, true
		}
	}
}

// validCookieValue applies net/http's rule for cookie-value bytes.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !cookieValueByte[v[i]] {
			return false
		}
	}
	return true
}

// cookieValueByte[b] tells whether net/http accepts b in a cookie value.
var cookieValueByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != ';' && b != '\\'
	}
	return t
}()
