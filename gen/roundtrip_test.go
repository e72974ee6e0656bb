package gen_test

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	sessionruntime "github.com/sessiongen/sessiongen/runtime"
	sessionwire "github.com/sessiongen/sessiongen/runtime/wire"

	"github.com/sessiongen/sessiongen/testdata/anonymous"
	"github.com/sessiongen/sessiongen/testdata/arrays"
	"github.com/sessiongen/sessiongen/testdata/basic"
	"github.com/sessiongen/sessiongen/testdata/deep"
	"github.com/sessiongen/sessiongen/testdata/docs"
	"github.com/sessiongen/sessiongen/testdata/embedded"
	"github.com/sessiongen/sessiongen/testdata/empty"
	"github.com/sessiongen/sessiongen/testdata/evolve_v1"
	"github.com/sessiongen/sessiongen/testdata/evolve_v2"
	importclash "github.com/sessiongen/sessiongen/testdata/import_clash"
	mapspkg "github.com/sessiongen/sessiongen/testdata/maps"
	"github.com/sessiongen/sessiongen/testdata/multi"
	"github.com/sessiongen/sessiongen/testdata/named"
	"github.com/sessiongen/sessiongen/testdata/nested"
	"github.com/sessiongen/sessiongen/testdata/pointers"
	"github.com/sessiongen/sessiongen/testdata/sharable"
	"github.com/sessiongen/sessiongen/testdata/slices"
	"github.com/sessiongen/sessiongen/testdata/tags"
	"github.com/sessiongen/sessiongen/testdata/textmarshal"
)

var roundTripKey = []byte("golden-round-trip-key-0123456789abcdef")

// roundTrip saves s with si and opens the cookie it made.
func roundTrip[S any](t *testing.T, si interface {
	SaveSession(http.ResponseWriter, *http.Request, *S) error
	OpenSession(*http.Request) (*S, error)
}, s *S) *S {
	t.Helper()
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	w := httptest.NewRecorder()
	if err := si.SaveSession(w, r, s); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Set-Cookie %q", w.Header().Values("Set-Cookie"))
	}
	r = httptest.NewRequest("GET", "https://example.com/", nil)
	r.AddCookie(cookies[0])
	got, err := si.OpenSession(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Every composite kind survives a save and an open, and getters hand out
// deep copies that cannot change the session behind its back.
func TestNestedRoundTrip(t *testing.T) {
	si, err := nested.NewProfileManager(nested.ProfileConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
	geo := [2]float64{52.5, 13.4}
	five, name := 5, "x"
	home := nested.Address{Street: "Main 1", City: "Berlin", Geo: &geo}
	s.SetHome(home)
	s.SetWork(&nested.Address{Street: "Work 2"})
	s.SetCart([]nested.Item{{SKU: "a", Qty: 2, Price: 1.5, Tags: []string{"x", "y"}}})
	s.AppendCart(nested.Item{SKU: "b"})
	s.SetGrantsKey("admin", true)
	s.SetScoresKey("math", []int{1, 2, 3})
	s.SetID([16]byte{1, 2, 3, 15: 16})
	s.SetLast4([4]int{4, 3, 2, 1})
	s.SetIP(netip.MustParseAddr("2001:db8::1"))
	s.SetSeenKey("home", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC))
	s.UpdatePrefs(func(p *struct {
		Theme string
		Font  int
	}) {
		p.Theme, p.Font = "dark", 12
	})
	s.SetMaybe(&five)
	s.SetPtrs([]*string{&name, nil})
	s.SetMatrix([][]int{{1}, {2, 3}, nil})
	s.SetFriends([]nested.Address{{City: "Paris"}})

	got := roundTrip[nested.ProfileSession](t, si, s)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"Home", got.Home(), s.Home()},
		{"Work", got.Work(), s.Work()},
		{"Cart", got.Cart(), s.Cart()},
		{"Grants", got.Grants(), s.Grants()},
		{"Scores", got.Scores(), s.Scores()},
		{"ID", got.ID(), s.ID()},
		{"Last4", got.Last4(), s.Last4()},
		{"IP", got.IP(), s.IP()},
		{"Seen", got.Seen(), s.Seen()},
		{"Prefs", got.Prefs(), s.Prefs()},
		{"Maybe", got.Maybe(), s.Maybe()},
		{"Ptrs", got.Ptrs(), s.Ptrs()},
		{"Matrix", got.Matrix(), []([]int){{1}, {2, 3}, nil}},
		{"Friends", got.Friends(), s.Friends()},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v; want %#v", c.name, c.got, c.want)
		}
	}
	if got.HasExtra() {
		t.Error("Extra was never set but reads back present")
	}

	// Deep copies: changing what a getter returned changes nothing.
	h := got.Home()
	*h.Geo = [2]float64{0, 0}
	cart := got.Cart()
	cart[0].Tags[0] = "changed"
	scores := got.Scores()
	scores["math"][0] = 99
	if got.Home().Geo[0] != 52.5 || got.Cart()[0].Tags[0] != "x" || got.Scores()["math"][0] != 1 || got.Modified() {
		t.Error("a change through a getter's result reached the session")
	}
	got.DeleteScoresKey("math")
	if !got.Modified() || len(got.Scores()) != 0 {
		t.Error("DeleteScoresKey did not remove the key and mark the session modified")
	}
}

// Flat structs keep working alongside the new kinds.
func TestFlatRoundTrip(t *testing.T) {
	si, err := basic.NewScalarsManager(basic.ScalarsConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
	s.SetS("héllo")
	s.SetI8(-128)
	s.SetU64(1<<64 - 1)
	s.SetF32(0.5)
	s.SetRaw([]byte{0, 1})
	s.SetAt(time.Unix(1700000000, 5).UTC())
	s.SetTTL(time.Minute)
	got := roundTrip[basic.ScalarsSession](t, si, s)
	if got.S() != "héllo" || got.I8() != -128 || got.U64() != 1<<64-1 || got.F32() != 0.5 ||
		!reflect.DeepEqual(got.Raw(), []byte{0, 1}) || !got.At().Equal(s.At()) || got.TTL() != time.Minute || got.HasB() {
		t.Errorf("flat round trip lost values")
	}
}

// Fields nested exactly as deep as the decoder accepts (32 levels, counted
// as the generator counts them when it refuses deeper ones) survive a save
// and an open, each filled down to its innermost value.
func TestDeepRoundTrip(t *testing.T) {
	si, err := deep.NewDeepManager(deep.DeepConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
	var v deep.Deep
	fillDeep(reflect.ValueOf(&v).Elem())
	s.SetChain(v.Chain)
	s.SetLists(v.Lists)
	s.SetPtr(v.Ptr)
	s.SetUnboxed(v.Unboxed)
	s.SetBoxed(v.Boxed)
	s.SetMaps(v.Maps)
	got := roundTrip[deep.DeepSession](t, si, s)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"Chain", got.Chain(), v.Chain},
		{"Lists", got.Lists(), v.Lists},
		{"Ptr", got.Ptr(), v.Ptr},
		{"Unboxed", got.Unboxed(), v.Unboxed},
		{"Boxed", got.Boxed(), v.Boxed},
		{"Maps", got.Maps(), v.Maps},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s did not survive the round trip", c.name)
		}
	}
}

// fillDeep sets v, and everything inside it, to a value reaching its
// innermost level: one element per slice, one key per map, non-nil
// pointers, 7 and "deep" at the bottom.
func fillDeep(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillDeep(v.Field(i))
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillDeep(v.Index(0))
	case reflect.Map:
		x := reflect.New(v.Type().Elem()).Elem()
		fillDeep(x)
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), x)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillDeep(v.Elem())
	case reflect.Int:
		v.SetInt(7)
	case reflect.String:
		v.SetString("deep")
	}
}

// FuzzGeneratedDecoders signs arbitrary payloads with the right key, so
// that they reach every generated decoder in testdata, and opens them: no
// panic, ever, and a payload that does not decode gives a fresh session.
//
// Every package of testdata with generated code has an opener here. The
// runtime binds the session type's name into the MAC (Codec.Name is the
// default salt), so each payload is signed for each type, as the cookie
// "<Type>.session".
func FuzzGeneratedDecoders(f *testing.F) {
	sc := securecookie.New(roundTripKey, nil)
	sc.SetSerializer(securecookie.NopEncoder{})
	type opener struct {
		typ  string // the session type: the salt the runtime signs with
		open func(*http.Request)
	}
	mustNew := func(_ any, err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	var openers []opener
	{
		si, err := nested.NewProfileManager(nested.ProfileConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Profile", func(r *http.Request) { s, _ := si.OpenSession(r); s.Home(); s.Cart(); s.Scores() }})
		seed, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
		seed.SetCart([]nested.Item{{SKU: "a", Tags: []string{"t"}}})
		seed.SetScoresKey("k", []int{1})
		seed.SetWork(&nested.Address{City: "c"})
		w := httptest.NewRecorder()
		si.SaveSession(w, httptest.NewRequest("GET", "/", nil), seed)
		var payload []byte
		if err := sc.Decode("Profile.session", w.Result().Cookies()[0].Value, &payload); err != nil {
			f.Fatalf("the runtime's cookie does not verify as the fuzzer signs: %v; the fuzzer would reach no decoder", err)
		}
		f.Add(payload)
	}
	{
		si, err := basic.NewScalarsManager(basic.ScalarsConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Scalars", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := slices.NewListsManager(slices.ListsConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Lists", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := named.NewAccountManager(named.AccountConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Account", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := tags.NewPrefsManager(tags.PrefsConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Prefs", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := embedded.NewOuterManager(embedded.OuterConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Outer", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := pointers.NewOptManager(pointers.OptConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Opt", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := mapspkg.NewIndexManager(mapspkg.IndexConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Index", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := arrays.NewFixedManager(arrays.FixedConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Fixed", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := anonymous.NewSettingsManager(anonymous.SettingsConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Settings", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := textmarshal.NewConnManager(textmarshal.ConnConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Conn", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := evolve_v2.NewVisitorManager(evolve_v2.VisitorConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Visitor", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := docs.NewCartManager(docs.CartConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Cart", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := empty.NewNothingManager(empty.NothingConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Nothing", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := multi.NewAdminManager(multi.AdminConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Admin", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := multi.NewVisitorManager(multi.VisitorConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Visitor", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := evolve_v1.NewVisitorManager(evolve_v1.VisitorConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Visitor", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := sharable.NewPeerManager(sharable.PeerConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Peer", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := deep.NewDeepManager(deep.DeepConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Deep", func(r *http.Request) { si.OpenSession(r) }})
	}
	{
		si, err := importclash.NewGuestManager(importclash.GuestConfig{SecretKey: roundTripKey})
		mustNew(si, err)
		openers = append(openers, opener{"Guest", func(r *http.Request) { si.OpenSession(r) }})
	}
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 0, 4, 'h', 'o', 'm', 'e', 8, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, o := range openers {
			v, err := sc.Encode(o.typ+".session", payload)
			if err != nil {
				t.Skip()
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: v})
			o.open(r)
		}
	})
}

// A cookie written by one release of a struct opens under the next: added,
// removed, renamed-with-key-kept, reordered and widened fields keep working;
// a field whose type changed incompatibly is dropped alone, and reported.
func TestSchemaEvolution(t *testing.T) {
	v1, err := evolve_v1.NewVisitorManager(evolve_v1.VisitorConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	var reported []error
	v2, err := evolve_v2.NewVisitorManager(evolve_v2.VisitorConfig{SecretKey: roundTripKey,
		OnError: func(_ *http.Request, err error) { reported = append(reported, err) }})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := v1.OpenSession(httptest.NewRequest("GET", "/", nil))
	old.SetName("Ada")
	old.SetAge(36)
	old.SetRemoved("gone")
	old.SetScore("high")
	old.SetNick("ada")
	w := httptest.NewRecorder()
	if err := v1.SaveSession(w, httptest.NewRequest("GET", "/", nil), old); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	s, err := v2.OpenSession(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.IsNew() || s.FullName() != "Ada" || s.Age() != 36 || s.Nick() != "ada" || s.HasScore() || s.HasAdded() {
		t.Errorf("v2 read: new %v, name %q, age %d, nick %q, score present %v, added present %v",
			s.IsNew(), s.FullName(), s.Age(), s.Nick(), s.HasScore(), s.HasAdded())
	}
	var fe *sessionruntime.FieldError
	if len(reported) != 1 || !errors.As(reported[0], &fe) || fe.Key != "score" || !errors.Is(reported[0], sessionwire.ErrMismatch) {
		t.Errorf("reported %v; want one FieldError for key score", reported)
	}
}

// A property test: random values of every scalar kind, in slices and maps,
// come back equal after a save and an open.
func TestRandomRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	lists, err := slices.NewListsManager(slices.ListsConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	index, err := mapspkg.NewIndexManager(mapspkg.IndexConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		n := 1 + rng.IntN(5)
		l, _ := lists.OpenSession(httptest.NewRequest("GET", "/", nil))
		for j := 0; j < n; j++ {
			l.AppendStrings(str())
			l.AppendBools(rng.IntN(2) == 1)
			l.AppendInts(int(rng.Int64()))
			l.AppendInt8s(int8(rng.Int32()))
			l.AppendUint64s(rng.Uint64())
			l.AppendFloats(rng.NormFloat64() * 1e6)
			l.AppendFloat32s(float32(rng.NormFloat64()))
			l.AppendBlobs([]byte(str() + "x"))
			l.AppendTimes(time.Unix(rng.Int64N(1<<40)-1<<39, rng.Int64N(1e9)).UTC())
			l.AppendDurations(time.Duration(rng.Int64()))
		}
		got := roundTrip[slices.ListsSession](t, lists, l)
		if !reflect.DeepEqual(got.Strings(), l.Strings()) || !reflect.DeepEqual(got.Bools(), l.Bools()) ||
			!reflect.DeepEqual(got.Ints(), l.Ints()) || !reflect.DeepEqual(got.Int8s(), l.Int8s()) ||
			!reflect.DeepEqual(got.Uint64s(), l.Uint64s()) || !reflect.DeepEqual(got.Floats(), l.Floats()) ||
			!reflect.DeepEqual(got.Float32s(), l.Float32s()) || !reflect.DeepEqual(got.Blobs(), l.Blobs()) ||
			!reflect.DeepEqual(got.Times(), l.Times()) || !reflect.DeepEqual(got.Durations(), l.Durations()) {
			t.Fatalf("round %d: lists differ", i)
		}

		x, _ := index.OpenSession(httptest.NewRequest("GET", "/", nil))
		for j := 0; j < n; j++ {
			k := str()
			x.SetCountsKey(k, int(rng.Int32()))
			x.SetTitlesKey(mapspkg.Lang(k), str())
			x.SetTagsKey(k, []string{str(), str()})
			x.SetEntriesKey(k, mapspkg.Entry{Title: str(), Hits: rng.Uint32()})
			x.SetOptionalKey(k, &mapspkg.Entry{Title: str()})
			x.SetNestedKey(k, map[string]bool{str(): true})
		}
		y := roundTrip[mapspkg.IndexSession](t, index, x)
		if !reflect.DeepEqual(y.Counts(), x.Counts()) || !reflect.DeepEqual(y.Titles(), x.Titles()) ||
			!reflect.DeepEqual(y.Tags(), x.Tags()) || !reflect.DeepEqual(y.Entries(), x.Entries()) ||
			!reflect.DeepEqual(y.Optional(), x.Optional()) || !reflect.DeepEqual(y.Nested(), x.Nested()) {
			t.Fatalf("round %d: maps differ", i)
		}
	}
}

// The same property over composite kinds: nested structs, pointers (nil
// included), arrays, byte arrays, anonymous structs, lists of lists.
func TestRandomCompositeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	si, err := nested.NewProfileManager(nested.ProfileConfig{SecretKey: roundTripKey})
	if err != nil {
		t.Fatal(err)
	}
	word := func() string { return strconv.Itoa(rng.IntN(1000)) }
	addr := func() nested.Address {
		a := nested.Address{Street: word(), City: word()}
		if rng.IntN(2) == 0 {
			a.Geo = &[2]float64{rng.Float64(), rng.Float64()}
		}
		return a
	}
	for i := 0; i < 200; i++ {
		s, _ := si.OpenSession(httptest.NewRequest("GET", "/", nil))
		s.SetHome(addr())
		if rng.IntN(2) == 0 {
			a := addr()
			s.SetWork(&a)
		}
		var id [16]byte
		for j := range id {
			id[j] = byte(rng.IntN(256))
		}
		s.SetID(id)
		s.SetLast4([4]int{rng.IntN(10), rng.IntN(10), rng.IntN(10), rng.IntN(10)})
		var ptrs []*string
		var matrix [][]int
		for j := rng.IntN(4); j > 0; j-- {
			if rng.IntN(3) == 0 {
				ptrs = append(ptrs, nil)
			} else {
				w := word()
				ptrs = append(ptrs, &w)
			}
			matrix = append(matrix, []int{rng.IntN(100), rng.IntN(100)})
			s.AppendFriends(addr())
			s.AppendCart(nested.Item{SKU: word(), Qty: rng.IntN(9), Price: rng.Float64(), Tags: []string{word()}})
		}
		s.SetPtrs(ptrs)
		s.SetMatrix(matrix)
		s.UpdatePrefs(func(p *struct {
			Theme string
			Font  int
		}) {
			p.Theme, p.Font = word(), rng.IntN(30)
		})
		got := roundTrip[nested.ProfileSession](t, si, s)
		for name, pair := range map[string][2]any{
			"Home": {got.Home(), s.Home()}, "Work": {got.Work(), s.Work()}, "ID": {got.ID(), s.ID()},
			"Last4": {got.Last4(), s.Last4()}, "Ptrs": {got.Ptrs(), s.Ptrs()}, "Matrix": {got.Matrix(), s.Matrix()},
			"Friends": {got.Friends(), s.Friends()}, "Cart": {got.Cart(), s.Cart()}, "Prefs": {got.Prefs(), s.Prefs()},
		} {
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Fatalf("round %d: %s: got %#v; want %#v", i, name, pair[0], pair[1])
			}
		}
	}
}
