package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/preempt"
)

// Kind is how a module is run.
type Kind uint8

const (
	// KindGuest speaks the guest ABI (exports wasmplane_abi_version).
	KindGuest Kind = iota
	// KindCommand is a WASI command: one instance per message, stdin in,
	// stdout out.
	KindCommand
)

// kindProxy is a module that does not speak the guest ABI, loaded with
// LoadProxy: its instances serve typed calls only.
const kindProxy Kind = 2

func (k Kind) String() string {
	switch k {
	case KindCommand:
		return "wasi-command"
	case kindProxy:
		return "proxy"
	}
	return "wasm"
}

// Module is a compiled, checked module, ready to instantiate.
type Module struct {
	e         *Engine
	name      string
	kind      Kind
	cm        wazero.CompiledModule
	minPages  uint32
	hooks     [numHooks]bool
	hasInit   bool
	hasState  bool // exports both wasmplane_state_save and _load
	hasHealth bool
	// preemptible: the code was instrumented with interrupt checks;
	// whyNot says why it was not.
	preemptible bool
	whyNot      string
	// shared is the module's imported shared memory, nil if it has its own.
	shared *importEntry
	// A proxied module's operations (op name → export name) and its
	// allocator (proxy.go); a guest's allocator is wasmplane_alloc.
	opExports map[string]string
	allocName string
	realloc   bool   // allocName is cabi_realloc: one allocation per argument
	freeName  string // releases the previous buffer when malloc grows it
}

// Shared reports whether the module imports a shared memory: its
// instances then need InstanceConfig.Shared.
func (m *Module) Shared() bool { return m.shared != nil }

// SharedPages returns the declared minimum and maximum pages of the shared
// memory the module imports (0, 0 if it imports none).
func (m *Module) SharedPages() (minPages, maxPages uint32) {
	if m.shared == nil {
		return 0, 0
	}
	return m.shared.minPages, m.shared.maxPages
}

// Name is the name the module was loaded under.
func (m *Module) Name() string { return m.name }

// Kind says how the module runs.
func (m *Module) Kind() Kind { return m.kind }

// HasState reports whether the module exports wasmplane_state_save and
// wasmplane_state_load.
func (m *Module) HasState() bool { return m.hasState }

// Preemptible reports whether instances can be interrupted (deadlines,
// kills); if not, the reason.
func (m *Module) Preemptible() (bool, string) { return m.preemptible, m.whyNot }

// HasHealth reports whether the module exports wasmplane_health.
func (m *Module) HasHealth() bool { return m.hasHealth }

// MinPages is the module's declared minimum memory, in 64 KiB pages.
func (m *Module) MinPages() uint32 { return m.minPages }

// Compile compiles bin (cached) and checks it against kind: for a guest,
// the ABI's required exports and signatures, its imports, and the ABI
// version reported by a probe instance; for a command, _start. The error
// joins every *LoadError found; errors.Is(err, ErrLoad) holds.
func (e *Engine) Compile(ctx context.Context, name string, bin []byte, kind Kind) (*Module, error) {
	if err := precheck(bin); err != nil {
		return nil, &LoadError{Module: name, Reason: "not a valid Wasm module: " + err.Error()}
	}
	code, preemptible, whyNot := bin, false, "preemption is disabled"
	if e.preempt {
		if out, err := preempt.Instrument(bin); err == nil {
			code, preemptible, whyNot = out, true, ""
		} else {
			whyNot = err.Error()
		}
	}
	cm, err := compileRecovered(ctx, e, code)
	if err != nil {
		return nil, &LoadError{Module: name, Reason: "not a valid Wasm module: " + err.Error()}
	}
	kinds, kerr := exportKinds(bin)
	if kerr != nil {
		kinds = map[string]string{}
	}
	fns, mems := cm.ExportedFunctions(), cm.ExportedMemories()
	errs := checkImports(name, cm.ImportedFunctions())
	// The host provides functions, and one shared memory to guests that
	// share (see shared.go): an imported table or global, or any other
	// memory, could never be linked.
	imps, _ := imports(bin)
	shared, memErrs := checkMemoryImports(name, kind, imps, kinds)
	errs = append(errs, memErrs...)
	for _, im := range imps {
		if im.kind != "function" && im.kind != "memory" {
			errs = append(errs, &LoadError{Module: name, Item: "import " + im.module + "." + im.name,
				Reason: "imports a " + im.kind + "; the host provides only functions", Want: "no " + im.kind + " imports"})
		}
	}
	switch kind {
	case KindGuest:
		if shared != nil {
			// The memory is imported: a sharing guest need not export it.
			mems = maps.Clone(mems)
			mems[ExportMemory] = nil
		}
		errs = append(errs, checkGuest(name, fns, mems, kinds)...)
	case KindCommand:
		errs = append(errs, checkCommand(name, fns, kinds)...)
	}
	if len(errs) > 0 {
		cm.Close(ctx)
		return nil, errors.Join(errs...)
	}
	m := &Module{e: e, name: name, kind: kind, cm: cm, preemptible: preemptible, whyNot: whyNot, shared: shared}
	if mem, ok := mems[ExportMemory]; ok && mem != nil {
		m.minPages = mem.Min()
	}
	for h := range numHooks {
		_, m.hooks[h] = fns[hookExports[h]]
	}
	_, m.hasInit = fns[ExportInitialize]
	_, save := fns[ExportStateSave]
	_, load := fns[ExportStateLoad]
	m.hasState = save && load
	_, m.hasHealth = fns[ExportHealth]
	if kind == KindGuest {
		if err := m.probe(ctx); err != nil {
			cm.Close(ctx)
			return nil, err
		}
	}
	return m, nil
}

// probe instantiates once and asks for the ABI version.
func (m *Module) probe(ctx context.Context) error {
	cfg := InstanceConfig{}
	if m.shared != nil {
		// A sharing guest's probe gets a private memory of the import's
		// minimum size; it runs on the stack its linker placed.
		bare, err := m.e.bareShared(ctx, max(m.shared.minPages, 1))
		if err != nil {
			return &LoadError{Module: m.name, Reason: "probe instance failed: " + err.Error()}
		}
		defer bare.Close(ctx)
		cfg.Shared = bare
	}
	inst, err := m.Instantiate(ctx, cfg)
	if err != nil {
		return &LoadError{Module: m.name, Reason: "probe instance failed: " + err.Error()}
	}
	defer inst.Close(ctx)
	fn := inst.mod.ExportedFunction(ExportABIVersion)
	res, err := fn.Call(inst.ctx)
	if err != nil {
		return &LoadError{Module: m.name, Item: "export " + ExportABIVersion, Reason: "trapped: " + err.Error()}
	}
	if v := api.DecodeI32(res[0]); v != ABIVersion {
		return &LoadError{Module: m.name, Item: "export " + ExportABIVersion, Reason: "unsupported ABI version",
			Want: fmt.Sprintf("%d", ABIVersion), Got: fmt.Sprintf("%d", v)}
	}
	return nil
}

// Close releases the compiled code (instances keep running).
func (m *Module) Close(ctx context.Context) error { return m.cm.Close(ctx) }

// memoryContext attaches the pooled allocator with the given limit.
func (m *Module) memoryContext(ctx context.Context, limitPages uint32) (context.Context, error) {
	if limitPages != 0 && m.minPages > limitPages {
		return nil, &LoadError{Module: m.name, Item: "memory", Reason: "declared minimum is above the component's memory limit",
			Want: fmt.Sprintf("at most %d pages", limitPages), Got: fmt.Sprintf("%d pages", m.minPages)}
	}
	return experimental.WithMemoryAllocator(ctx, allocator{pool: &m.e.pool, limitBytes: uint64(limitPages) * pageSize}), nil
}

// compileRecovered compiles bin, turning a panic inside wazero's decoder or
// validator (seen with fuzzed modules) into an error: a hostile module must
// not take the host down.
func compileRecovered(ctx context.Context, e *Engine, bin []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("the decoder panicked: %v", r)
		}
	}()
	return e.rt.CompileModule(ctx, bin)
}

// ExportSignatures lists the module's exported functions with their core
// signatures, for interface checks (internal/boundary).
func (m *Module) ExportSignatures() []boundary.FuncSig {
	var out []boundary.FuncSig
	for name, fn := range m.cm.ExportedFunctions() {
		sig := boundary.FuncSig{Name: name}
		for _, t := range fn.ParamTypes() {
			sig.Params = append(sig.Params, boundary.ValueType(t))
		}
		for _, t := range fn.ResultTypes() {
			sig.Results = append(sig.Results, boundary.ValueType(t))
		}
		out = append(out, sig)
	}
	return out
}
