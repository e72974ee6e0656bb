package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// The data every system starts from in the "existing session" scenarios.
var (
	seedName  = "alice"
	seedVisit = 41
	seedCart  = []string{"sku-1001", "sku-2002", "sku-3003"}
	seedSeen  = time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
)

var (
	hashKey  = []byte("bench-hash-key-0123456789abcdef-0123456789")
	blockKey = []byte("bench-block-key-0123456789abcdef")[:32]
)

// A system is one session library set up for the benchmarks. Each returns
// handlers already wrapped in its real middleware (or, for libraries without
// one, calling its Get/Save as their docs show).
type system struct {
	name string
	// handler returns the app for a scenario.
	handler func(s scenario) http.Handler
	// err, when set, is why the system cannot run here (its redis-server
	// or PostgreSQL is missing or did not start); see requireServer.
	err error
	// redis is the client of a Redis row, nil for the others.
	redis *redis.Client
	// pg is the pool of a PostgreSQL row, nil for the others.
	pg *pgxpool.Pool
}

// A scenario is what the handler does with the session.
type scenario int

const (
	modify   scenario = iota // read everything, increment the counter, save
	readOnly                 // read everything, change nothing
	fresh                    // a first visit: no cookie; set the counter to 1
	seed                     // store the seed data, to make the starting cookie
)

func (s scenario) String() string {
	return [...]string{"modify", "read-only", "fresh", "seed"}[s]
}

// sink keeps reads from being optimised away.
var sink int

func use(name string, visits int, cart []string, seen time.Time) {
	sink += len(name) + visits + len(cart) + seen.Second()
}

func sessiongenSystem(name string, encrypt bool) system {
	cfg := VisitorConfig{SecretKey: hashKey, DisableSecure: true}
	if encrypt {
		cfg.EncryptionKey = blockKey
	}
	return sessiongenWith(name, cfg)
}

// sessiongenUncached is the signed row with the verified-cookie cache off:
// what every request costs when the cookie was never seen before (the
// first request after each change, or another instance's cookie).
func sessiongenUncached() system {
	return sessiongenWith("sessiongen: signed, cache off", VisitorConfig{SecretKey: hashKey, DisableSecure: true, VerifiedCacheSize: -1})
}

// sessiongenFlask is the signed row in Flask's own cookie format
// (itsdangerous's HMAC-SHA1 over Flask's tagged JSON), with the same key,
// cookie name, handlers and seed data: the cookie a Flask app with that
// SECRET_KEY opens. flask_bench.py times Flask itself on the same session.
func sessiongenFlask() system {
	return sessiongenWith("sessiongen: flask format", flaskConfig)
}

var flaskConfig = VisitorConfig{SecretKey: hashKey, DisableSecure: true, CookieFormat: sessionruntime.CookieFormatFlask}

// sessiongenFlaskUncached is the flask format row with the verified cache
// off: every cookie verified and decoded, as Flask does on every request.
func sessiongenFlaskUncached() system {
	cfg := flaskConfig
	cfg.VerifiedCacheSize = -1
	return sessiongenWith("sessiongen: flask format, cache off", cfg)
}

func sessiongenWith(name string, cfg VisitorConfig) system {
	si, err := NewVisitorManager(cfg)
	if err != nil {
		panic(err)
	}
	return system{name: name, handler: func(sc scenario) http.Handler {
		return si.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := VisitorFrom(r.Context())
			switch sc {
			case seed:
				s.SetUsername(seedName)
				s.SetVisits(seedVisit)
				s.SetCart(seedCart)
				s.SetLastSeen(seedSeen)
			case modify:
				use(s.Username(), s.Visits(), s.Cart(), s.LastSeen())
				s.SetVisits(s.Visits() + 1)
			case readOnly:
				use(s.Username(), s.Visits(), s.Cart(), s.LastSeen())
			case fresh:
				s.SetVisits(s.Visits() + 1)
			}
			w.WriteHeader(http.StatusOK)
		}))
	}}
}

func init() {
	// gorilla/sessions and scs store values with encoding/gob, which needs
	// the concrete types of interface values registered.
	gob.Register([]string(nil))
	gob.Register(time.Time{})
}

func gorillaSystem(name string, encrypt bool) system {
	keys := [][]byte{hashKey}
	if encrypt {
		keys = append(keys, blockKey)
	}
	store := sessions.NewCookieStore(keys...)
	store.Options.Secure = false
	return system{name: name, handler: func(sc scenario) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := store.Get(r, "session")
			switch sc {
			case seed:
				s.Values["username"] = seedName
				s.Values["visits"] = seedVisit
				s.Values["cart"] = seedCart
				s.Values["last_seen"] = seedSeen
			case modify, readOnly:
				name, _ := s.Values["username"].(string)
				visits, _ := s.Values["visits"].(int)
				cart, _ := s.Values["cart"].([]string)
				seen, _ := s.Values["last_seen"].(time.Time)
				use(name, visits, cart, seen)
				if sc == modify {
					s.Values["visits"] = visits + 1
				}
			case fresh:
				visits, _ := s.Values["visits"].(int)
				s.Values["visits"] = visits + 1
			}
			if sc != readOnly {
				if err := s.Save(r, w); err != nil {
					panic(err)
				}
			}
			w.WriteHeader(http.StatusOK)
		})
	}}
}

// The expiry policy of every server-side row: a session ends after an hour
// without a request, and a day after it began, whatever. sessiongen
// enforces both on the server (IdleTimeout, AbsoluteLifetime) and moves the
// idle deadline at most once a minute of reads (its default TouchInterval);
// scs enforces them as IdleTimeout and Lifetime, and with an IdleTimeout it
// writes the session back on every request, reads included.
const (
	idleTimeout      = time.Hour
	absoluteLifetime = 24 * time.Hour
)

// scsSystem is scs with store, or its default in-memory store when store is
// nil, under the server-side rows' expiry policy when idle, else under its
// defaults (a session lives 24 hours from its creation, never moved by use,
// so a read writes nothing).
func scsSystem(name string, store scs.Store, idle bool) system {
	sm := scs.New() // the default store: in memory
	if store != nil {
		sm.Store = store
	}
	if idle {
		sm.IdleTimeout = idleTimeout
		sm.Lifetime = absoluteLifetime
	}
	sm.Cookie.Secure = false
	return system{name: name, handler: func(sc scenario) http.Handler {
		return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			switch sc {
			case seed:
				sm.Put(ctx, "username", seedName)
				sm.Put(ctx, "visits", seedVisit)
				sm.Put(ctx, "cart", seedCart)
				sm.Put(ctx, "last_seen", seedSeen)
			case modify, readOnly:
				cart, _ := sm.Get(ctx, "cart").([]string)
				visits := sm.GetInt(ctx, "visits")
				use(sm.GetString(ctx, "username"), visits, cart, sm.GetTime(ctx, "last_seen"))
				if sc == modify {
					sm.Put(ctx, "visits", visits+1)
				}
			case fresh:
				sm.Put(ctx, "visits", sm.GetInt(ctx, "visits")+1)
			}
			w.WriteHeader(http.StatusOK)
		}))
	}}
}

// floorPayload is a hand-written payload of the seed data: what a session
// layer must at least sign.
var floorPayload = []byte(`{"username":"alice","visits":42,"cart":["sku-1001","sku-2002","sku-3003"],"last_seen":1795339800}`)

// securecookieFloor verifies the incoming cookie and signs a fixed payload
// with securecookie: the cost of signing, with no session layer at all.
func securecookieFloor() system {
	sc := securecookie.New(hashKey, nil)
	sc.SetSerializer(securecookie.NopEncoder{})
	return system{name: "floor: securecookie", handler: func(s scenario) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie("session"); err == nil {
				var b []byte
				if sc.Decode("session", c.Value, &b) == nil {
					sink += len(b)
				}
			}
			if s != readOnly {
				v, err := sc.Encode("session", floorPayload)
				if err != nil {
					panic(err)
				}
				http.SetCookie(w, &http.Cookie{Name: "session", Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			}
			w.WriteHeader(http.StatusOK)
		})
	}}
}

// hmacFloor verifies and signs base64(payload).base64(HMAC-SHA256) by hand:
// the least any signed cookie costs.
func hmacFloor() system {
	enc := base64.RawURLEncoding
	sign := func(payload []byte) string {
		m := hmac.New(sha256.New, hashKey)
		m.Write(payload)
		return enc.EncodeToString(payload) + "." + enc.EncodeToString(m.Sum(nil))
	}
	return system{name: "floor: bare HMAC", handler: func(s scenario) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie("session"); err == nil {
				if p, m, ok := strings.Cut(c.Value, "."); ok {
					payload, err1 := enc.DecodeString(p)
					mac, err2 := enc.DecodeString(m)
					h := hmac.New(sha256.New, hashKey)
					h.Write(payload)
					if err1 == nil && err2 == nil && subtle.ConstantTimeCompare(mac, h.Sum(nil)) == 1 {
						sink += len(payload)
					}
				}
			}
			if s != readOnly {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: sign(floorPayload), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			}
			w.WriteHeader(http.StatusOK)
		})
	}}
}

// sessiongenStore is sessiongen with server-side sessions: the record in
// store under prefix, a signed session ID in the cookie.
func sessiongenStore(name string, store sessionruntime.Store, prefix string) system {
	return sessiongenWith(name, VisitorConfig{
		SecretKey: hashKey, DisableSecure: true, Store: store, StoreKeyPrefix: prefix,
		IdleTimeout: idleTimeout, AbsoluteLifetime: absoluteLifetime,
	})
}

// sessiongenMemstore keeps its records in runtime/memstore, without the
// sweeper: the benchmark makes a new store per run and never closes it, and
// a sweeper's goroutine would keep every old store (and the records of its
// fresh visits) alive. Expiry is still enforced on every read.
func sessiongenMemstore() system {
	return sessiongenStore("sessiongen: memstore", memstore.New(memstore.Options{SweepInterval: -1}), "")
}

// The key prefixes of the Redis rows, distinct so that no row reads, writes
// or flushes another's keys; nothing is ever flushed.
const (
	sessiongenRedisPrefix = "bench:sessiongen:session:"
	sessiongenIndexPrefix = "bench:sessiongen:user:"
	scsRedisPrefix        = "bench:scs:session:"
	scsNoIdlePrefix       = "bench:scs-noidle:session:"
	floorGetPrefix        = "bench:floor:get:"
	floorSetPrefix        = "bench:floor:set:"
)

// redisSystem is a system on the process's redis-server (see benchRedis),
// or one that records why there is none.
func redisSystem(name string, build func(c *redis.Client) func(scenario) http.Handler) system {
	c, err := benchRedis()
	if err != nil {
		return system{name: name, err: err}
	}
	return system{name: name, handler: build(c), redis: c}
}

func sessiongenRedis() system {
	return redisSystem("sessiongen: redisstore", func(c *redis.Client) func(scenario) http.Handler {
		store, err := redisstore.New(c, redisstore.Options{IndexPrefix: sessiongenIndexPrefix})
		if err != nil {
			panic(err)
		}
		return sessiongenStore("", store, sessiongenRedisPrefix).handler
	})
}

// scsRedis is scs on Redis through goredisstore, over the same go-redis v9
// client as sessiongen's redisstore, so the two differ only in the session
// layer: with the same expiry policy when idle, else with scs's defaults.
func scsRedis(idle bool) system {
	name, prefix := "scs: redisstore", scsRedisPrefix
	if !idle {
		name, prefix = "scs: redisstore, no idle timeout", scsNoIdlePrefix
	}
	return redisSystem(name, func(c *redis.Client) func(scenario) http.Handler {
		return scsSystem("", goredisstore.NewWithPrefix(c, prefix), idle).handler
	})
}

// recordingStore remembers the last record committed through it.
type recordingStore struct {
	sessionruntime.Store
	last []byte
}

func (s *recordingStore) Commit(ctx context.Context, c sessionruntime.Commit) error {
	s.last = append([]byte(nil), c.Record.Data...)
	return s.Store.Commit(ctx, c)
}

// storeSeed is what sessiongen keeps on the server for the seed data: the
// record's bytes, and the Set-Cookie name=value carrying its signed ID.
var storeSeed = sync.OnceValues(func() (record []byte, cookie string) {
	rs := &recordingStore{Store: memstore.New(memstore.Options{SweepInterval: -1})}
	rec := httptest.NewRecorder()
	sessiongenStore("", rs, "").handler(seed).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cookie, _, _ = strings.Cut(rec.Header().Get("Set-Cookie"), ";")
	if len(rs.last) == 0 || cookie == "" {
		panic("bench: seeding a server-side session stored nothing")
	}
	return rs.last, cookie
})

// floorKey is a key as long as sessiongen's (a prefix and a SHA-256 in hex).
func floorKey(prefix string) string {
	sum := sha256.Sum256([]byte(prefix))
	return prefix + hex.EncodeToString(sum[:])
}

// redisFloor is one bare go-redis round trip per request, in every
// scenario, on a value of the seed session's record size: a GET of it, or a
// SET of it with an expiry (as a session store must write it). The cookie
// is read, and written when the scenario writes one, as sessiongen's ID
// cookie but a constant: neither signed nor verified. No session layer.
func redisFloor(name string, set bool) system {
	return redisSystem(name, func(rc *redis.Client) func(scenario) http.Handler {
		record, cookie := storeSeed()
		value := string(record)
		getKey, setKey := floorKey(floorGetPrefix), floorKey(floorSetPrefix)
		if err := rc.Set(context.Background(), getKey, value, 24*time.Hour).Err(); err != nil {
			panic(err)
		}
		cname, cvalue, _ := strings.Cut(cookie, "=")
		return func(s scenario) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c, err := r.Cookie("session"); err == nil {
					sink += len(c.Value)
				}
				if set {
					if err := rc.Set(r.Context(), setKey, value, 24*time.Hour).Err(); err != nil {
						http.Error(w, err.Error(), http.StatusServiceUnavailable)
						return
					}
				} else {
					b, err := rc.Get(r.Context(), getKey).Bytes()
					if err != nil {
						http.Error(w, err.Error(), http.StatusServiceUnavailable)
						return
					}
					sink += len(b)
				}
				if s != readOnly {
					http.SetCookie(w, &http.Cookie{Name: cname, Value: cvalue, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
				}
				w.WriteHeader(http.StatusOK)
			})
		}
	})
}

// The key prefixes of the PostgreSQL rows: sessiongen's records and the
// floor's row share the table sessiongen_sessions, under keys of their own;
// scs's sessions are in its own table, sessions.
const (
	sessiongenPGPrefix = "bench:sessiongen:"
	floorSelectPrefix  = "bench:floor:select:"
)

// pgSystem is a system on the process's PostgreSQL cluster (see
// benchPostgres), or one that records why there is none.
func pgSystem(name string, build func(pool *pgxpool.Pool) func(scenario) http.Handler) system {
	pool, err := benchPostgres()
	if err != nil {
		return system{name: name, err: err}
	}
	return system{name: name, handler: build(pool), pg: pool}
}

// newPGStore is the pgstore of the PostgreSQL rows: on the shared pool,
// without its cleaner (the benchmarks make a store per run and never
// close it). New migrates the schema (a no-op once done).
func newPGStore(pool *pgxpool.Pool) *pgstore.Store {
	store, err := pgstore.New(context.Background(), pool, pgstore.Options{CleanupInterval: -1})
	if err != nil {
		panic(err)
	}
	return store
}

func sessiongenPostgres() system { return pgSystem("sessiongen: pgstore", sessiongenPGHandler) }

// sessiongenPGHandler is the handler of "sessiongen: pgstore" on pool.
func sessiongenPGHandler(pool *pgxpool.Pool) func(scenario) http.Handler {
	return sessiongenStore("", newPGStore(pool), sessiongenPGPrefix).handler
}

// scsPostgres is scs on PostgreSQL through its pgx store
// (github.com/alexedwards/scs/pgxstore), over the same *pgxpool.Pool as
// sessiongen's pgstore, so the two differ only in the session layer, under
// the same expiry policy. Its cleanup goroutine is off (an interval of 0).
func scsPostgres() system { return pgSystem("scs: pgxstore", scsPGHandler) }

// scsPGHandler is the handler of "scs: pgxstore" on pool.
func scsPGHandler(pool *pgxpool.Pool) func(scenario) http.Handler {
	return scsSystem("", pgxstore.NewWithCleanupInterval(pool, 0), true).handler
}

// floorSelectSQL is the floor's query: the columns pgstore's Find reads,
// by primary key, with no expiry condition.
const floorSelectSQL = `SELECT data, version, expires, user_index FROM sessiongen_sessions WHERE key = $1`

// pgFloor is one bare SELECT per request, in every scenario: the row of a
// record of the seed session's size, by primary key, scanned into what
// pgstore's Find scans into, prepared once per connection as pgx does by
// default (as pgstore's statements are), on the shared pool. The cookie is
// read, and written when the scenario writes one, as sessiongen's ID
// cookie but a constant: neither signed nor verified. No session layer.
func pgFloor() system { return pgSystem("floor: pgx SELECT", pgFloorHandler) }

// pgFloorHandler is the handler of "floor: pgx SELECT" on pool.
func pgFloorHandler(pool *pgxpool.Pool) func(scenario) http.Handler {
	newPGStore(pool) // the table
	record, cookie := storeSeed()
	key := floorKey(floorSelectPrefix)
	if _, err := pool.Exec(context.Background(), `INSERT INTO sessiongen_sessions (key, data, version, expires) VALUES ($1, $2, 1, now() + interval '1 day')
ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = 1, expires = excluded.expires`, key, record); err != nil {
		panic(err)
	}
	cname, cvalue, _ := strings.Cut(cookie, "=")
	return func(s scenario) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie("session"); err == nil {
				sink += len(c.Value)
			}
			var (
				data    []byte
				version int64
				expires pgtype.Timestamptz
				user    pgtype.Text
			)
			if err := pool.QueryRow(r.Context(), floorSelectSQL, key).Scan(&data, &version, &expires, &user); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			sink += len(data) + int(version) + len(user.String)
			if s != readOnly {
				http.SetCookie(w, &http.Cookie{Name: cname, Value: cvalue, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			}
			w.WriteHeader(http.StatusOK)
		})
	}
}

// systems lists every row of the comparison: the cookie sessions (Flask's
// format after sessiongen's own), then the server-side ones (in memory, on
// Redis, then on PostgreSQL), then the floors.
func systems() []system {
	return []system{
		sessiongenSystem("sessiongen: signed", false),
		sessiongenUncached(),
		sessiongenSystem("sessiongen: signed+encrypted", true),
		sessiongenFlask(),
		sessiongenFlaskUncached(),
		sessiongenMemstore(),
		sessiongenRedis(),
		sessiongenPostgres(),
		gorillaSystem("gorilla/sessions: cookie", false),
		gorillaSystem("gorilla/sessions: cookie encrypted", true),
		scsSystem("scs: memstore", nil, true),
		scsRedis(true),
		scsRedis(false),
		scsPostgres(),
		securecookieFloor(),
		hmacFloor(),
		redisFloor("floor: go-redis GET", false),
		redisFloor("floor: go-redis SET", true),
		pgFloor(),
	}
}
