package manifest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const supervised = `{
  "version": 1,
  "components": [
    {"name": "counter", "kind": "wasm", "module": "c.wasm", "limits": {"deadline": "50ms"}},
    {"name": "tokenizer", "kind": "wasm", "module": "t.wasm"},
    {"name": "producer", "kind": "go", "factory": "lines"}
  ],
  "supervision": {
    "strategy": "one_for_all", "intensity": 0, "period": "10s",
    "children": [
      {"component": "counter", "restart": "permanent", "shutdown": "2s",
       "backoff": {"kind": "exponential", "initial": "10ms", "jitter": 0.25},
       "health": {"interval": "1s", "timeout": "100ms"}},
      {"supervisor": {"name": "pipeline", "strategy": "rest_for_one",
        "children": [
          {"component": "tokenizer", "on_error": "restart", "error_rate": {"max": 5, "window": "1s"}},
          {"component": "producer", "restart": "transient", "shutdown": "brutal"}
        ]}}
    ]
  }
}`

func TestSupervisionDecodes(t *testing.T) {
	m, err := Parse([]byte(supervised), "wasmplane.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.Components[0].Limits.Deadline != 50*time.Millisecond {
		t.Errorf("deadline %v", m.Components[0].Limits.Deadline)
	}
	s := m.Supervision
	if s.Name != "root" || s.Strategy != StrategyOneForAll || s.Intensity != 0 || s.Period != 10*time.Second || len(s.Children) != 2 {
		t.Fatalf("root: %+v", s)
	}
	c := s.Children[0]
	if c.Component != "counter" || c.Shutdown != 2*time.Second || c.OnError != OnErrorIgnore ||
		c.Backoff != (Backoff{Kind: BackoffExponential, Initial: 10 * time.Millisecond, Max: 300 * time.Millisecond, Jitter: 0.25}) ||
		*c.Health != (Health{Interval: time.Second, Timeout: 100 * time.Millisecond}) {
		t.Errorf("counter child: %+v", c)
	}
	p := s.Children[1].Supervisor
	if p == nil || p.Name != "pipeline" || p.Strategy != StrategyRestForOne || p.Intensity != DefaultIntensity || p.Period != DefaultPeriod {
		t.Fatalf("pipeline: %+v", p)
	}
	tok, prod := p.Children[0], p.Children[1]
	if tok.OnError != OnErrorRestart || *tok.ErrorRate != (ErrorRate{Max: 5, Window: time.Second}) || tok.Restart != RestartPermanent || tok.Shutdown != DefaultShutdown {
		t.Errorf("tokenizer child: %+v", tok)
	}
	if !prod.Brutal || prod.Shutdown != 0 || prod.Restart != RestartTransient {
		t.Errorf("producer child: %+v", prod)
	}
}

func TestSupervisionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, replace, with string
		path, msg           string
	}{
		{"strategy", `"one_for_all"`, `"all_for_one"`, "supervision.strategy", "strategy must be one of"},
		{"unknown component", `{"component": "counter", "restart"`, `{"component": "countr", "restart"`, "supervision.children[0].component", `component "countr" is not in the manifest`},
		{"component twice", `"component": "producer"`, `"component": "counter"`, "supervision.children[1].supervisor.children[1].component", "already supervised"},
		{"both", `{"component": "tokenizer",`, `{"component": "tokenizer", "supervisor": {},`, "supervision.children[1].supervisor.children[0].supervisor", "not both"},
		{"restart", `"transient"`, `"sometimes"`, "supervision.children[1].supervisor.children[1].restart", "restart must be one of"},
		{"shutdown", `"brutal"`, `"gently"`, "supervision.children[1].supervisor.children[1].shutdown", "duration"},
		{"jitter", `0.25`, `1.5`, "supervision.children[0].backoff.jitter", "between 0 and 1"},
		{"backoff without initial", `"initial": "10ms", `, ``, "supervision.children[0].backoff.initial", "missing required field"},
		{"negative intensity", `"intensity": 0`, `"intensity": -1`, "supervision.intensity", "between 0 and 10000"},
		{"error rate window", `"max": 5, "window": "1s"`, `"max": 5`, "supervision.children[1].supervisor.children[0].error_rate.window", "missing required field"},
		{"deadline on go", `"factory": "lines"`, `"factory": "lines", "limits": {"deadline": "1s"}`, "components[2].limits.deadline", "Go code cannot be interrupted"},
		{"supervisor name", `"name": "pipeline"`, `"name": "9pipe"`, "supervision.children[1].supervisor.name", "supervisor name"},
		{"unknown field", `"on_error"`, `"on_eror"`, "supervision.children[1].supervisor.children[0].on_eror", `did you mean "on_error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(supervised, tc.replace, tc.with, 1)
			if src == supervised {
				t.Fatalf("replacement %q not found", tc.replace)
			}
			_, err := Parse([]byte(src), "wasmplane.json")
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v", err)
			}
			for _, e := range list {
				if e.Path == tc.path && strings.Contains(e.Msg, tc.msg) && e.Line > 0 {
					return
				}
			}
			t.Fatalf("no error at %s containing %q; got:\n%v", tc.path, tc.msg, err)
		})
	}
}
