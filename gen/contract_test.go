package gen

import (
	"testing"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// The generator writes the contract version the runtime of the same
// release serves: gen cannot import the runtime, so its constant is a copy,
// checked here.
func TestContractVersion(t *testing.T) {
	if contractVersion != sessionimpl.GenVersion {
		t.Errorf("gen writes contract version %d, but sessionimpl.GenVersion is %d: change contractVersion (emit.go) with it", contractVersion, sessionimpl.GenVersion)
	}
	if contractVersion < sessionimpl.MinVersion || contractVersion > sessionimpl.MaxVersion {
		t.Errorf("gen writes contract version %d, which the runtime does not serve (%d to %d)", contractVersion, sessionimpl.MinVersion, sessionimpl.MaxVersion)
	}
}
