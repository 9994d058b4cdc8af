package manifest

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFull(t *testing.T) {
	data, err := os.ReadFile("testdata/full/wasmplane.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(data, "testdata/full/wasmplane.json")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Manifest{
		Version: 1,
		Name:    "quickstart",
		System: System{
			MaxMessageSize: 2 << 20,
			RequestTimeout: 2 * time.Second,
			CacheDir:       "/var/cache/wasmplane",
			LogLevel:       "debug",
		},
		Components: []Component{
			{
				Name:          "tokenizer",
				Kind:          KindWasm,
				Source:        "./tokenizer",
				Instances:     4,
				Priority:      ptr(5),
				OnConflict:    ConflictQueue,
				Limits:        Limits{MemoryPages: 16, MaxMessageSize: 65536},
				Mailbox:       Mailbox{Capacity: 64, Overflow: OverflowBlock, BlockTimeout: 250 * time.Millisecond},
				Subscriptions: []string{"lines", "words"},
				Links:         map[string]string{"out": "counter", "log": "print"},
				Config:        json.RawMessage(`{"lower": true, "stop": ["a", "the"]}`),
				Line:          12, Column: 5,
			},
			{
				Name:       "counter",
				Kind:       KindWasm,
				Module:     "counter/counter.wasm",
				Instances:  1,
				Mailbox:    Mailbox{Capacity: 1024, Overflow: OverflowBlock, BlockTimeout: time.Second},
				Priority:   ptr(DefaultPriority),
				OnConflict: ConflictQueue,
				Line:       24, Column: 5,
			},
			{
				Name:       "print",
				Kind:       KindGo,
				Factory:    "print",
				Instances:  1,
				Mailbox:    Mailbox{Capacity: 1024, Overflow: OverflowDrop},
				Priority:   ptr(DefaultPriority),
				OnConflict: ConflictQueue,
				Line:       29, Column: 5,
			},
			{
				Name:       "wc",
				Kind:       KindWASICommand,
				Module:     "counter/counter.wasm",
				Instances:  1,
				Mailbox:    Mailbox{Capacity: 1024, Overflow: OverflowBlock, BlockTimeout: time.Second},
				Args:       []string{"-l", "-w"},
				Env:        map[string]string{"LANG": "C.UTF-8"},
				Preopens:   []Preopen{{Host: "./data", Guest: "/data", ReadOnly: true}},
				Priority:   ptr(DefaultPriority),
				OnConflict: ConflictQueue,
				Line:       35, Column: 5,
			},
		},
		Supervision: &Supervision{Name: "root", Strategy: StrategyOneForOne, Intensity: DefaultIntensity,
			Period: DefaultPeriod, Line: 44, Column: 18},
		Interfaces: []Interface{},
		Regions:    []Region{{Name: "positions", Kind: RegionRaw, Size: 4096, Line: 46, Column: 15}},
		Boundary: Boundary{TokenTimeout: 20 * time.Millisecond,
			Pairs: []Pair{{Caller: HostCaller, Callee: "counter", TokenTimeout: 100 * time.Millisecond, Line: 47, Column: 51}}},
		Jobs:    json.RawMessage(`null`),
		Cluster: json.RawMessage(`{"nats": "nats://localhost:4222"}`),
		File:    "testdata/full/wasmplane.json",
		Dir:     "testdata/full",
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", m, want)
		for i := range min(len(m.Components), len(want.Components)) {
			if !reflect.DeepEqual(m.Components[i], want.Components[i]) {
				t.Errorf("components[%d]:\n got %+v\nwant %+v", i, m.Components[i], want.Components[i])
			}
		}
	}
	if err := m.Validate(); err != nil {
		t.Errorf("Validate after Parse: %v", err)
	}
}

func TestParseDefaults(t *testing.T) {
	m, err := Parse([]byte(`{"version": 1, "components": [{"name": "a", "kind": "wasm", "module": "a.wasm"}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{
		Version: 1,
		System: System{
			MaxMessageSize: DefaultMaxMessageSize,
			RequestTimeout: DefaultRequestTimeout,
			LogLevel:       DefaultLogLevel,
		},
		Components: []Component{{
			Name:      "a",
			Kind:      KindWasm,
			Module:    "a.wasm",
			Instances: DefaultInstances,
			Mailbox:   Mailbox{Capacity: DefaultMailboxCapacity, Overflow: DefaultOverflow, BlockTimeout: DefaultBlockTimeout},
			Priority:  ptr(DefaultPriority), OnConflict: DefaultOnConflict,
			Line: 1, Column: 31,
		}},
		Boundary: Boundary{TokenTimeout: DefaultTokenTimeout},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", m, want)
	}
}

// brokenManifest has one problem of each sort on its own line.
const brokenManifest = `{
  "version": 2,
  "system": {"log_level": "verbose", "request_timeout": "5 sec"},
  "components": [
    {
      "name": "tokenizer",
      "kind": "wasm",
      "module": "tok.wasm",
      "instances": "3",
      "mailbox": {"capacity": 1024, "overflow": "dropp"},
      "links": {"out": "countr"}
    },
    {
      "name": "counter",
      "kind": "wasm",
      "modul": "counter.wasm"
    },
    {
      "kind": "go",
      "factory": "print",
      "factory": "print2"
    },
    {"name": "counter", "kind": "go", "factory": "p", "limits": {"memory_pages": 70000}}
  ]
}
`

func TestParseBroken(t *testing.T) {
	_, err := Parse([]byte(brokenManifest), "app.json")
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse: got %v, want an ErrorList", err)
	}
	want := []struct {
		path      string
		line, col int
		msg       string
	}{
		{"version", 2, 14, "version must be 1; got 2"},
		{"system.log_level", 3, 27, `log_level must be one of debug, info, warn, error; got "verbose"`},
		{"system.request_timeout", 3, 57, `request_timeout must be a duration such as "5s", "250ms" or "1m30s"; got "5 sec"`},
		{"components[0].instances", 9, 20, `instances must be an integer; got string "3"`},
		{"components[0].mailbox.overflow", 10, 49, `overflow must be one of block, drop, fail; got "dropp"`},
		{"components[0].links.out", 11, 24, `link "out" names unknown component "countr"; did you mean "counter"?`},
		{"components[1]", 13, 5, `component "counter" of kind wasm needs module (a .wasm file) or source (a Go guest directory)`},
		{"components[1].modul", 16, 7, `unknown field "modul"; did you mean "module"?`},
		{"components[2].name", 18, 5, `missing required field "name"`},
		{"components[2].factory", 21, 7, `duplicate key "factory"; it is already set at 20:7`},
		{"components[3].name", 23, 14, `duplicate component name "counter"; components[1] already has it`},
		{"components[3].limits.memory_pages", 23, 82, "memory_pages must be between 1 and 65536; got 70000"},
	}
	for i, w := range want {
		if i >= len(list) {
			t.Errorf("missing error %d: %s at %d:%d", i, w.path, w.line, w.col)
			continue
		}
		e := list[i]
		if e.File != "app.json" || e.Path != w.path || e.Line != w.line || e.Column != w.col || e.Msg != w.msg {
			t.Errorf("error %d:\n got %s\nwant app.json:%d:%d: %s: %s", i, e, w.line, w.col, w.path, w.msg)
		}
	}
	for _, e := range list[min(len(want), len(list)):] {
		t.Errorf("unexpected error: %s", e)
	}
}

func TestErrorTypes(t *testing.T) {
	_, err := Parse([]byte(`{"version": 1, "components": []}`), "app.json")
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
	}
	var list ErrorList
	if !errors.As(err, &list) || list.Len() != 1 {
		t.Fatalf("errors.As ErrorList: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Path != "components" {
		t.Errorf("errors.As *Error: got %v", e)
	}
	if got, want := err.Error(), "app.json:1:30: components: components must have at least one component; got none"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	two := ErrorList{{Path: "a", Msg: "x"}, {File: "f", Line: 2, Column: 3, Msg: "y"}}
	if got, want := two.Error(), "a: x\nf:2:3: y"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// component returns a manifest with a valid component "b" and then c.
func component(c string) string {
	return `{"version": 1, "components": [{"name": "b", "kind": "go", "factory": "f"}, ` + c + `]}`
}

func TestRules(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		path string // of the one error expected
		msg  string // a part of its message
	}{
		{"root not object", `[]`, "", "manifest must be an object; got an array"},
		{"version missing", `{"components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "version", `missing required field "version"`},
		{"version wrong", `{"version": 3, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "version", "version must be 1; got 3"},
		{"version not integer", `{"version": 1.0, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "version", "version must be an integer; got number 1.0"},
		{"app name", `{"version": 1, "name": "my app", "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "name", `name must start with a letter`},
		{"unknown top-level field", `{"version": 1, "extra": 1, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "extra", `unknown field "extra"; expected one of $schema, version, name, system`},
		{"components missing", `{"version": 1}`, "components", `missing required field "components"`},
		{"components empty", `{"version": 1, "components": []}`, "components", "at least one component"},
		{"components not array", `{"version": 1, "components": {}}`, "components", "components must be an array of component objects; got an object"},
		{"system not object", `{"version": 1, "system": 1, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "system", "system must be an object; got number 1"},
		{"system max_message_size", `{"version": 1, "system": {"max_message_size": 0}, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "system.max_message_size", "max_message_size must be between 1 and 4294967295; got 0"},
		{"system request_timeout zero", `{"version": 1, "system": {"request_timeout": "0s"}, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "system.request_timeout", `request_timeout must be greater than 0; got "0s"`},
		{"system request_timeout negative", `{"version": 1, "system": {"request_timeout": "-1s"}, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "system.request_timeout", `request_timeout must be greater than 0; got "-1s"`},
		{"system cache_dir type", `{"version": 1, "system": {"cache_dir": false}, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "system.cache_dir", "cache_dir must be a string; got false"},
		{"system log_level", `{"version": 1, "system": {"log_level": "INFO"}, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "system.log_level", `log_level must be one of debug, info, warn, error; got "INFO"`},
		{"component not object", component(`"a"`), "components[1]", `component must be an object; got string "a"`},
		{"component unknown field", component(`{"name": "a", "kind": "go", "factory": "f", "replicas": 2}`), "components[1].replicas", `unknown field "replicas"; expected one of name, kind`},
		{"component name missing", component(`{"kind": "go", "factory": "f"}`), "components[1].name", `missing required field "name"`},
		{"component name pattern", component(`{"name": "9lives", "kind": "go", "factory": "f"}`), "components[1].name", `got "9lives"`},
		{"component name too long", component(`{"name": "a` + strings.Repeat("b", 64) + `", "kind": "go", "factory": "f"}`), "components[1].name", "at most 64"},
		{"component name duplicate", component(`{"name": "b", "kind": "go", "factory": "f"}`), "components[1].name", `duplicate component name "b"; components[0] already has it`},
		{"kind missing", component(`{"name": "a", "factory": "f"}`), "components[1].kind", `missing required field "kind"; use one of wasm, go, wasi-command`},
		{"kind unknown", component(`{"name": "a", "kind": "rust", "factory": "f"}`), "components[1].kind", `kind must be one of wasm, go, wasi-command; got "rust"`},
		{"wasm without module or source", component(`{"name": "a", "kind": "wasm"}`), "components[1]", `needs module (a .wasm file) or source`},
		{"wasm with module and source", component(`{"name": "a", "kind": "wasm", "module": "a.wasm", "source": "./a"}`), "components[1].source", "module and source cannot both be set"},
		{"wasm with factory", component(`{"name": "a", "kind": "wasm", "module": "a.wasm", "factory": "f"}`), "components[1].factory", "factory is only allowed for kind go; got kind wasm"},
		{"module empty", component(`{"name": "a", "kind": "wasm", "module": ""}`), "components[1].module", "module must not be empty"},
		{"go without factory", component(`{"name": "a", "kind": "go"}`), "components[1].factory", `missing required field "factory" for kind go`},
		{"go with module", component(`{"name": "a", "kind": "go", "factory": "f", "module": "a.wasm"}`), "components[1].module", "module is not allowed for kind go"},
		{"go with source", component(`{"name": "a", "kind": "go", "factory": "f", "source": "./a"}`), "components[1].source", "source is not allowed for kind go"},
		{"go with memory_pages", component(`{"name": "a", "kind": "go", "factory": "f", "limits": {"memory_pages": 1}}`), "components[1].limits.memory_pages", "memory_pages is only allowed for kinds wasm and wasi-command; got kind go"},
		{"factory empty", component(`{"name": "a", "kind": "go", "factory": ""}`), "components[1].factory", "factory must not be empty"},
		{"instances zero", component(`{"name": "a", "kind": "go", "factory": "f", "instances": 0}`), "components[1].instances", "instances must be between 1 and 1024; got 0"},
		{"instances too many", component(`{"name": "a", "kind": "go", "factory": "f", "instances": 1025}`), "components[1].instances", "got 1025"},
		{"instances huge", component(`{"name": "a", "kind": "go", "factory": "f", "instances": 99999999999999999999}`), "components[1].instances", "got 99999999999999999999"},
		{"instances exponent", component(`{"name": "a", "kind": "go", "factory": "f", "instances": 1e2}`), "components[1].instances", "instances must be an integer; got number 1e2"},
		{"memory_pages too many", component(`{"name": "a", "kind": "wasm", "module": "a.wasm", "limits": {"memory_pages": 65537}}`), "components[1].limits.memory_pages", "memory_pages must be between 1 and 65536; got 65537"},
		{"memory_pages negative", component(`{"name": "a", "kind": "wasm", "module": "a.wasm", "limits": {"memory_pages": -1}}`), "components[1].limits.memory_pages", "got -1"},
		{"limits max_message_size", component(`{"name": "a", "kind": "go", "factory": "f", "limits": {"max_message_size": 0}}`), "components[1].limits.max_message_size", "max_message_size must be between 1 and 4294967295; got 0"},
		{"limits unknown field", component(`{"name": "a", "kind": "go", "factory": "f", "limits": {"memory": 1}}`), "components[1].limits.memory", `unknown field "memory"; expected one of memory_pages, max_message_size`},
		{"mailbox capacity", component(`{"name": "a", "kind": "go", "factory": "f", "mailbox": {"capacity": 1048577}}`), "components[1].mailbox.capacity", "capacity must be between 1 and 1048576; got 1048577"},
		{"mailbox overflow", component(`{"name": "a", "kind": "go", "factory": "f", "mailbox": {"overflow": "dropp"}}`), "components[1].mailbox.overflow", `overflow must be one of block, drop, fail; got "dropp"`},
		{"mailbox block_timeout zero", component(`{"name": "a", "kind": "go", "factory": "f", "mailbox": {"block_timeout": "0ms"}}`), "components[1].mailbox.block_timeout", `block_timeout must be greater than 0; got "0ms"`},
		{"mailbox block_timeout type", component(`{"name": "a", "kind": "go", "factory": "f", "mailbox": {"block_timeout": 1000}}`), "components[1].mailbox.block_timeout", `block_timeout must be a duration string such as "5s" or "250ms"; got number 1000`},
		{"mailbox block_timeout without block", component(`{"name": "a", "kind": "go", "factory": "f", "mailbox": {"overflow": "fail", "block_timeout": "1s"}}`), "components[1].mailbox.block_timeout", "block_timeout is only allowed when overflow is block; got overflow fail"},
		{"subscriptions type", component(`{"name": "a", "kind": "go", "factory": "f", "subscriptions": "lines"}`), "components[1].subscriptions", `subscriptions must be an array of strings; got string "lines"`},
		{"subscription type", component(`{"name": "a", "kind": "go", "factory": "f", "subscriptions": ["a", 1]}`), "components[1].subscriptions[1]", "topic must be a string; got number 1"},
		{"subscription empty", component(`{"name": "a", "kind": "go", "factory": "f", "subscriptions": [""]}`), "components[1].subscriptions[0]", "topic must be 1 to 1024 bytes; got 0 bytes"},
		{"subscription too long", component(`{"name": "a", "kind": "go", "factory": "f", "subscriptions": ["` + strings.Repeat("t", 1025) + `"]}`), "components[1].subscriptions[0]", "got 1025 bytes"},
		{"subscription duplicate", component(`{"name": "a", "kind": "go", "factory": "f", "subscriptions": ["x", "y", "x"]}`), "components[1].subscriptions[2]", `duplicate topic "x"; components[1].subscriptions[0] already has it`},
		{"link unknown", component(`{"name": "a", "kind": "go", "factory": "f", "links": {"out": "zzz"}}`), "components[1].links.out", `link "out" names unknown component "zzz"; components are a, b`},
		{"link target type", component(`{"name": "a", "kind": "go", "factory": "f", "links": {"out": 1}}`), "components[1].links.out", "link target must be a string; got number 1"},
		{"link alias empty", component(`{"name": "a", "kind": "go", "factory": "f", "links": {"": "b"}}`), `components[1].links[""]`, "link alias must be 1 to 256 bytes; got 0 bytes"},
		{"config not object", component(`{"name": "a", "kind": "go", "factory": "f", "config": [1]}`), "components[1].config", "config must be an object; got an array"},
		{"args not wasi-command", component(`{"name": "a", "kind": "wasm", "module": "a.wasm", "args": []}`), "components[1].args", "args is only allowed for kind wasi-command; got kind wasm"},
		{"env not wasi-command", component(`{"name": "a", "kind": "go", "factory": "f", "env": {}}`), "components[1].env", "env is only allowed for kind wasi-command; got kind go"},
		{"preopens not wasi-command", component(`{"name": "a", "kind": "wasm", "module": "a.wasm", "preopens": []}`), "components[1].preopens", "preopens is only allowed for kind wasi-command"},
		{"arg type", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "args": [true]}`), "components[1].args[0]", "arg must be a string; got true"},
		{"arg NUL", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "args": ["a\u0000"]}`), "components[1].args[0]", "arg must not contain a NUL character"},
		{"env name", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "env": {"A=B": "c"}}`), `components[1].env["A=B"]`, `env variable name must be non-empty without '=' or NUL; got "A=B"`},
		{"env value type", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "env": {"A": 1}}`), "components[1].env.A", "env value must be a string; got number 1"},
		{"preopen not object", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": ["/data"]}`), "components[1].preopens[0]", `preopen must be an object; got string "/data"`},
		{"preopen host missing", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": [{"guest": "/d"}]}`), "components[1].preopens[0].host", `missing required field "host"`},
		{"preopen guest missing", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": [{"host": "d"}]}`), "components[1].preopens[0].guest", `missing required field "guest"`},
		{"preopen guest empty", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": [{"host": "d", "guest": ""}]}`), "components[1].preopens[0].guest", "guest must not be empty"},
		{"preopen guest duplicate", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": [{"host": "d", "guest": "/d"}, {"host": "e", "guest": "/d"}]}`), "components[1].preopens[1].guest", `duplicate guest path "/d"; components[1].preopens[0] already has it`},
		{"preopen readonly type", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": [{"host": "d", "guest": "/d", "readonly": "yes"}]}`), "components[1].preopens[0].readonly", `readonly must be true or false; got string "yes"`},
		{"preopen unknown field", component(`{"name": "a", "kind": "wasi-command", "module": "a.wasm", "preopens": [{"host": "d", "guest": "/d", "ro": true}]}`), "components[1].preopens[0].ro", `unknown field "ro"`},
		{"duplicate key", `{"version": 1, "version": 1, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "version", `duplicate key "version"; it is already set at 1:2`},
		{"duplicate key in config", component(`{"name": "a", "kind": "go", "factory": "f", "config": {"x": {"y": 1, "y": 2}}}`), "components[1].config.x.y", `duplicate key "y"`},
		{"$schema not a string", `{"$schema": 1, "version": 1, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, `["$schema"]`, "$schema must be a string; got number 1"},
		{"null is not absent", `{"version": 1, "name": null, "components": [{"name": "a", "kind": "go", "factory": "f"}]}`, "name", "name must be a string; got null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.doc), "app.json")
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Parse = %+v, %v; want an ErrorList", m, err)
			}
			if m != nil {
				t.Errorf("Parse returned a manifest with an error")
			}
			if len(list) != 1 || list[0].Path != tt.path || !strings.Contains(list[0].Msg, tt.msg) {
				t.Fatalf("got:\n%v\nwant one error at %q containing %q", err, tt.path, tt.msg)
			}
			if list[0].Line < 1 || list[0].Column < 1 {
				t.Errorf("error has no position: %v", list[0])
			}
		})
	}
}

func TestValidateGo(t *testing.T) {
	tests := []struct {
		name string
		m    Manifest
		want string // the errors, one per line; "" for none
	}{
		{"zero values are defaults", Manifest{
			Version:    1,
			Components: []Component{{Name: "a", Kind: KindGo, Factory: "f"}},
		}, ""},
		{"empty", Manifest{}, "version: missing required field \"version\"; add \"version\": 1\n" +
			"components: missing required field \"components\"; an app needs at least one component"},
		{"out of range", Manifest{
			Version: 1,
			File:    "app.json",
			System:  System{RequestTimeout: -time.Second},
			Components: []Component{{
				Name: "a", Kind: KindWasm, Module: "a.wasm",
				Mailbox: Mailbox{Overflow: OverflowDrop, BlockTimeout: time.Second},
				Config:  json.RawMessage(`[]`),
			}},
		}, "app.json: system.request_timeout: request_timeout must be greater than 0; got \"-1s\"\n" +
			"app.json: components[0].mailbox.block_timeout: block_timeout is only allowed when overflow is block; got overflow drop\n" +
			"app.json: components[0].config: config must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate:\n got %s\nwant %s", got, tt.want)
			}
			m := tt.m
			m.SetDefaults()
			if err := m.Validate(); (err == nil) != (tt.want == "") {
				t.Errorf("Validate after SetDefaults: %v", err)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	m := &Manifest{Dir: "/apps/demo"}
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"a.wasm", "/apps/demo/a.wasm"},
		{"./sub/../b.wasm", "/apps/demo/b.wasm"},
		{"/abs/c.wasm", "/abs/c.wasm"},
	} {
		if got := m.Resolve(tt.in); got != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
