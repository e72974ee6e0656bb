package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchmarkRedisRoundTrip times, without HTTP or a session layer, the Redis
// round trips the Redis rows make, on a record of the seed session's size:
// where the time of "sessiongen: redisstore" goes next to a bare GET. It is
// not part of the table (benchtable runs BenchmarkRequest only).
func BenchmarkRedisRoundTrip(b *testing.B) {
	rc, err := benchRedis()
	requireRedis(b, err)
	ctx := context.Background()
	record, _ := storeSeed()
	str, hash := floorKey("bench:rt:string:"), floorKey("bench:rt:hash:")
	if err := rc.Set(ctx, str, record, 24*time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	if err := rc.HSet(ctx, hash, "version", "1", "data", record, "user", "").Err(); err != nil {
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
	run("HMGET", func() error { return rc.HMGet(ctx, hash, "version", "data", "user").Err() })
	run("pipeline_HMGET+PTTL", func() error {
		_, err := rc.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.HMGet(ctx, hash, "version", "data", "user")
			p.PTTL(ctx, hash)
			return nil
		})
		return err
	})
	// What redisstore.Find sends: MULTI, HMGET, PTTL, EXEC in one write.
	run("MULTI_HMGET+PTTL_EXEC", func() error {
		_, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HMGet(ctx, hash, "version", "data", "user")
			p.PTTL(ctx, hash)
			return nil
		})
		return err
	})
	run("SET_PX", func() error { return rc.Set(ctx, str, record, 24*time.Hour).Err() })
}

// serverUsec is the time redis-server has spent executing commands, in
// microseconds, summed over its INFO commandstats (the INFO itself
// included, a few microseconds).
func serverUsec(tb testing.TB, rc *redis.Client) int64 {
	info, err := rc.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		_, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		for _, kv := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(kv, "usec="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				total += n
			}
		}
	}
	return total
}
