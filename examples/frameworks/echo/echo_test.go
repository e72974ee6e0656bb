package echoapp

import (
	"net/http"
	"testing"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
	"github.com/sessiongen/sessiongen/examples/frameworks/app/apptest"
)

func TestApp(t *testing.T) {
	for _, install := range []struct {
		name string
		new  func(*app.VisitorManager) http.Handler
	}{
		{"Server", New},
		{"Group", newGrouped},
	} {
		t.Run(install.name, func(t *testing.T) { apptest.Run(t, install.new) })
	}
}
