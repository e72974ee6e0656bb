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

// The overridden CookieDomain is used for the cookie the middleware sets;
// the other attributes are the defaults.
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

// The override holds however the interface serves the request: through its
// Middleware (above), or OpenSession and SaveSession called by hand. (An
// override made by embedding *AccountManager and redefining CookieDomain
// was ignored by the promoted Middleware method.)
func TestCookieDomainOverrideEveryPath(t *testing.T) {
	sessions, err := NewAccountManager(AccountConfig{SecretKey: []byte("subdomain-example-test-key-0123456789")},
		WithAccountPolicy(AccountPolicy{CookieDomain: sharedDomain("example.test")}))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://shop.example.test/", nil)
	if got := sessions.CookieDomain(r); got != "example.test" {
		t.Errorf("CookieDomain: %q", got)
	}
	s, err := sessions.OpenSession(r)
	if err != nil {
		t.Fatal(err)
	}
	s.SetName("ada")
	w := httptest.NewRecorder()
	if err := sessions.SaveSession(w, r, s); err != nil {
		t.Fatal(err)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Domain != "example.test" {
		t.Errorf("SaveSession: %q", w.Header().Values("Set-Cookie"))
	}
}
