package chiapp

import (
	"testing"

	"github.com/sessiongen/sessiongen/examples/frameworks/app/apptest"
)

func TestApp(t *testing.T) { apptest.Run(t, New) }
