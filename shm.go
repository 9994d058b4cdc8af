package wasmplane

import (
	"context"

	"github.com/wasmplane/wasmplane/internal/component"
	"github.com/wasmplane/wasmplane/internal/engine"
	"github.com/wasmplane/wasmplane/internal/shm"
)

// Region declares one shared-memory region: name, kind, size (or slot
// size and slots), optional offset, writers and readers (docs/shm.md).
type Region = shm.Decl

// RegionKind is a region's protocol.
type RegionKind = shm.Kind

// Region kinds.
const (
	RegionRaw          = shm.Raw
	RegionTripleBuffer = shm.TripleBuffer
	RegionSPSCRing     = shm.SPSCRing
	RegionMPSCRing     = shm.MPSCRing
	RegionMutex        = shm.Mutex
	RegionRCU          = shm.RCU
	RegionSlots        = shm.Slots
)

// Host sides of the primitives, on the shared bytes (see internal/shm's
// documentation for who may call what).
type (
	TripleBuffer = shm.Triple
	Frame        = shm.Frame
	Ring         = shm.Ring
	SharedMutex  = shm.SharedMutex
	RCUState     = shm.RCUState
	Snapshot     = shm.Snapshot
	SlotTable    = shm.SlotTable
	Handle       = shm.Handle
	Layout       = shm.Layout
)

// Shared-memory errors (errors.Is).
var (
	ErrInvalidLayout = shm.ErrInvalidLayout
	ErrShared        = engine.ErrShared
)

// DefaultSharedBase is where the metadata block goes when
// SharedMemoryConfig.Base is zero: guests' static images (code data,
// C statics) live below it.
const DefaultSharedBase = 64 << 10

// SharedMemoryConfig lays out a shared memory. The zero value of each
// field means its default.
type SharedMemoryConfig struct {
	// Regions are placed in order, each on a 64-byte boundary.
	Regions []Region
	// Components are the names Region.Writers and Readers may use.
	Components []string
	// Base is the metadata block's offset (default DefaultSharedBase).
	// Sharing guests must be linked so that their static image ends below
	// it (--global-base, checked through __heap_base when exported).
	Base uint32
	// Pages is the memory's size in 64 KiB pages (default: the layout's
	// end, rounded up). Sharing guests must be linked with
	// --max-memory=Pages×65536.
	Pages uint32
	// Instances is the number of sharing guest instances (partitions),
	// default 0: only the host and copying guests use the regions.
	Instances int
	// StackSize and HeapSize are each instance's partition (default
	// 64 KiB stack, no heap).
	StackSize, HeapSize uint32
}

// SharedMemory is a wasm shared memory laid out with regions, shared by
// the host (zero-copy views, host atomics), sharing C guests (which import
// it as their memory) and other guests (through copying host imports).
type SharedMemory struct {
	sm *engine.SharedMemory
}

// NewSharedMemory computes the layout, makes the memory and writes its
// metadata block.
//
// # Errors
//
// Every layout problem at once (errors.Join of *shm.RegionError, each
// wrapping ErrInvalidLayout or a sibling and naming region and field), or
// ErrShared.
func (s *System) NewSharedMemory(ctx context.Context, cfg SharedMemoryConfig) (*SharedMemory, error) {
	base := cfg.Base
	if base == 0 {
		base = DefaultSharedBase
	}
	maxBytes := uint64(cfg.Pages) * 65536
	l, err := shm.Compute(shm.Config{Base: base, MaxBytes: maxBytes, Components: cfg.Components,
		Instances: cfg.Instances, StackSize: cfg.StackSize, HeapSize: cfg.HeapSize}, cfg.Regions)
	if err != nil {
		return nil, err
	}
	sm, err := s.eng.NewSharedMemory(ctx, engine.SharedConfig{Layout: l, Pages: cfg.Pages})
	if err != nil {
		return nil, err
	}
	return &SharedMemory{sm: sm}, nil
}

// Base is the address of the metadata block: pass it to guests, which
// find regions there (wp_shm_find in guest/c/wasmplane_shm.h).
func (m *SharedMemory) Base() uint32 { return m.sm.Layout().Base }

// Layout is the computed placement of regions and partitions.
func (m *SharedMemory) Layout() *Layout { return m.sm.Layout() }

// Pages is the memory's size in 64 KiB pages.
func (m *SharedMemory) Pages() uint32 { return m.sm.Pages() }

// TripleBuffer returns the host side of a triple buffer region.
func (m *SharedMemory) TripleBuffer(name string) (*TripleBuffer, error) {
	return m.sm.Memory().TripleBuffer(name)
}

// Ring returns the host side of an SPSC or MPSC ring region.
func (m *SharedMemory) Ring(name string) (*Ring, error) { return m.sm.Memory().Ring(name) }

// Mutex returns the lock of a mutex region; Raw(name) is the block.
func (m *SharedMemory) Mutex(name string) (*SharedMutex, error) { return m.sm.Memory().Mutex(name) }

// RCU returns the host side of an RCU region.
func (m *SharedMemory) RCU(name string) (*RCUState, error) { return m.sm.Memory().RCU(name) }

// Slots returns the host side of a slot table region.
func (m *SharedMemory) Slots(name string) (*SlotTable, error) { return m.sm.Memory().Slots(name) }

// Raw returns a region's payload as a view into the shared memory: no
// copy; guests see writes at once. It stays valid as long as the memory
// (it never moves or grows), but the bytes are only as stable as the
// region's protocol makes them: read a frame through TripleBuffer, a
// version through RCU.
func (m *SharedMemory) Raw(name string) ([]byte, bool) { return m.sm.Memory().Raw(name) }

// Verify checks that no guest overwrote the metadata block.
func (m *SharedMemory) Verify() error { return m.sm.Memory().Verify() }

// SharedOptions configure components that use a shared memory.
type SharedOptions struct {
	WasmOptions
	// Partition is the layout partition a sharing guest's instance runs
	// its stack on (0 to Instances-1, default 0). Every (re)start of the
	// component reuses it; two components must not share one.
	Partition int
}

// Factory returns a Factory for components running mod with this shared
// memory: a guest that imports a shared memory gets this one as its
// memory and runs on opts.Partition; any other guest reaches the regions
// through the copying shm_* host imports (docs/abi.md).
func (m *SharedMemory) Factory(mod *Module, opts SharedOptions) Factory {
	return component.NewWasmFactory(mod.m, component.WasmOptions{MemoryLimitPages: opts.MemoryLimitPages,
		Deadline: opts.Deadline, Shared: m.sm, Partition: opts.Partition})
}

// Close releases the memory once the components using it have stopped.
func (m *SharedMemory) Close(ctx context.Context) error { return m.sm.Close(ctx) }
