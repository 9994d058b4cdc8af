package guest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

// The Go guests of the repository, built with internal/gobuild.
var guests = []struct{ name, dir string }{
	{"participant", "../../testdata/goguest/participant"},
	{"tokenizer", "../../examples/quickstart/tokenizer"},
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

type sig struct{ params, results []api.ValueType }

// Exports every guest built with the SDK must have, with docs/abi.md's
// signatures.
var wantExports = map[string]sig{
	"wasmplane_abi_version": {nil, []api.ValueType{i32}},
	"wasmplane_alloc":       {[]api.ValueType{i32}, []api.ValueType{i32}},
	"wasmplane_receive":     {[]api.ValueType{i64, i64, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	"wasmplane_pre_start":   {nil, []api.ValueType{i32}},
	"wasmplane_post_start":  {nil, []api.ValueType{i32}},
	"wasmplane_pre_stop":    {nil, []api.ValueType{i32}},
	"wasmplane_post_stop":   {nil, []api.ValueType{i32}},
	"_initialize":           {nil, nil},
}

// Host imports as in docs/abi.md. A guest need not import all of them.
var abiImports = map[string]sig{
	"send":        {[]api.ValueType{i64, i32, i32, i32, i32}, []api.ValueType{i32}},
	"request":     {[]api.ValueType{i64, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	"reply_take":  {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
	"reply":       {[]api.ValueType{i64, i32, i32}, []api.ValueType{i32}},
	"publish":     {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	"subscribe":   {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	"unsubscribe": {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	"log":         {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
	"self":        {nil, []api.ValueType{i64}},
	"lookup":      {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
	"now":         {nil, []api.ValueType{i64}},
	"call":        {[]api.ValueType{i64, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	"progress":    {nil, []api.ValueType{i32}},
}

func sigString(s sig) string {
	names := func(ts []api.ValueType) string {
		var out []string
		for _, t := range ts {
			out = append(out, api.ValueTypeName(t))
		}
		return "(" + strings.Join(out, ", ") + ")"
	}
	return names(s.params) + " -> " + names(s.results)
}

func TestModuleABI(t *testing.T) {
	for _, g := range guests {
		t.Run(g.name, func(t *testing.T) {
			wasm := gobuildtest.Build(t, g.dir)
			r := wazero.NewRuntime(t.Context())
			defer r.Close(t.Context())
			cm, err := r.CompileModule(t.Context(), wasm)
			if err != nil {
				t.Fatal(err)
			}

			exports := cm.ExportedFunctions()
			for name, want := range wantExports {
				def, ok := exports[name]
				if !ok {
					t.Errorf("missing export %s", name)
					continue
				}
				got := sig{def.ParamTypes(), def.ResultTypes()}
				if !slices.Equal(got.params, want.params) || !slices.Equal(got.results, want.results) {
					t.Errorf("export %s: signature %s, want %s", name, sigString(got), sigString(want))
				}
			}
			if _, ok := cm.ExportedMemories()["memory"]; !ok {
				t.Error("missing export memory")
			}
			if len(cm.ImportedMemories()) != 0 {
				t.Error("module imports a memory; Go guests must own theirs")
			}

			for _, def := range cm.ImportedFunctions() {
				module, name, _ := def.Import()
				switch module {
				case "wasi_snapshot_preview1":
				case "wasmplane":
					want, ok := abiImports[name]
					got := sig{def.ParamTypes(), def.ResultTypes()}
					if !ok {
						t.Errorf("import wasmplane.%s is not in the ABI", name)
					} else if !slices.Equal(got.params, want.params) || !slices.Equal(got.results, want.results) {
						t.Errorf("import wasmplane.%s: signature %s, want %s", name, sigString(got), sigString(want))
					}
				default:
					t.Errorf("import %s.%s: only wasmplane and wasi_snapshot_preview1 are allowed", module, name)
				}
			}
		})
	}
}
