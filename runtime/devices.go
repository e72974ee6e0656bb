package runtime

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// ListUser returns the live server-side sessions of user (the value of the
// Config.UserKey field when they were saved), most recently used first,
// each with when it began and was last used and, with
// Config.RecordDevices, the browser and address it began from: a "your
// devices" page. The session of the request carrying ctx, if it is one of
// them, is marked Current.
func (si *Interface[S]) ListUser(ctx context.Context, user string) ([]UserSession, error) {
	if si.storage == nil {
		return nil, ErrNoStore
	}
	return si.storage.listUser(ctx, user, si.currentMeta(ctx))
}

// DestroySession ends the session of user whose Handle ListUser gave: its
// record is deleted, so its cookie opens nothing from its next request
// on, on every instance. It returns an error matching ErrNotFound if user
// has no live session with that handle (it ended, or got a new ID since it
// was listed). Ending the current request's own session is Destroy.
func (si *Interface[S]) DestroySession(ctx context.Context, user, handle string) error {
	if si.storage == nil {
		return ErrNoStore
	}
	current, err := si.storage.destroyHandle(ctx, user, handle, si.currentMeta(ctx))
	if current {
		return si.Destroy(ctx)
	}
	return err
}

// DestroyOthers ends every other server-side session of the user of the
// request carrying ctx ("log out my other devices"), on every instance,
// and returns how many it ended. It is one step of the store, atomic with
// respect to the user's logins and new IDs: a session of the user that
// began, or got a new ID, before it returned is ended, never missed. The
// request's session must have been loaded logged in (else ErrNoUser).
func (si *Interface[S]) DestroyOthers(ctx context.Context) (int, error) {
	if si.storage == nil {
		return 0, ErrNoStore
	}
	m := si.currentMeta(ctx)
	if m == nil {
		return 0, ErrNoSession
	}
	if m.LoadErr != nil {
		return 0, m.LoadErr
	}
	return si.storage.deleteOthers(ctx, m)
}

// currentMeta returns the metadata of the session of the request carrying
// ctx, loaded, or nil if ctx carries none.
func (si *Interface[S]) currentMeta(ctx context.Context) *sessionimpl.Meta {
	s := From[S](ctx)
	if s == nil {
		return nil
	}
	st := si.codec.State(s)
	st.Load()
	return st.Meta()
}

// deviceOf returns what a record keeps of the client of r
// (Config.RecordDevices): its User-Agent, bounded and valid UTF-8 without
// control characters, and its address as trusted says.
func deviceOf(r *http.Request, trusted []netip.Prefix) Device {
	d := Device{UserAgent: cleanUserAgent(r.UserAgent())}
	if a, ok := clientAddr(r, trusted); ok {
		d.Addr = a.String()
	}
	return d
}

// cleanUserAgent bounds ua to MaxUserAgentLen bytes, cut at a character's
// start, with invalid UTF-8 and control characters (NUL included, which
// PostgreSQL's text refuses) replaced.
func cleanUserAgent(ua string) string {
	if len(ua) > MaxUserAgentLen {
		// Cut before the character the bound falls in.
		n := MaxUserAgentLen
		for n > 0 && !utf8.RuneStart(ua[n]) {
			n--
		}
		ua = ua[:n]
	}
	clean := true
	for i := 0; i < len(ua); i++ {
		if c := ua[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return ua
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(ua, "?"))
}

// clientAddr returns the address of the client of r: RemoteAddr's, unless
// it is one of the trusted proxies; then the nearest address of
// X-Forwarded-For, read from the right, that is not. A header that is not
// a list of addresses stops the walk at the last address trusted so far.
func clientAddr(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	addr = addr.Unmap().WithZone("")
	if !isTrusted(addr, trusted) {
		return addr, true
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				hop, list = list[j+1:], list[:j]
			} else {
				hop, list = list, ""
			}
			a, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				return addr, true
			}
			addr = a.Unmap().WithZone("")
			if !isTrusted(addr, trusted) {
				return addr, true
			}
		}
	}
	return addr, true
}

// isTrusted reports whether a is in one of the networks.
func isTrusted(a netip.Addr, networks []netip.Prefix) bool {
	for _, p := range networks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
