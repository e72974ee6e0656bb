package runtime_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/internal/testsession"
)

// A request carrying thousands of cookies under the session's name costs a
// few MAC checks and one OnError report, not one of each per cookie.
func TestManySameNameCookiesAmplification(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	good := issue(t, si, "alice")
	planted := issue(t, newIface(t, runtime.Config{SecretKey: keyB}), "mallory")
	log.take()

	for _, n := range []int{2, runtime.MaxCookieCandidates, runtime.MaxCookieCandidates + 1, 2999} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			parts := make([]string, 0, n+1)
			for range n {
				parts = append(parts, "session="+planted)
			}
			parts = append(parts, "session="+good)
			w := serve(si, testApp(), "/get", strings.Join(parts, "; "))
			errs := log.take()
			if len(errs) != 1 {
				t.Fatalf("%d cookies before the good one: OnError told %d times; want once", n, len(errs))
			}
			var rejected *runtime.RejectedCookiesError
			if !errors.As(errs[0], &rejected) {
				t.Fatalf("reported %T (%v); want a *RejectedCookiesError", errs[0], errs[0])
			}
			if !errors.Is(errs[0], runtime.ErrCookieInvalid) {
				t.Errorf("%v does not match ErrCookieInvalid", errs[0])
			}
			tried := min(n, runtime.MaxCookieCandidates)
			if len(rejected.Errs) != tried {
				t.Errorf("%d errors in the report; want one per cookie tried (%d)", len(rejected.Errs), tried)
			}
			body := w.Body.String()
			if n < runtime.MaxCookieCandidates {
				if !strings.Contains(body, "name=alice") {
					t.Errorf("the good cookie after %d planted ones was not opened: %s", n, body)
				}
			} else {
				if !strings.Contains(body, "name= ") {
					t.Errorf("a cookie past the first %d was opened: %s", runtime.MaxCookieCandidates, body)
				}
				if rejected.Skipped != n+1-runtime.MaxCookieCandidates {
					t.Errorf("Skipped = %d; want %d", rejected.Skipped, n+1-runtime.MaxCookieCandidates)
				}
			}
		})
	}
}

// One rejected cookie is reported as itself, as before.
func TestOneRejectedCookieReportedAlone(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	serve(si, testApp(), "/get", "session=garbage")
	errs := log.take()
	var ce *runtime.CookieError
	if len(errs) != 1 || !errors.As(errs[0], &ce) || errors.As(errs[0], new(*runtime.RejectedCookiesError)) {
		t.Fatalf("reported %v; want one *CookieError", errs)
	}
}

// The outer base64 is decoded strictly: a value whose unused trailing bits
// were changed is another value, and does not verify (it would otherwise
// open the same session and take a cache entry of its own).
func TestBase64TrailingBitsMalleability(t *testing.T) {
	var log errLog
	si := newIface(t, runtime.Config{OnError: log.onError})
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, name := range []string{"a", "ab", "abc", "abcd"} { // every length mod 3
		good := issue(t, si, name)
		log.take()
		last := strings.TrimRight(good, "=")
		pad := good[len(last):]
		if pad == "" {
			continue // no spare bits
		}
		want, err := base64.URLEncoding.DecodeString(good)
		if err != nil {
			t.Fatal(err)
		}
		variants := 0
		for _, c := range alphabet {
			v := last[:len(last)-1] + string(c) + pad
			if v == good {
				continue
			}
			if got, err := base64.URLEncoding.DecodeString(v); err != nil || string(got) != string(want) {
				continue // not the same bytes: not a malleability case
			}
			variants++
			w := serve(si, testApp(), "/get", "session="+v)
			if !strings.Contains(w.Body.String(), "name= ") {
				t.Errorf("%q (trailing bits changed) opened the session: %s", v, w.Body.String())
			}
			if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieInvalid) {
				t.Errorf("%q: reported %v; want ErrCookieInvalid", v, errs)
			}
		}
		if variants == 0 {
			t.Fatalf("name %q: no malleable variant found; the test checks nothing", name)
		}
	}
}

// Two session types sharing a cookie name and keys never open each other's
// cookies: the type's name is bound into the MAC.
func TestCookieOfOneSessionTypeOpensAsAnother(t *testing.T) {
	guestCodec, acctCodec := testsession.Codec, testsession.Codec
	guestCodec.Name, acctCodec.Name = "Guest", "Acct"
	guest, err := runtime.New(runtime.Config{SecretKey: keyA}, guestCodec)
	if err != nil {
		t.Fatal(err)
	}
	var log errLog
	acct, err := runtime.New(runtime.Config{SecretKey: keyA, OnError: log.onError}, acctCodec)
	if err != nil {
		t.Fatal(err)
	}
	value := issue(t, guest, "admin")
	if w := serve(guest, testApp(), "/get", "session="+value); !strings.Contains(w.Body.String(), "name=admin") {
		t.Fatalf("the Guest cookie does not open as Guest: %s", w.Body.String())
	}
	w := serve(acct, testApp(), "/get", "session="+value)
	if !strings.Contains(w.Body.String(), "name= ") {
		t.Errorf("a Guest cookie opened as Acct: %s", w.Body.String())
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieInvalid) {
		t.Errorf("reported %v; want ErrCookieInvalid", errs)
	}
	// Config.Salt replaces the type's name: a renamed type keeps its cookies.
	renamed, err := runtime.New(runtime.Config{SecretKey: keyA, Salt: "Guest"}, acctCodec)
	if err != nil {
		t.Fatal(err)
	}
	if w := serve(renamed, testApp(), "/get", "session="+value); !strings.Contains(w.Body.String(), "name=admin") {
		t.Errorf("Salt \"Guest\" does not open the Guest cookie: %s", w.Body.String())
	}
	// The encrypted path binds it too.
	encGuest, _ := runtime.New(runtime.Config{SecretKey: keyA, EncryptionKey: []byte("0123456789abcdefFEDCBA9876543210")}, guestCodec)
	encAcct, _ := runtime.New(runtime.Config{SecretKey: keyA, EncryptionKey: []byte("0123456789abcdefFEDCBA9876543210")}, acctCodec)
	value = issue(t, encGuest, "admin")
	if w := serve(encAcct, testApp(), "/get", "session="+value); !strings.Contains(w.Body.String(), "name= ") {
		t.Errorf("an encrypted Guest cookie opened as Acct: %s", w.Body.String())
	}
}

// Keys that are long enough but carry almost no entropy, and cookie
// domains browsers refuse, are refused at start-up.
func TestWeakConfigurationRefused(t *testing.T) {
	repeat := func(s string, n int) []byte { return []byte(strings.Repeat(s, n)) }
	for _, tc := range []struct {
		name string
		cfg  runtime.Config
		want error
	}{
		{"32 zero bytes", runtime.Config{SecretKey: make([]byte, 32)}, runtime.ErrWeakSecretKey},
		{"one repeated byte", runtime.Config{SecretKey: repeat("a", 40)}, runtime.ErrWeakSecretKey},
		{"a short pattern repeated", runtime.Config{SecretKey: repeat("abcd", 8)}, runtime.ErrWeakSecretKey},
		{"a 16-byte pattern twice", runtime.Config{SecretKey: repeat("0123456789abcdef", 2)}, runtime.ErrWeakSecretKey},
		{"few distinct bytes", runtime.Config{SecretKey: []byte("abababababababababababababababaXYZ")}, runtime.ErrWeakSecretKey},
		{"weak fallback", runtime.Config{SecretKey: keyA, SecretKeyFallbacks: [][]byte{make([]byte, 32)}}, runtime.ErrWeakSecretKey},
		{"zero encryption key", runtime.Config{SecretKey: keyA, EncryptionKey: make([]byte, 32)}, runtime.ErrEncryptionKey},
		{"repeated encryption key", runtime.Config{SecretKey: keyA, EncryptionKey: repeat("k", 16)}, runtime.ErrEncryptionKey},
		{"domain com", runtime.Config{SecretKey: keyA, CookieDomain: "com"}, runtime.ErrCookieConfig},
		{"domain co.uk", runtime.Config{SecretKey: keyA, CookieDomain: "co.uk"}, runtime.ErrCookieConfig},
		{"domain .co.uk", runtime.Config{SecretKey: keyA, CookieDomain: ".co.uk"}, runtime.ErrCookieConfig},
		{"domain github.io", runtime.Config{SecretKey: keyA, CookieDomain: "github.io"}, runtime.ErrCookieConfig},
		{"absolute lifetime under a second", runtime.Config{SecretKey: keyA, AbsoluteLifetime: time.Millisecond}, runtime.ErrCookieConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runtime.New(tc.cfg, testsession.Codec)
			if !errors.Is(err, tc.want) {
				t.Fatalf("New: %v; want %v", err, tc.want)
			}
			var ce *runtime.ConfigError
			if !errors.As(err, &ce) || ce.Hint == "" {
				t.Errorf("%v: no *ConfigError with a hint", err)
			}
		})
	}
	for _, ok := range []runtime.Config{
		{SecretKey: keyA, CookieDomain: "example.com"},
		{SecretKey: keyA, CookieDomain: "example.co.uk"},
		{SecretKey: keyA, CookieDomain: "me.github.io"},
		{SecretKey: keyA, CookieDomain: "localhost", DisableSecure: true},
		{SecretKey: make([]byte, 32), Development: true},
	} {
		if _, err := runtime.New(ok, testsession.Codec); err != nil {
			t.Errorf("%+v refused: %v", ok, err)
		}
	}
}

// An override that returns a name net/http would silently drop is a save
// error, reported, not a cookie that vanishes.
func TestInvalidOverriddenCookieNameReported(t *testing.T) {
	var log errLog
	for _, name := range []string{"bad name", "sess;ion", "", "s\u00e9ssion"} {
		si := newIface(t, runtime.Config{OnError: log.onError}, runtime.WithPolicy(runtime.Policy[testsession.TestSession]{
			CookieName: func(*http.Request, string) string { return name },
		}))
		h := si.Middleware(testApp())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/set?name=x", nil))
		if w.Code != http.StatusInternalServerError {
			t.Errorf("name %q: status %d; want 500", name, w.Code)
		}
		errs := log.take()
		if len(errs) == 0 || !errors.Is(errs[0], runtime.ErrCookieConfig) {
			t.Errorf("name %q: reported %v; want ErrCookieConfig", name, errs)
		}
	}
}

// With AbsoluteLifetime, a session dies that long after it was created,
// however often it is saved, whichever key signed it last, and whether or
// not its cookie is in the verified cache.
func TestAbsoluteLifetime(t *testing.T) {
	for _, cacheSize := range []int{0, -1} {
		t.Run(fmt.Sprintf("cache %d", cacheSize), func(t *testing.T) {
			now := time.Unix(1_800_000_000, 0)
			var log errLog
			cfg := runtime.Config{
				Lifetime: 10 * time.Minute, AbsoluteLifetime: time.Hour, VerifiedCacheSize: cacheSize,
				Now: func() time.Time { return now }, OnError: log.onError,
			}
			si := newIface(t, cfg)
			cookie := issue(t, si, "alice")
			for minute := 1; minute < 60; minute++ {
				now = now.Add(time.Minute)
				if minute == 30 { // rotate keys half way: created survives
					cfg.SecretKey, cfg.SecretKeyFallbacks = keyB, [][]byte{keyA}
					si = newIface(t, cfg)
				}
				// Read twice (the second read is a cache hit), then save.
				serve(si, testApp(), "/get", "session="+cookie)
				serve(si, testApp(), "/get", "session="+cookie)
				w := serve(si, testApp(), "/inc", "session="+cookie)
				if !strings.Contains(w.Body.String(), "name=alice") {
					t.Fatalf("minute %d: session lost early: %s (%v)", minute, w.Body.String(), log.take())
				}
				cookie = sessionCookie(t, w.Header(), "session").Value
			}
			log.take()
			now = now.Add(time.Minute) // an hour after creation
			w := serve(si, testApp(), "/get", "session="+cookie)
			if !strings.Contains(w.Body.String(), "name= ") {
				t.Fatalf("the session outlived AbsoluteLifetime: %s", w.Body.String())
			}
			if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieExpired) {
				t.Errorf("reported %v; want ErrCookieExpired", errs)
			}
		})
	}
}

// A permanent session's Expires never reaches past its absolute end, and a
// cleared session starts a new one.
func TestAbsoluteLifetimeCapsExpires(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	si := newIface(t, runtime.Config{Lifetime: 24 * time.Hour, AbsoluteLifetime: 36 * time.Hour, Now: func() time.Time { return now }})
	w := serve(si, testApp(), "/permanent?v=true")
	c := sessionCookie(t, w.Header(), "session")
	if want := now.Add(24 * time.Hour); !c.Expires.Equal(want) {
		t.Errorf("Expires %v; want %v", c.Expires, want)
	}
	created := now
	now = now.Add(20 * time.Hour)
	w = serve(si, testApp(), "/inc", "session="+c.Value)
	c = sessionCookie(t, w.Header(), "session")
	if want := created.Add(36 * time.Hour); !c.Expires.Equal(want) {
		t.Errorf("Expires %v; want the absolute end %v", c.Expires, want)
	}
}

// The verified cache holds what VerifiedCacheSize says: N distinct cookies
// sent round-robin, N = 90% of the size, are found at least 90% of the
// time, whatever the cookies' length (the review found values ending in
// "X==" crowding 2 of 16 shards, and two generations of LRU losing most
// hits on a round-robin).
func TestVerifiedCacheCapacityRoundRobin(t *testing.T) {
	for _, size := range []int{runtime.DefaultVerifiedCacheSize, 300, 64} {
		for _, pad := range []int{0, 1, 2, 40} { // every length mod 3, and a long one
			t.Run(fmt.Sprintf("size %d pad %d", size, pad), func(t *testing.T) {
				si := newIface(t, runtime.Config{VerifiedCacheSize: size})
				n := size * 9 / 10
				cookies := make([]string, n)
				for i := range cookies {
					cookies[i] = "session=" + issue(t, si, fmt.Sprintf("u%05d%s", i, strings.Repeat("p", pad)))
				}
				h := si.Middleware(testApp())
				round := func() {
					for _, c := range cookies {
						r := httptest.NewRequest("GET", "/get", nil)
						r.Header.Set("Cookie", c)
						h.ServeHTTP(httptest.NewRecorder(), r)
					}
				}
				round() // first sight: fingerprints
				round() // second: remembered
				before := si.VerifiedCacheStats()
				round()
				round()
				after := si.VerifiedCacheStats()
				hits, misses := after.Hits-before.Hits, after.Misses-before.Misses
				rate := float64(hits) / float64(hits+misses)
				t.Logf("%d cookies, cache of %d: %.1f%% hits, %d entries", n, size, 100*rate, after.Entries)
				if rate < 0.9 {
					t.Errorf("hit rate %.1f%% for %d cookies in a cache of %d; want at least 90%%", 100*rate, n, size)
				}
				if after.Entries > size || after.Capacity != size {
					t.Errorf("%d entries, capacity %d; want at most %d", after.Entries, after.Capacity, size)
				}
			})
		}
	}
}

// Cookie sessions have no server-side record, so what one browser's
// concurrent requests write races: the response that arrives last sets the
// cookie. This test shows the two consequences docs/security.md (and the
// README's CSRF section) warns of (every cookie-session library shares them), so that a
// change that hides or fixes them is noticed: a slow request that read the
// session before a logout brings the login back when it answers, and of
// two concurrent increments one is lost. The server-side mode is the fix.
func TestCookieSessionsConcurrentRequestsRace(t *testing.T) {
	si := newIface(t, runtime.Config{Development: true})
	release := make(chan struct{})
	loaded := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", testApp())
	mux.HandleFunc("/slow-inc", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.From[testsession.TestSession](r.Context())
		n := s.Count()
		loaded <- struct{}{}
		<-release
		s.SetCount(n + 1)
		fmt.Fprintf(w, "count=%d", n+1)
	})
	c := newClient(t, newServer(t, si, mux))
	c.get("/set?name=alice&count=0")

	// A slow request starts, then the user logs out.
	done := make(chan string)
	go func() {
		resp, err := c.c.Get(c.srv.URL + "/slow-inc")
		if err != nil {
			t.Error(err)
			done <- ""
			return
		}
		resp.Body.Close()
		done <- ""
	}()
	<-loaded
	if _, body := c.get("/clear"); !strings.Contains(body, "name= ") {
		t.Fatalf("logout: %s", body)
	}
	if _, body := c.get("/get"); !strings.Contains(body, "name= ") {
		t.Fatalf("after logout: %s", body)
	}
	close(release)
	<-done
	if _, body := c.get("/get"); !strings.Contains(body, "name=alice") {
		t.Errorf("after the slow request answered: %s; the known race is gone: update docs/security.md and the README's CSRF section", body)
	}

	// Two concurrent increments from 0: both read 0, both write 1.
	release, loaded = make(chan struct{}), make(chan struct{})
	c.get("/set?count=0")
	for range 2 {
		go func() {
			resp, err := c.c.Get(c.srv.URL + "/slow-inc")
			if err == nil {
				resp.Body.Close()
			}
			done <- ""
		}()
	}
	<-loaded
	<-loaded
	close(release)
	<-done
	<-done
	if _, body := c.get("/get"); !strings.Contains(body, "count=1") {
		t.Errorf("after two concurrent increments: %s; want count=1 (one lost), the documented race", body)
	}
}
