package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Close stops the cleaner and waits for it to end (a sweep in progress is
// canceled). The Store still answers afterwards; only the background
// deletion of expired rows stops. It does not close the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) cleaner(interval time.Duration) {
	defer close(s.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, err := s.Sweep(ctx); err != nil && err != ErrSweepBusy && ctx.Err() == nil && s.onError != nil {
				s.onError(err)
			}
		}
	}
}

// Sweep deletes the expired rows now, in batches of Options.CleanupBatch
// rows per statement, and returns how many it deleted, if it gets the
// schema's sweep lock (a session-level advisory lock, held on one
// connection for the sweep): else it returns ErrSweepBusy, another store
// sweeping meanwhile. The cleaner calls it every Options.CleanupInterval.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, s.fail(ctx, "sweep", err)
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, hashtext($2))", lockClassSweep, s.schema).Scan(&got); err != nil {
		// The lock may have been taken before the error: never give the
		// connection back to the pool holding it.
		closeConn(conn)
		return 0, s.fail(ctx, "sweep: the lock", err)
	}
	if !got {
		conn.Release()
		return 0, ErrSweepBusy
	}
	n, sweepErr := s.sweepLocked(ctx, conn)
	// Unlock with a context of its own: ctx may be what ended the sweep.
	uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1, hashtext($2))", lockClassSweep, s.schema); err != nil {
		// Closing the connection ends its session, and so the lock.
		closeConn(conn)
	} else {
		conn.Release()
	}
	if sweepErr != nil {
		return n, s.fail(ctx, "sweep", sweepErr)
	}
	return n, nil
}

// sweepSpan is how many blocks of the table one statement of the cleaner
// reads at most: 8 MB with 8 kB blocks.
const sweepSpan = 1024

// sweepLocked walks the table once on conn (which holds the sweep lock),
// sweepSpan blocks at a time, deleting each range's expired rows, a batch
// per statement, until a batch of the range deletes fewer than a full
// batch. Rows in blocks added meanwhile are the next sweep's.
func (s *Store) sweepLocked(ctx context.Context, conn *pgxpool.Conn) (int, error) {
	var blocks int64
	if err := conn.QueryRow(ctx, s.qBlocks).Scan(&blocks); err != nil {
		return 0, err
	}
	n := 0
	for start := int64(0); start < blocks; {
		tag, err := conn.Exec(ctx, s.qSweep, start, start+sweepSpan, s.batch)
		if err != nil {
			return n, err
		}
		deleted := int(tag.RowsAffected())
		n += deleted
		if s.batchHook != nil {
			s.batchHook()
		}
		if deleted < s.batch {
			start += sweepSpan
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// closeConn closes conn instead of giving it back to the pool: its
// session, and so any advisory lock it holds, ends.
func closeConn(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Hijack().Close(ctx)
}
