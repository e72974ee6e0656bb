package bench

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5/pgtype"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
)

// BenchmarkPostgresRoundTrip times, without HTTP or a session layer, the
// statements the PostgreSQL rows send, on a record of the seed session's
// size, each on the rows' shared pool: where the time of "sessiongen:
// pgstore" goes next to the floor's bare SELECT and scs's statements. It
// is not part of the table (benchtable runs BenchmarkRequest only).
func BenchmarkPostgresRoundTrip(b *testing.B) {
	pool, err := benchPostgres()
	requireServer(b, err)
	ctx := context.Background()
	store := newPGStore(pool)
	record, _ := storeSeed()
	exp := time.Now().Add(24 * time.Hour)
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var (
		data    []byte
		version int64
		expires pgtype.Timestamptz
		user    pgtype.Text
	)
	// The floor's statement, and pgstore.Find's with its expiry condition,
	// sent by hand; then an UPDATE of the row as a bare write.
	key := floorKey("bench:rt:pg:record:")
	if err := store.Commit(ctx, sessionruntime.Commit{Key: key, Record: sessionruntime.Record{Data: record, Version: 1, Expires: exp}, Token: "t1"}); err != nil {
		b.Fatal(err)
	}
	run("SELECT", func() error {
		return pool.QueryRow(ctx, floorSelectSQL, key).Scan(&data, &version, &expires, &user)
	})
	run("SELECT_live", func() error {
		return pool.QueryRow(ctx, floorSelectSQL+` AND expires > now()`, key).Scan(&data, &version, &expires, &user)
	})
	run("SELECT_1", func() error {
		var one int
		return pool.QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
	bare := floorKey("bench:rt:pg:bare:")
	if _, err := pool.Exec(ctx, `INSERT INTO sessiongen_sessions (key, data, version, expires) VALUES ($1, $2, 1, $3) ON CONFLICT (key) DO NOTHING`, bare, record, exp); err != nil {
		b.Fatal(err)
	}
	v := int64(1)
	run("UPDATE", func() error {
		v++
		_, err := pool.Exec(ctx, `UPDATE sessiongen_sessions SET data = $2, version = $3, expires = $4 WHERE key = $1`, bare, record, v, time.Now().Add(time.Hour))
		return err
	})

	// The store itself: Find, a Commit of the record's next version (a
	// modify's), a Commit of a new record (a fresh visit's).
	run("pgstore.Find", func() error { _, err := store.Find(ctx, key); return err })
	next := uint64(1)
	run("pgstore.Commit_next", func() error {
		err := store.Commit(ctx, sessionruntime.Commit{Key: key, Prev: next, Record: sessionruntime.Record{Data: record, Version: next + 1, Expires: time.Now().Add(time.Hour)}, Token: "t" + strconv.FormatUint(next+1, 10)})
		next++
		return err
	})
	n := 0
	run("pgstore.Commit_new", func() error {
		n++
		return store.Commit(ctx, sessionruntime.Commit{Key: floorKey("bench:rt:pg:new:" + strconv.Itoa(n)), Record: sessionruntime.Record{Data: record, Version: 1, Expires: exp}, Token: "new"})
	})

	// scs's store: its Find, and its Commit, an upsert (of an existing
	// token: what scs sends on a read or a modify; of a new one: a fresh
	// visit).
	scs := pgxstore.NewWithCleanupInterval(pool, 0)
	token := floorKey("bench:rt:pg:scs:")
	if err := scs.Commit(token, record, exp); err != nil {
		b.Fatal(err)
	}
	run("pgxstore.Find", func() error { _, _, err := scs.Find(token); return err })
	run("pgxstore.Commit_existing", func() error { return scs.Commit(token, record, time.Now().Add(time.Hour)) })
	m := 0
	run("pgxstore.Commit_new", func() error {
		m++
		return scs.Commit(floorKey("bench:rt:pg:scs:new:"+strconv.Itoa(m)), record, exp)
	})
}
