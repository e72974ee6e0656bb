package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A handler tested alone: the test gives it a session in the request's
// context, as the middleware would, and reads what the handler left in it.
// (The README's Testing section and docs/testing.md show this test.)
func TestCounterHandler(t *testing.T) {
	var s VisitorSession // a zero session is empty and ready to use
	s.SetVisits(41)
	r := httptest.NewRequest("GET", "/counter", nil)
	w := httptest.NewRecorder()
	counter(w, r.WithContext(NewVisitorContext(r.Context(), &s)))

	if got := w.Body.String(); got != "Number of visits: 42\n" {
		t.Errorf("body %q", got)
	}
	if s.Visits() != 42 {
		t.Errorf("visits %d; want 42", s.Visits())
	}
}

// The whole app, started from a given session: the cookie that carries it
// goes in the client's cookie jar. (docs/testing.md shows this test.)
func TestLoggedInEndToEnd(t *testing.T) {
	cfg := VisitorConfig{SecretKey: testSecret, DisableSecure: true} // plain HTTP in the test
	h, err := newHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	sessions, err := NewVisitorManager(cfg) // the same keys: the app opens its cookies
	if err != nil {
		t.Fatal(err)
	}
	var s VisitorSession
	s.SetUsername("alice")
	cookie, err := sessions.Cookie(nil, &s)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{cookie})
	client := &http.Client{Jar: jar}

	resp, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Logged in as alice") {
		t.Errorf("body %q", body)
	}
}
