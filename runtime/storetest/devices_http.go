package storetest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/storetest/internal/harness"
)

// The devices contracts as an application sees them: a user's sessions
// listed with their browsers, one ended, the others ended, and a limit on
// how many a user keeps, with real parallel requests.

// deviceRoutes adds the routes of the devices contracts:
//
//	/devices       the session's user's sessions (Interface.ListUser), JSON
//	/end?handle=H  ends the user's session H (Interface.DestroySession)
//	/end-others    ends the user's other sessions (Interface.DestroyOthers)
func (a *app) deviceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/devices", func(w http.ResponseWriter, r *http.Request) {
		list, err := a.si.ListUser(r.Context(), harness.SessionFrom(r.Context()).User())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		json.NewEncoder(w).Encode(list)
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		err := a.si.DestroySession(r.Context(), harness.SessionFrom(r.Context()).User(), r.URL.Query().Get("handle"))
		switch {
		case errors.Is(err, runtime.ErrNotFound):
			http.Error(w, err.Error(), http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/end-others", func(w http.ResponseWriter, r *http.Request) {
		n, err := a.si.DestroyOthers(r.Context())
		switch {
		case errors.Is(err, runtime.ErrNoUser):
			http.Error(w, err.Error(), http.StatusBadRequest)
		case err != nil:
			http.Error(w, err.Error(), 500)
		default:
			fmt.Fprintf(w, "ended=%d", n)
		}
	})
}

// deviceApp is an app on a's store that records devices, trusting the
// loopback proxy the test's requests come through, as tune leaves it.
func deviceApp(t *testing.T, a *app, cookie string, tune func(*harness.SessionConfig)) *app {
	return newAppWith(t, a.rec, cookie, func(c *harness.SessionConfig) {
		c.RecordDevices = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		if tune != nil {
			tune(c)
		}
	})
}

// devices returns what /devices lists for the session of value.
func (a *app) devices(t *testing.T, value string) []runtime.UserSession {
	t.Helper()
	r := a.get(t, "/devices", value)
	var list []runtime.UserSession
	if r.code != 200 || json.Unmarshal([]byte(r.body), &list) != nil {
		t.Fatalf("/devices: %d %q", r.code, r.body)
	}
	return list
}

// userOf returns the user the session of value opens as ("" for none).
func (a *app) userOf(t *testing.T, value string) string {
	t.Helper()
	r := a.get(t, "/get", value)
	if r.code != 200 {
		t.Fatalf("/get: %d %q", r.code, r.body)
	}
	user, _, _ := strings.Cut(strings.TrimPrefix(r.body, "user="), " ")
	return user
}

// A user logged in from three browsers sees the three sessions, each with
// the browser and address it began from (through a trusted proxy), the
// current one marked, under handles that are neither cookies nor store
// keys; ending one ends that browser's session on its next request; ending
// the others leaves only the current one; ending the current one is a
// logout.
func testDevicesHTTP(t *testing.T, a *app) {
	a = deviceApp(t, a, "devices", nil)
	long := strings.Repeat("x", 300)
	browsers := []struct {
		ua, xff, wantUA, wantAddr string
	}{
		{"Browser A", "198.51.100.1", "Browser A", "198.51.100.1"},
		{"Browser B", "198.51.100.2, 127.0.0.1", "Browser B", "198.51.100.2"},
		{"Browser C " + long, "", "Browser C " + long[:runtime.MaxUserAgentLen-len("Browser C ")], "127.0.0.1"},
	}
	cookies := make([]string, len(browsers))
	for i, b := range browsers {
		h := http.Header{"User-Agent": {b.ua}}
		if b.xff != "" {
			h.Set("X-Forwarded-For", b.xff)
		}
		r := a.getWith(t, "/login?user=dana", "", h)
		if r.code != 200 || r.cookie == nil {
			t.Fatalf("login %d: %d %q", i, r.code, r.body)
		}
		cookies[i] = r.cookie.Value
	}
	list := a.devices(t, cookies[0])
	if len(list) != 3 {
		t.Fatalf("ListUser lists %d sessions; want the 3 logins", len(list))
	}
	handles := map[string]string{} // UA -> handle
	for _, d := range list {
		var b int
		for b = range browsers {
			if browsers[b].wantUA == d.UserAgent {
				break
			}
		}
		if browsers[b].wantUA != d.UserAgent {
			t.Fatalf("a listed session has User-Agent %q; want one of the three browsers'", d.UserAgent)
		}
		if d.Addr != browsers[b].wantAddr {
			t.Errorf("%.9s: address %q; want %q (X-Forwarded-For %q through a trusted proxy)", d.UserAgent, d.Addr, browsers[b].wantAddr, browsers[b].xff)
		}
		if d.Current != (b == 0) {
			t.Errorf("%.9s: Current = %v, listed from browser A", d.UserAgent, d.Current)
		}
		if d.Created.IsZero() || d.LastUsed.Before(d.Created) || !d.Expires.After(time.Now()) {
			t.Errorf("%.9s: created %v, last used %v, expires %v", d.UserAgent, d.Created, d.LastUsed, d.Expires)
		}
		if d.Handle == "" {
			t.Fatalf("%.9s: no handle", d.UserAgent)
		}
		handles[browsers[b].ua] = d.Handle
	}
	if len(handles) != 3 {
		t.Fatalf("the three sessions have %d distinct handles", len(handles))
	}
	// A handle reveals nothing a cookie is made of: it is no part of a
	// cookie, nor of a store key (which holds the hash of the ID).
	for _, c := range a.rec.Commits() {
		for _, h := range handles {
			if strings.Contains(c.Key, h) || strings.Contains(c.Key, strings.ToLower(hex.EncodeToString([]byte(h)))) {
				t.Errorf("handle %q is part of the store key %q", h, c.Key)
			}
		}
	}
	for _, v := range cookies {
		for _, h := range handles {
			if strings.Contains(v, h) {
				t.Errorf("handle %q is part of a cookie", h)
			}
		}
	}

	// A ends B.
	if r := a.get(t, "/end?handle="+handles[browsers[1].ua], cookies[0]); r.code != 200 {
		t.Fatalf("ending B: %d %q", r.code, r.body)
	}
	if u := a.userOf(t, cookies[1]); u != "" {
		t.Errorf("B's cookie still opens a session of %q after A ended it", u)
	}
	for _, i := range []int{0, 2} {
		if u := a.userOf(t, cookies[i]); u != "dana" {
			t.Errorf("ending B ended browser %d too (%q)", i, u)
		}
	}
	if r := a.get(t, "/end?handle="+handles[browsers[1].ua], cookies[0]); r.code != http.StatusNotFound {
		t.Errorf("ending B again: %d %q; want 404 (ErrNotFound)", r.code, r.body)
	}
	// Another user cannot end dana's sessions, even with a handle.
	eve := a.login(t, "eve")
	if r := a.get(t, "/end?handle="+handles[browsers[2].ua], eve); r.code != http.StatusNotFound {
		t.Errorf("eve ending dana's session by its handle: %d %q; want 404", r.code, r.body)
	}
	if u := a.userOf(t, cookies[2]); u != "dana" {
		t.Errorf("eve ended dana's session C")
	}
	// A ends the others: C.
	if r := a.get(t, "/end-others", cookies[0]); r.code != 200 || r.body != "ended=1" {
		t.Fatalf("ending the others: %d %q; want ended=1", r.code, r.body)
	}
	if u := a.userOf(t, cookies[2]); u != "" {
		t.Errorf("C's cookie still opens a session of %q after DestroyOthers", u)
	}
	if list := a.devices(t, cookies[0]); len(list) != 1 || !list[0].Current || list[0].UserAgent != "Browser A" {
		t.Errorf("after DestroyOthers, ListUser lists %+v; want only A, current", list)
	}
	if u := a.userOf(t, cookies[0]); u != "dana" {
		t.Errorf("DestroyOthers ended the current session (%q)", u)
	}
	if r := a.get(t, "/end-others", ""); r.code != http.StatusBadRequest {
		t.Errorf("DestroyOthers without a user: %d %q; want ErrNoUser", r.code, r.body)
	}
	// A ends itself: a logout, the cookie deleted.
	r := a.get(t, "/end?handle="+handles[browsers[0].ua], cookies[0])
	if r.code != 200 || r.cookie == nil || r.cookie.Value != "" {
		t.Errorf("A ending itself: %d %q, cookie %v; want 200 deleting the cookie", r.code, r.body, r.cookie)
	}
	if u := a.userOf(t, cookies[0]); u != "" {
		t.Errorf("A's cookie still opens a session of %q after it ended itself", u)
	}
	if list, err := a.si.ListUser(context.Background(), "dana"); err != nil || len(list) != 0 {
		t.Errorf("dana has %d sessions left (%v); want none", len(list), err)
	}
}

// A login is not a new device: the session a browser began anonymously
// keeps its creation, User-Agent and address when it logs in (and gets a
// new ID), and when it regenerates.
func testLoginKeepsDevice(t *testing.T, a *app) {
	a = deviceApp(t, a, "device", nil)
	first := http.Header{"User-Agent": {"First browser"}, "X-Forwarded-For": {"192.0.2.10"}}
	r := a.getWith(t, "/inc", "", first)
	if r.code != 200 || r.cookie == nil {
		t.Fatalf("first visit: %d %q", r.code, r.body)
	}
	time.Sleep(60 * time.Millisecond)
	later := http.Header{"User-Agent": {"Not the first"}, "X-Forwarded-For": {"192.0.2.99"}}
	r = a.getWith(t, "/login?user=erin", r.cookie.Value, later)
	if r.code != 200 || r.cookie == nil {
		t.Fatalf("login: %d %q", r.code, r.body)
	}
	time.Sleep(60 * time.Millisecond)
	r = a.getWith(t, "/regenerate", r.cookie.Value, later)
	if r.code != 200 || r.cookie == nil {
		t.Fatalf("regenerate: %d %q", r.code, r.body)
	}
	list := a.devices(t, r.cookie.Value)
	if len(list) != 1 {
		t.Fatalf("erin has %d sessions; want 1", len(list))
	}
	d := list[0]
	if d.UserAgent != "First browser" || d.Addr != "192.0.2.10" {
		t.Errorf("after login and regenerate the device is %q from %q; want the first visit's", d.UserAgent, d.Addr)
	}
	if gap := d.LastUsed.Sub(d.Created); gap < 100*time.Millisecond {
		t.Errorf("created %v, last used %v: %v apart; want the first visit's creation, 120 ms before", d.Created, d.LastUsed, gap)
	}
}

// With MaxSessionsPerUser 2, 50 logins of one user at once, all loaded
// before any saves (and, again, 50 logins without a session before), leave
// the user exactly 2 live sessions; every login answers 200.
func testMaxSessionsConcurrent(t *testing.T, a *app) {
	const logins, limit = 50, 2
	a = deviceApp(t, a, "limited", func(c *harness.SessionConfig) { c.MaxSessionsPerUser = limit })
	for _, anonymousFirst := range []bool{true, false} {
		user := fmt.Sprintf("frank-%v", anonymousFirst)
		before := make([]string, logins)
		if anonymousFirst {
			for i := range before {
				before[i] = a.start(t, "/inc")
			}
			a.rec.HoldAfterFind(logins)
		}
		cookies := make([]string, logins)
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := range logins {
			wg.Go(func() {
				r := a.get(t, "/login?user="+user, before[i])
				if r.code != 200 || r.cookie == nil {
					failed.Add(1)
					t.Errorf("login %d: %d %q", i, r.code, r.body)
					return
				}
				cookies[i] = r.cookie.Value
			})
		}
		wg.Wait()
		if failed.Load() > 0 {
			t.FailNow()
		}
		open := 0
		for _, c := range cookies {
			if a.userOf(t, c) == user {
				open++
			}
		}
		list, err := a.si.ListUser(context.Background(), user)
		if err != nil {
			t.Fatal(err)
		}
		if open != limit || len(list) != limit {
			t.Fatalf("%d logins at once (anonymous first: %v) with MaxSessionsPerUser %d: %d cookies open a session, %d listed; want exactly %d", logins, anonymousFirst, limit, open, len(list), limit)
		}
	}
}

// With MaxSessionsPerUser 2, a third login ends the least recently used
// of the two sessions before it, not the oldest.
func testMaxSessionsLRU(t *testing.T, a *app) {
	a = deviceApp(t, a, "lru", func(c *harness.SessionConfig) { c.MaxSessionsPerUser = 2 })
	first := a.login(t, "gus")
	time.Sleep(20 * time.Millisecond)
	second := a.login(t, "gus")
	time.Sleep(20 * time.Millisecond)
	if r := a.get(t, "/inc", first); r.code != 200 {
		t.Fatalf("using the first session: %d %q", r.code, r.body)
	}
	time.Sleep(20 * time.Millisecond)
	third := a.login(t, "gus")
	for _, c := range []struct {
		value, want, what string
	}{
		{first, "gus", "the first session, used since the second began"},
		{second, "", "the second session, the least recently used"},
		{third, "gus", "the third login"},
	} {
		if u := a.userOf(t, c.value); u != c.want {
			t.Errorf("%s opens as %q; want %q", c.what, u, c.want)
		}
	}
}

// DestroyOthers racing another session of the user that regenerates again
// and again: once DestroyOthers has returned, the other session is ended
// whatever ID it had got meanwhile, and every later regenerate of it
// answers 409; the current session lives on.
func testDestroyOthersRacing(t *testing.T, a *app) {
	a = deviceApp(t, a, "racing", nil)
	for round := range 20 {
		user := fmt.Sprint("hana-", round)
		mine := a.login(t, user)
		other := a.login(t, user)
		stop := make(chan struct{})
		var ended atomic.Bool
		done := make(chan string)
		go func() {
			cur := other
			for {
				select {
				case <-stop:
					done <- cur
					return
				default:
				}
				after := ended.Load()
				r := a.get(t, "/regenerate", cur)
				switch {
				case r.code == 200 && r.cookie != nil && r.cookie.Value != "":
					cur = r.cookie.Value
					if after {
						if u := a.userOf(t, cur); u != "" {
							t.Errorf("round %d: a regenerate that began after DestroyOthers returned has a session of %q", round, u)
						}
					}
				case r.code == 200:
					// The session was gone at load: a new, empty session.
				case r.code != http.StatusConflict:
					t.Errorf("round %d: regenerate: %d %q", round, r.code, r.body)
				}
			}
		}()
		time.Sleep(time.Duration(5+round) * time.Millisecond)
		r := a.get(t, "/end-others", mine)
		ended.Store(true)
		if r.code != 200 || r.body != "ended=1" {
			t.Errorf("round %d: DestroyOthers: %d %q; want ended=1", round, r.code, r.body)
		}
		time.Sleep(10 * time.Millisecond)
		close(stop)
		last := <-done
		if u := a.userOf(t, last); u != "" {
			t.Fatalf("round %d: the other session, regenerating through DestroyOthers, still opens as %q", round, u)
		}
		if u := a.userOf(t, mine); u != user {
			t.Fatalf("round %d: the current session opens as %q after DestroyOthers", round, u)
		}
		if list, err := a.si.ListUser(context.Background(), user); err != nil || len(list) != 1 {
			t.Fatalf("round %d: %d sessions listed (%v); want the current one", round, len(list), err)
		}
	}
}
