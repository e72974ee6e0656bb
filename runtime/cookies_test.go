package runtime

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The scanner finds the same values as net/http's r.CookiesNamed.
func TestCookieScannerMatchesNetHTTP(t *testing.T) {
	for _, lines := range [][]string{
		{"session=a"},
		{"session=a; session=b"},
		{"other=1; session=\"quoted\"; x=2"},
		{"session=a", "session=b; session=c"},
		{"  session=a ;  ;session=b  "},
		{"session=bad value; session=ok"},
		{"session=a\\b; session=ok"},
		{"session"},
		{"session="},
		{"Session=a; session=b"},
		{"sessionx=a; xsession=b"},
		{""},
		{"session=\""},
		{"\u2000__Host-session=planted; __Host-session=real"},
		{"\u00a0session=a; \u3000session=b; session=c"},
		{"\tsession=a;\tsession =b; session\t=c"},
		{"session\u2000=a; se ssion=b"},
		{"\x00session=a; session\x00=b; session=c"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = lines
		var want []string
		for _, c := range r.CookiesNamed("session") {
			want = append(want, c.Value)
		}
		var got []string
		sc := newCookieScanner(r.Header, "session")
		for v, ok := sc.next(); ok; v, ok = sc.next() {
			if validCookieValue(v) { // the signers' check
				got = append(got, v)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: scanner %q; net/http %q", lines, got, want)
		}
	}
}

// scannerValues returns what the scanner yields for name, less the values
// the signers refuse.
func scannerValues(h http.Header, name string) []string {
	var got []string
	sc := newCookieScanner(h, name)
	for v, ok := sc.next(); ok; v, ok = sc.next() {
		if validCookieValue(v) {
			got = append(got, v)
		}
	}
	return got
}

// A name with Unicode white space around it is another cookie: browsers
// apply no prefix rule to "\u2000__Host-session", so a sibling subdomain
// or a plain-HTTP attacker can plant it, and reading it as __Host-session
// would let the attacker's session win.
func TestCookieNameSmugglingUnicodeSpace(t *testing.T) {
	for _, space := range []string{"\u2000", "\u00a0", "\u3000", "\u0085", "\u200b", "\ufeff", "\v", "\f"} {
		h := http.Header{"Cookie": {space + "__Host-session=planted; __Host-session=real"}}
		if got := scannerValues(h, "__Host-session"); !slices.Equal(got, []string{"real"}) {
			t.Errorf("%q before the name: read %q, want only the real cookie", space, got)
		}
		h = http.Header{"Cookie": {"__Host-session" + space + "=planted"}}
		if got := scannerValues(h, "__Host-session"); len(got) != 0 {
			t.Errorf("%q after the name: read %q, want nothing", space, got)
		}
	}
}

// The scanner reads exactly what net/http's r.CookiesNamed reads, on any
// header.
func FuzzCookieScanner(f *testing.F) {
	f.Add("\u2000session=a; session=b", "session")
	f.Add(" session = a ;session=\"b\"", "session")
	f.Add("a=1;;\tsession=x\t;session", "session")
	f.Fuzz(func(t *testing.T, line, name string) {
		if (&http.Cookie{Name: name}).Valid() != nil {
			return // the name in use is always a token (see validName)
		}
		r := &http.Request{Header: http.Header{"Cookie": {line}}}
		var want []string
		for _, c := range r.CookiesNamed(name) {
			want = append(want, c.Value)
		}
		if got := scannerValues(r.Header, name); !slices.Equal(got, want) {
			t.Fatalf("Cookie: %q, name %q: scanner %q; net/http %q", line, name, got, want)
		}
	})
}

// Past 3,000 cookies net/http reads none at all, and neither does the
// scanner.
func TestCookieScannerCap(t *testing.T) {
	parts := make([]string, 0, maxCookies+1)
	parts = append(parts, "session=early")
	for range maxCookies {
		parts = append(parts, "x=1")
	}
	h := http.Header{"Cookie": {strings.Join(parts, "; ")}}
	if got := scannerValues(h, "session"); len(got) != 0 {
		t.Errorf("read %q from %d cookies; net/http reads none", got, maxCookies+1)
	}
	r := &http.Request{Header: h}
	if n := len(r.CookiesNamed("session")); n != 0 {
		t.Fatalf("net/http read %d: the test's premise is wrong", n)
	}
	h = http.Header{"Cookie": {strings.Join(parts[:maxCookies], "; ")}}
	if got := scannerValues(h, "session"); !slices.Equal(got, []string{"early"}) {
		t.Errorf("read %q from %d cookies, want the session", got, maxCookies)
	}
}

func TestCookieScannerAllocs(t *testing.T) {
	h := http.Header{"Cookie": {"a=1; session=abc; b=2", "session=def"}}
	n := testing.AllocsPerRun(100, func() {
		sc := newCookieScanner(h, "session")
		for _, ok := sc.next(); ok; _, ok = sc.next() {
		}
	})
	if n != 0 {
		t.Errorf("%v allocations; want 0", n)
	}
}

// validCookieValue agrees with the byte-at-a-time rule on every byte in
// every position of a word, and on random strings.
func TestValidCookieValue(t *testing.T) {
	slow := func(v string) bool {
		for i := 0; i < len(v); i++ {
			if !cookieValueByte[v[i]] {
				return false
			}
		}
		return true
	}
	base := []byte("abcdefghABCDEFGH0123456=")
	for b := range 256 {
		for i := range base {
			v := slices.Clone(base)
			v[i] = byte(b)
			if got, want := validCookieValue(string(v)), slow(string(v)); got != want {
				t.Fatalf("byte %#x at %d: %v, want %v", b, i, got, want)
			}
		}
	}
}

func FuzzValidCookieValue(f *testing.F) {
	f.Add("abcdefgh\x7fijk")
	f.Add("sku-1001;sku\"2002")
	f.Fuzz(func(t *testing.T, v string) {
		want := true
		for i := 0; i < len(v); i++ {
			want = want && cookieValueByte[v[i]]
		}
		if got := validCookieValue(v); got != want {
			t.Fatalf("validCookieValue(%q) = %v, want %v", v, got, want)
		}
	})
}
