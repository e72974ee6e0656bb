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
			got = append(got, v)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: scanner %q; net/http %q", lines, got, want)
		}
	}
}

// Past 3,000 cookies the rest are ignored, as net/http does.
func TestCookieScannerCap(t *testing.T) {
	parts := make([]string, 0, maxCookies+1)
	for range maxCookies {
		parts = append(parts, "x=1")
	}
	parts = append(parts, "session=late")
	h := http.Header{"Cookie": {strings.Join(parts, "; ")}}
	sc := newCookieScanner(h, "session")
	if v, ok := sc.next(); ok {
		t.Errorf("cookie %d was read: %q", maxCookies+1, v)
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
