// Benchtable runs the session benchmarks and the two generators, and prints
// one table: per scenario, each system's median ns/op, B/op, allocs/op and
// cookie size, with its ratio to sessiongen's signed cookie; cookie and
// server-side sessions (in memory, on a redis-server and on a PostgreSQL
// cluster the benchmark starts on loopback ports) come from the same run, so
// their ratios compare. Then
// sessiongen's wall time next to stringer's on the same package, both run as
// whole processes; then the targets, met or not (or not measured,
// when redis-server or PostgreSQL is missing and their rows were skipped).
//
// After the three scenarios come the "merge" rows, one per server-side
// store: a modifying request whose commit meets another request's and
// merges (reload, reapply, commit again), with its ratio to the modify row
// of the same store, printed again beside the targets.
//
// Next to "sessiongen: flask format" it prints real Flask on the same
// session (flask_bench.py: SecureCookieSessionInterface.open_session and
// save_session alone, no WSGI round trip), as rows "flask: python
// open+save" whose ratio is to the Go row. The interpreter is
// $SESSIONGEN_PYTHON, else python3; without Flask 3.1 there the rows are
// left out and their targets not measured, and under CI that is an error.
//
// With -pin CPUS, BenchmarkRequest runs under taskset -c CPUS, and so
// do the redis-server and the PostgreSQL cluster it starts (children
// inherit the affinity): on a small virtual machine a loopback
// round trip between two vCPUs costs from about 20 to 70 µs as the other
// vCPU sleeps or not, and the Redis rows' ratios move with it; on one CPU
// it is steady. Every row then runs with GOMAXPROCS at the CPUs given.
//
//	cd bench && go run ./cmd/benchtable            # 5 counts, 1s each
//	go run ./cmd/benchtable -count 10 -benchtime 2s
//	go run ./cmd/benchtable -pin 1                 # steady Redis round trips
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	count := flag.Int("count", 5, "benchmark runs per row; the table shows medians")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime per run")
	genRuns := flag.Int("genruns", 10, "runs of each generator")
	pin := flag.String("pin", "", "run BenchmarkRequest (and its redis-server) under taskset -c `CPUS`")
	flag.Parse()
	log.SetFlags(0)

	py := probeFlask()
	pinned := ""
	if *pin != "" {
		pinned = fmt.Sprintf(" (the table's Go rows, redis-server and PostgreSQL pinned to CPU %s)", *pin)
	}
	fmt.Printf("Measured %s on %s, %s, %d CPUs%s, %s, %s and %s on loopback, %s.\n\n", time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), pinned, goVersion(), redisVersion(), postgresVersion(), py.describe())
	rows := runBenchmarks(*count, *benchtime, *pin)
	rows = runFlask(py, rows, *count, *benchtime)
	printTable(rows)
	printCacheTable(*benchtime)
	sg, st := timeGenerators(*genRuns)
	fmt.Printf("\nGenerators on this package (median of %d runs, whole processes): sessiongen %v, stringer %v: %.2fx.\n", *genRuns, sg.Round(time.Millisecond), st.Round(time.Millisecond), float64(sg)/float64(st))
	printTargets(rows, sg, st, py)
}

// row is one benchmark's medians.
type row struct {
	scenario, system          string
	ns, bytes, allocs, cookie float64
	// python marks a row of flask_bench.py: its ns/op is the best of its
	// runs, and it measures no allocations.
	python bool
}

func runBenchmarks(count int, benchtime, pin string) []row {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkRequest$", "-benchmem",
		"-count", strconv.Itoa(count), "-benchtime", benchtime, ".")
	if pin != "" {
		// Build unpinned, then run the test binary (and so the
		// redis-server it starts) pinned.
		dir, err := os.MkdirTemp("", "benchtable")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "bench.test")
		if out, err := exec.Command("go", "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
			log.Fatalf("go test -c: %v\n%s", err, out)
		}
		cmd = exec.Command("taskset", "-c", pin, bin, "-test.run", "^$", "-test.bench", "^BenchmarkRequest$", "-test.benchmem",
			"-test.count", strconv.Itoa(count), "-test.benchtime", benchtime)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("go test -bench: %v\n%s", err, out)
	}
	samples := map[[2]string][][4]float64{}
	var order [][2]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkRequest/") {
			continue
		}
		name := trimProcs(strings.TrimPrefix(f[0], "BenchmarkRequest/"))
		scenario, system, _ := strings.Cut(name, "/")
		system = strings.ReplaceAll(system, "_", " ")
		var v [4]float64 // ns, B, allocs, cookie
		for i := 2; i+1 < len(f); i += 2 {
			x, _ := strconv.ParseFloat(f[i], 64)
			switch f[i+1] {
			case "ns/op":
				v[0] = x
			case "B/op":
				v[1] = x
			case "allocs/op":
				v[2] = x
			case "cookie-B":
				v[3] = x
			}
		}
		key := [2]string{scenario, system}
		if _, seen := samples[key]; !seen {
			order = append(order, key)
		}
		samples[key] = append(samples[key], v)
	}
	var rows []row
	for _, k := range order {
		s := samples[k]
		rows = append(rows, row{scenario: k[0], system: k[1], ns: median(s, 0), bytes: median(s, 1), allocs: median(s, 2), cookie: median(s, 3)})
	}
	return rows
}

// trimProcs removes the GOMAXPROCS suffix ("-2") go test appends to a
// benchmark's name, absent when GOMAXPROCS is 1: a name such as
// "floor: go-redis GET" has a dash of its own.
func trimProcs(name string) string {
	i := strings.LastIndex(name, "-")
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

func median(s [][4]float64, i int) float64 {
	v := make([]float64, len(s))
	for j := range s {
		v[j] = s[j][i]
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

const reference = "sessiongen: signed"

// The Go row in Flask's cookie format (its twin with the verified cache off
// is flaskFormat + ", cache off"), and the row of real Flask timed on the
// same session, whose ratio is to it.
const (
	flaskFormat = "sessiongen: flask format"
	pythonFlask = "flask: python open+save"
)

// merge is the scenario of a modifying request of a server-side session
// that meets another request's commit and merges (bench/merge_test.go):
// its rows, one per store, compare with the modify row of the same system.
const merge = "merge"

func find(rows []row, scenario, system string) row {
	for _, r := range rows {
		if r.scenario == scenario && r.system == system {
			return r
		}
	}
	return row{}
}

func printTable(rows []row) {
	fmt.Println("| scenario | system | ns/op | B/op | allocs/op | cookie bytes | time vs sessiongen |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	python := false
	for _, r := range rows {
		cookie := "–"
		if r.cookie > 0 {
			cookie = fmt.Sprintf("%.0f", r.cookie)
		}
		if r.python {
			python = true
			ref := find(rows, r.scenario, flaskFormat)
			fmt.Printf("| %s | %s | %.0f | – | – | %s | %.2fx (vs flask format) |\n", r.scenario, r.system, r.ns, cookie, r.ns/ref.ns)
			continue
		}
		if r.scenario == merge {
			// Beside the modify row of the same store: what a merge adds.
			ratio := "–"
			if m := find(rows, "modify", r.system); m.ns > 0 {
				ratio = fmt.Sprintf("%.2fx (vs its modify)", r.ns/m.ns)
			}
			fmt.Printf("| %s | %s | %.0f | %.0f | %.0f | %s | %s |\n", r.scenario, r.system, r.ns, r.bytes, r.allocs, cookie, ratio)
			continue
		}
		ref := find(rows, r.scenario, reference)
		fmt.Printf("| %s | %s | %.0f | %.0f | %.0f | %s | %.2fx |\n", r.scenario, r.system, r.ns, r.bytes, r.allocs, cookie, r.ns/ref.ns)
	}
	if slices.ContainsFunc(rows, func(r row) bool { return r.scenario == merge }) {
		fmt.Printf("\n*%s* is a modify of a server-side session whose commit meets another request's commit of the same session, made after it loaded the record (the other request writes the timestamp, which this one does not read): its Commit fails, it reloads the record, merges its write into it and commits again. The other request's time and allocations are left out; its ratio is to the modify row of the same store.\n", merge)
	}
	if python {
		fmt.Printf("\n*%s* is real Flask's SecureCookieSessionInterface on the same session (flask_bench.py: open_session, the reads and writes, save_session; no WSGI round trip), the best of its runs; its ratio is to *%s*.\n", pythonFlask, flaskFormat)
	}
}

// pythonEnv is the interpreter flask_bench.py runs with, or why there is
// none.
type pythonEnv struct {
	python, flask, version string // the interpreter, Flask's version, the interpreter's
	err                    error
}

func (p pythonEnv) describe() string {
	if p.err != nil {
		return "no Flask 3.1"
	}
	return fmt.Sprintf("Flask %s on %s", p.flask, strings.Replace(p.version, "-", " ", 1))
}

// probeFlask finds the interpreter: $SESSIONGEN_PYTHON, else python3, which
// must import Flask 3.1. Without one the Flask rows are skipped, unless CI
// is set: CI must measure them.
func probeFlask() pythonEnv {
	p := pythonEnv{python: os.Getenv("SESSIONGEN_PYTHON")}
	if p.python == "" {
		p.python = "python3"
	}
	out, err := exec.Command(p.python, "-c", "import flask, platform, importlib.metadata as m; print(m.version('flask'), platform.python_implementation() + '-' + platform.python_version())").CombinedOutput()
	f := strings.Fields(string(out))
	switch {
	case err != nil:
		p.err = fmt.Errorf("%s cannot import flask: %v", p.python, err)
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); lines[len(lines)-1] != "" {
			// The traceback's last line: ModuleNotFoundError: ...
			p.err = fmt.Errorf("%w: %s", p.err, lines[len(lines)-1])
		}
	case len(f) != 2 || !strings.HasPrefix(f[0], "3.1."):
		p.err = fmt.Errorf("%s has Flask %s; flask_bench.py is made for Flask 3.1", p.python, bytes.TrimSpace(out))
	default:
		p.flask, p.version = f[0], f[1]
	}
	if p.err != nil {
		if os.Getenv("CI") != "" {
			log.Fatalf("%v (CI must measure real Flask: set SESSIONGEN_PYTHON to an interpreter with Flask 3.1)", p.err)
		}
		log.Printf("skipping the Flask rows: %v (set SESSIONGEN_PYTHON to an interpreter with Flask 3.1)", p.err)
	}
	return p
}

// runFlask runs flask_bench.py, best of count runs (at least 3) of about
// benchtime each (1s when benchtime counts iterations), and puts its rows
// after the flask format rows of their scenario.
func runFlask(p pythonEnv, rows []row, count int, benchtime string) []row {
	if p.err != nil {
		return rows
	}
	seconds := time.Second
	if d, err := time.ParseDuration(benchtime); err == nil {
		seconds = d
	}
	cmd := exec.Command(p.python, "-B", "flask_bench.py", "--repeat", strconv.Itoa(max(count, 3)), "--seconds", strconv.FormatFloat(seconds.Seconds(), 'g', -1, 64))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("flask_bench.py: %v\n%s", err, out)
	}
	var got []row
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[2] != "ns/op" {
			continue
		}
		r := row{scenario: f[0], system: pythonFlask, python: true}
		r.ns, err = strconv.ParseFloat(f[1], 64)
		if err != nil {
			log.Fatalf("flask_bench.py: %q: %v", sc.Text(), err)
		}
		if len(f) == 5 && f[4] == "cookie-B" {
			r.cookie, _ = strconv.ParseFloat(f[3], 64)
		}
		got = append(got, r)
	}
	for _, sc := range []string{"modify", "read-only"} {
		i := slices.IndexFunc(got, func(r row) bool { return r.scenario == sc })
		if i < 0 {
			log.Fatalf("flask_bench.py printed no %s row:\n%s", sc, out)
		}
		// After the flask format rows (the cache off one included).
		at := -1
		for j, r := range rows {
			if r.scenario == sc && strings.HasPrefix(r.system, flaskFormat) {
				at = j
			}
		}
		if at < 0 {
			log.Fatalf("no %s row for %q to compare Flask with", sc, flaskFormat)
		}
		rows = slices.Insert(rows, at+1, got[i])
	}
	return rows
}

// printCacheTable runs BenchmarkVerifiedCache once and prints the verified
// cache's hit rate for read-only requests sent round-robin over more and
// more sessions.
func printCacheTable(benchtime string) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkVerifiedCache$", "-benchmem", "-benchtime", benchtime, ".")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("go test -bench: %v\n%s", err, out)
	}
	fmt.Println("\nVerified cache (1024 entries), read-only requests sent round-robin over N sessions:")
	fmt.Println()
	fmt.Println("| sessions | hit rate | ns/op | allocs/op |")
	fmt.Println("| ---: | ---: | ---: | ---: |")
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkVerifiedCache/sessions=") {
			continue
		}
		n := trimProcs(strings.TrimPrefix(f[0], "BenchmarkVerifiedCache/sessions="))
		var ns, hit, allocs string
		for i := 2; i+1 < len(f); i += 2 {
			switch f[i+1] {
			case "ns/op":
				ns = f[i]
			case "hit-%":
				hit = f[i] + "%"
			case "allocs/op":
				allocs = f[i]
			}
		}
		fmt.Printf("| %s | %s | %s | %s |\n", n, hit, ns, allocs)
	}
}

// timeGenerators builds both generators and times each on this package,
// writing to a temporary file so that the committed output is not touched.
func timeGenerators(runs int) (sessiongen, stringer time.Duration) {
	dir, err := os.MkdirTemp("", "benchtable")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	build := func(name, pkg string) string {
		bin := filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			log.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
		return bin
	}
	sgBin := build("sessiongen", "github.com/sessiongen/sessiongen/cmd/sessiongen")
	stBin := build("stringer", "golang.org/x/tools/cmd/stringer")
	timeIt := func(bin string, args ...string) time.Duration {
		var d []time.Duration
		for range runs {
			start := time.Now()
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				log.Fatalf("%s: %v\n%s", bin, err, out)
			}
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	// One unmeasured run each warms the build and module caches alike.
	timeIt(sgBin, "-type=Visitor", "-output", filepath.Join(dir, "visitor_session.go"))
	timeIt(stBin, "-type=Plan", "-output", filepath.Join(dir, "plan_string.go"))
	sessiongen = timeIt(sgBin, "-type=Visitor", "-output", filepath.Join(dir, "visitor_session.go"))
	stringer = timeIt(stBin, "-type=Plan", "-output", filepath.Join(dir, "plan_string.go"))
	return sessiongen, stringer
}

// printTargets checks the performance issue's targets against this run.
func printTargets(rows []row, sg, st time.Duration, pyEnv pythonEnv) {
	sgm := find(rows, "modify", reference)
	check := func(what string, ok bool, got string) {
		mark := "met"
		if !ok {
			mark = "MISSED"
		}
		fmt.Printf("- %s: %s (%s)\n", what, mark, got)
	}
	fmt.Println("\nTargets:")
	g := find(rows, "modify", "gorilla/sessions: cookie")
	s := find(rows, "modify", "scs: memstore")
	f := find(rows, "modify", "floor: securecookie")
	ro := find(rows, "read-only", reference)
	check("at least 6x faster than gorilla/sessions", g.ns >= 6*sgm.ns, fmt.Sprintf("%.1fx", g.ns/sgm.ns))
	check("at least 4x faster than scs memstore", s.ns >= 4*sgm.ns, fmt.Sprintf("%.1fx", s.ns/sgm.ns))
	check("at most 1.3x the securecookie floor", sgm.ns <= 1.3*f.ns, fmt.Sprintf("%.2fx", sgm.ns/f.ns))
	check("at most 30 allocations", sgm.allocs <= 30, fmt.Sprintf("%.0f", sgm.allocs))
	check("read-only at most 0.6x a modifying request", ro.ns <= 0.6*sgm.ns, fmt.Sprintf("%.2fx", ro.ns/sgm.ns))
	check("cookie at most 0.6x gorilla's", sgm.cookie <= 0.6*g.cookie, fmt.Sprintf("%.2fx", sgm.cookie/g.cookie))

	// Server-side sessions. A row that was not measured (no redis-server:
	// the benchmark skipped it) leaves its target unchecked, never met.
	ratio := func(what, scenario, num, den string, ok func(r float64) bool) {
		n, d := find(rows, scenario, num), find(rows, scenario, den)
		if n.ns == 0 || d.ns == 0 {
			fmt.Printf("- %s: not measured (no %s row for %q or %q)\n", what, scenario, num, den)
			return
		}
		r := n.ns / d.ns
		check(what, ok(r), fmt.Sprintf("%.2fx", r))
	}
	ratio("memstore at least 8x faster than scs memstore", "modify", "scs: memstore", "sessiongen: memstore",
		func(r float64) bool { return r >= 8 })
	ratio("redisstore read-only at most 1.3x a bare GET round trip", "read-only", "sessiongen: redisstore", "floor: go-redis GET",
		func(r float64) bool { return r <= 1.3 })
	// The issue's "redisstore read-only <= 1.3x a bare GET round trip and
	// >= 2x faster than scs on Redis", against scs under the same expiry
	// policy; the modifying request and scs without an idle timeout are
	// printed beside it, not hidden.
	ratio("redisstore read-only at least 2x faster than scs on Redis (the same idle timeout)", "read-only",
		"scs: redisstore", "sessiongen: redisstore", func(r float64) bool { return r >= 2 })
	for _, o := range []struct{ what, scenario, scs string }{
		{"modify, two round trips each", "modify", "scs: redisstore"},
		{"read-only, scs without an idle timeout (it then writes nothing on a read)", "read-only", "scs: redisstore, no idle timeout"},
	} {
		if n, d := find(rows, o.scenario, o.scs), find(rows, o.scenario, "sessiongen: redisstore"); n.ns > 0 && d.ns > 0 {
			fmt.Printf("  beside it: %s: %.2fx\n", o.what, n.ns/d.ns)
		}
	}

	// PostgreSQL: a read against the bare primary-key SELECT, and against
	// scs's pgx store under the same expiry policy (it writes the session
	// back on every request, a read included), read-only and modify; a
	// fresh visit is printed beside them.
	ratio("pgstore read-only at most 1.3x the bare primary-key SELECT", "read-only", "sessiongen: pgstore", "floor: pgx SELECT",
		func(r float64) bool { return r <= 1.3 })
	for _, sc := range []string{"read-only", "modify"} {
		ratio("pgstore faster than scs's PostgreSQL store (same policy), "+sc, sc, "scs: pgxstore", "sessiongen: pgstore",
			func(r float64) bool { return r > 1 })
	}
	if n, d := find(rows, "fresh", "scs: pgxstore"), find(rows, "fresh", "sessiongen: pgstore"); n.ns > 0 && d.ns > 0 {
		fmt.Printf("  beside it: fresh, one write each: %.2fx\n", n.ns/d.ns)
	}

	// What a merged save costs over an uncontended one: not a target (the
	// issue asks that it be measured), printed beside the server-side ones.
	for _, sys := range []string{"sessiongen: memstore", "sessiongen: redisstore", "sessiongen: pgstore"} {
		if m, u := find(rows, merge, sys), find(rows, "modify", sys); m.ns > 0 && u.ns > 0 {
			fmt.Printf("  beside them: %s, a merged save (reload, reapply, commit again) over modify: %.2fx (%.0f vs %.0f ns/op, %.0f vs %.0f B/op, %.0f vs %.0f allocs/op)\n",
				strings.TrimPrefix(sys, "sessiongen: "), m.ns/u.ns, m.ns, u.ns, m.bytes, u.bytes, m.allocs, u.allocs)
		}
	}

	// The Flask format against real Flask on the same session; the ratio
	// with the verified cache off (Flask verifies every cookie) is shown
	// beside it.
	for _, sc := range []string{"modify", "read-only"} {
		what := "Flask format at least 10x faster than Python Flask (" + sc + ")"
		py, g := find(rows, sc, pythonFlask), find(rows, sc, flaskFormat)
		switch {
		case pyEnv.err != nil:
			fmt.Printf("- %s: not measured (%v)\n", what, pyEnv.err)
		case py.ns == 0 || g.ns == 0:
			fmt.Printf("- %s: not measured (no %s row for %q or %q)\n", what, sc, pythonFlask, flaskFormat)
		default:
			got := fmt.Sprintf("%.1fx", py.ns/g.ns)
			if off := find(rows, sc, flaskFormat+", cache off"); off.ns > 0 {
				got += fmt.Sprintf("; %.1fx with the verified cache off", py.ns/off.ns)
			}
			check(what, py.ns >= 10*g.ns, got)
		}
	}

	check("generator at most 1.5x stringer", float64(sg) <= 1.5*float64(st), fmt.Sprintf("%.2fx", float64(sg)/float64(st)))
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}

// redisVersion names the redis-server the Redis rows run on, from its
// --version ("Redis server v=7.0.15 sha=...").
func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "no redis-server"
	}
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return "redis-server " + v
		}
	}
	return "redis-server"
}

// postgresVersion names the PostgreSQL the PostgreSQL rows run on, from
// postgres --version ("postgres (PostgreSQL) 15.18 (Debian ...)"), found
// as the benchmark finds it: in $SESSIONGEN_PG_BIN, on PATH, or in the
// newest /usr/lib/postgresql/*/bin.
func postgresVersion() string {
	bin := "postgres"
	if dir := os.Getenv("SESSIONGEN_PG_BIN"); dir != "" {
		bin = filepath.Join(dir, "postgres")
	} else if _, err := exec.LookPath(bin); err != nil {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
		major := func(p string) int {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
			return n
		}
		slices.SortFunc(dirs, func(a, b string) int { return major(b) - major(a) })
		if len(dirs) == 0 {
			return "no PostgreSQL"
		}
		bin = dirs[0]
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "no PostgreSQL"
	}
	f := strings.Fields(string(out))
	if len(f) >= 3 {
		return "PostgreSQL " + f[2]
	}
	return "PostgreSQL"
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}
