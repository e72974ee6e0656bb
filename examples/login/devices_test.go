package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The devices page on each server-side store, used as browsers use it:
// each client has a cookie jar and a User-Agent of its own, and posts the
// forms the page shows. Redis and PostgreSQL run as TestStoreModes runs
// them (skipped without a server, failed under CI).
func TestDevices(t *testing.T) {
	for _, store := range []string{"memory", "redis", "postgres"} {
		t.Run(store, func(t *testing.T) {
			opts := storeOptions(t, store) // one server for the store's cases; a user each
			t.Run("lists each browser's session", func(t *testing.T) { testDevicesList(t, serve(t, opts).URL) })
			t.Run("ends sessions", func(t *testing.T) { testDevicesEnd(t, serve(t, opts).URL) })
			t.Run("cross-origin posts end nothing", func(t *testing.T) { testDevicesCrossOrigin(t, serve(t, opts).URL) })
			t.Run("escapes the User-Agent", func(t *testing.T) { testDevicesEscape(t, serve(t, opts).URL) })
			t.Run("a handle ends its user's session only", func(t *testing.T) { testDevicesHandles(t, serve(t, opts).URL) })
			t.Run("max sessions", func(t *testing.T) {
				limited := opts
				limited.maxSessions = 2
				testDevicesMaxSessions(t, serve(t, limited).URL)
			})
		})
	}
}

// Alice logged in from two browsers sees both sessions from each, with
// their browser and address, her own marked as this device and the other
// with a button to end it; Bob's session is not hers to see.
func testDevicesList(t *testing.T, base string) {
	one, two, bobs := newDevice(t, "Browser One/1.0"), newDevice(t, "Browser Two/2.0"), newDevice(t, "Bob's browser")
	logIn(t, one, base, "alice")
	logIn(t, two, base, "alice")
	logIn(t, bobs, base, "bob")
	if _, body := get(t, one, base+"/"); !strings.Contains(body, `<a href="/devices">Your devices</a>`) {
		t.Errorf("the logged-in view has no link to the devices page: %q", body)
	}
	for _, view := range []struct {
		from      *http.Client
		me, other string
	}{
		{one, "Browser One/1.0", "Browser Two/2.0"},
		{two, "Browser Two/2.0", "Browser One/1.0"},
	} {
		rows, body := devices(t, view.from, base)
		if len(rows) != 2 || !strings.Contains(body, "alice is logged in on these browsers") {
			t.Fatalf("%s's devices page lists %+v; want alice's 2 sessions\n%s", view.me, rows, body)
		}
		for _, r := range rows {
			switch {
			case r.address != "127.0.0.1":
				t.Errorf("%s lists %s from %q; want 127.0.0.1", view.me, r.browser, r.address)
			case r.browser == view.me && (!r.current || r.handle != ""):
				t.Errorf("%s's own session: %+v; want marked this device, with no end button", view.me, r)
			case r.browser == view.other && (r.current || r.handle == ""):
				t.Errorf("%s lists %+v for the other browser; want an end button, not this device", view.me, r)
			case r.browser != view.me && r.browser != view.other:
				t.Errorf("%s lists a session of %q", view.me, r.browser)
			}
		}
		if !strings.Contains(body, `action="/devices/end-others"`) {
			t.Errorf("%s's page has no form to log out the other sessions", view.me)
		}
	}
}

// Ending sessions with the page's buttons: the browsers whose sessions
// ended are logged out on their next request, the others stay logged in.
func testDevicesEnd(t *testing.T, base string) {
	browsers := []string{"Browser One/1.0", "Browser Two/2.0", "Browser Three/3.0"}
	for i, tc := range []struct {
		button string
		press  func(me *http.Client, rows []listed) (*http.Response, string)
		flash  string
		ended  []bool // of each browser
	}{
		{
			button: "End this session (Browser Two's)",
			press: func(me *http.Client, rows []listed) (*http.Response, string) {
				return post(t, me, base+"/devices/end", url.Values{"handle": {rowOf(t, rows, browsers[1]).handle}}, nil)
			},
			flash: "The session was ended: that browser is logged out",
			ended: []bool{false, true, false},
		},
		{
			button: "Log out my other sessions",
			press: func(me *http.Client, rows []listed) (*http.Response, string) {
				return post(t, me, base+"/devices/end-others", nil, nil)
			},
			flash: "Logged out 2 other sessions",
			ended: []bool{false, true, true},
		},
	} {
		user := fmt.Sprint("dora", i)
		var clients []*http.Client
		for _, ua := range browsers {
			c := newDevice(t, ua)
			logIn(t, c, base, user)
			clients = append(clients, c)
		}
		rows, _ := devices(t, clients[0], base)
		resp, body := tc.press(clients[0], rows)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/devices" || !strings.Contains(body, tc.flash) {
			t.Errorf("%s: %d at %s, %q; want back on /devices saying %q", tc.button, resp.StatusCode, resp.Request.URL.Path, body, tc.flash)
		}
		left := 0
		for b, c := range clients {
			want := user
			if tc.ended[b] {
				want = ""
			} else {
				left++
			}
			if got := loggedInAs(t, c, base); got != want {
				t.Errorf("%s: %s is logged in as %q; want %q", tc.button, browsers[b], got, want)
			}
		}
		if rows, _ := devices(t, clients[0], base); len(rows) != left {
			t.Errorf("%s: the page lists %+v; want %d sessions", tc.button, rows, left)
		}
	}
}

// A form on another origin (another site, or another port of the same
// host, which SameSite=Lax does not keep the cookie from) cannot end a
// session: CrossOriginProtection answers 403 and nothing ends.
func testDevicesCrossOrigin(t *testing.T, base string) {
	me, other := newDevice(t, "Browser One/1.0"), newDevice(t, "Browser Two/2.0")
	logIn(t, me, base, "hal")
	logIn(t, other, base, "hal")
	rows, _ := devices(t, me, base)
	u, _ := url.Parse(base)
	for _, form := range []struct {
		path   string
		values url.Values
	}{
		{"/devices/end", url.Values{"handle": {rowOf(t, rows, "Browser Two/2.0").handle}}},
		{"/devices/end-others", nil},
	} {
		for name, h := range map[string]http.Header{
			"another site": {"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
			"another port": {"Origin": {"http://" + u.Hostname() + ":1"}},
		} {
			if resp, body := post(t, me, base+form.path, form.values, h); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s from %s: %d %q; want 403", form.path, name, resp.StatusCode, body)
			}
		}
	}
	if got := loggedInAs(t, other, base); got != "hal" {
		t.Errorf("after the refused posts, the other browser is logged in as %q", got)
	}
	if rows, _ := devices(t, me, base); len(rows) != 2 {
		t.Errorf("after the refused posts the page lists %+v; want both sessions", rows)
	}
}

// The User-Agent is the client's to choose: one that is markup shows as
// text on the page of the user's other browser, not as elements.
func testDevicesEscape(t *testing.T, base string) {
	const hostile = `<script>alert("devices")</script><img src=x onerror=alert(1)>"'&amp;`
	attacker, viewer := newDevice(t, hostile), newDevice(t, "Browser One/1.0")
	logIn(t, attacker, base, "ivy")
	logIn(t, viewer, base, "ivy")
	rows, body := devices(t, viewer, base)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img") {
		t.Errorf("the User-Agent's markup is on the page as markup:\n%s", body)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.DataAtom == atom.Script || n.DataAtom == atom.Img {
			t.Errorf("the page has a <%s> element", n.Data)
		}
	}
	rowOf(t, rows, hostile) // shown as the text it was
}

// A handle names one session of the logged-in user: another user who
// posts it ends nothing, and a browser that posts its own logs out.
func testDevicesHandles(t *testing.T, base string) {
	one, two, eves := newDevice(t, "Browser One/1.0"), newDevice(t, "Browser Two/2.0"), newDevice(t, "Eve's browser")
	logIn(t, one, base, "jay")
	logIn(t, two, base, "jay")
	logIn(t, eves, base, "eve")
	rows, _ := devices(t, one, base)
	resp, body := post(t, eves, base+"/devices/end", url.Values{"handle": {rowOf(t, rows, "Browser Two/2.0").handle}}, nil)
	if resp.Request.URL.Path != "/devices" || !strings.Contains(body, "That session had already ended") {
		t.Errorf("eve posting jay's handle: %d at %s, %q", resp.StatusCode, resp.Request.URL.Path, body)
	}
	if got := loggedInAs(t, two, base); got != "jay" {
		t.Errorf("eve's post of jay's handle ended his session: logged in as %q", got)
	}
	// One's own handle is listed on two's page only (one's has no button
	// for it): posted anyway, it is a logout.
	rows, _ = devices(t, two, base)
	resp, body = post(t, one, base+"/devices/end", url.Values{"handle": {rowOf(t, rows, "Browser One/1.0").handle}}, nil)
	if resp.Request.URL.Path != "/" || !strings.Contains(body, "You were logged out") {
		t.Errorf("ending the current session: %d at %s, %q; want the logout's", resp.StatusCode, resp.Request.URL.Path, body)
	}
	if got := loggedInAs(t, one, base); got != "" {
		t.Errorf("after ending its own session, the browser is logged in as %q", got)
	}
	// Logged out, the page and its buttons send the browser to log in.
	for _, path := range []string{"/devices", "/devices/end", "/devices/end-others"} {
		var resp *http.Response
		if path == "/devices" {
			resp, _ = get(t, one, base+path)
		} else {
			resp, _ = post(t, one, base+path, url.Values{"handle": {"x"}}, nil)
		}
		if resp.Request.URL.Path != "/login" {
			t.Errorf("%s logged out: landed on %s; want /login", path, resp.Request.URL.Path)
		}
	}
	if got := loggedInAs(t, two, base); got != "jay" {
		t.Errorf("the other browser is logged in as %q", got)
	}
}

// With -max-sessions 2, a third login ends the least recently used
// session: the first browser's.
func testDevicesMaxSessions(t *testing.T, base string) {
	var clients []*http.Client
	for i := range 3 {
		c := newDevice(t, fmt.Sprintf("Browser %d", i+1))
		logIn(t, c, base, "kim")
		clients = append(clients, c)
		time.Sleep(5 * time.Millisecond) // last used at distinct times
	}
	for i, want := range []string{"", "kim", "kim"} {
		if got := loggedInAs(t, clients[i], base); got != want {
			t.Errorf("with -max-sessions 2, browser %d of 3 is logged in as %q; want %q", i+1, got, want)
		}
	}
	rows, _ := devices(t, clients[2], base)
	if len(rows) != 2 || rows[0].browser != "Browser 3" || rows[1].browser != "Browser 2" {
		t.Errorf("the page lists %+v; want browsers 3 and 2, the most recently used first", rows)
	}
}

// The address shown is the peer's, unless the peer is a trusted proxy:
// then the client's, from X-Forwarded-For (-trusted-proxy).
func TestDevicesAddressBehindAProxy(t *testing.T) {
	for _, tc := range []struct {
		name, trusted, forwarded, want string
	}{
		{"no trusted proxy: the peer's", "", "203.0.113.9", "127.0.0.1"},
		{"through a trusted proxy: the client's", "127.0.0.0/8", "203.0.113.9", "203.0.113.9"},
		{"through two trusted proxies", "127.0.0.1/32,10.0.0.0/8", "203.0.113.9, 10.1.2.3", "203.0.113.9"},
		{"a hop the client made up is not read", "127.0.0.0/8", "198.51.100.66, 203.0.113.9", "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := options{store: "memory"}
			if tc.trusted != "" {
				if err := opts.trustedProxies.Set(tc.trusted); err != nil {
					t.Fatal(err)
				}
			}
			base := serve(t, opts).URL
			c := newClient(t)
			c.Transport = sendHeaders{"User-Agent": {"Browser"}, "X-Forwarded-For": {tc.forwarded}}
			logIn(t, c, base, "lee")
			if rows, _ := devices(t, c, base); len(rows) != 1 || rows[0].address != tc.want {
				t.Errorf("the page lists %+v; want one session from %s", rows, tc.want)
			}
		})
	}
}

// -trusted-proxy takes networks, repeated or separated by commas.
func TestTrustedProxyFlag(t *testing.T) {
	var n networks
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.Var(&n, "trusted-proxy", "")
	if err := fs.Parse([]string{"-trusted-proxy", "10.0.0.0/8, 192.168.1.7/32", "-trusted-proxy", "2001:db8::/32", "-trusted-proxy=172.16.5.4/12"}); err != nil {
		t.Fatal(err)
	}
	if got, want := n.String(), "10.0.0.0/8,192.168.1.7/32,2001:db8::/32,172.16.0.0/12"; got != want {
		t.Errorf("-trusted-proxy gave %s; want %s", got, want)
	}
	for _, bad := range []string{"10.0.0.1", "proxy.example", "", "10.0.0.0/8,"} {
		if err := n.Set(bad); err == nil {
			t.Errorf("-trusted-proxy %q accepted", bad)
		}
	}
}

// The devices flags need sessions on the server: with cookies the app
// refuses to start rather than ignore them.
func TestDeviceFlagsNeedAStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts options
		want string
	}{
		{"-max-sessions with cookies", options{store: "cookie", maxSessions: 2}, "add -store memory, redis or postgres"},
		{"-trusted-proxy with cookies", options{store: "cookie", trustedProxies: networks{netip.MustParsePrefix("10.0.0.0/8")}}, "add -store memory, redis or postgres"},
		{"-max-sessions below 0", options{store: "memory", maxSessions: -1}, "want 0 (no limit) or more"},
	} {
		cfg := VisitorConfig{SecretKey: testSecret}
		if closeStore, err := useStore(t.Context(), &cfg, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			if err == nil {
				closeStore()
			}
			t.Errorf("%s: %v; want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// With sessions in cookies there is no list of them to show: the
// logged-in view says so in a line, and there is no devices page.
func TestDevicesNeedAServerSideStore(t *testing.T) {
	base := newTestServer(t).URL
	c := newClient(t)
	logIn(t, c, base, "alice")
	if _, body := get(t, c, base+"/"); !strings.Contains(body, "<p>Your devices are listed when sessions are kept on the server (-store memory, redis or postgres).</p>") || strings.Contains(body, `href="/devices"`) {
		t.Errorf("the logged-in view with cookie sessions: %q", body)
	}
	if resp, _ := get(t, c, base+"/devices"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /devices with cookie sessions: %d; want 404", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/devices/end-others", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /devices/end-others with cookie sessions: %d; want 404", resp.StatusCode)
	}
}

// newDevice is a browser: a cookie jar, and userAgent on every request.
func newDevice(t *testing.T, userAgent string) *http.Client {
	t.Helper()
	c := newClient(t)
	c.Transport = sendHeaders{"User-Agent": {userAgent}}
	return c
}

// sendHeaders is a transport that sends these headers on every request.
type sendHeaders http.Header

func (h sendHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(r)
}

// logIn logs c in as name with the login form.
func logIn(t *testing.T, c *http.Client, base, name string) {
	t.Helper()
	if resp, body := post(t, c, base+"/login", url.Values{"username": {name}}, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Logged in as "+name+" ") {
		t.Fatalf("logging in as %s: %d %q", name, resp.StatusCode, body)
	}
}

// loggedInAs returns whom / says c is logged in as, "" for no one.
func loggedInAs(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	_, body := get(t, c, base+"/")
	if strings.Contains(body, "You are not logged in") {
		return ""
	}
	_, name, ok := strings.Cut(body, "Logged in as ")
	name, _, _ = strings.Cut(name, " <form")
	if !ok {
		t.Fatalf("/ says %q", body)
	}
	return name
}

// listed is a session as the devices page lists it.
type listed struct {
	browser, address string
	current          bool   // marked as this device
	handle           string // what its "End this session" button sends; "" without one
}

// devices returns the sessions the devices page lists to c, and the page.
func devices(t *testing.T, c *http.Client, base string) ([]listed, string) {
	t.Helper()
	resp, body := get(t, c, base+"/devices")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/devices" {
		t.Fatalf("GET /devices: %d at %s, %q", resp.StatusCode, resp.Request.URL.Path, body)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var rows []listed
	for tr := range doc.Descendants() {
		if tr.DataAtom != atom.Tr || !hasClass(tr, "session") {
			continue
		}
		var row listed
		for n := range tr.Descendants() {
			switch {
			case n.DataAtom == atom.Td && hasClass(n, "browser"):
				row.browser = textOf(n)
			case n.DataAtom == atom.Td && hasClass(n, "address"):
				row.address = textOf(n)
			case n.DataAtom == atom.Strong:
				row.current = textOf(n) == "this device"
			case n.DataAtom == atom.Input && attr(n, "name") == "handle":
				row.handle = attr(n, "value")
			case n.DataAtom == atom.Button && textOf(n) != "End this session":
				t.Errorf("a session's button says %q", textOf(n))
			}
		}
		if row.current != hasClass(tr, "current") {
			t.Errorf("%+v: the row's class is %q", row, attr(tr, "class"))
		}
		rows = append(rows, row)
	}
	return rows, body
}

// rowOf returns the session of browser in rows; the test ends if there
// is none.
func rowOf(t *testing.T, rows []listed, browser string) listed {
	t.Helper()
	for _, r := range rows {
		if r.browser == browser {
			return r
		}
	}
	t.Fatalf("no session of %q in %+v", browser, rows)
	return listed{}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// textOf is the text of n and its descendants.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
