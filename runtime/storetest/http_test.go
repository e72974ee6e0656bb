package storetest_test

import (
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// The HTTP contracts on memstore; redisstore runs them on a real
// redis-server and a real Cluster in its own tests.
func TestHTTPOnMemstore(t *testing.T) {
	storetest.RunHTTP(t, func(t *testing.T) runtime.Store {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { s.Close() })
		return s
	})
}
