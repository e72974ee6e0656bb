package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// BenchmarkRedisRoundTrip times, without HTTP or a session layer, the Redis
// round trips the Redis rows make, on a record of the seed session's size:
// where the time of "sessiongen: redisstore" goes next to a bare GET. It is
// not part of the table (benchtable runs BenchmarkRequest only).
func BenchmarkRedisRoundTrip(b *testing.B) {
	rc, err := benchRedis()
	requireServer(b, err)
	ctx := context.Background()
	record, _ := storeSeed()
	str, hash := floorKey("bench:rt:string:"), floorKey("bench:rt:hash:")
	if err := rc.Set(ctx, str, record, 24*time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	exp := time.Now().Add(24 * time.Hour)
	if err := rc.HSet(ctx, hash, "version", "1", "data", record, "user", "", "exp", exp.UnixMilli()).Err(); err != nil {
		b.Fatal(err)
	}
	if err := rc.Expire(ctx, hash, 24*time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			before := serverUsec(b, rc)
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(serverUsec(b, rc)-before)*1000/float64(b.N), "server-ns/op")
		})
	}
	run("GET", func() error { return rc.Get(ctx, str).Err() })
	// What redisstore.Find sends: one HMGET, the expiry among the fields.
	run("HMGET", func() error { return rc.HMGet(ctx, hash, "version", "data", "user", "exp").Err() })
	// What it sent before it kept the expiry in the record: MULTI, HMGET,
	// PTTL, EXEC in one write.
	run("MULTI_HMGET+PTTL_EXEC", func() error {
		_, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HMGet(ctx, hash, "version", "data", "user")
			p.PTTL(ctx, hash)
			return nil
		})
		return err
	})
	run("SET_PX", func() error { return rc.Set(ctx, str, record, 24*time.Hour).Err() })
	// The least a Lua script costs, and one that only rewrites a hash as
	// a commit must (HSET of the fields, PEXPIREAT), without checks.
	noop := redis.NewScript(`return 1`)
	run("EVALSHA_return_1", func() error { return noop.Run(ctx, rc, []string{hash}).Err() })
	rewrite := redis.NewScript(`redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2], 'user', '')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`)
	run("EVALSHA_HSET+PEXPIREAT", func() error {
		return rewrite.Run(ctx, rc, []string{hash}, "2", record, time.Now().Add(24*time.Hour).UnixMilli()).Err()
	})

	// The store itself, without the session layer: Find of a record, a
	// Commit of its next version (modify), a Commit of a new record
	// (fresh).
	store, err := redisstore.New(rc, redisstore.Options{IndexPrefix: "bench:rt:user:"})
	if err != nil {
		b.Fatal(err)
	}
	key := floorKey("bench:rt:record:")
	if err := store.Commit(ctx, sessionruntime.Commit{Key: key, Record: sessionruntime.Record{Data: record, Version: 1, Expires: exp}, Token: "t1"}); err != nil {
		b.Fatal(err)
	}
	version := uint64(1)
	run("redisstore.Find", func() error { _, err := store.Find(ctx, key); return err })
	run("redisstore.Commit_next", func() error {
		err := store.Commit(ctx, sessionruntime.Commit{Key: key, Prev: version, Record: sessionruntime.Record{Data: record, Version: version + 1, Expires: exp}, Token: "t" + strconv.FormatUint(version+1, 10)})
		version++
		return err
	})
	n := 0
	run("redisstore.Commit_new", func() error {
		n++
		return store.Commit(ctx, sessionruntime.Commit{Key: floorKey("bench:rt:new:" + strconv.Itoa(n)), Record: sessionruntime.Record{Data: record, Version: 1, Expires: exp}, Token: "new"})
	})
}

// serverUsec is the time redis-server has spent executing commands, in
// microseconds, summed over its INFO commandstats (the INFO itself
// included, a few microseconds).
func serverUsec(tb testing.TB, rc *redis.Client) int64 {
	var total int64
	for _, st := range commandStats(tb, rc) {
		total += st.usec
	}
	return total
}

// cmdStat is one command's line of INFO commandstats.
type cmdStat struct {
	calls int64 // how many times the server has executed it
	usec  int64 // the time it took, in microseconds
}

// commandStats reads INFO commandstats: each command redis-server has
// executed (the commands a script calls included, and counted in the
// script's time as well as their own), by its name in lower case.
func commandStats(tb testing.TB, rc *redis.Client) map[string]cmdStat {
	tb.Helper()
	info, err := rc.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	stats := map[string]cmdStat{}
	for _, line := range strings.Split(info, "\n") {
		name, fields, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd {
			continue
		}
		var st cmdStat
		for _, kv := range strings.Split(fields, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				st.calls = n
			case "usec":
				st.usec = n
			}
		}
		stats[name] = st
	}
	return stats
}
