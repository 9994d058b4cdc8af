package shm

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sort"
)

// Kind is what a region holds and which protocol its state words follow.
type Kind uint32

// Region kinds. The values are part of the byte layout (DescKind).
const (
	Raw          Kind = 0 // bytes with no protocol; the components agree among themselves
	TripleBuffer Kind = 1 // one writer, one reader, latest complete frame
	SPSCRing     Kind = 2 // one producer, one consumer, fixed-size entries
	MPSCRing     Kind = 3 // many producers, one consumer, fixed-size entries
	Mutex        Kind = 4 // a block guarded by a SharedMutex
	RCU          Kind = 5 // versions read without locks, one writer at a time
	Slots        Kind = 6 // a slot table addressed by generational handles
)

var kindNames = [...]string{"raw", "triple_buffer", "spsc_ring", "mpsc_ring", "mutex", "rcu", "slots"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint32(k))
}

// ParseKind maps the manifest spelling ("triple_buffer", …) to a Kind.
func ParseKind(s string) (Kind, bool) {
	i := slices.Index(kindNames[:], s)
	return Kind(max(i, 0)), i >= 0
}

// Decl declares one region.
type Decl struct {
	Name string // unique, 1-31 bytes of [A-Za-z0-9_.-]
	Kind Kind
	// Size is the payload in bytes: the frame (TripleBuffer), the block
	// (Mutex, Raw), one version (RCU). For rings and slot tables it may be
	// left 0; if set it must equal SlotSize × Slots.
	Size uint32
	// SlotSize is the entry size of a ring or slot table.
	SlotSize uint32
	// Slots is the entry count of a ring (a power of two) or slot table,
	// or the number of versions of an RCU region (default 3, 2-255).
	Slots uint32
	// Offset places the region at an absolute offset (64-aligned, after
	// the metadata block). 0: placed automatically.
	Offset uint32
	// Writers and Readers are component names; each must be one of
	// Config.Components. A TripleBuffer has exactly one of each.
	Writers, Readers []string
}

// Config is the input that is not per region. The zero value of each
// field means its default.
type Config struct {
	// Base is the offset of the metadata block, a multiple of 64. Bytes
	// [0, Base) are left to the guests' static image (link guests with
	// --global-base and check their __heap_base ≤ Base). Default 0.
	Base uint32
	// MaxBytes is the memory's maximum size in bytes (pages × 65536);
	// the layout must end within it. Default and limit: 4 GiB.
	MaxBytes uint64
	// Components are the names readers and writers may use. Required
	// when any region names a reader or writer.
	Components []string
	// Instances is the number of guest instance partitions. Default 0.
	Instances int
	// StackSize and HeapSize are per instance, rounded up to 64.
	// Defaults: 64 KiB stack, 0 heap.
	StackSize, HeapSize uint32
}

// Layout is the computed placement. It is immutable once returned.
type Layout struct {
	Base       uint32      // offset of the metadata block
	MetaSize   uint32      // bytes of the metadata block
	End        uint64      // first byte after the layout (regions and partitions)
	Regions    []Region    // in declaration order; Regions[i].Index == i
	Partitions []Partition // one per instance
}

// Region is a declaration with its placement.
type Region struct {
	Decl
	Index    int    // descriptor index
	Desc     uint32 // absolute offset of the descriptor
	Offset   uint32 // absolute offset of the payload, 64-aligned
	Bytes    uint32 // payload bytes reserved, multiple of 64
	SlotSize uint32 // usable bytes per slot, frame or version
	Slots    uint32 // slots, 3 for a triple buffer, versions for RCU
	Stride   uint32 // bytes between slots
	TableLen uint32 // Slots kind: bytes of the generation table before the slots
}

// Partition is one guest instance's private stack and heap.
type Partition struct {
	StackLo, StackHi uint32 // set __stack_pointer to StackHi
	HeapLo, HeapHi   uint32
}

// Region returns the region with the name.
func (l *Layout) Region(name string) (*Region, bool) {
	for i := range l.Regions {
		if l.Regions[i].Name == name {
			return &l.Regions[i], true
		}
	}
	return nil, false
}

const (
	maxMemory        = 1 << 32
	defaultStackSize = 64 << 10
	defaultRCUVers   = 3
)

func align(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// Compute validates the declarations and places them. Every problem is
// reported (errors.Join of *RegionError, each wrapping ErrInvalidLayout,
// ErrMisaligned or ErrOutOfBounds and naming the region and field).
func Compute(cfg Config, decls []Decl) (*Layout, error) {
	var errs []error
	bad := func(region, field string, sentinel error, f string, a ...any) {
		errs = append(errs, regionErr(region, field, sentinel, f, a...))
	}
	maxBytes := cfg.MaxBytes
	if maxBytes == 0 {
		maxBytes = maxMemory
	}
	if maxBytes > maxMemory {
		bad("", "MaxBytes", ErrInvalidLayout, "%d exceeds the 4 GiB wasm32 limit", maxBytes)
		maxBytes = maxMemory
	}
	if cfg.Base%LineSize != 0 {
		bad("", "Base", ErrMisaligned, "%d is not a multiple of %d", cfg.Base, LineSize)
	}
	if cfg.Instances < 0 || cfg.Instances > 1<<16 {
		bad("", "Instances", ErrInvalidLayout, "%d is out of range 0-65536", cfg.Instances)
	}
	known := make(map[string]bool, len(cfg.Components))
	for _, c := range cfg.Components {
		known[c] = true
	}

	l := &Layout{Base: cfg.Base}
	metaSize := align(HdrSize+uint64(len(decls))*DescBytes+uint64(max(cfg.Instances, 0))*PartBytes, LineSize)
	l.MetaSize = uint32(min(metaSize, maxMemory-1))
	metaEnd := uint64(cfg.Base) + metaSize

	seen := map[string]bool{}
	for i, d := range decls {
		r := Region{Decl: d, Index: i, Desc: uint32(min(uint64(cfg.Base)+HdrSize+uint64(i)*DescBytes, maxMemory-1))}
		r.Writers = slices.Clone(d.Writers)
		r.Readers = slices.Clone(d.Readers)
		name := d.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		if err := checkName(d.Name); err != "" {
			bad(name, "Name", ErrInvalidLayout, "%s", err)
		} else if seen[d.Name] {
			bad(name, "Name", ErrInvalidLayout, "declared twice; region names must be unique")
		}
		seen[d.Name] = true
		for _, f := range []struct {
			field string
			names []string
		}{{"Writers", d.Writers}, {"Readers", d.Readers}} {
			for _, c := range f.names {
				if !known[c] {
					bad(name, f.field, ErrInvalidLayout, "unknown component %q; known: %v", c, cfg.Components)
				}
			}
		}
		payload, ok := sizeRegion(&r, name, bad)
		if !ok {
			l.Regions = append(l.Regions, r)
			continue
		}
		if payload > maxBytes {
			bad(name, "Size", ErrOutOfBounds, "needs %d bytes, more than the memory maximum %d", payload, maxBytes)
			l.Regions = append(l.Regions, r)
			continue
		}
		r.Bytes = uint32(payload)
		if d.Offset != 0 {
			switch {
			case d.Offset%LineSize != 0:
				bad(name, "Offset", ErrMisaligned, "%d is not a multiple of %d", d.Offset, LineSize)
			case uint64(d.Offset) < metaEnd:
				bad(name, "Offset", ErrInvalidLayout, "%d lies inside the metadata block [%d, %d)", d.Offset, cfg.Base, metaEnd)
			}
			r.Offset = d.Offset
		}
		l.Regions = append(l.Regions, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Explicit regions first: they must not overlap each other.
	type span struct {
		lo, hi uint64
		name   string
	}
	var fixed []span
	for _, r := range l.Regions {
		if r.Decl.Offset != 0 {
			fixed = append(fixed, span{uint64(r.Offset), uint64(r.Offset) + uint64(r.Bytes), r.Name})
		}
	}
	sort.Slice(fixed, func(i, j int) bool { return fixed[i].lo < fixed[j].lo })
	for i := 1; i < len(fixed); i++ {
		if fixed[i].lo < fixed[i-1].hi {
			bad(fixed[i].name, "Offset", ErrInvalidLayout, "[%d, %d) overlaps region %q [%d, %d)",
				fixed[i].lo, fixed[i].hi, fixed[i-1].name, fixed[i-1].lo, fixed[i-1].hi)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Automatic regions go first-fit after the metadata, around fixed ones.
	next := metaEnd
	for i := range l.Regions {
		r := &l.Regions[i]
		if r.Decl.Offset != 0 {
			continue
		}
		for moved := true; moved; {
			moved = false
			for _, f := range fixed {
				if next < f.hi && next+uint64(r.Bytes) > f.lo {
					next, moved = f.hi, true
				}
			}
		}
		if next+uint64(r.Bytes) > maxBytes {
			bad(r.Name, "Size", ErrOutOfBounds, "does not fit: would end at %d, past the memory maximum %d", next+uint64(r.Bytes), maxBytes)
			return nil, errors.Join(errs...)
		}
		r.Offset = uint32(next)
		fixed = append(fixed, span{next, next + uint64(r.Bytes), r.Name})
		next += uint64(r.Bytes)
	}
	end := metaEnd
	for _, f := range fixed {
		end = max(end, f.hi)
	}
	stack := align(uint64(cfg.StackSize), LineSize)
	if cfg.StackSize == 0 {
		stack = defaultStackSize
	}
	heap := align(uint64(cfg.HeapSize), LineSize)
	for i := 0; i < cfg.Instances; i++ {
		p := Partition{}
		if end+stack+heap > maxBytes {
			bad("", "Instances", ErrOutOfBounds, "partition %d (stack %d + heap %d bytes) ends at %d, past the memory maximum %d",
				i, stack, heap, end+stack+heap, maxBytes)
			return nil, errors.Join(errs...)
		}
		p.StackLo, p.StackHi = uint32(end), uint32(end+stack)
		p.HeapLo, p.HeapHi = uint32(end+stack), uint32(min(end+stack+heap, maxMemory-1))
		l.Partitions = append(l.Partitions, p)
		end += stack + heap
	}
	if end > maxBytes {
		bad("", "MaxBytes", ErrOutOfBounds, "the layout needs %d bytes, more than the memory maximum %d", end, maxBytes)
		return nil, errors.Join(errs...)
	}
	l.End = end
	return l, nil
}

// sizeRegion fills SlotSize, Slots, Stride, TableLen and returns the
// payload bytes (a multiple of 64).
func sizeRegion(r *Region, name string, bad func(string, string, error, string, ...any)) (uint64, bool) {
	d := r.Decl
	ok := true
	fail := func(field, f string, a ...any) { bad(name, field, ErrInvalidLayout, f, a...); ok = false }
	var payload uint64
	switch d.Kind {
	case Raw, Mutex:
		if d.Size == 0 {
			fail("Size", "must be > 0")
		}
		r.SlotSize, r.Slots, r.Stride = d.Size, 1, uint32(align(uint64(d.Size), LineSize))
		payload = align(uint64(d.Size), LineSize)
	case TripleBuffer:
		if d.Size == 0 {
			fail("Size", "must be > 0 (the frame size)")
		}
		if len(d.Writers) != 1 {
			fail("Writers", "a triple buffer has exactly one writer, got %d %v", len(d.Writers), d.Writers)
		}
		if len(d.Readers) > 1 {
			fail("Readers", "a triple buffer has one reader, got %d %v; use an RCU region for several", len(d.Readers), d.Readers)
		}
		stride := TBSlotHeader + align(uint64(d.Size), LineSize)
		r.SlotSize, r.Slots, r.Stride = d.Size, 3, uint32(min(stride, maxMemory-1))
		payload = 3 * stride
	case SPSCRing, MPSCRing, Slots:
		if d.SlotSize == 0 {
			fail("SlotSize", "must be > 0")
		}
		if d.Slots == 0 {
			fail("Slots", "must be > 0")
		} else if d.Kind != Slots && bits.OnesCount32(d.Slots) != 1 {
			fail("Slots", "%d is not a power of two", d.Slots)
		}
		if d.Kind == SPSCRing && len(d.Writers) > 1 {
			fail("Writers", "an SPSC ring has one producer, got %d %v; use mpsc_ring", len(d.Writers), d.Writers)
		}
		if d.Kind != Slots && len(d.Readers) > 1 {
			fail("Readers", "a ring has one consumer, got %d %v", len(d.Readers), d.Readers)
		}
		if d.Size != 0 && uint64(d.Size) != uint64(d.SlotSize)*uint64(d.Slots) {
			fail("Size", "%d ≠ SlotSize %d × Slots %d; leave Size 0 for rings", d.Size, d.SlotSize, d.Slots)
		}
		stride := align(uint64(d.SlotSize), 8)
		if d.Kind == MPSCRing {
			stride += MPSCSlotHeader
		}
		var table uint64
		if d.Kind == Slots {
			table = align(4*uint64(d.Slots), LineSize)
		}
		r.SlotSize, r.Slots, r.Stride, r.TableLen = d.SlotSize, d.Slots, uint32(min(stride, maxMemory-1)), uint32(min(table, maxMemory-1))
		payload = align(table+stride*uint64(d.Slots), LineSize)
	case RCU:
		if d.Size == 0 {
			fail("Size", "must be > 0 (the size of one version)")
		}
		n := d.Slots
		if n == 0 {
			n = defaultRCUVers
		}
		if n < 2 || n > RCUMaxVersions {
			fail("Slots", "%d versions; an RCU region needs 2-%d", n, RCUMaxVersions)
		}
		stride := RCUVerHeader + align(uint64(d.Size), LineSize)
		r.SlotSize, r.Slots, r.Stride = d.Size, n, uint32(min(stride, maxMemory-1))
		payload = uint64(n) * stride
	default:
		fail("Kind", "unknown kind %d", uint32(d.Kind))
	}
	if d.Kind == TripleBuffer && d.Slots != 0 && d.Slots != 3 {
		fail("Slots", "is fixed at 3 for a triple buffer; leave it 0")
	}
	return payload, ok
}

func checkName(s string) string {
	if s == "" {
		return "is empty"
	}
	if len(s) > NameMax {
		return fmt.Sprintf("%q is %d bytes, at most %d", s, len(s), NameMax)
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Sprintf("%q has %q; use [A-Za-z0-9_.-]", s, c)
		}
	}
	return ""
}
