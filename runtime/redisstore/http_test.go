package redisstore_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/redistest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// The runtime's promises over HTTP, with real parallel requests, on a real
// redis-server.
func TestHTTPContracts(t *testing.T) {
	c := client(t)
	storetest.RunHTTP(t, func(t *testing.T) runtime.Store {
		return newStore(t, c, redisstore.Options{})
	})
}

// The same on a real 3-master Cluster: logins and logouts move sessions
// between slots (an anonymous record has no hash tag), which the
// cross-slot protocol covers.
func TestHTTPContractsCluster(t *testing.T) {
	addrs := redistest.StartCluster(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	storetest.RunHTTP(t, func(t *testing.T) runtime.Store {
		return newStore(t, c, redisstore.Options{})
	})
}
