package manifest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

func ptr[T any](v T) *T { return &v }

// boundaryApp is a valid manifest with every boundary setting; the error
// cases below change one thing in it.
const boundaryApp = `{
  "version": 1,
  "components": [
    {"name": "physics", "kind": "wasm", "module": "p.wasm", "priority": 7, "reentrant": true, "on_conflict": "drop"},
    {"name": "solver", "kind": "wasm", "module": "s.wasm", "batch_yield": true, "priority": 0},
    {"name": "ui", "kind": "go", "factory": "ui"}
  ],
  "boundary": {
    "token_timeout": "20ms",
    "fallback": {"threshold": 5, "max_tier": "serialize"},
    "pairs": [
      {"caller": "physics", "callee": "solver", "token_timeout": "500ms", "fallback": {"window": "2s"}},
      {"caller": "host", "callee": "physics", "token_timeout": "1s"},
      {"caller": "ui", "callee": "physics"}
    ]
  }
}`

func TestBoundaryValid(t *testing.T) {
	m, err := Parse([]byte(boundaryApp), "app.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                  string
		priority              int
		reentrant, batchYield bool
		onConflict            string
	}{
		{"physics", 7, true, false, ConflictDrop},
		{"solver", 0, false, true, ConflictQueue},
		{"ui", DefaultPriority, false, false, ConflictQueue},
	} {
		var c *Component
		for i := range m.Components {
			if m.Components[i].Name == tc.name {
				c = &m.Components[i]
			}
		}
		if c.Priority == nil || *c.Priority != tc.priority || c.Reentrant != tc.reentrant ||
			c.BatchYield != tc.batchYield || c.OnConflict != tc.onConflict {
			t.Errorf("%s: priority %v, reentrant %v, batch_yield %v, on_conflict %q", tc.name, c.Priority, c.Reentrant, c.BatchYield, c.OnConflict)
		}
	}

	b := m.Boundary
	top := Fallback{Threshold: 5, Window: DefaultWindow, Quiet: DefaultQuiet, MaxTier: TierSerialize}
	if b.TokenTimeout != 20*time.Millisecond || b.Fallback == nil || *b.Fallback != top || len(b.Pairs) != 3 {
		t.Fatalf("boundary = %+v, fallback %+v", b, b.Fallback)
	}
	p0 := b.Pairs[0]
	if p0.Caller != "physics" || p0.Callee != "solver" || p0.TokenTimeout != 500*time.Millisecond || p0.Line != 12 || p0.Column != 7 {
		t.Errorf("pairs[0] = %+v", p0)
	}
	// The pair's fallback takes what it leaves out from the boundary's.
	if want := (Fallback{Threshold: 5, Window: 2 * time.Second, Quiet: DefaultQuiet, MaxTier: TierSerialize}); *p0.Fallback != want {
		t.Errorf("pairs[0].fallback = %+v, want %+v", *p0.Fallback, want)
	}
	if b.Pairs[1].Caller != HostCaller || b.Pairs[1].Fallback != nil || b.Pairs[2].TokenTimeout != 0 {
		t.Errorf("pairs[1:] = %+v", b.Pairs[1:])
	}

	for _, tc := range []struct {
		caller, callee string
		timeout        time.Duration
		fallback       *Fallback
	}{
		{"physics", "solver", 500 * time.Millisecond, p0.Fallback},
		{"host", "physics", time.Second, b.Fallback},
		{"ui", "physics", 20 * time.Millisecond, b.Fallback},
		{"solver", "physics", 20 * time.Millisecond, b.Fallback},
	} {
		if got := b.TokenTimeoutFor(tc.caller, tc.callee); got != tc.timeout {
			t.Errorf("TokenTimeoutFor(%s, %s) = %v, want %v", tc.caller, tc.callee, got, tc.timeout)
		}
		if got := b.FallbackFor(tc.caller, tc.callee); got != tc.fallback {
			t.Errorf("FallbackFor(%s, %s) = %+v, want %+v", tc.caller, tc.callee, got, tc.fallback)
		}
	}
	if got, want := b.Fallback.Policy(), (boundary.TierPolicy{Threshold: 5, Window: time.Second, Quiet: 10 * time.Second, MaxTier: boundary.TierSerialize}); got != want {
		t.Errorf("Policy = %+v, want %+v", got, want)
	}
}

// TestBoundaryDefaults: without a boundary section, the token timeout is
// the default and there is no fallback; a pair's fallback alone gets the
// built-in defaults.
func TestBoundaryDefaults(t *testing.T) {
	m, err := Parse([]byte(`{"version": 1, "components": [{"name": "a", "kind": "go", "factory": "f"}, {"name": "b", "kind": "go", "factory": "f"}],
  "boundary": {"pairs": [{"caller": "a", "callee": "b", "fallback": {}}]}}`), "app.json")
	if err != nil {
		t.Fatal(err)
	}
	b := m.Boundary
	want := Fallback{Threshold: DefaultThreshold, Window: DefaultWindow, Quiet: DefaultQuiet, MaxTier: DefaultMaxTier}
	if b.TokenTimeout != DefaultTokenTimeout || b.Fallback != nil || *b.Pairs[0].Fallback != want {
		t.Errorf("boundary = %+v, pair fallback %+v", b, b.Pairs[0].Fallback)
	}
	if b.FallbackFor("b", "a") != nil {
		t.Errorf("FallbackFor(b, a) = %+v, want nil", b.FallbackFor("b", "a"))
	}
	var zero Boundary
	if got := zero.TokenTimeoutFor("a", "b"); got != DefaultTokenTimeout {
		t.Errorf("zero Boundary: TokenTimeoutFor = %v", got)
	}
}

// TestBoundaryInvalid: each bad setting is reported at its path and
// line:column, with what to do.
func TestBoundaryInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, replace, with string
		path, want          string
		line, col           int
	}{
		{"priority too high", `"priority": 7`, `"priority": 8`,
			"components[0].priority", "priority must be between 0 and 7; got 8", 4, 73},
		{"priority negative", `"priority": 0`, `"priority": -1`,
			"components[1].priority", "priority must be between 0 and 7; got -1", 5, 93},
		{"priority not integer", `"priority": 7`, `"priority": "high"`,
			"components[0].priority", `priority must be an integer; got string "high"`, 4, 73},
		{"reentrant not bool", `"reentrant": true`, `"reentrant": "yes"`,
			"components[0].reentrant", `reentrant must be true or false; got string "yes"`, 4, 89},
		{"batch_yield not bool", `"batch_yield": true`, `"batch_yield": 1`,
			"components[1].batch_yield", "batch_yield must be true or false; got number 1", 5, 75},
		{"on_conflict", `"on_conflict": "drop"`, `"on_conflict": "replace"`,
			"components[0].on_conflict", `on_conflict must be one of queue, drop; got "replace"`, 4, 110},
		{"token_timeout zero", `"token_timeout": "20ms"`, `"token_timeout": "0s"`,
			"boundary.token_timeout", `token_timeout must be greater than 0; got "0s"`, 9, 22},
		{"token_timeout bad", `"token_timeout": "20ms"`, `"token_timeout": "20 ms"`,
			"boundary.token_timeout", `token_timeout must be a duration such as "5s"`, 9, 22},
		{"pair token_timeout negative", `"token_timeout": "500ms"`, `"token_timeout": "-5ms"`,
			"boundary.pairs[0].token_timeout", `token_timeout must be greater than 0; got "-5ms"`, 12, 66},
		{"threshold zero", `"threshold": 5`, `"threshold": 0`,
			"boundary.fallback.threshold", "threshold must be between 1 and 1000000; got 0", 10, 31},
		{"window bad", `"window": "2s"`, `"window": "2"`,
			"boundary.pairs[0].fallback.window", `window must be a duration such as "5s"`, 12, 98},
		{"quiet zero", `"threshold": 5`, `"threshold": 5, "quiet": "0ms"`,
			"boundary.fallback.quiet", `quiet must be greater than 0; got "0ms"`, 10, 43},
		{"max_tier", `"max_tier": "serialize"`, `"max_tier": "normal"`,
			"boundary.fallback.max_tier", `max_tier must be one of isolate, serialize, native; got "normal"`, 10, 46},
		{"fallback unknown field", `"threshold": 5`, `"treshold": 5`,
			"boundary.fallback.treshold", `unknown field "treshold"; did you mean "threshold"?`, 10, 18},
		{"boundary unknown field", `"token_timeout": "20ms"`, `"timeout": "20ms"`,
			"boundary.timeout", `unknown field "timeout"; expected one of token_timeout, fallback, pairs`, 9, 5},
		{"pair unknown field", `"caller": "ui"`, `"caller": "ui", "calee": "solver"`,
			"boundary.pairs[2].calee", `unknown field "calee"; did you mean "callee"?`, 14, 24},
		{"unknown caller", `"caller": "ui"`, `"caller": "gui"`,
			"boundary.pairs[2].caller", `caller "gui" is not a component of the manifest; components: physics, solver, ui; or "host"`, 14, 18},
		{"unknown callee", `"callee": "solver"`, `"callee": "solvr"`,
			"boundary.pairs[0].callee", `callee "solvr" is not a component of the manifest; components: physics, solver, ui`, 12, 39},
		{"host as callee", `"callee": "solver"`, `"callee": "host"`,
			"boundary.pairs[0].callee", `"host" (the embedding Go program) is only a caller`, 12, 39},
		{"caller is callee", `"caller": "ui", "callee": "physics"`, `"caller": "ui", "callee": "ui"`,
			"boundary.pairs[2].callee", `callee must not be the caller; got "ui" for both`, 14, 34},
		{"duplicate pair", `{"caller": "ui", "callee": "physics"}`, `{"caller": "host", "callee": "physics"}`,
			"boundary.pairs[2]", "pair host -> physics is already set at boundary.pairs[1]", 14, 7},
		{"missing callee", `{"caller": "ui", "callee": "physics"}`, `{"caller": "ui"}`,
			"boundary.pairs[2].callee", `missing required field "callee"`, 14, 7},
		{"missing caller", `{"caller": "ui", "callee": "physics"}`, `{"callee": "physics"}`,
			"boundary.pairs[2].caller", `missing required field "caller"; name a component of the manifest, or "host"`, 14, 7},
		{"host is ambiguous", `{"name": "ui", "kind": "go"`, `{"name": "host", "kind": "go"`,
			"boundary.pairs[1].caller", `caller "host" is ambiguous`, 13, 18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(boundaryApp, tc.replace, tc.with, 1)
			if src == boundaryApp {
				t.Fatalf("replacement %q not found", tc.replace)
			}
			expectError(t, src, tc.path, tc.want, tc.line, tc.col)
		})
	}
}

func TestBoundaryShape(t *testing.T) {
	const comps = `"components": [{"name": "a", "kind": "go", "factory": "f"}]`
	for _, tc := range []struct {
		name, doc, path, want string
		line, col             int
	}{
		{"boundary not object", `{"version": 1, ` + comps + `, "boundary": []}`,
			"boundary", "boundary must be an object; got an array", 1, 89},
		{"pairs not array", `{"version": 1, ` + comps + `, "boundary": {"pairs": {}}}`,
			"boundary.pairs", "pairs must be an array of pair objects; got an object", 1, 99},
		{"pair not object", `{"version": 1, ` + comps + `, "boundary": {"pairs": ["a"]}}`,
			"boundary.pairs[0]", `pair must be an object; got string "a"`, 1, 100},
		{"fallback not object", `{"version": 1, ` + comps + `, "boundary": {"fallback": true}}`,
			"boundary.fallback", "fallback must be an object; got true", 1, 102},
	} {
		t.Run(tc.name, func(t *testing.T) { expectError(t, tc.doc, tc.path, tc.want, tc.line, tc.col) })
	}
}

// expectError parses src and wants an error at path, containing want, at
// line:col.
func expectError(t *testing.T, src, path, want string, line, col int) {
	t.Helper()
	m, err := Parse([]byte(src), "app.json")
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse = %+v, %v; want an ErrorList", m, err)
	}
	for _, e := range list {
		if e.Path == path && strings.Contains(e.Msg, want) {
			if e.Line != line || e.Column != col {
				t.Errorf("%s at %d:%d, want %d:%d", e.Path, e.Line, e.Column, line, col)
			}
			return
		}
	}
	t.Fatalf("no error at %s containing %q; got:\n%v", path, want, err)
}

// TestBoundaryValidateGo: a manifest built in Go is checked the same way,
// and SetDefaults fills what it leaves out.
func TestBoundaryValidateGo(t *testing.T) {
	m := Manifest{
		Version: 1,
		Components: []Component{
			{Name: "a", Kind: KindGo, Factory: "f", Priority: ptr(9), OnConflict: "replace"},
			{Name: "b", Kind: KindGo, Factory: "f"},
		},
		Boundary: Boundary{
			TokenTimeout: -time.Second,
			Fallback:     &Fallback{MaxTier: "normal"},
			Pairs:        []Pair{{Caller: "a", Callee: "c"}, {Caller: "b", Callee: "a", Fallback: &Fallback{Threshold: -1}}},
		},
	}
	want := "components[0].priority: priority must be between 0 and 7; got 9\n" +
		"components[0].on_conflict: on_conflict must be one of queue, drop; got \"replace\"\n" +
		"boundary.token_timeout: token_timeout must be greater than 0; got \"-1s\"\n" +
		"boundary.fallback.max_tier: max_tier must be one of isolate, serialize, native; got \"normal\"\n" +
		"boundary.pairs[0].callee: callee \"c\" is not a component of the manifest; components: a, b\n" +
		"boundary.pairs[1].fallback.threshold: threshold must be between 1 and 1000000; got -1"
	if err := m.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate:\n got %v\nwant %s", err, want)
	}

	ok := Manifest{Version: 1, Components: []Component{{Name: "a", Kind: KindGo, Factory: "f"}},
		Boundary: Boundary{Fallback: &Fallback{}}}
	ok.SetDefaults()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	c := ok.Components[0]
	if *c.Priority != DefaultPriority || c.OnConflict != ConflictQueue || ok.Boundary.TokenTimeout != DefaultTokenTimeout ||
		*ok.Boundary.Fallback != (Fallback{DefaultThreshold, DefaultWindow, DefaultQuiet, DefaultMaxTier}) {
		t.Errorf("after SetDefaults: %+v, %+v", c, ok.Boundary)
	}
}
