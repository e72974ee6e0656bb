package runtime_test

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// cookieDate reads the date a session cookie carries, without its keys:
// the outer base64 layer of securecookie's format (signed, encrypted, or a
// server-side ID) starts with the date in decimal; Flask's timestamp is
// the part before the last dot, big-endian bytes in unpadded base64url.
func cookieDate(t *testing.T, flask bool, value string) int64 {
	t.Helper()
	if flask {
		parts := strings.Split(value, ".")
		b, err := base64.RawURLEncoding.DecodeString(parts[len(parts)-2])
		if err != nil {
			t.Fatalf("Flask cookie %q: %v", value, err)
		}
		var d int64
		for _, c := range b {
			d = d<<8 | int64(c)
		}
		return d
	}
	raw, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		t.Fatalf("cookie %q: %v", value, err)
	}
	d, err := strconv.ParseInt(strings.SplitN(string(raw), "|", 2)[0], 10, 64)
	if err != nil {
		t.Fatalf("cookie %q: %v", value, err)
	}
	return d
}

// One cookie, one answer: whether a cookie opens depends on its date, the
// clock, Lifetime and its format's allowed skew, never on whether the
// verified cache holds it. Each format opens cookies dated from Lifetime+1s
// ago to its skew ahead, edges included, and refuses the rest, with the
// cache on and off, on the first open and on hits.
//
// The skews: securecookie's format (signed, encrypted, server-side IDs)
// allows 5 s ahead, for servers whose clocks differ a little. Flask's
// allows none, as itsdangerous 2.2's TimestampSigner.unsign, which raises
// SignatureExpired("Signature age -1 < 0 seconds") for a cookie dated one
// second ahead: a Flask cookie that Flask refuses is refused here too.
//
// "cold" opens the cookie three times at the skewed clock (the cache
// admits it at its second verification and finds it at the third);
// "warm" opens it twice at its own date first, so that every open at the
// skewed clock is a hit.
func TestOneDateRuleCacheOnAndOff(t *testing.T) {
	const lifetime = time.Hour
	maxAge := int64(lifetime / time.Second)
	formats := []struct {
		name   string
		cfg    func() runtime.Config
		skew   int64
		cached bool // the Interface or the store's ID cache holds its cookies
	}{
		{"wire", func() runtime.Config { return runtime.Config{} }, 5, true},
		{"encrypted", func() runtime.Config { return runtime.Config{EncryptionKey: []byte("0123456789abcdef")} }, 5, false},
		{"flask", func() runtime.Config { return runtime.Config{CookieFormat: runtime.CookieFormatFlask} }, 0, true},
		{"store", func() runtime.Config {
			ms := memstore.New(memstore.Options{}) // its own clock: records stay alive
			t.Cleanup(func() { ms.Close() })
			return runtime.Config{Store: ms}
		}, 5, true},
	}
	for _, f := range formats {
		// Where the cookie's date is relative to the clock: ahead (+) or
		// behind (-), in seconds.
		for _, ahead := range []int64{0, 1, 3, f.skew, f.skew + 1, -maxAge + 1, -maxAge, -maxAge - 1} {
			want := ahead <= f.skew && ahead >= -maxAge
			for _, mode := range []string{"cold", "warm"} {
				name := fmt.Sprintf("%s/dated%+ds/%s", f.name, ahead, mode)
				t.Run(name, func(t *testing.T) {
					answers := map[string][]bool{}
					for _, cache := range []int{0, -1} {
						cfg := f.cfg()
						cfg.Lifetime, cfg.VerifiedCacheSize = lifetime, cache
						now := time.Now().Truncate(time.Second)
						cfg.Now = func() time.Time { return now }
						si := newIface(t, cfg)
						value := issue(t, si, "alice")
						// securecookie dates what it encrypts by its own
						// clock: the cookie's date is read back from it.
						date := cookieDate(t, cfg.CookieFormat == runtime.CookieFormatFlask, value)
						open := func() bool {
							switch got := serve(si, testApp(), "/get", "session="+value).Body.String(); got {
							case "name=alice count=0 new=false":
								return true
							case "name= count=0 new=true":
								return false
							default:
								t.Fatalf("/get: %q", got)
								return false
							}
						}
						if mode == "warm" {
							now = time.Unix(date, 0)
							for i := range 2 {
								if !open() {
									t.Fatalf("cache %d: open %d at the cookie's own date refused", cache, i+1)
								}
							}
						}
						hits := si.VerifiedCacheStats().Hits
						now = time.Unix(date-ahead, 0)
						var got []bool
						for range 3 {
							got = append(got, open())
						}
						key := fmt.Sprintf("VerifiedCacheSize=%d", cache)
						answers[key] = got
						if cache == 0 && f.cached && mode == "warm" && si.VerifiedCacheStats().Hits-hits != 3 {
							t.Errorf("%s: %d cache hits at the skewed clock; want 3 (the test must exercise hits)", key, si.VerifiedCacheStats().Hits-hits)
						}
					}
					for key, got := range answers {
						for i, ok := range got {
							if ok != want {
								t.Errorf("%s: open %d at the skewed clock: opened %v; want %v (all: %v)", key, i+1, ok, want, answers)
								break
							}
						}
					}
				})
			}
		}
	}
}
