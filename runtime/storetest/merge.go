package storetest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/storetest/internal/harness"
	"github.com/sessiongen/sessiongen/runtime/wire"
)

// The merge contracts: concurrent requests of one session, run in parallel
// for real over HTTP, merge field by field (runtime.MergeFields), and only
// a true conflict answers 409.

type sess = harness.SessionSession

// slot is one of the eight fields parallel requests write apart.
type slot struct {
	key string
	get func(*sess) int
	has func(*sess) bool
	set func(*sess, int)
	del func(*sess)
}

var slots = [8]slot{
	{"a", (*sess).A, (*sess).HasA, (*sess).SetA, (*sess).DeleteA},
	{"b", (*sess).B, (*sess).HasB, (*sess).SetB, (*sess).DeleteB},
	{"c", (*sess).C, (*sess).HasC, (*sess).SetC, (*sess).DeleteC},
	{"d", (*sess).D, (*sess).HasD, (*sess).SetD, (*sess).DeleteD},
	{"e", (*sess).E, (*sess).HasE, (*sess).SetE, (*sess).DeleteE},
	{"f", (*sess).F, (*sess).HasF, (*sess).SetF, (*sess).DeleteF},
	{"g", (*sess).G, (*sess).HasG, (*sess).SetG, (*sess).DeleteG},
	{"h", (*sess).H, (*sess).HasH, (*sess).SetH, (*sess).DeleteH},
}

// mergeRoutes adds the routes of the merge contracts:
//
//	/slot?i=I&v=V        sets slot I to V, without reading it
//	/cart-add?item=X     appends X to the cart
//	/cart-read-add?item=X reads the cart, then appends X
//	/tag-set?k=K&v=V     sets key K of the tags to V
//	/tag-delete?k=K      removes key K of the tags
//	/flash?m=M           adds a flash
//	/flashes             shows (and pops) the flashes: "m1,m2,..."
//	/op?id=...           one step of a random interleaving (see applyOp)
//	/state               every slot ("-" when absent), the cart, the last writer
//
// Each takes ?hold=1: it waits, its session loaded, until released.
func (a *app) mergeRoutes(mux *http.ServeMux) {
	atoi := func(r *http.Request, k string) int {
		n, _ := strconv.Atoi(r.URL.Query().Get(k))
		return n
	}
	mux.HandleFunc("/slot", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.IsNew() // loads the session
		a.hold(r)
		slots[atoi(r, "i")].set(s, atoi(r, "v"))
	})
	mux.HandleFunc("/cart-add", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.IsNew()
		a.hold(r)
		s.AppendCart(r.URL.Query().Get("item"))
	})
	mux.HandleFunc("/tag-set", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.IsNew()
		a.hold(r)
		s.SetTagsKey(r.URL.Query().Get("k"), atoi(r, "v"))
	})
	mux.HandleFunc("/tag-delete", func(w http.ResponseWriter, r *http.Request) {
		harness.SessionFrom(r.Context()).DeleteTagsKey(r.URL.Query().Get("k"))
	})
	mux.HandleFunc("/cart-read-add", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		if len(s.Cart()) < 1000 {
			s.AppendCart(r.URL.Query().Get("item"))
		}
	})
	mux.HandleFunc("/flash", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		s.IsNew()
		a.hold(r)
		s.Flash(r.URL.Query().Get("m"))
	})
	mux.HandleFunc("/flashes", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		var shown []string
		for _, f := range s.Flashes() {
			shown = append(shown, f.Message)
		}
		a.hold(r)
		fmt.Fprint(w, strings.Join(shown, ","))
	})
	mux.HandleFunc("/op", func(w http.ResponseWriter, r *http.Request) {
		s := harness.SessionFrom(r.Context())
		o, err := parseOp(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.apply(s)
	})
	mux.HandleFunc("/state", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, stateOf(harness.SessionFrom(r.Context())))
	})
}

// stateOf renders the session's merge fields.
func stateOf(s *sess) string {
	var b strings.Builder
	for _, sl := range slots {
		if sl.has(s) {
			fmt.Fprintf(&b, "%s=%d ", sl.key, sl.get(s))
		} else {
			fmt.Fprintf(&b, "%s=- ", sl.key)
		}
	}
	fmt.Fprintf(&b, "cart=%v tags=%v", s.Cart(), s.Tags())
	return b.String()
}

// cartOf returns the cart of a /state answer, as "[a b c]".
func cartOf(state string) string {
	_, rest, _ := strings.Cut(state, "cart=")
	cart, _, _ := strings.Cut(rest, " tags=")
	return cart
}

// parallel sends the requests at once, each with the cookie value, after
// making the store hold their loads until all of them have loaded: every
// one of them starts from the same version of the session.
func (a *app) parallel(t *testing.T, value string, paths []string) []response {
	t.Helper()
	a.rec.HoldAfterFind(len(paths))
	out := make([]response, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() { out[i] = a.get(t, p, value) })
	}
	wg.Wait()
	return out
}

// start returns the cookie of a new session holding the given slots.
func (a *app) start(t *testing.T, path string) string {
	t.Helper()
	r := a.get(t, path, "")
	if r.code != 200 || r.cookie == nil || r.cookie.Value == "" {
		t.Fatalf("%s: %d %q, cookie %v", path, r.code, r.body, r.cookie)
	}
	return r.cookie.Value
}

// mergeRounds is how many rounds the contracts that need many run.
const mergeRounds = 1000

// Eight parallel requests that each write a field of their own, all loaded
// from the same version, all succeed, and every write is in the record.
func testDisjointWrites(t *testing.T, a *app) {
	var merges, conflicts atomic.Int64
	a = newAppWith(t, a.rec, "merge", func(c *harness.SessionConfig) {
		c.OnConcurrentChange = func(_ *http.Request, c runtime.ConcurrentChange) {
			if c.Merged {
				merges.Add(1)
			} else {
				conflicts.Add(1)
			}
		}
	})
	c := a.start(t, "/slot?i=0&v=0")
	for round := 1; round <= mergeRounds; round++ {
		paths := make([]string, len(slots))
		for i := range slots {
			paths[i] = fmt.Sprintf("/slot?i=%d&v=%d", i, round)
		}
		for i, r := range a.parallel(t, c, paths) {
			if r.code != 200 {
				t.Fatalf("round %d: slot %d answered %d %q; want 200: the writes were disjoint (errors %v)", round, i, r.code, r.body, a.takeErrs())
			}
		}
		want := ""
		for _, sl := range slots {
			want += fmt.Sprintf("%s=%d ", sl.key, round)
		}
		if r := a.get(t, "/state", c); !strings.HasPrefix(r.body, want) {
			t.Fatalf("round %d: the record holds %q; want every write, %q", round, r.body, want)
		}
	}
	if merges.Load() == 0 || conflicts.Load() != 0 {
		t.Errorf("OnConcurrentChange: %d merges, %d conflicts; want merges only", merges.Load(), conflicts.Load())
	}
}

// Eight parallel increments of one counter (a read, then a write of the
// value read): every 200 is exactly one increment in the record, every
// other answer a 409; none is lost silently.
func testCounter(t *testing.T, a *app) {
	var conflictKeys atomic.Int64
	a = newAppWith(t, a.rec, "counter", func(c *harness.SessionConfig) {
		c.OnConcurrentChange = func(_ *http.Request, c runtime.ConcurrentChange) {
			if !c.Merged && slices.Equal(c.Conflicts, []string{"count"}) {
				conflictKeys.Add(1)
			}
		}
	})
	c := a.start(t, "/inc")
	count, refused := 1, 0
	for round := range 100 {
		paths := slices.Repeat([]string{"/inc"}, 8)
		ok := 0
		for _, r := range a.parallel(t, c, paths) {
			switch r.code {
			case 200:
				ok++
			case http.StatusConflict:
				refused++
			default:
				t.Fatalf("round %d: %d %q", round, r.code, r.body)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d increments of one loaded value answered 200; want exactly one (the others read a value that changed)", round, ok)
		}
		count += ok
		if r := a.get(t, "/get", c); !strings.Contains(r.body, fmt.Sprintf("count=%d ", count)) {
			t.Fatalf("round %d: %q; want count=%d, one per 200", round, r.body, count)
		}
	}
	if conflictKeys.Load() != int64(refused) {
		t.Errorf("OnConcurrentChange named the conflicting key %d times for %d refusals", conflictKeys.Load(), refused)
	}
}

// Two tabs append to one cart at once, from the same version: an append
// to a list the request did not read is replayed onto the list as the other
// request left it, so both land, in commit order, and nothing else changes.
func testAppends(t *testing.T, a *app) {
	c := a.start(t, "/cart-add?item=first")
	want := []string{"first"}
	for round := range mergeRounds {
		items := []string{fmt.Sprintf("x%d", round), fmt.Sprintf("y%d", round)}
		for i, r := range a.parallel(t, c, []string{"/cart-add?item=" + items[0], "/cart-add?item=" + items[1]}) {
			if r.code != 200 {
				t.Fatalf("round %d: the append of %s answered %d %q; want 200: appends replay", round, items[i], r.code, r.body)
			}
		}
		got := cartOf(a.get(t, "/state", c).body)
		one := fmt.Sprint(append(slices.Clone(want), items[0], items[1]))
		other := fmt.Sprint(append(slices.Clone(want), items[1], items[0]))
		if got != one && got != other {
			t.Fatalf("round %d: cart %s; want %s or %s: an append was lost, or landed twice", round, got, one, other)
		}
		want = strings.Fields(strings.Trim(got, "[]"))
	}
}

// Two tabs change keys of one map at once, from the same version: a map
// changed only key by key is replayed key by key onto the map as the other
// request left it, so both keys land, and a key removed by one request
// while the other sets another stays removed.
func testMapKeys(t *testing.T, a *app) {
	c := a.start(t, "/tag-set?k=first&v=0")
	want := map[string]int{"first": 0}
	for round := range 300 {
		x, y := fmt.Sprintf("x%d", round), fmt.Sprintf("y%d", round)
		paths := []string{"/tag-set?k=" + x + "&v=" + fmt.Sprint(round), "/tag-set?k=" + y + "&v=" + fmt.Sprint(-round)}
		if round%3 == 2 { // one sets a key, the other removes the previous round's
			paths[1] = fmt.Sprintf("/tag-delete?k=x%d", round-1)
			delete(want, fmt.Sprintf("x%d", round-1))
		} else {
			want[y] = -round
		}
		want[x] = round
		for i, r := range a.parallel(t, c, paths) {
			if r.code != 200 {
				t.Fatalf("round %d: %s answered %d %q; want 200: key changes replay", round, paths[i], r.code, r.body)
			}
		}
		r := a.get(t, "/state", c)
		if got := r.body[strings.Index(r.body, " tags=")+len(" tags="):]; got != fmt.Sprint(want) {
			t.Fatalf("round %d: tags %s; want %v", round, got, want)
		}
	}
}

// An append to a list the request also read is a read-modify-write: of
// two from the same version one lands and the other answers 409.
func testReadThenAppend(t *testing.T, a *app) {
	c := a.start(t, "/cart-add?item=first")
	for round := range 50 {
		landed := 0
		for _, r := range a.parallel(t, c, []string{"/cart-read-add?item=p", "/cart-read-add?item=q"}) {
			switch r.code {
			case 200:
				landed++
			case http.StatusConflict:
			default:
				t.Fatalf("round %d: %d %q", round, r.code, r.body)
			}
		}
		if landed != 1 {
			t.Fatalf("round %d: %d appends after a read of the list landed; want 1", round, landed)
		}
		if r := a.get(t, "/state", c); len(strings.Fields(strings.Trim(cartOf(r.body), "[]"))) != round+2 {
			t.Fatalf("round %d: %q: want one more item per round", round, r.body)
		}
	}
}

// Flashes added at once are all kept; a request that shows the flashes
// removes those it showed, and no flash added meanwhile.
func testFlashes(t *testing.T, a *app) {
	c := a.start(t, "/slot?i=0&v=1")
	rs := a.parallel(t, c, []string{"/flash?m=one", "/flash?m=two", "/flash?m=three", "/flash?m=four"})
	for _, r := range rs {
		if r.code != 200 {
			t.Fatalf("a concurrent flash answered %d %q", r.code, r.body)
		}
	}
	held := a.inBackground(t, "/flashes?hold=1", c)
	<-a.loaded
	if r := a.get(t, "/flash?m=later", c); r.code != 200 {
		t.Fatalf("the flash added while another request showed them: %d", r.code)
	}
	a.releaseHeld()
	shown := <-held
	got := strings.Split(shown.body, ",")
	slices.Sort(got)
	if shown.code != 200 || !slices.Equal(got, []string{"four", "one", "three", "two"}) {
		t.Fatalf("the flashes shown: %d %q; want the four added at once", shown.code, shown.body)
	}
	if r := a.get(t, "/flashes", c); r.body != "later" {
		t.Fatalf("after they were shown, the session holds the flashes %q; want only the one added meanwhile", r.body)
	}
}

// writeAcross holds a write of slot b in the session c, runs the
// whole-session operation op (a path) to its end, then lets the write go
// on: it returns the answers to op and to the write.
func (a *app) writeAcross(t *testing.T, c, op string) (opResp, write response) {
	t.Helper()
	held := a.inBackground(t, "/slot?i=1&v=2&hold=1", c)
	<-a.loaded
	opResp = a.get(t, op, c)
	if opResp.code != 200 {
		t.Fatalf("%s: %d %q", op, opResp.code, opResp.body)
	}
	a.releaseHeld()
	return opResp, <-held
}

// A write held across a logout cannot bring the session back: 409.
func testWriteRacingDestroy(t *testing.T, a *app) {
	c := a.start(t, "/slot?i=0&v=1")
	if _, w := a.writeAcross(t, c, "/logout"); w.code != http.StatusConflict {
		t.Fatalf("a write across a logout: %d %q; want 409", w.code, w.body)
	}
	if r := a.get(t, "/state", c); !strings.HasPrefix(r.body, "a=- b=- ") {
		t.Fatalf("the ended session came back: %q", r.body)
	}
}

// A write held across a Regenerate of its session answers 409: the record
// it loaded was replaced; the session lives on under the new ID, without
// the write.
func testWriteRacingRegenerate(t *testing.T, a *app) {
	c := a.start(t, "/slot?i=0&v=1")
	r, w := a.writeAcross(t, c, "/regenerate")
	if r.cookie == nil || r.cookie.Value == c {
		t.Fatalf("regenerate set the cookie %v; want a new ID", r.cookie)
	}
	if w.code != http.StatusConflict {
		t.Fatalf("a write across a Regenerate: %d %q; want 409", w.code, w.body)
	}
	if s := a.get(t, "/state", r.cookie.Value); !strings.HasPrefix(s.body, "a=1 b=- ") {
		t.Fatalf("the regenerated session holds %q; want a=1 and no b", s.body)
	}
}

// A write held while another request emptied the session (Clear, nothing
// stored: the record is deleted) answers 409, and writes nothing.
func testWriteRacingEmptying(t *testing.T, a *app) {
	c := a.start(t, "/inc")
	if _, w := a.writeAcross(t, c, "/empty"); w.code != http.StatusConflict {
		t.Fatalf("a write across an emptying: %d %q; want 409", w.code, w.body)
	}
	if r := a.get(t, "/state", c); !strings.HasPrefix(r.body, "a=- b=- ") {
		t.Fatalf("the emptied session came back: %q", r.body)
	}
}

// With FailOnConcurrentChange, of eight disjoint writers from one version
// one lands and seven answer 409.
func testFailPolicy(t *testing.T, a *app) {
	a = newAppWith(t, a.rec, "fail", func(c *harness.SessionConfig) { c.Concurrency = runtime.FailOnConcurrentChange })
	c := a.start(t, "/slot?i=0&v=0")
	for round := range 20 {
		paths := make([]string, len(slots))
		for i := range slots {
			paths[i] = fmt.Sprintf("/slot?i=%d&v=%d", i, round+1)
		}
		ok := 0
		for _, r := range a.parallel(t, c, paths) {
			if r.code == 200 {
				ok++
			} else if r.code != http.StatusConflict {
				t.Fatalf("round %d: %d %q", round, r.code, r.body)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d writers answered 200; want 1", round, ok)
		}
	}
}

// With LastWriterWinsPerField, eight increments from one version all
// answer 200 (and all but one are lost: the policy's documented cost).
func testLastWriterWinsPolicy(t *testing.T, a *app) {
	a = newAppWith(t, a.rec, "lww", func(c *harness.SessionConfig) { c.Concurrency = runtime.LastWriterWinsPerField })
	c := a.start(t, "/inc")
	for round := range 20 {
		for _, r := range a.parallel(t, c, slices.Repeat([]string{"/inc"}, 8)) {
			if r.code != 200 {
				t.Fatalf("round %d: %d %q; want 200 under LastWriterWinsPerField", round, r.code, r.body)
			}
		}
		if r := a.get(t, "/get", c); !strings.Contains(r.body, fmt.Sprintf("count=%d ", round+2)) {
			t.Fatalf("round %d: %q; want one increment per round (each read the same value)", round, r.body)
		}
	}
}

// An op is one request of a random interleaving. Every op that writes
// also sets the session's "last" field to its id, so that the record each
// commit wrote names the request that committed it.
type op struct {
	id, kind string
	src, dst int
	k        int
	item     string
}

func (o op) query() string {
	return fmt.Sprintf("/op?id=%s&kind=%s&src=%d&dst=%d&k=%d&item=%s", o.id, o.kind, o.src, o.dst, o.k, o.item)
}

func parseOp(q map[string][]string) (op, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	o := op{id: get("id"), kind: get("kind"), item: get("item")}
	var err1, err2, err3 error
	o.src, err1 = strconv.Atoi(get("src"))
	o.dst, err2 = strconv.Atoi(get("dst"))
	o.k, err3 = strconv.Atoi(get("k"))
	if err1 != nil || err2 != nil || err3 != nil || o.src < 0 || o.src >= len(slots) || o.dst < 0 || o.dst >= len(slots) {
		return o, fmt.Errorf("bad op %v", q)
	}
	return o, nil
}

// writes tells whether the op commits.
func (o op) writes() bool { return o.kind != "read" }

// apply runs the op on a session, through the generated methods.
func (o op) apply(s *sess) {
	switch o.kind {
	case "copy": // dst = src + k: a write computed from a read
		s.IsNew()
		slots[o.dst].set(s, slots[o.src].get(s)+o.k)
	case "blind":
		slots[o.dst].set(s, o.k)
	case "delete":
		slots[o.dst].del(s)
	case "append":
		s.AppendCart(o.item)
	case "read":
		slots[o.src].get(s)
		slots[o.dst].has(s)
		return
	}
	s.SetLast(o.id)
}

// model is a session's state as the sequential model keeps it.
type model struct {
	slots map[int]int
	cart  []string
}

// step applies the op to the model.
func (m *model) step(o op) {
	switch o.kind {
	case "copy":
		m.slots[o.dst] = m.slots[o.src] + o.k
	case "blind":
		m.slots[o.dst] = o.k
	case "delete":
		delete(m.slots, o.dst)
	case "append":
		m.cart = append(m.cart, o.item)
	}
}

func (m *model) String() string {
	var b strings.Builder
	for i, sl := range slots {
		if v, ok := m.slots[i]; ok {
			fmt.Fprintf(&b, "%s=%d ", sl.key, v)
		} else {
			fmt.Fprintf(&b, "%s=- ", sl.key)
		}
	}
	fmt.Fprintf(&b, "cart=%v tags=map[]", m.cart)
	return b.String()
}

// lastOf returns the "last" field of a record's data.
func lastOf(data []byte) string {
	if len(data) < 2 {
		return ""
	}
	var d wire.Decoder
	d.Reset(data[2:])
	for d.Next() {
		if string(d.Key()) == "last" {
			v, _ := d.String()
			return v
		}
	}
	return ""
}

// Random mixes of reads, writes computed from values read, blind writes,
// deletes and appends, several sessions, real parallel requests from one
// version: replaying the requests that answered 2xx, in the order of the
// versions they committed, on a sequential model gives the state the store
// holds. A last-writer-wins merge fails this: a write computed from a
// stale read would land.
func testRandomInterleavings(t *testing.T, a *app) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"copy", "copy", "copy", "blind", "delete", "append", "read"}
	type session struct {
		cookie string
		ops    map[string]op
		ok     map[string]bool // the ops that answered 2xx
	}
	var sessions []*session
	for n := range 3 {
		first := op{id: fmt.Sprintf("s%d-init", n), kind: "blind", dst: 0, k: 1}
		s := &session{cookie: a.start(t, first.query()), ops: map[string]op{first.id: first}, ok: map[string]bool{first.id: true}}
		sessions = append(sessions, s)
	}
	a.rec.Reset()
	for round := range 150 {
		for n, s := range sessions {
			var paths []string
			var ids []string
			for k := range 2 + rng.IntN(5) {
				o := op{id: fmt.Sprintf("s%d-%d-%d", n, round, k), kind: kinds[rng.IntN(len(kinds))],
					src: rng.IntN(4), dst: rng.IntN(4), k: 1 + rng.IntN(9), item: fmt.Sprintf("i%d.%d", round, k)}
				s.ops[o.id] = o
				paths = append(paths, o.query())
				ids = append(ids, o.id)
			}
			for i, r := range a.parallel(t, s.cookie, paths) {
				switch r.code {
				case 200:
					s.ok[ids[i]] = true
				case http.StatusConflict:
					if !s.ops[ids[i]].writes() {
						t.Fatalf("a read-only request answered 409")
					}
				default:
					t.Fatalf("%s: %d %q", ids[i], r.code, r.body)
				}
			}
		}
	}
	// The commits of each session, in version order, name their requests.
	byKey := map[string][]runtime.Commit{}
	for _, c := range a.rec.Commits() {
		byKey[c.Key] = append(byKey[c.Key], c)
	}
	for n, s := range sessions {
		var order []string
		for _, cs := range byKey {
			slices.SortFunc(cs, func(x, y runtime.Commit) int { return int(x.Record.Version) - int(y.Record.Version) })
			if id := lastOf(cs[0].Record.Data); strings.HasPrefix(id, fmt.Sprintf("s%d-", n)) {
				for _, c := range cs {
					order = append(order, lastOf(c.Record.Data))
				}
			}
		}
		m := &model{slots: map[int]int{0: 1}}
		committed := map[string]bool{}
		for _, id := range order {
			if committed[id] {
				t.Fatalf("session %d: %s committed twice", n, id)
			}
			committed[id] = true
			if !s.ok[id] {
				t.Fatalf("session %d: %s committed but answered 409", n, id)
			}
			m.step(s.ops[id])
		}
		for id := range s.ok {
			if s.ops[id].writes() && !committed[id] && !strings.HasSuffix(id, "-init") {
				t.Fatalf("session %d: %s answered 200 but its write is in no commit", n, id)
			}
		}
		if r := a.get(t, "/state", s.cookie); r.body != m.String() {
			t.Fatalf("session %d: the store holds\n\t%s\nthe 2xx requests replayed in commit order give\n\t%s", n, r.body, m)
		}
	}
}
