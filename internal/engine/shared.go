package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmplane/wasmplane/internal/shm"
)

// Exports a sharing guest has or may have.
const (
	// ExportStackPointer is the stack pointer global a sharing guest must
	// export (wasm-ld --export=__stack_pointer): the host points it at the
	// instance's partition.
	ExportStackPointer = "__stack_pointer"
	// ExportHeapBase, if exported, is checked against the layout's Base.
	ExportHeapBase = "__heap_base"
	// SharedMemoryImport is the field name a sharing guest imports its
	// memory under (wasm-ld --import-memory: env.memory).
	SharedMemoryImport = "memory"
)

// ErrShared matches errors about a shared memory or a guest's use of one.
var ErrShared = errors.New("shared memory")

// SharedConfig configures a SharedMemory. The zero value of each field
// means its default.
type SharedConfig struct {
	// Layout places the regions and partitions (shm.Compute). Required.
	Layout *shm.Layout
	// Pages is the memory's size in 64 KiB pages; it never grows (min =
	// max, allocated up front by wazero). Default: the layout's end,
	// rounded up. Guests must be linked with --max-memory of at least
	// Pages × 65536 bytes (and an initial memory of at most that).
	Pages uint32
}

// SharedMemory is one wasm shared memory that guest instances import as
// their only memory and the host reads and writes in place. It is laid
// out by internal/shm: the guests' static image below Layout.Base, then
// the metadata block, the regions and one stack+heap partition per
// instance.
//
// It is exported by a tiny anonymous module, so an engine holds any
// number of them; each guest instance is linked to one by an import
// resolver (no global module name).
//
// # Notes
//
// The memory never moves and never grows: wazero allocates a shared
// memory at its maximum, and the engine's pooled allocator is never used
// for it. Host views (Bytes, Memory's views) stay valid until the last
// instance using it is closed and the SharedMemory is unreachable.
type SharedMemory struct {
	e      *Engine
	mod    api.Module // exports "memory"
	pages  uint32
	bytes  []byte
	layout *shm.Layout     // nil for a bare memory (load probe)
	mem    *shm.Memory     // nil for a bare memory
	waiter *shm.WasmWaiter // nil for a bare memory
	// Host primitives by region name, built once: read-only afterwards.
	triples map[string]*shm.Triple
	rings   map[string]*shm.Ring
}

// NewSharedMemory makes a shared memory for cfg.Layout, writes its
// metadata block (shm.Memory.Init) and starts a WasmWaiter on it, so the
// host and guests wake one another.
//
// # Errors
//
// ErrShared wrapping what is wrong: no layout, a layout that does not
// fit in Pages, more than 65536 pages.
func (e *Engine) NewSharedMemory(ctx context.Context, cfg SharedConfig) (*SharedMemory, error) {
	l := cfg.Layout
	if l == nil {
		return nil, fmt.Errorf("%w: SharedConfig.Layout is nil; compute one with shm.Compute", ErrShared)
	}
	need := (l.End + pageSize - 1) / pageSize
	pages := uint64(cfg.Pages)
	if pages == 0 {
		pages = max(need, 1)
	}
	switch {
	case pages > 65536:
		return nil, fmt.Errorf("%w: %d pages is more than the wasm32 limit of 65536", ErrShared, pages)
	case pages < need:
		return nil, fmt.Errorf("%w: the layout ends at byte %d but %d pages hold %d bytes; raise Pages to %d",
			ErrShared, l.End, pages, pages*pageSize, need)
	}
	sm, err := e.bareShared(ctx, uint32(pages))
	if err != nil {
		return nil, err
	}
	sm.layout = l
	sm.waiter, err = shm.NewWasmWaiter(sm.resolve(ctx, "env"), e.rt, "env", SharedMemoryImport)
	if err != nil {
		sm.Close(ctx)
		return nil, err
	}
	sm.mem, err = shm.Open(sm.bytes, l, sm.waiter)
	if err != nil {
		sm.Close(ctx)
		return nil, fmt.Errorf("%w: %w", ErrShared, err)
	}
	sm.mem.Init()
	sm.triples, sm.rings = map[string]*shm.Triple{}, map[string]*shm.Ring{}
	for _, r := range l.Regions {
		switch r.Kind {
		case shm.TripleBuffer:
			sm.triples[r.Name], err = sm.mem.TripleBuffer(r.Name)
		case shm.SPSCRing, shm.MPSCRing:
			sm.rings[r.Name], err = sm.mem.Ring(r.Name)
		}
		if err != nil {
			sm.Close(ctx)
			return nil, err
		}
	}
	return sm, nil
}

// bareShared instantiates a shared memory of pages pages with no layout.
func (e *Engine) bareShared(ctx context.Context, pages uint32) (*SharedMemory, error) {
	// No memory allocator in ctx: the engine's pooled allocator may move a
	// buffer when it grows, and a shared memory must never move.
	mod, err := e.rt.InstantiateWithConfig(ctx, memoryModule(pages, pages), wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("%w: instantiate a memory of %d pages: %w", ErrShared, pages, err)
	}
	b, ok := mod.Memory().Read(0, mod.Memory().Size())
	if !ok {
		mod.Close(ctx)
		return nil, fmt.Errorf("%w: cannot view the memory", ErrShared)
	}
	return &SharedMemory{e: e, mod: mod, pages: pages, bytes: b}, nil
}

// resolve returns ctx with an import resolver that links the module name
// importModule to this memory's module.
func (sm *SharedMemory) resolve(ctx context.Context, importModule string) context.Context {
	return experimental.WithImportResolver(ctx, func(name string) api.Module {
		if name == importModule {
			return sm.mod
		}
		return nil
	})
}

// Pages is the memory's size in 64 KiB pages.
func (sm *SharedMemory) Pages() uint32 { return sm.pages }

// Bytes is the whole memory: a view, written and read in place by the
// guests (see the type's Notes for how long it is valid). Use
// sync/atomic (through internal/shm) for words others change.
func (sm *SharedMemory) Bytes() []byte { return sm.bytes }

// Layout is the layout the memory was made with.
func (sm *SharedMemory) Layout() *shm.Layout { return sm.layout }

// Memory is the host side of the regions: zero-copy views and the
// primitives (TripleBuffer, Ring, Mutex, RCU, Slots, Raw).
func (sm *SharedMemory) Memory() *shm.Memory { return sm.mem }

// Waiter wakes guests blocked in memory.atomic.wait32 on this memory and
// blocks the host the same way.
func (sm *SharedMemory) Waiter() shm.Waiter { return sm.waiter }

// Close releases the memory module and the waiter. Instances still using
// the memory keep it alive; close them first to release it.
func (sm *SharedMemory) Close(ctx context.Context) error {
	var err error
	if sm.waiter != nil {
		err = sm.waiter.Close(ctx)
	}
	return errors.Join(err, sm.mod.Close(ctx))
}

// checkMemoryImports allows exactly one imported memory, and only if it
// is shared, for a guest: any other imported memory is a load error naming
// it. It returns the shared import, if any.
func checkMemoryImports(name string, kind Kind, imps []importEntry, kinds map[string]string) (*importEntry, []error) {
	var errs []error
	var shared *importEntry
	n := 0
	for i := range imps {
		im := &imps[i]
		if im.kind != "memory" {
			continue
		}
		n++
		item := "import " + im.module + "." + im.name
		bad := func(reason, want string) {
			errs = append(errs, &LoadError{Module: name, Item: item, Reason: reason, Want: want})
		}
		switch {
		case kind == KindCommand:
			bad("a WASI command imports a memory; the host provides none to commands", "a memory of its own")
		case kind == kindProxy:
			bad("a proxied module imports a memory; the host provides none to it", "a memory of its own")
		case !im.shared:
			bad("imports a memory that is not shared; the host provides only one shared memory to guests that share regions",
				"a memory of its own, or one shared memory (wasm-ld --import-memory --shared-memory)")
		case im.is64:
			bad("imports a 64-bit memory", "a 32-bit shared memory")
		case n > 1:
			bad(fmt.Sprintf("is imported memory #%d; a guest may import one memory, the shared one", n), "one shared memory import")
		case im.module == HostModule || im.module == "wasi_snapshot_preview1":
			bad("imports its memory from a module that provides functions", `a module name such as "env" (wasm-ld's default)`)
		case im.name != SharedMemoryImport:
			bad("imports its shared memory under another name", fmt.Sprintf("%s.%s", im.module, SharedMemoryImport))
		default:
			shared = im
		}
	}
	if shared != nil && kinds[ExportStackPointer] != "global" {
		errs = append(errs, &LoadError{Module: name, Item: "export " + ExportStackPointer,
			Reason: "a guest that imports a shared memory must export its stack pointer, so each instance gets its own stack",
			Want:   "a mutable i32 global (link with --export=__stack_pointer)", Got: describe(kinds, ExportStackPointer)})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return shared, nil
}

// attachShared checks that cfg fits the module's shared memory import and
// returns the context to instantiate in.
func (m *Module) attachShared(ctx context.Context, cfg InstanceConfig) (context.Context, error) {
	sm, im := cfg.Shared, m.shared
	if sm == nil {
		return nil, fmt.Errorf("%w: module %q imports a shared memory (%s.%s); give its instances one (InstanceConfig.Shared)",
			ErrShared, m.name, im.module, im.name)
	}
	if sm.e != m.e {
		return nil, fmt.Errorf("%w: module %q: the shared memory belongs to another engine", ErrShared, m.name)
	}
	if sm.pages < im.minPages || (im.hasMax && sm.pages > im.maxPages) {
		return nil, fmt.Errorf("%w: module %q imports a shared memory of %d to %d pages; this one has %d pages: link it with --max-memory=%d",
			ErrShared, m.name, im.minPages, im.maxPages, sm.pages, uint64(sm.pages)*pageSize)
	}
	if sm.layout != nil && (cfg.Partition < 0 || cfg.Partition >= len(sm.layout.Partitions)) {
		return nil, fmt.Errorf("%w: module %q: partition %d does not exist; the layout has %d (shm.Config.Instances)",
			ErrShared, m.name, cfg.Partition, len(sm.layout.Partitions))
	}
	return sm.resolve(ctx, im.module), nil
}

// startShared points a fresh instance's stack at its partition, before
// any of its code but the start function (which only initialises the
// static image) has run.
func (inst *Instance) startShared(cfg InstanceConfig) error {
	sm := cfg.Shared
	if sm.layout == nil {
		return nil // the load probe runs on the linker's stack
	}
	if g := inst.mod.ExportedGlobal(ExportHeapBase); g != nil && g.Type() == api.ValueTypeI32 {
		if hb := uint32(g.Get()); hb > sm.layout.Base {
			return fmt.Errorf("%w: module %q: its static image ends at %d (__heap_base), past the layout's base %d; raise the base or link with a lower --global-base",
				ErrShared, inst.m.name, hb, sm.layout.Base)
		}
	}
	sp, ok := inst.mod.ExportedGlobal(ExportStackPointer).(api.MutableGlobal)
	if !ok || sp.Type() != api.ValueTypeI32 {
		return fmt.Errorf("%w: module %q: %s is not a mutable i32 global", ErrShared, inst.m.name, ExportStackPointer)
	}
	sp.Set(uint64(sm.layout.Partitions[cfg.Partition].StackHi))
	return nil
}

// memoryModule encodes (module (memory (export "memory") min max shared)).
func memoryModule(minPages, maxPages uint32) []byte {
	lim := append([]byte{0x03}, binary.AppendUvarint(nil, uint64(minPages))...)
	lim = append(lim, binary.AppendUvarint(nil, uint64(maxPages))...)
	mem := append([]byte{1}, lim...)
	exp := append([]byte{1, byte(len(SharedMemoryImport))}, SharedMemoryImport...)
	exp = append(exp, 0x02, 0)
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(append(append(m, 5), binary.AppendUvarint(nil, uint64(len(mem)))...), mem...)
	m = append(append(append(m, 7), binary.AppendUvarint(nil, uint64(len(exp)))...), exp...)
	return m
}
