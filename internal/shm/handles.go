package shm

import (
	"fmt"
	"sync/atomic"
)

// Handle is a generational reference to one slot of a Slots region:
// generation<<32 | index, one i64 across the guest ABI. The generation
// of a live slot is odd; freeing it makes it even, so every handle to the
// old occupant is stale from then on.
type Handle uint64

// MakeHandle packs an index and a generation.
func MakeHandle(index, gen uint32) Handle { return Handle(uint64(gen)<<32 | uint64(index)) }

// Index returns the slot index.
func (h Handle) Index() uint32 { return uint32(h) }

// Gen returns the generation.
func (h Handle) Gen() uint32 { return uint32(h >> 32) }

func (h Handle) String() string { return fmt.Sprintf("%d@%d", h.Index(), h.Gen()) }

// slotRetired is the generation a slot gets when its generation would
// wrap: it is never allocated again, so no handle is ever revived.
const slotRetired = 0xFFFFFFFE

// SlotTable is the host side of a Slots region: Slots entries of SlotSize
// bytes and, before them, one u32 generation per slot.
//
// Alloc, Get and Free may be called by any number of agents. Get checks
// the handle at the time of the call: a handle the caller does not own
// may be freed by its owner right after, so free a handle only when no
// one else uses it (ownership is the application's rule; staleness is
// what the table detects).
type SlotTable struct {
	mem  []byte
	r    *Region
	hint *atomic.Uint32
	live *atomic.Uint32
}

// Slots returns the host side of the named slot table.
func (m *Memory) Slots(name string) (*SlotTable, error) {
	r, err := m.region(name, Slots)
	if err != nil {
		return nil, err
	}
	return &SlotTable{mem: m.mem, r: r, hint: word32(m.mem, r.Desc+SlotsHint), live: word32(m.mem, r.Desc+SlotsLive)}, nil
}

func (t *SlotTable) gen(i uint32) *atomic.Uint32 { return word32(t.mem, t.r.Offset+4*i) }

func (t *SlotTable) data(i uint32) []byte {
	off := t.r.Offset + t.r.TableLen + i*t.r.Stride
	return t.mem[off : off+t.r.SlotSize : off+t.r.SlotSize]
}

// Alloc takes a free slot and returns its handle and its bytes (a view
// into shared memory, not cleared).
//
// # Errors
//
// ErrNoSlot when every slot is live or retired.
func (t *SlotTable) Alloc() (Handle, []byte, error) {
	n := t.r.Slots
	start := t.hint.Load() % n
	for k := uint32(0); k < n; k++ {
		i := (start + k) % n
		g := t.gen(i).Load()
		if g&1 == 0 && g != slotRetired && t.gen(i).CompareAndSwap(g, g+1) {
			t.hint.Store(i + 1)
			t.live.Add(1)
			return MakeHandle(i, g+1), t.data(i), nil
		}
	}
	return 0, nil, fmt.Errorf("%w: slot table %q: all %d slots in use", ErrNoSlot, t.r.Name, n)
}

func (t *SlotTable) check(h Handle) error {
	if h.Index() >= t.r.Slots {
		return fmt.Errorf("%w: slot table %q: handle %v index ≥ %d slots", ErrStaleHandle, t.r.Name, h, t.r.Slots)
	}
	if h.Gen()&1 == 0 {
		return fmt.Errorf("%w: slot table %q: handle %v has the generation of a free slot", ErrStaleHandle, t.r.Name, h)
	}
	return nil
}

// Get returns the bytes of the handle's slot if the handle is current.
// A stale handle is rejected before any slot byte is touched.
func (t *SlotTable) Get(h Handle) ([]byte, error) {
	if err := t.check(h); err != nil {
		return nil, err
	}
	if g := t.gen(h.Index()).Load(); g != h.Gen() {
		return nil, fmt.Errorf("%w: slot table %q: handle %v, slot is at generation %d", ErrStaleHandle, t.r.Name, h, g)
	}
	return t.data(h.Index()), nil
}

// Free releases the handle's slot; every copy of the handle goes stale.
func (t *SlotTable) Free(h Handle) error {
	if err := t.check(h); err != nil {
		return err
	}
	next := h.Gen() + 1
	if next == 0 { // would wrap: retire the slot
		next = slotRetired
	}
	if !t.gen(h.Index()).CompareAndSwap(h.Gen(), next) {
		return fmt.Errorf("%w: slot table %q: free of %v, slot is at generation %d", ErrStaleHandle, t.r.Name, h, t.gen(h.Index()).Load())
	}
	t.live.Add(^uint32(0))
	return nil
}

// Live returns the number of live slots (a snapshot).
func (t *SlotTable) Live() int { return int(t.live.Load()) }
