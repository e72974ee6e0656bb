package runtime

import (
	"log"
	"net"
	"net/http"
)

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
