package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrateTo brings the schema on pool up to version v only, as an earlier
// release's Migrate did.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, schema string, v int) error {
	s := &Store{pool: pool, schema: schema, schemaIdent: pgx.Identifier{schema}.Sanitize()}
	return s.migrateTo(ctx, v)
}

// SetBatchHook makes the cleaner of s call hook after each batch, while it
// holds the sweep lock.
func SetBatchHook(s *Store, hook func()) { s.batchHook = hook }

// Steps is how many migrations there are.
var Steps = len(migrations)
