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
			if validCookieValue(v) { // the signers' check
				got = append(got, v)
			}
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
