// Login is the Flask sessions tutorial as a Go program: a login form that
// remembers the user's name, a logout, and a per-browser visit counter, all
// in a signed cookie through the sessiongen-generated Visitor session.
//
//	go run ./examples/login              # serves http://127.0.0.1:8080
//	SESSION_SECRET_KEY=... go run ./examples/login -addr 127.0.0.1:9000
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// run serves the app on addr until ctx is done.
func run(ctx context.Context, addr string, stdout, stderr io.Writer) error {
	cfg, err := VisitorConfigFromEnv()
	if err != nil {
		return err
	}
	if len(cfg.SecretKey) == 0 {
		// The library refuses to run without a key; the example makes one
		// up so that it runs with no setup at all.
		cfg.SecretKey = make([]byte, 32)
		if _, err := rand.Read(cfg.SecretKey); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "warning: SESSION_SECRET_KEY is not set; using a random key, so sessions will not survive a restart")
	}
	if _, set := os.LookupEnv("SESSION_COOKIE_SECURE"); !set {
		// This example serves plain HTTP, where a browser would not send a
		// Secure cookie back. Behind TLS, leave Secure on: it is the default.
		cfg.DisableSecure = true
	}
	handler, err := newHandler(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler returns the app with its session middleware installed.
func newHandler(cfg VisitorConfig) (http.Handler, error) {
	cfg.OnError = func(r *http.Request, err error) {
		log.Printf("session: %s %s: %v", r.Method, r.URL.Path, err)
	}
	sessions, err := NewVisitorInterface(cfg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /login", loginForm)
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /logout", logout)
	mux.HandleFunc("GET /counter", counter)
	mux.HandleFunc("GET /remember", remember)
	return sessions.Middleware(mux), nil
}

func index(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Each flash message is shown once: Flashes removes them from the
	// session.
	for _, f := range sess.Flashes() {
		fmt.Fprintf(w, "<p class=\"flash %s\">%s</p>\n", html.EscapeString(f.Category), html.EscapeString(f.Message))
	}
	if sess.HasUsername() {
		fmt.Fprintf(w, "Logged in as %s <a href=\"/logout\">log out</a>\n", html.EscapeString(sess.Username()))
		return
	}
	fmt.Fprintln(w, "You are not logged in <a href=\"/login\">log in</a>")
}

func loginForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, `<form method="post">
  <input type="text" name="username" autofocus>
  <input type="submit" value="Login">
</form>
`)
}

func login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("username")
	if name == "" || len(name) > 100 {
		http.Error(w, "a username of 1 to 100 bytes is required", http.StatusBadRequest)
		return
	}
	sess := VisitorFrom(r.Context())
	sess.SetUsername(name)
	sess.Flash("You were logged in")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func logout(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	sess.DeleteUsername()
	sess.Flash("You were logged out")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// remember makes the session permanent: its cookie now outlives the
// browser session, for the configured lifetime (31 days by default).
func remember(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	sess.SetPermanent(true)
	sess.Flash("This browser will be remembered")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func counter(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	sess.SetVisits(sess.Visits() + 1)
	io.WriteString(w, "Number of visits: "+strconv.Itoa(sess.Visits())+"\n")
}
