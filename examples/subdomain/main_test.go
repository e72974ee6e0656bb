package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func login(t *testing.T, h http.Handler, host string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "http://"+host+"/login", strings.NewReader(url.Values{"name": {"ada"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The overridden CookieDomain is used for the cookie the embedded
// interface sets; the other attributes are the defaults, inherited.
func TestCookieDomainOverride(t *testing.T) {
	h, err := newHandler(AccountConfig{SecretKey: []byte("subdomain-example-test-key-0123456789")}, "example.test")
	if err != nil {
		t.Fatal(err)
	}
	for host, domain := range map[string]string{
		"shop.example.test":          "example.test",
		"accounts.example.test:8443": "example.test",
		"example.test":               "example.test",
		"localhost:8081":             "",
		"notexample.test":            "",
	} {
		w := login(t, h, host)
		cookies := w.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%s: cookies %v", host, w.Header().Values("Set-Cookie"))
		}
		c := cookies[0]
		if c.Domain != domain {
			t.Errorf("%s: Domain %q; want %q", host, c.Domain, domain)
		}
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("%s: inherited attributes lost: %q", host, w.Header().Get("Set-Cookie"))
		}
	}

	// The cookie set on one subdomain logs the browser in on another.
	set := login(t, h, "shop.example.test").Result().Cookies()[0]
	r := httptest.NewRequest("GET", "http://accounts.example.test/", nil)
	r.AddCookie(&http.Cookie{Name: set.Name, Value: set.Value})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Body.String(); got != "accounts.example.test: logged in as ada (#3)\n" {
		t.Errorf("on the other subdomain: %q", got)
	}
}
