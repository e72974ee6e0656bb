package bench

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/testdata/flask/pyflask"
)

// TestFlaskBenchSeed checks that flask_bench.py times the session the Go
// rows use: the seed cookie real Flask signs there (with bench's key and
// cookie name) opens in "sessiongen: flask format" to the seed data, read
// without a Set-Cookie as the read-only row is. The script checks the
// Python side itself before it times anything. Without Python and Flask 3.1
// it is skipped, except under CI.
func TestFlaskBenchSeed(t *testing.T) {
	out, err := exec.Command(pyflask.Python(t), "-B", "flask_bench.py", "--seed").Output()
	if err != nil {
		t.Fatalf("flask_bench.py --seed: %v\n%s", err, stderrOf(err))
	}
	cookie := strings.TrimSpace(string(out))
	if !strings.HasPrefix(cookie, "session=") {
		t.Fatalf("flask_bench.py --seed printed %q, not a session cookie", cookie)
	}
	si, err := NewVisitorManager(flaskConfig)
	if err != nil {
		t.Fatal(err)
	}
	var got Visitor
	var opened bool
	h := si.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := VisitorFrom(r.Context())
		got = Visitor{s.Username(), s.Visits(), s.Cart(), s.LastSeen()}
		opened = !s.IsNew()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, request(readOnly, cookie))
	want := Visitor{seedName, seedVisit, seedCart, seedSeen}
	if !opened || got.Username != want.Username || got.Visits != want.Visits || !slices.Equal(got.Cart, want.Cart) || !got.LastSeen.Equal(want.LastSeen) {
		t.Errorf("Flask's seed cookie %s opened (%v) to %+v, want %+v", cookie, opened, got, want)
	}
	if c := rec.Header().Get("Set-Cookie"); c != "" {
		t.Errorf("Set-Cookie %q on a read-only request", c)
	}
}

func stderrOf(err error) []byte {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.Stderr
	}
	return nil
}
