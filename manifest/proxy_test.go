package manifest

import (
	"slices"
	"strings"
	"testing"
)

// proxyApp wraps an unmodified module as the exporter of "math"; the error
// cases below change one thing in it.
const proxyApp = `{
  "version": 1,
  "interfaces": [{"name": "math", "operations": [
    {"name": "add", "params": [{"name": "a", "type": "i32"}, {"name": "b", "type": "i32"}], "results": [{"name": "s", "type": "i32"}]},
    {"name": "neg", "params": [{"name": "a", "type": "i32"}], "results": [{"name": "r", "type": "i32"}]}
  ]}, {"name": "log", "operations": []}],
  "components": [
    {"name": "libm", "kind": "wasm", "module": "libm.wasm", "exports": ["log"],
     "proxy": {"interface": "math", "exports": {"add": "i32_add"}}},
    {"name": "app", "kind": "go", "factory": "app", "imports": ["math"]}
  ]
}`

func TestProxyValid(t *testing.T) {
	m, err := Parse([]byte(proxyApp), "app.json")
	if err != nil {
		t.Fatal(err)
	}
	c := &m.Components[0]
	px := c.Proxy
	if px == nil || px.Interface != "math" || px.Exports["add"] != "i32_add" || px.Line != 9 || px.Column != 15 {
		t.Fatalf("proxy = %+v", px)
	}
	if px.Export("add") != "i32_add" || px.Export("neg") != "neg" {
		t.Errorf("Export: add -> %q, neg -> %q", px.Export("add"), px.Export("neg"))
	}
	if got := c.ExportedInterfaces(); !slices.Equal(got, []string{"log", "math"}) {
		t.Errorf("ExportedInterfaces = %v", got)
	}
	if !slices.Equal(c.Exports, []string{"log"}) {
		t.Errorf("Exports changed: %v", c.Exports)
	}
	if got := m.Components[1].ExportedInterfaces(); got != nil {
		t.Errorf("app: ExportedInterfaces = %v, want nil", got)
	}
	// Without exports, every operation is the export of its own name.
	m, err = Parse([]byte(strings.Replace(proxyApp, `, "exports": {"add": "i32_add"}`, ``, 1)), "app.json")
	if err != nil {
		t.Fatal(err)
	}
	if px := m.Components[0].Proxy; px.Exports != nil || px.Export("add") != "add" {
		t.Errorf("proxy without exports = %+v", px)
	}
}

func TestProxyInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, replace, with string
		path, want          string
		line, col           int
	}{
		{"not wasm", `"kind": "wasm", "module": "libm.wasm"`, `"kind": "wasi-command", "module": "libm.wasm"`,
			"components[0].proxy", "proxy is only allowed for kind wasm (it wraps an unmodified core Wasm module); got kind wasi-command", 9, 15},
		{"unknown interface", `"interface": "math"`, `"interface": "maths"`,
			"components[0].proxy.interface", `interface "maths" is not declared in "interfaces"; declared: log, math`, 9, 29},
		{"missing interface", `"interface": "math", `, ``,
			"components[0].proxy.interface", `missing required field "interface"`, 9, 15},
		{"unknown operation", `{"add": "i32_add"}`, `{"add": "i32_add", "sub": "i32_sub"}`,
			`components[0].proxy.exports.sub`, `"sub" is not an operation of interface "math"; operations: add, neg`, 9, 67},
		{"empty export name", `"i32_add"`, `""`,
			"components[0].proxy.exports.add", "export name must not be empty", 9, 56},
		{"export name not string", `"i32_add"`, `1`,
			"components[0].proxy.exports.add", "export name must be a string; got number 1", 9, 56},
		{"also in exports", `"exports": ["log"]`, `"exports": ["log", "math"]`,
			"components[0].exports[1]", `interface "math" is served through proxy; a proxy component exports its interface implicitly`, 8, 80},
		{"unknown field", `"interface": "math"`, `"interface": "math", "module": "x"`,
			"components[0].proxy.module", `unknown field "module"; expected one of interface, exports`, 9, 37},
		{"not object", `{"interface": "math", "exports": {"add": "i32_add"}}`, `"math"`,
			"components[0].proxy", `proxy must be an object; got string "math"`, 9, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(proxyApp, tc.replace, tc.with, 1)
			if src == proxyApp {
				t.Fatalf("replacement %q not found", tc.replace)
			}
			expectError(t, src, tc.path, tc.want, tc.line, tc.col)
		})
	}
}

func TestProxyValidateGo(t *testing.T) {
	m := Manifest{
		Version:    1,
		Interfaces: []Interface{{Name: "math", Operations: []Operation{{Name: "add"}}}},
		Components: []Component{
			{Name: "a", Kind: KindGo, Factory: "f", Proxy: &Proxy{Interface: "math", Exports: map[string]string{"sub": "x"}}},
			{Name: "b", Kind: KindWasm, Module: "b.wasm", Proxy: &Proxy{}},
		},
	}
	want := "components[0].proxy: proxy is only allowed for kind wasm (it wraps an unmodified core Wasm module); got kind go\n" +
		"components[0].proxy.exports.sub: \"sub\" is not an operation of interface \"math\"; operations: add\n" +
		"components[1].proxy.interface: missing required field \"interface\"; name the interface the module implements, declared in \"interfaces\""
	if err := m.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate:\n got %v\nwant %s", err, want)
	}
}
