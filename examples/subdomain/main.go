// Subdomain shares one login across the subdomains of a site, the
// customisation Flask's docs show for get_cookie_domain: one decision of
// the session interface (CookieDomain) is overridden by an AccountPolicy
// given when the interface is built, and everything else is the default.
// However the interface then serves requests (its Middleware, Begin, or
// OpenSession and SaveSession called directly), the override holds.
//
//	go run ./examples/subdomain -domain example.test
//
// A browser that logs in on shop.example.test is logged in on
// accounts.example.test too; on any other host (localhost, say) the cookie
// stays host-only.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

// sharedDomain returns the cookie-domain override that shares the cookie
// with every subdomain of site when the request is for one of them, and
// keeps the configured domain (host-only by default) otherwise.
func sharedDomain(site string) func(r *http.Request, configured string) string {
	return func(r *http.Request, configured string) string {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == site || strings.HasSuffix(host, "."+site) {
			return site
		}
		return configured
	}
}

// newHandler returns the app, with sessions shared across site's subdomains.
func newHandler(cfg AccountConfig, site string) (http.Handler, error) {
	sessions, err := NewAccountManager(cfg, WithAccountPolicy(AccountPolicy{CookieDomain: sharedDomain(site)}))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := AccountFrom(r.Context())
		if !s.HasUserID() {
			fmt.Fprintf(w, "%s: not logged in\n", r.Host)
			return
		}
		fmt.Fprintf(w, "%s: logged in as %s (#%d)\n", r.Host, s.Name(), s.UserID())
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("name")
		if name == "" {
			http.Error(w, "name is required", http.StatusBadRequest)
			return
		}
		s := AccountFrom(r.Context())
		s.SetUserID(int64(len(name)))
		s.SetName(name)
		io.WriteString(w, "logged in\n")
	})
	return sessions.Middleware(mux), nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	site := flag.String("domain", "example.test", "the site whose subdomains share the login")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg, err := AccountConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	if len(cfg.SecretKey) == 0 {
		cfg.SecretKey = make([]byte, 32)
		rand.Read(cfg.SecretKey)
		fmt.Fprintln(os.Stderr, "warning: SESSION_SECRET_KEY is not set; using a random key, so sessions will not survive a restart")
	}
	if _, set := os.LookupEnv("SESSION_COOKIE_SECURE"); !set {
		cfg.DisableSecure = true // plain HTTP in this example; keep Secure behind TLS
	}
	h, err := newHandler(cfg, *site)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	fmt.Printf("listening on http://%s (sessions shared across *.%s)\n", *addr, *site)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
