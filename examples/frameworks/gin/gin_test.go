package ginapp

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
	"github.com/sessiongen/sessiongen/examples/frameworks/app/apptest"
)

func init() { gin.SetMode(gin.TestMode) } // no route listing on stdout

// The app end to end, with the sessions installed on the engine and on a
// group. The adapter's own tests (every way of writing, its refusals,
// errors, panics) are in adapters/ginsession.
func TestApp(t *testing.T) {
	for _, install := range []struct {
		name string
		new  func(*app.VisitorManager) http.Handler
	}{
		{"Engine", New},
		{"Group", newGrouped},
	} {
		t.Run(install.name, func(t *testing.T) { apptest.Run(t, install.new) })
	}
}
