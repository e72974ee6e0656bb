package browser

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// secondUserAgent is the second browser's User-Agent, so that the devices
// page tells the two apart as it would a laptop and a phone.
const secondUserAgent = "Mozilla/5.0 (sessiongen browser test) SecondBrowser/2.0"

// TestDevicesInChromium is "your devices" in two real browsers: two
// Chromium processes, each with a profile and cookies of its own, and
// examples/login with -store memory. Alice logs in on both; the first
// browser's devices page lists both sessions, its own marked as this
// device, and ends the second's with its button: the second browser's
// next page is logged out. The second logs in again, the first logs out
// its other sessions with the other button, and the second is logged out
// again while the first stays logged in.
func TestDevicesInChromium(t *testing.T) {
	chrome := findBrowser(t)
	start := time.Now()
	bin := buildLogin(t, t.TempDir())
	t.Logf("%-45s %v", "go build examples/login", time.Since(start).Round(time.Millisecond))
	srv, err := startLogin(t, bin, "127.0.0.1:0", newSecret(t), "-store", "memory")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server: %s", srv.base)
	start = time.Now()
	one := newBrowser(t, chrome)
	two := newBrowser(t, chrome, chromedp.UserAgent(secondUserAgent))
	t.Logf("%-45s %v", "start the two browsers", time.Since(start).Round(time.Millisecond))
	one.server, two.server = srv, srv
	one.name, two.name = "browser 1", "browser 2"

	var firstUserAgent string
	one.step("its User-Agent", func(ctx context.Context) error {
		ua, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
		firstUserAgent = ua
		return err
	})
	one.login("alice")
	two.login("alice")

	one.step("the devices page lists both", func(ctx context.Context) error {
		link := chromedp.CSS(`a[href="/devices"]`)
		if err := chromedp.Do(ctx, chromedp.Navigate(one.server.base+"/"), chromedp.WaitVisible(link)); err != nil {
			return err
		}
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(link)); err != nil {
			return err
		}
		return expectDevices(ctx, firstUserAgent, secondUserAgent)
	})
	one.step("end browser 2's session", func(ctx context.Context) error {
		// The one session that is not this device's has the button.
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`tr.session:not(.current) button`)))
		if err != nil {
			return err
		}
		if err := expectPage(ctx, resp.Status, resp.URL, one.server.base+"/devices", "The session was ended"); err != nil {
			return err
		}
		return expectDevices(ctx, firstUserAgent)
	})
	two.expectLoggedOut("logged out on its next page")

	two.login("alice")
	one.step("log out my other sessions", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(one.server.base+"/devices")); err != nil {
			return err
		}
		if err := expectDevices(ctx, firstUserAgent, secondUserAgent); err != nil {
			return err
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/devices/end-others"] button`)))
		if err != nil {
			return err
		}
		if err := expectPage(ctx, resp.Status, resp.URL, one.server.base+"/devices", "Logged out 1 other session"); err != nil {
			return err
		}
		return expectDevices(ctx, firstUserAgent)
	})
	two.expectLoggedOut("logged out again")
	one.step("still logged in", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(one.server.base+"/")); err != nil {
			return err
		}
		if text, _ := bodyText(ctx); !strings.HasPrefix(text, "Logged in as alice") {
			return fmt.Errorf("/ says %q", text)
		}
		return nil
	})
}

// device is a row of the devices page, as the page shows it.
type device struct {
	Browser string `json:"browser"`
	Address string `json:"address"`
	Current bool   `json:"current"` // the row says "this device"
	Button  string `json:"button"`  // the text of its button, if any
}

// expectDevices checks that the devices page in ctx's tab lists one
// session per User-Agent, in any order: the first is this device's,
// without a button; each other has an "End this session" button. All come
// from 127.0.0.1.
func expectDevices(ctx context.Context, userAgents ...string) error {
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]device](`Array.from(document.querySelectorAll("tr.session"), tr => ({
		browser: tr.querySelector(".browser").innerText.trim(),
		address: tr.querySelector(".address").innerText.trim(),
		current: tr.innerText.includes("this device"),
		button: tr.querySelector("button") ? tr.querySelector("button").innerText.trim() : "",
	}))`))
	if err != nil {
		return err
	}
	var want []device
	for i, ua := range userAgents {
		d := device{Browser: ua, Address: "127.0.0.1", Current: i == 0}
		if i > 0 {
			d.Button = "End this session"
		}
		want = append(want, d)
	}
	byBrowser := func(a, b device) int { return strings.Compare(a.Browser, b.Browser) }
	slices.SortFunc(rows, byBrowser)
	slices.SortFunc(want, byBrowser)
	if !slices.Equal(rows, want) {
		return fmt.Errorf("the devices page lists\n\t%+v\nwant\n\t%+v", rows, want)
	}
	return nil
}

// expectPage checks that a form's response is the page at url with a 200,
// and that it says want.
func expectPage(ctx context.Context, status int64, got, url, want string) error {
	text, err := bodyText(ctx)
	if err != nil {
		return err
	}
	if status != http.StatusOK || got != url || !strings.Contains(text, want) {
		return fmt.Errorf("after the button: %d %s, %q; want %s saying %q", status, got, text, url, want)
	}
	return nil
}

// expectLoggedOut loads / and checks that it says the browser is not
// logged in.
func (b *browser) expectLoggedOut(name string) {
	b.t.Helper()
	b.step(name, func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(b.server.base+"/")); err != nil {
			return err
		}
		if text, _ := bodyText(ctx); !strings.HasPrefix(text, "You are not logged in") {
			return fmt.Errorf("/ says %q; want not logged in", text)
		}
		return nil
	})
}
