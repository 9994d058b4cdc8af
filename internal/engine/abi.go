package engine

import (
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// ABIVersion is the guest ABI version this host speaks (docs/abi.md).
const ABIVersion = 1

// HostModule is the import module name of the host functions.
const HostModule = "wasmplane"

// Names of guest exports.
const (
	ExportMemory     = "memory"
	ExportABIVersion = "wasmplane_abi_version"
	ExportAlloc      = "wasmplane_alloc"
	ExportReceive    = "wasmplane_receive"
	ExportInitialize = "_initialize"
	ExportStart      = "_start"
	// Optional exports for state handoff and health checks (additions to
	// ABI v1 that older guests simply lack).
	ExportStateSave = "wasmplane_state_save"
	ExportStateLoad = "wasmplane_state_load"
	ExportHealth    = "wasmplane_health"
)

// Hook names a lifecycle hook.
type Hook int

const (
	HookPreStart Hook = iota
	HookPostStart
	HookPreStop
	HookPostStop
	numHooks
)

var hookExports = [numHooks]string{"wasmplane_pre_start", "wasmplane_post_start", "wasmplane_pre_stop", "wasmplane_post_stop"}

func (h Hook) String() string { return strings.TrimPrefix(hookExports[h], "wasmplane_") }

type signature struct {
	params, results []api.ValueType
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

func (s signature) String() string {
	return "(" + typeList(s.params) + ") -> (" + typeList(s.results) + ")"
}

func typeList(ts []api.ValueType) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(api.ValueTypeName(t))
	}
	return b.String()
}

func (s signature) matches(params, results []api.ValueType) bool {
	return string(s.params) == string(params) && string(s.results) == string(results)
}

// guestExports are the function exports of ABI v1, required or not.
var guestExports = []struct {
	name     string
	sig      signature
	required bool
}{
	{ExportABIVersion, signature{nil, []api.ValueType{i32}}, true},
	{ExportAlloc, signature{[]api.ValueType{i32}, []api.ValueType{i32}}, true},
	{ExportReceive, signature{[]api.ValueType{i64, i64, i32, i32, i32, i32, i32}, []api.ValueType{i32}}, true},
	{hookExports[HookPreStart], signature{nil, []api.ValueType{i32}}, false},
	{hookExports[HookPostStart], signature{nil, []api.ValueType{i32}}, false},
	{hookExports[HookPreStop], signature{nil, []api.ValueType{i32}}, false},
	{hookExports[HookPostStop], signature{nil, []api.ValueType{i32}}, false},
	{ExportInitialize, signature{nil, nil}, false},
	{ExportStateSave, signature{nil, []api.ValueType{i64}}, false},
	{ExportStateLoad, signature{[]api.ValueType{i32, i32}, []api.ValueType{i32}}, false},
	{ExportHealth, signature{nil, []api.ValueType{i32}}, false},
}

// LoadError says why a module failed the load check: which module, which
// export or import, what was expected and what the module has.
type LoadError struct {
	Module string // the module's name (component or file)
	Item   string // the export or import concerned, "" for the whole module
	Want   string
	Got    string
	Reason string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %q", e.Module)
	if e.Item != "" {
		fmt.Fprintf(&b, ": %s", e.Item)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.Want != "" {
		fmt.Fprintf(&b, "; expected %s", e.Want)
	}
	if e.Got != "" {
		fmt.Fprintf(&b, ", got %s", e.Got)
	}
	return b.String()
}

func (e *LoadError) Is(target error) bool { return target == ErrLoad }

// checkGuest verifies a compiled module against guest ABI v1 (the version
// itself is checked on a probe instance).
func checkGuest(name string, fns map[string]api.FunctionDefinition, mems map[string]api.MemoryDefinition, kinds map[string]string) []error {
	var errs []error
	if _, ok := mems[ExportMemory]; !ok {
		errs = append(errs, &LoadError{Module: name, Item: "export " + ExportMemory, Reason: "missing", Want: "a memory export named \"memory\"", Got: describe(kinds, ExportMemory)})
	}
	for _, e := range guestExports {
		fn, ok := fns[e.name]
		if !ok {
			if e.required || kinds[e.name] != "" {
				errs = append(errs, &LoadError{Module: name, Item: "export " + e.name, Reason: "missing required function export",
					Want: "func " + e.sig.String(), Got: describe(kinds, e.name)})
			}
			continue
		}
		if !e.sig.matches(fn.ParamTypes(), fn.ResultTypes()) {
			errs = append(errs, &LoadError{Module: name, Item: "export " + e.name, Reason: "wrong signature",
				Want: "func " + e.sig.String(), Got: "func " + signature{fn.ParamTypes(), fn.ResultTypes()}.String()})
		}
	}
	return errs
}

func describe(kinds map[string]string, name string) string {
	if k := kinds[name]; k != "" {
		return "a " + k + " export of that name"
	}
	return "no export of that name"
}

// checkCommand verifies a WASI command module.
func checkCommand(name string, fns map[string]api.FunctionDefinition, kinds map[string]string) []error {
	fn, ok := fns[ExportStart]
	if !ok {
		return []error{&LoadError{Module: name, Item: "export " + ExportStart, Reason: "missing: a WASI command exports _start",
			Want: "func () -> ()", Got: describe(kinds, ExportStart)}}
	}
	if len(fn.ParamTypes()) != 0 || len(fn.ResultTypes()) != 0 {
		return []error{&LoadError{Module: name, Item: "export " + ExportStart, Reason: "wrong signature",
			Want: "func () -> ()", Got: "func " + signature{fn.ParamTypes(), fn.ResultTypes()}.String()}}
	}
	return nil
}

// checkImports verifies every import is a known host function with the
// right signature, or a WASI function.
func checkImports(name string, imports []api.FunctionDefinition) []error {
	var errs []error
	for _, fn := range imports {
		mod, field, _ := fn.Import()
		switch mod {
		case HostModule:
			want, ok := hostSignatures[field]
			if !ok {
				errs = append(errs, &LoadError{Module: name, Item: "import " + mod + "." + field, Reason: "unknown host function in ABI v1",
					Want: "one of " + strings.Join(hostNames(), ", ")})
				continue
			}
			if !want.matches(fn.ParamTypes(), fn.ResultTypes()) {
				errs = append(errs, &LoadError{Module: name, Item: "import " + mod + "." + field, Reason: "wrong signature",
					Want: "func " + want.String(), Got: "func " + signature{fn.ParamTypes(), fn.ResultTypes()}.String()})
			}
		case "wasi_snapshot_preview1":
		default:
			errs = append(errs, &LoadError{Module: name, Item: "import " + mod + "." + field,
				Reason: "imports from a module the host does not provide", Want: "imports from \"wasmplane\" or \"wasi_snapshot_preview1\""})
		}
	}
	return errs
}
