// Login is the Flask sessions tutorial as a Go program: a login form that
// remembers the user's name, a logout, and a per-browser visit counter,
// through the sessiongen-generated Visitor session. By default the session
// lives in a signed cookie; -store keeps it on the server instead, in this
// process's memory, or in Redis or PostgreSQL (shared by several instances,
// and kept across restarts), with the same handlers.
//
//	go run ./examples/login              # serves http://127.0.0.1:8080
//	SESSION_SECRET_KEY=... go run ./examples/login -addr 127.0.0.1:9000
//	go run ./examples/login -store redis -redis-addr 127.0.0.1:6379
//	go run ./examples/login -store postgres -postgres-url postgres://app@127.0.0.1/app
//
// With -store postgres and no -postgres-url, the URL is $DATABASE_URL; if
// that is empty too, pgx's defaults apply (libpq's PGHOST, PGUSER, ...).
// The store creates its tables on start (runtime/pgstore). Sessions outlive
// a restart of the app only if SESSION_SECRET_KEY is set: the cookie that
// names a session is signed with it.
//
// Login regenerates the session ID (with a store) and logout destroys the
// session, so a cookie copied before logout opens nothing afterwards.
// Both are POST forms behind net/http's CrossOriginProtection, so another
// site cannot log a browser in or out, and so is "remember this browser"
// (POST /remember, which makes the session permanent); GET and HEAD change
// nothing but the visit counter, which only GET /counter increments.
//
// With a server-side store, /devices ("your devices", linked from the
// logged-in view) lists the browsers where the user is logged in: each
// one's User-Agent and address, when its session began and was last used,
// and which one is this browser. A POST button ends one of the others, and
// another ends all of them (devices.go). Sessions are indexed by user
// (Config.UserKey) for it, and record their User-Agent and address
// (Config.RecordDevices). Two flags go with it:
//
//	-max-sessions N        keep at most N sessions per user: a login ends
//	                       the least recently used ones beyond (default 0: no limit)
//	-trusted-proxy CIDR    a reverse proxy in front of the app, such as
//	                       10.0.0.0/8: the address shown for a session is then
//	                       the client's from X-Forwarded-For, not the proxy's
//	                       (repeat the flag, or list networks with commas)
//
//	go run ./examples/login -store memory -max-sessions 3 -trusted-proxy 127.0.0.1/32  # behind a proxy on this host
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
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

func main() {
	var opts options
	flag.StringVar(&opts.addr, "addr", "127.0.0.1:8080", "address to listen on")
	flag.StringVar(&opts.store, "store", "cookie", "where sessions live: cookie (signed cookies), memory (this process), redis or postgres")
	flag.StringVar(&opts.redisAddr, "redis-addr", "127.0.0.1:6379", "the Redis server, with -store redis")
	flag.StringVar(&opts.postgresURL, "postgres-url", "", "the PostgreSQL database, as postgres://user:password@host:port/db, with -store postgres (default $DATABASE_URL)")
	flag.IntVar(&opts.maxSessions, "max-sessions", 0, "keep at most this many sessions of one user, ending the least recently used at a login (0: no limit; needs a server-side -store)")
	flag.Var(&opts.trustedProxies, "trusted-proxy", "`CIDR` of a reverse proxy in front of the app, whose X-Forwarded-For gives the address shown on /devices (repeatable, or comma-separated; needs a server-side -store)")
	flag.Parse()
	if opts.postgresURL == "" {
		// Not the flag's default: -help would print the password.
		opts.postgresURL = os.Getenv("DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// options are the command line's.
type options struct {
	addr           string
	store          string // cookie, memory, redis or postgres
	redisAddr      string
	postgresURL    string
	maxSessions    int      // Config.MaxSessionsPerUser
	trustedProxies networks // Config.TrustedProxies
}

// networks is a flag that takes networks in CIDR notation, separated by
// commas, and may be given more than once.
type networks []netip.Prefix

func (n *networks) String() string {
	var s []string
	for _, p := range *n {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}

func (n *networks) Set(value string) error {
	for _, field := range strings.Split(value, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(field))
		if err != nil {
			return fmt.Errorf("want a network such as 10.0.0.0/8 (one address: 10.0.0.1/32): %w", err)
		}
		*n = append(*n, p.Masked())
	}
	return nil
}

// run serves the app until ctx is done.
func run(ctx context.Context, opts options, stdout, stderr io.Writer) error {
	cfg, err := VisitorConfigFromEnv()
	if err != nil {
		return err
	}
	closeStore, err := useStore(ctx, &cfg, opts)
	if err != nil {
		return err
	}
	defer closeStore()
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
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	shutdownDone := make(chan struct{})
	go func() {
		defer close(shutdownDone)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Serve returns as soon as Shutdown begins; the requests still in
	// flight use the store, which is closed only once they are done.
	<-shutdownDone
	return nil
}

// useStore sets cfg.Store for the -store flag, with what the devices page
// needs, and returns what closes the store. ctx bounds what starting the
// store takes (PostgreSQL's migration).
func useStore(ctx context.Context, cfg *VisitorConfig, opts options) (func(), error) {
	switch {
	case opts.maxSessions < 0:
		return nil, fmt.Errorf("-max-sessions %d: want 0 (no limit) or more", opts.maxSessions)
	case opts.store == "cookie" && (opts.maxSessions != 0 || len(opts.trustedProxies) != 0):
		return nil, errors.New("-max-sessions and -trusted-proxy apply to sessions kept on the server: add -store memory, redis or postgres")
	}
	closeStore, err := openStore(ctx, cfg, opts)
	if err != nil || cfg.Store == nil {
		return closeStore, err
	}
	// The devices page lists a user's sessions: index them by the session
	// key that holds the user. (A session saved before this was set is in
	// no index until it is saved again.)
	cfg.UserKey = "username"
	// It shows the User-Agent and address each session began from. Both
	// are personal data: the store keeps them in the session's record, as
	// long as the session lives; say so in your privacy notice.
	cfg.RecordDevices = true
	cfg.TrustedProxies = opts.trustedProxies
	cfg.MaxSessionsPerUser = opts.maxSessions
	return closeStore, nil
}

// openStore sets cfg.Store for the -store flag (none for cookie) and
// returns what closes it.
func openStore(ctx context.Context, cfg *VisitorConfig, opts options) (func(), error) {
	switch opts.store {
	case "cookie":
		return func() {}, nil
	case "memory":
		store := memstore.New(memstore.Options{})
		cfg.Store = store
		return func() { store.Close() }, nil
	case "redis":
		// As runtime/redisstore advises: the runtime's per-operation
		// deadline (Config.StoreTimeout) becomes the socket's, and a
		// Redis that refuses connections or hangs costs a request a
		// short wait and a 503, not go-redis's default seconds.
		client := redis.NewClient(&redis.Options{
			Addr:                  opts.redisAddr,
			ContextTimeoutEnabled: true,
			DialTimeout:           500 * time.Millisecond,
			ReadTimeout:           500 * time.Millisecond,
			WriteTimeout:          500 * time.Millisecond,
		})
		store, err := redisstore.New(client, redisstore.Options{})
		if err != nil {
			client.Close()
			return nil, err
		}
		cfg.Store = store
		return func() { client.Close() }, nil
	case "postgres":
		// pgx honours the runtime's per-operation deadline
		// (Config.StoreTimeout) by itself: a statement, or a wait for a
		// connection of an exhausted pool, ends at the deadline with a
		// 503 (see runtime/pgstore). What it does not end is the
		// connection the pool goes on making for a request that gave up:
		// that holds a place in the pool until connect_timeout, two
		// minutes if the URL sets none. So, as with Redis's dial timeout,
		// keep it short by default. The URL may size the pool for the
		// requests in flight (pool_max_conns; default: 4, or the number
		// of CPUs if more).
		pcfg, err := pgxpool.ParseConfig(opts.postgresURL)
		if err != nil {
			return nil, fmt.Errorf("-postgres-url: %w", err)
		}
		if pcfg.ConnConfig.ConnectTimeout == 0 {
			pcfg.ConnConfig.ConnectTimeout = 500 * time.Millisecond
		}
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return nil, err
		}
		// New creates or upgrades the tables, and starts the cleaner that
		// deletes expired sessions every minute.
		start, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		store, err := pgstore.New(start, pool, pgstore.Options{
			OnCleanupError: func(err error) { log.Printf("session store cleanup: %v", err) },
		})
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("-store postgres: %w", err)
		}
		cfg.Store = store
		return func() {
			store.Close() // stops the cleaner; the pool is ours to close
			pool.Close()
		}, nil
	}
	return nil, fmt.Errorf("-store %q: want cookie, memory, redis or postgres", opts.store)
}

// newHandler returns the app with its session middleware installed.
func newHandler(cfg VisitorConfig) (http.Handler, error) {
	cfg.OnError = func(r *http.Request, err error) {
		log.Printf("session: %s %s: %v", r.Method, r.URL.Path, err)
	}
	sessions, err := NewVisitorManager(cfg)
	if err != nil {
		return nil, err
	}
	a := &app{sessions: sessions, devices: cfg.Store != nil}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /login", loginForm)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)   // GET /logout: 405, Allow: POST
	mux.HandleFunc("GET /counter", counter)    // and HEAD, which does not count
	mux.HandleFunc("POST /remember", remember) // it changes the session: a POST, as logout
	if a.devices {
		// A user's sessions can be listed and ended where they are kept:
		// on the server (devices.go). Ending them is a POST, as logout.
		mux.HandleFunc("GET /devices", a.listDevices)
		mux.HandleFunc("POST /devices/end", a.endSession)
		mux.HandleFunc("POST /devices/end-others", a.endOtherSessions)
	}
	// Cross-origin POSTs are refused with a 403 before the session is
	// opened: a form on another site cannot log a browser in (into the
	// attacker's account) or out. GET and HEAD pass, so they must not
	// change what a user would mind.
	return http.NewCrossOriginProtection().Handler(sessions.Middleware(mux)), nil
}

// app holds what the handlers that end, renew or list sessions need.
type app struct {
	sessions *VisitorManager
	devices  bool // sessions are kept on the server: /devices lists them
}

func (a *app) index(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Each flash message is shown once: Flashes removes them from the
	// session.
	for _, f := range sess.Flashes() {
		fmt.Fprintf(w, "<p class=\"flash %s\">%s</p>\n", html.EscapeString(f.Category), html.EscapeString(f.Message))
	}
	if sess.HasUsername() {
		// Logout is a POST form: a link (or an image, or a prefetch) on any
		// page could otherwise log the browser out.
		fmt.Fprintf(w, "Logged in as %s <form method=\"post\" action=\"/logout\"><button>log out</button></form>\n", html.EscapeString(sess.Username()))
		if !sess.Permanent() {
			io.WriteString(w, "<form method=\"post\" action=\"/remember\"><button>remember this browser</button></form>\n")
		}
		if a.devices {
			io.WriteString(w, "<p><a href=\"/devices\">Your devices</a>: where you are logged in</p>\n")
		} else {
			io.WriteString(w, "<p>Your devices are listed when sessions are kept on the server (-store memory, redis or postgres).</p>\n")
		}
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

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("username")
	if name == "" || len(name) > 100 {
		http.Error(w, "a username of 1 to 100 bytes is required", http.StatusBadRequest)
		return
	}
	// A new session ID at login: one planted or seen before is worth
	// nothing now (session fixation).
	if err := a.sessions.Regenerate(r.Context()); err != nil {
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	sess := VisitorFrom(r.Context())
	sess.SetUsername(name)
	sess.Flash("You were logged in")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	// Ended for good: with a store, a copy of the cookie opens nothing.
	if err := a.sessions.Destroy(r.Context()); err != nil {
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	sess := VisitorFrom(r.Context())
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

// counter counts GET requests. The mux routes HEAD here too (a "GET"
// pattern matches both); a HEAD, from a link checker or a preview, is
// answered without counting a visit.
func counter(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method != http.MethodGet {
		return
	}
	sess := VisitorFrom(r.Context())
	sess.SetVisits(sess.Visits() + 1)
	io.WriteString(w, "Number of visits: "+strconv.Itoa(sess.Visits())+"\n")
}
