package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// HashSlot is hashSlot, for the tests that check it against Redis.
var HashSlot = hashSlot

// LoadScripts loads every script of the store on the servers of c (every
// master of a Cluster), so that a test counting round trips does not count
// the first EVAL after a NOSCRIPT.
func LoadScripts(ctx context.Context, c redis.Scripter) error {
	for _, s := range []*redis.Script{commitScript, moveScript, indexScript, dropScript, touchScript, deleteScript, deleteUserScript, deleteOneScript, listScript} {
		if err := s.Load(ctx, c).Err(); err != nil {
			return err
		}
	}
	return nil
}
