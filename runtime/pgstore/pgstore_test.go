package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// pool returns a pool on a new database of srv, closed in t.Cleanup.
func pool(t testing.TB, srv *pgtest.Server) *pgxpool.Pool {
	t.Helper()
	db := srv.CreateDatabase(t)
	p, err := pgxpool.New(context.Background(), srv.ConnString(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// newStore returns a Store on p, closed in t.Cleanup.
func newStore(t testing.TB, p *pgxpool.Pool, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgstore.New(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The conformance suite on one database of a real server: the suite's
// keys are fresh in every subtest.
func TestConformance(t *testing.T) {
	p := pool(t, pgtest.Start(t))
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return newStore(t, p, pgstore.Options{})
	})
}

// The runtime's promises over HTTP, with real parallel requests.
func TestHTTPContracts(t *testing.T) {
	p := pool(t, pgtest.Start(t))
	storetest.RunHTTP(t, func(t *testing.T) runtime.Store {
		return newStore(t, p, pgstore.Options{})
	})
}
