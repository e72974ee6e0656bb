package flaskjson

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// flaskRewrite reads each line with Flask's TaggedJSONSerializer.loads and
// writes it back with dumps, inside an app (so that keys are sorted, as in
// a session cookie).
const flaskRewrite = `
import sys
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
app = Flask("check")
app.app_context().push()
s = TaggedJSONSerializer()
for line in sys.stdin:
    print(s.dumps(s.loads(line)))
`

// Where python3 with Flask is installed, random values written by the
// Encoder are read and written back by real Flask: Flask writes the same
// bytes. (Times before the year 100 are left out: Python reads their
// four-digit years as two-digit ones, 0050 as 2050.)
func TestAgainstFlask(t *testing.T) {
	if err := exec.Command("python3", "-c", "import flask").Run(); err != nil {
		t.Skip("python3 with flask is not installed")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	var in bytes.Buffer
	var lines []string
	for len(lines) < 3000 {
		data := make([]byte, 64+rng.IntN(256))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		v := (&source{data}).value(0)
		if v.kind != Object || earlyTime(v) {
			continue
		}
		var e Encoder
		v.write(&e)
		if e.Err() != nil {
			t.Fatal(e.Err())
		}
		lines = append(lines, string(e.Data()))
		in.Write(e.Data())
		in.WriteByte('\n')
	}
	cmd := exec.Command("python3", "-c", flaskRewrite)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan(); i++ {
		if got := sc.Text(); got != lines[i] {
			t.Errorf("Flask rewrote\n%s\nas\n%s", lines[i], got)
		}
	}
	if n := strings.Count(string(out), "\n"); n != len(lines) {
		t.Errorf("Flask wrote %d lines for %d", n, len(lines))
	}
}

func earlyTime(v tval) bool {
	if v.kind == Time && v.t.UTC().Year() < 100 {
		return true
	}
	for _, x := range append(v.elems, v.vals...) {
		if earlyTime(x) {
			return true
		}
	}
	return false
}
