package runtime

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// The client address a record keeps is RemoteAddr's unless that is a
// trusted proxy: X-Forwarded-For, which any client can send, is read only
// behind one, from the right, stopping at the first address not trusted
// (or at what is not an address).
func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"direct", "203.0.113.5:4711", nil, proxies, "203.0.113.5"},
		{"a forged header, no proxy", "203.0.113.5:4711", []string{"1.2.3.4"}, proxies, "203.0.113.5"},
		{"a forged header, nothing trusted", "10.1.1.1:4711", []string{"1.2.3.4"}, nil, "10.1.1.1"},
		{"through the proxy", "10.1.1.1:4711", []string{"198.51.100.7"}, proxies, "198.51.100.7"},
		{"the client's own forgery ahead of the real hop", "10.1.1.1:4711", []string{"1.2.3.4, 198.51.100.7"}, proxies, "198.51.100.7"},
		{"two proxies", "10.1.1.1:4711", []string{"198.51.100.7, 10.2.2.2"}, proxies, "198.51.100.7"},
		{"headers in several lines", "10.1.1.1:4711", []string{"1.2.3.4", "198.51.100.7", "10.3.3.3"}, proxies, "198.51.100.7"},
		{"only proxies", "10.1.1.1:4711", []string{"10.2.2.2"}, proxies, "10.2.2.2"},
		{"garbage stops the walk", "10.1.1.1:4711", []string{"198.51.100.7, not-an-address, 10.2.2.2"}, proxies, "10.2.2.2"},
		{"IPv6 through the proxy", "[fd00::1]:4711", []string{"2001:db8::9"}, proxies, "2001:db8::9"},
		{"an IPv4-mapped remote address", "[::ffff:203.0.113.5]:4711", nil, proxies, "203.0.113.5"},
		{"a zone is dropped", "[fe80::1%eth0]:4711", nil, proxies, "fe80::1"},
		{"no port", "203.0.113.5", nil, proxies, "203.0.113.5"},
		{"not an address", "pipe", nil, proxies, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := deviceOf(r, tt.trusted).Addr
			if got != tt.want {
				t.Errorf("address %q; want %q", got, tt.want)
			}
		})
	}
}

// A User-Agent is kept bounded, valid UTF-8 and without control
// characters (PostgreSQL's text refuses NUL), whatever a client sends.
func TestCleanUserAgent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"},
		{"", ""},
		{"a\x00b\r\nc\x7f", "a?b??c?"},
		{"bad \xff\xfe utf-8", "bad ? utf-8"},
		{"ünïcödé", "ünïcödé"},
		{"c1 \u0085 control", "c1 ? control"},
		{strings.Repeat("x", 300), strings.Repeat("x", MaxUserAgentLen)},
		{strings.Repeat("x", MaxUserAgentLen-1) + "é", strings.Repeat("x", MaxUserAgentLen-1)},
		{strings.Repeat("é", 200), strings.Repeat("é", MaxUserAgentLen/2)},
	}
	for _, tt := range tests {
		got := cleanUserAgent(tt.in)
		if got != tt.want {
			t.Errorf("cleanUserAgent(%.40q) = %.40q; want %.40q", tt.in, got, tt.want)
		}
		if len(got) > MaxUserAgentLen || !utf8.ValidString(got) || strings.ContainsRune(got, 0) {
			t.Errorf("cleanUserAgent(%.40q) = %.40q: not bounded, valid UTF-8 without NUL", tt.in, got)
		}
	}
}

func FuzzCleanUserAgent(f *testing.F) {
	f.Add("Mozilla/5.0")
	f.Add(strings.Repeat("é", 200))
	f.Add("a\x00\xff")
	f.Fuzz(func(t *testing.T, ua string) {
		got := cleanUserAgent(ua)
		if len(got) > MaxUserAgentLen || !utf8.ValidString(got) {
			t.Fatalf("%q: %d bytes, valid %v", got, len(got), utf8.ValidString(got))
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("%q holds control character %U", got, r)
			}
		}
	})
}
