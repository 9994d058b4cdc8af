package wasmplane

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/component"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// Kind says how a module runs.
type Kind = engine.Kind

// Module kinds.
const (
	// KindWasm speaks the guest ABI (docs/abi.md).
	KindWasm = engine.KindGuest
	// KindWASICommand is a WASI program with _start: a fresh instance per
	// message, stdin in, stdout out.
	KindWASICommand = engine.KindCommand
)

// ErrLoad matches every module load-check failure.
var ErrLoad = engine.ErrLoad

// LoadError says which export or import of which module failed the load
// check, what was expected and what the module has.
type LoadError = engine.LoadError

// HostFunctions lists the host imports of the guest ABI.
func HostFunctions() []string { return engine.HostFunctions() }

// Module is a compiled and checked Wasm module.
type Module struct {
	m    *engine.Module
	hash [32]byte // of the bytes loaded, for App.Reload
}

// WasmOptions configure the instances of a module.
type WasmOptions struct {
	// MemoryLimitPages caps each instance's linear memory in 64 KiB pages
	// (0: the module's own maximum). Growth past it fails (memory.grow
	// returns -1); a module declaring more than it fails to start.
	MemoryLimitPages uint32
	// Deadline bounds each message and each lifecycle hook (for a WASI
	// command, each run); past it the guest is interrupted, which is a
	// crash: the instance is discarded and the component restarted. 0:
	// none. Guests are instrumented at load with interrupt checks (their
	// cost is measured in docs/supervision.md); a deadline adds a timer per
	// call.
	Deadline time.Duration
	// Args, Env and Preopens apply to WASI commands.
	Args     []string
	Env      [][2]string
	Preopens []Preopen
}

// Preopen maps a host directory into a WASI command's filesystem.
type Preopen = component.Preopen

// LoadModule compiles wasm (through the compile cache) and checks it
// against kind before any instance runs.
//
// # Errors
//
// Every problem found, joined; each is a *LoadError and errors.Is(err,
// ErrLoad) holds.
func (s *System) LoadModule(ctx context.Context, name string, wasm []byte, kind Kind) (*Module, error) {
	m, err := s.eng.Compile(ctx, name, wasm, kind)
	if err != nil {
		return nil, err
	}
	return &Module{m: m, hash: sha256.Sum256(wasm)}, nil
}

// LoadProxy loads a module that knows nothing of wasmplane (no guest ABI)
// as a typed proxy for the interface iface, which must be defined: every
// operation is served by an export of the module — exports maps an
// operation's name ("add", without the interface) to the export's name,
// and an operation it does not list is served by the export named like
// the operation. Each call through the proxy is type-checked and takes the
// proxy's yield token like any typed call; other messages are refused.
//
// # Errors
//
// A load error naming the operation when its export is missing or its
// core signature differs from the operation's (docs/boundary.md), or when
// an operation passes data through memory and the module exports no
// memory or no allocator (cabi_realloc or malloc; docs/abi.md).
func (s *System) LoadProxy(ctx context.Context, name string, wasm []byte, iface string, exports map[string]string) (*Module, error) {
	reg := s.sys.Registry()
	in, ok := reg.Interface(iface)
	if !ok {
		return nil, fmt.Errorf("proxy %q: interface %q: %w: define it first", name, iface, ErrUnknownOp)
	}
	ops := make([]*boundary.Operation, 0, len(in.Ops))
	full := make(map[string]string, len(exports))
	for _, op := range in.Ops {
		o, _ := reg.Lookup(iface + "." + op.Name)
		ops = append(ops, o)
		if e, ok := exports[op.Name]; ok {
			full[o.Name] = e
		}
	}
	for op := range exports {
		if _, ok := reg.Lookup(iface + "." + op); !ok {
			return nil, fmt.Errorf("proxy %q: %w: interface %q has no operation %q", name, ErrUnknownOp, iface, op)
		}
	}
	m, err := s.eng.LoadProxy(ctx, name, wasm, full, ops)
	if err != nil {
		return nil, err
	}
	return &Module{m: m, hash: sha256.Sum256(wasm)}, nil
}

// Name is the module's name.
func (m *Module) Name() string { return m.m.Name() }

// Kind is how the module runs.
func (m *Module) Kind() Kind { return m.m.Kind() }

// Factory returns a Factory for components running this module: a fresh
// instance per (re)start for KindWasm, a fresh instance per message for
// KindWASICommand.
func (m *Module) Factory(opts WasmOptions) Factory {
	if m.m.Kind() == engine.KindCommand {
		return component.NewCommandFactory(m.m, component.CommandOptions{
			Args: opts.Args, Env: opts.Env, Preopens: opts.Preopens, MemoryLimitPages: opts.MemoryLimitPages,
			Deadline: opts.Deadline,
		})
	}
	if m.m.IsProxy() {
		return component.NewProxyFactory(m.m, component.ProxyOptions{MemoryLimitPages: opts.MemoryLimitPages, Deadline: opts.Deadline})
	}
	return component.NewWasmFactory(m.m, component.WasmOptions{MemoryLimitPages: opts.MemoryLimitPages, Deadline: opts.Deadline})
}
