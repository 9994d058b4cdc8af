package shm

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Memory is the host's handle on one laid-out linear memory: the bytes,
// the layout the host computed (trusted; offsets are never read back from
// shared memory) and the Waiter used to block and wake.
//
// A Memory is safe for concurrent use. The primitives it returns follow
// their own rules about who may call what (see each type).
type Memory struct {
	mem    []byte
	layout *Layout
	waiter Waiter
}

// Open wraps mem (for a wazero shared memory: api.Memory.Read(0, Size()))
// laid out by l. waiter blocks and wakes on shared words; nil means a
// SpinWaiter, which cannot wake guests (see NewWasmWaiter).
//
// # Errors
//
// ErrOutOfBounds if the layout ends past len(mem); ErrMisaligned if mem does
// not start on an 8-byte boundary.
func Open(mem []byte, l *Layout, waiter Waiter) (*Memory, error) {
	if l == nil {
		return nil, regionErr("", "", ErrInvalidLayout, "nil layout; use Compute")
	}
	if uint64(len(mem)) < l.End {
		return nil, regionErr("", "End", ErrOutOfBounds, "layout ends at %d but the memory has %d bytes; grow it first or raise its minimum", l.End, len(mem))
	}
	if !baseAligned(mem) {
		return nil, regionErr("", "", ErrMisaligned, "memory does not start on an 8-byte boundary")
	}
	if waiter == nil {
		waiter = NewSpinWaiter(mem)
	}
	return &Memory{mem: mem[:l.End:l.End], layout: l, waiter: waiter}, nil
}

// Layout returns the layout the Memory was opened with.
func (m *Memory) Layout() *Layout { return m.layout }

// Waiter returns the waiter used to block and wake.
func (m *Memory) Waiter() Waiter { return m.waiter }

// Init writes the metadata block and zeroes every region's state and
// payload. Call it once, before any guest or host uses the memory.
func (m *Memory) Init() {
	l := m.layout
	clear(m.mem[l.Base:])
	h := m.mem[l.Base:]
	le := binary.LittleEndian
	le.PutUint32(h[HdrVersion:], Version)
	le.PutUint32(h[HdrRegionCount:], uint32(len(l.Regions)))
	le.PutUint32(h[HdrInstances:], uint32(len(l.Partitions)))
	le.PutUint32(h[HdrDescOff:], HdrSize)
	le.PutUint32(h[HdrPartOff:], HdrSize+uint32(len(l.Regions))*DescBytes)
	le.PutUint64(h[HdrEnd:], l.End)
	le.PutUint32(h[HdrBase:], l.Base)
	le.PutUint32(h[HdrMetaSize:], l.MetaSize)
	for _, r := range l.Regions {
		d := m.mem[r.Desc:]
		le.PutUint32(d[DescKind:], uint32(r.Kind))
		le.PutUint32(d[DescOffset:], r.Offset)
		le.PutUint32(d[DescSize:], r.Bytes)
		le.PutUint32(d[DescSlotSize:], r.SlotSize)
		le.PutUint32(d[DescSlots:], r.Slots)
		le.PutUint32(d[DescStride:], r.Stride)
		copy(d[DescName:DescName+NameMax], r.Name)
		switch r.Kind {
		case TripleBuffer:
			word32(m.mem, r.Desc+TBState).Store(tbInitial)
		case MPSCRing:
			for i := uint32(0); i < r.Slots; i++ {
				word32(m.mem, r.Offset+i*r.Stride+MPSCSlotSeq).Store(i)
			}
		}
	}
	p := l.Base + HdrSize + uint32(len(l.Regions))*DescBytes
	for i, pt := range l.Partitions {
		e := m.mem[p+uint32(i)*PartBytes:]
		le.PutUint32(e[PartStackLo:], pt.StackLo)
		le.PutUint32(e[PartStackHi:], pt.StackHi)
		le.PutUint32(e[PartHeapLo:], pt.HeapLo)
		le.PutUint32(e[PartHeapHi:], pt.HeapHi)
	}
	// The magic goes last so a guest polling it sees a complete block.
	word32(m.mem, l.Base+HdrMagic).Store(Magic)
}

// Verify checks that the metadata block in memory still describes the
// layout (a guest may have overwritten it). It reads only line 0 of each
// descriptor, never state words.
func (m *Memory) Verify() error { return VerifyMeta(m.mem, m.layout) }

// VerifyMeta checks that mem holds the metadata block of l. mem is
// untrusted: every field is compared with the layout, nothing read is used
// as an offset.
func VerifyMeta(mem []byte, l *Layout) error {
	le := binary.LittleEndian
	if uint64(len(mem)) < uint64(l.Base)+uint64(l.MetaSize) {
		return regionErr("", "", ErrOutOfBounds, "memory of %d bytes ends inside the metadata block at %d", len(mem), l.Base)
	}
	h := mem[l.Base:]
	want := []struct {
		name string
		off  uint32
		v    uint32
	}{
		{"magic", HdrMagic, Magic}, {"version", HdrVersion, Version},
		{"region count", HdrRegionCount, uint32(len(l.Regions))},
		{"instance count", HdrInstances, uint32(len(l.Partitions))},
		{"descriptor offset", HdrDescOff, HdrSize},
		{"base", HdrBase, l.Base}, {"metadata size", HdrMetaSize, l.MetaSize},
	}
	for _, w := range want {
		if got := le.Uint32(h[w.off:]); got != w.v {
			return fmt.Errorf("%w: header %s at %d is %#x, want %#x", ErrCorrupt, w.name, l.Base+w.off, got, w.v)
		}
	}
	if got := le.Uint64(h[HdrEnd:]); got != l.End {
		return fmt.Errorf("%w: header end is %d, want %d", ErrCorrupt, got, l.End)
	}
	for _, r := range l.Regions {
		d := mem[r.Desc:]
		for _, f := range []struct {
			name string
			off  uint32
			v    uint32
		}{{"kind", DescKind, uint32(r.Kind)}, {"offset", DescOffset, r.Offset}, {"size", DescSize, r.Bytes},
			{"slot size", DescSlotSize, r.SlotSize}, {"slots", DescSlots, r.Slots}, {"stride", DescStride, r.Stride}} {
			if got := le.Uint32(d[f.off:]); got != f.v {
				return fmt.Errorf("%w: region %q descriptor %s is %d, want %d", ErrCorrupt, r.Name, f.name, got, f.v)
			}
		}
		var name [NameMax + 1]byte
		copy(name[:], r.Name)
		if string(d[DescName:DescName+NameMax+1]) != string(name[:]) {
			return fmt.Errorf("%w: region %q descriptor name was overwritten", ErrCorrupt, r.Name)
		}
	}
	return nil
}

// Raw returns the payload of the named region (any kind) as a view into
// the memory: writes are seen by guests, no copy is made. The view stays
// valid as long as the memory (see doc.go, # Caveats).
func (m *Memory) Raw(name string) ([]byte, bool) {
	r, ok := m.layout.Region(name)
	if !ok {
		return nil, false
	}
	return m.mem[r.Offset : r.Offset+r.Bytes : r.Offset+r.Bytes], true
}

func (m *Memory) region(name string, k Kind) (*Region, error) {
	r, ok := m.layout.Region(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if r.Kind != k {
		return nil, fmt.Errorf("%w: region %q is a %v, not a %v", ErrWrongKind, name, r.Kind, k)
	}
	return r, nil
}

// Range validates a guest-supplied (offset, length) against a bound of
// size bytes: no overflow of offset+length, end within size, offset a
// multiple of alignment (a power of two; 0 or 1 for none). It is the one
// check every untrusted offset goes through.
//
// # Errors
//
// ErrOutOfBounds or ErrMisaligned, with the values.
func Range(size uint64, off, length uint64, alignment uint64) error {
	if alignment > 1 && off&(alignment-1) != 0 {
		return fmt.Errorf("%w: offset %d is not a multiple of %d", ErrMisaligned, off, alignment)
	}
	if length > math.MaxUint64-off {
		return fmt.Errorf("%w: offset %d + length %d overflows", ErrOutOfBounds, off, length)
	}
	if off+length > size {
		return fmt.Errorf("%w: [%d, %d) is past the end %d", ErrOutOfBounds, off, off+length, size)
	}
	return nil
}

// View returns a view of length bytes at off, a guest pointer (wasm32:
// both u32), after checking it with Range: off+length is computed in 64
// bits, so a pair that wraps past 2^32 is rejected, never wrapped.
func (m *Memory) View(off, length, alignment uint32) ([]byte, error) {
	if err := Range(uint64(len(m.mem)), uint64(off), uint64(length), uint64(alignment)); err != nil {
		return nil, err
	}
	end := uint64(off) + uint64(length)
	return m.mem[off:end:end], nil
}
