package runtime

import (
	"errors"
	"log"
	"net"
	"net/http"
)

// ErrInsecureTransport is reported once per Interface, to Config.OnError (or
// the standard logger without one), the first time a Secure session cookie
// is set in answer to a plain-HTTP request from another machine: the
// browser will not send that cookie back over plain HTTP, so its sessions
// silently never persist. Serve over TLS (behind a proxy that terminates
// TLS, have it set X-Forwarded-Proto: https), or set DisableSecure
// (SESSION_COOKIE_SECURE=false) for plain-HTTP development.
var ErrInsecureTransport = errors.New("sessiongen: a Secure session cookie was set on a plain-HTTP request from another machine: " +
	"the browser will not send it back over HTTP, so sessions will not persist; serve over TLS, " +
	"or set DisableSecure (SESSION_COOKIE_SECURE=false) for plain-HTTP development")

// warnInsecure reports ErrInsecureTransport, once, if r came over plain
// HTTP from another machine. Only requests that arrived on a connection of
// a net/http Server are judged (their context carries the server's local
// address): a request made in process (httptest.NewRequest, a handler
// called directly) came over no transport at all. Loopback requests are
// left alone: browsers treat http://localhost as secure and keep its
// Secure cookies.
func (si *Interface[S]) warnInsecure(r *http.Request) {
	if r.TLS != nil || si.warned.Load() || r.Header.Get("X-Forwarded-Proto") == "https" {
		return
	}
	if r.Context().Value(http.LocalAddrContextKey) == nil {
		return // not served over a connection
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() {
		return // this machine
	}
	if !si.warned.CompareAndSwap(false, true) {
		return
	}
	if si.cfg.OnError != nil {
		si.cfg.OnError(r, ErrInsecureTransport)
		return
	}
	log.Printf("%v (request from %s)", ErrInsecureTransport, r.RemoteAddr)
}
