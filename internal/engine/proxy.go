package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmplane/wasmplane/internal/boundary"
)

// Allocators a proxied module may export, for operations that pass
// strings, bytes, lists or records (docs/abi.md, "Unmodified modules").
const (
	// ExportCabiRealloc is the component model's allocator,
	// cabi_realloc(old_ptr, old_size, align, new_size) -> ptr. Preferred
	// when present: each such argument gets its own allocation,
	// cabi_realloc(0, 0, align, len), owned by the callee from then on.
	ExportCabiRealloc = "cabi_realloc"
	// ExportMalloc is malloc(size) -> ptr. The host keeps one buffer from
	// it for every call's arguments, as it does with wasmplane_alloc, and
	// asks for a bigger one when an argument needs more; the callee must
	// not keep or free argument pointers.
	ExportMalloc = "malloc"
	// ExportFree is free(ptr), optional with malloc: when present, the
	// previous buffer is freed before a bigger one is allocated.
	ExportFree = "free"
)

var (
	reallocSig = signature{[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}}
	mallocSig  = signature{[]api.ValueType{i32}, []api.ValueType{i32}}
	freeSig    = signature{[]api.ValueType{i32}, nil}
)

// LoadProxy compiles a module that does not speak the guest ABI (no
// wasmplane_* exports: any core Wasm module, a library built by another
// toolchain) so that its exports can be called as typed operations. ops
// are the operations it serves; exports maps an operation's full name
// ("calc.add") to the export that implements it. An operation missing
// from the map is served by the export named like the operation without
// its interface ("add"), as in the manifest's proxy. The returned
// module's instances support CallOp and nothing else: no messages, no
// hooks. _initialize runs on every instance if exported; _start never
// does.
//
// The module may import WASI functions; it may not import a memory, a
// table or a global, nor functions from any other module.
//
// # Errors
//
// A load error (errors.Is ErrLoad) naming the operation when its export is
// missing or its core signature differs from the operation's
// (docs/boundary.md), or when an operation passes data through guest
// memory (string, bytes, list or record arguments or results) and the
// module exports no memory, or, for arguments, no allocator: cabi_realloc
// (i32, i32, i32, i32) -> (i32) or malloc (i32) -> (i32).
func (e *Engine) LoadProxy(ctx context.Context, name string, bin []byte, exports map[string]string, ops []*boundary.Operation) (*Module, error) {
	m, err := e.Compile(ctx, name, bin, kindProxy)
	if err != nil {
		return nil, err
	}
	if errs := m.bindOps(exports, ops); len(errs) > 0 {
		m.Close(ctx)
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// bindOps checks the operations against the module and records their
// exports and the allocator.
func (m *Module) bindOps(exports map[string]string, ops []*boundary.Operation) []error {
	// None of the guest ABI's optional exports apply to a proxied module.
	m.hooks, m.hasState, m.hasHealth = [numHooks]bool{}, false, false
	fns, mems := m.cm.ExportedFunctions(), m.cm.ExportedMemories()
	var errs []error
	fail := func(item, reason, want, got string) {
		errs = append(errs, &LoadError{Module: m.name, Item: item, Reason: reason, Want: want, Got: got})
	}
	known := make(map[string]bool, len(ops))
	for _, o := range ops {
		known[o.Name] = true
	}
	for op, export := range exports {
		if !known[op] {
			fail(fmt.Sprintf("op %q (export %q)", op, export), "is mapped to an export but is not among the operations", "one of "+opNames(ops), "")
		}
	}
	m.opExports = make(map[string]string, len(ops))
	var inMemory, args []*boundary.Operation // ops that need memory, and an allocator
	for _, o := range ops {
		export := o.Decl.Name
		if e, ok := exports[o.Name]; ok {
			export = e
		}
		m.opExports[o.Name] = export
		var def api.FunctionDefinition
		if d, ok := fns[export]; ok {
			def = d
		}
		if me := checkOpExport(m.name, o, export, def); me != nil {
			ms := make([]string, len(me.Mismatches))
			for i, mm := range me.Mismatches {
				ms[i] = mm.String()
			}
			fail(fmt.Sprintf("op %q (export %q)", o.Name, export), "the export does not match the operation: "+strings.Join(ms, "; "), "", "")
		}
		ps, rs := o.CoreSignature()
		needArgs := false
		for _, s := range ps {
			needArgs = needArgs || s.Part != ""
		}
		if needArgs || len(rs) == 1 && rs[0].Part == "packed" {
			inMemory = append(inMemory, o)
		}
		if needArgs {
			args = append(args, o)
		}
	}
	if len(inMemory) > 0 {
		if len(mems) == 0 {
			fail("memory", "operations "+opNames(inMemory)+" pass strings, bytes, lists or records through guest memory, and the module exports none",
				"an exported memory", "")
		}
		for _, mem := range mems {
			m.minPages = mem.Min() // one memory at most without multi-memory
		}
	}
	if len(args) > 0 {
		if err := m.pickAllocator(fns, args); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// pickAllocator chooses cabi_realloc, else malloc (with free if present).
func (m *Module) pickAllocator(fns map[string]api.FunctionDefinition, args []*boundary.Operation) error {
	sigOK := func(name string, want signature) (bool, error) {
		d, ok := fns[name]
		if !ok {
			return false, nil
		}
		if !want.matches(d.ParamTypes(), d.ResultTypes()) {
			return false, &LoadError{Module: m.name, Item: "export " + name, Reason: "the allocator has the wrong signature",
				Want: "func " + want.String(), Got: "func " + signature{d.ParamTypes(), d.ResultTypes()}.String()}
		}
		return true, nil
	}
	if ok, err := sigOK(ExportCabiRealloc, reallocSig); err != nil || ok {
		m.allocName, m.realloc = ExportCabiRealloc, ok
		return err
	}
	ok, err := sigOK(ExportMalloc, mallocSig)
	if err != nil {
		return err
	}
	if !ok {
		return &LoadError{Module: m.name, Item: "operations " + opNames(args),
			Reason: "pass strings, bytes, lists or records as arguments, and the module exports no allocator",
			Want:   "an export cabi_realloc (i32, i32, i32, i32) -> (i32) or malloc (i32) -> (i32)"}
	}
	m.allocName = ExportMalloc
	if ok, err := sigOK(ExportFree, freeSig); err != nil {
		return err
	} else if ok {
		m.freeName = ExportFree
	}
	return nil
}

// allocExport names the export grow calls.
func (m *Module) allocExport() string {
	if m.allocName == "" {
		return ExportAlloc
	}
	return m.allocName
}

// callFree releases the malloc buffer the host held.
func (inst *Instance) callFree(ptr uint32) error {
	s := inst.stack[:]
	s[0] = uint64(ptr)
	return inst.call(inst.mod.ExportedFunction(inst.m.freeName), inst.m.freeName, s)
}

// placeRealloc gives each buffer its own cabi_realloc allocation (the
// component model's convention: the callee owns it), checks them all,
// then copies the bytes in: an allocation may grow memory, so views are
// taken only after the last one.
func (inst *Instance) placeRealloc(op *boundary.Operation, bufs []argBuf, s []uint64) error {
	if inst.alloc == nil {
		inst.alloc = inst.mod.ExportedFunction(ExportCabiRealloc)
	}
	for _, b := range bufs {
		if uint64(len(b.data)) > 1<<31 {
			return fmt.Errorf("module %q: op %q: an argument of %d bytes cannot fit a 32-bit memory", inst.m.name, op.Name, len(b.data))
		}
		n := uint32(len(b.data))
		st := inst.stack[:]
		st[0], st[1], st[2], st[3] = 0, 0, uint64(b.align), uint64(n)
		if err := inst.call(inst.alloc, ExportCabiRealloc, st); err != nil {
			return err
		}
		ptr := uint32(st[0])
		if ptr == 0 && n > 0 {
			return fmt.Errorf("module %q: %s(0, 0, %d, %d) returned 0 (out of memory)", inst.m.name, ExportCabiRealloc, b.align, n)
		}
		if _, ok := inst.mod.Memory().Read(ptr, n); !ok && n > 0 {
			return fmt.Errorf("module %q: %s(0, 0, %d, %d) returned %d, outside memory of %d bytes",
				inst.m.name, ExportCabiRealloc, b.align, n, ptr, inst.mod.Memory().Size())
		}
		s[b.slot], s[b.slot+1] = uint64(ptr), uint64(n)
	}
	mem := inst.mod.Memory()
	for _, b := range bufs {
		if len(b.data) > 0 && !mem.Write(uint32(s[b.slot]), b.data) {
			return fmt.Errorf("module %q: the buffer from %s at %d+%d is no longer inside memory", inst.m.name, ExportCabiRealloc, s[b.slot], len(b.data))
		}
	}
	return nil
}

// opNames lists operations' names, for errors.
func opNames(ops []*boundary.Operation) string {
	names := make([]string, len(ops))
	for i, o := range ops {
		names[i] = strconv.Quote(o.Name)
	}
	return strings.Join(names, ", ")
}

// IsProxy reports whether the module was loaded with LoadProxy.
func (m *Module) IsProxy() bool { return m.kind == kindProxy }
