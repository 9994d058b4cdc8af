package shm

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Ring is the host side of an SPSC or MPSC ring of fixed-size entries
// (Region.SlotSize bytes each). Positions are free-running u32 counters;
// the slot of position p is p & (Slots-1).
//
// SPSC: the producer owns RingTail, the consumer RingHead; used =
// tail - head. MPSC: producers reserve positions by CAS on RingTail and
// mark each slot ready by storing seq = p+1 in its header; the consumer
// frees a slot by storing seq = p+Slots (Dmitry Vyukov's bounded queue).
//
// Who may call: Push/TryPush from the one producer (SPSC) or any number of
// producers (MPSC); Pop/TryPop from the one consumer, never two at once.
// Entries are copied in and out; nothing is retained.
type Ring struct {
	mem       []byte
	r         *Region
	mpsc      bool
	mask      uint32
	tail      *atomic.Uint32
	head      *atomic.Uint32
	data      *atomic.Uint32 // the word consumers wait on: tail (SPSC) or commits (MPSC)
	dataOff   uint32
	waitData  *atomic.Uint32
	waitSpace *atomic.Uint32
	waiter    Waiter
	errFull   error // preallocated: TryPush/TryPop in a loop must not allocate
	errEmpty  error
}

// Ring returns the host side of the named SPSC or MPSC ring.
func (m *Memory) Ring(name string) (*Ring, error) {
	r, ok := m.layout.Region(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if r.Kind != SPSCRing && r.Kind != MPSCRing {
		return nil, fmt.Errorf("%w: region %q is a %v, not a ring", ErrWrongKind, name, r.Kind)
	}
	g := &Ring{mem: m.mem, r: r, mpsc: r.Kind == MPSCRing, mask: r.Slots - 1,
		tail: word32(m.mem, r.Desc+RingTail), head: word32(m.mem, r.Desc+RingHead),
		waitData: word32(m.mem, r.Desc+RingWaitData), waitSpace: word32(m.mem, r.Desc+RingWaitSpace), waiter: m.waiter}
	g.dataOff = r.Desc + RingTail
	if g.mpsc {
		g.dataOff = r.Desc + RingCommits
	}
	g.data = word32(m.mem, g.dataOff)
	g.errFull = fmt.Errorf("%w: ring %q (%d slots)", ErrFull, name, r.Slots)
	g.errEmpty = fmt.Errorf("%w: ring %q", ErrEmpty, name)
	return g, nil
}

// EntrySize is the size of one entry in bytes.
func (g *Ring) EntrySize() int { return int(g.r.SlotSize) }

// Len returns the number of entries pushed and not yet popped (MPSC:
// reserved, some maybe not yet committed). A snapshot, for monitoring.
func (g *Ring) Len() int { return int(min(g.tail.Load()-g.head.Load(), g.r.Slots)) }

func (g *Ring) entry(p uint32) []byte {
	off := g.r.Offset + (p&g.mask)*g.r.Stride
	if g.mpsc {
		off += MPSCSlotHeader
	}
	return g.mem[off : off+g.r.SlotSize : off+g.r.SlotSize]
}

func (g *Ring) seq(p uint32) *atomic.Uint32 {
	return word32(g.mem, g.r.Offset+(p&g.mask)*g.r.Stride+MPSCSlotSeq)
}

func (g *Ring) entries(buf []byte) (int, error) {
	es := int(g.r.SlotSize)
	if len(buf)%es != 0 {
		return 0, fmt.Errorf("%w: ring %q: %d bytes is not a whole number of %d-byte entries", ErrTooLarge, g.r.Name, len(buf), es)
	}
	return len(buf) / es, nil
}

// TryPush copies as many whole entries from buf (len a multiple of the
// entry size) as there is room for and returns how many. It never blocks.
//
// # Errors
//
// ErrFull when no entry fitted; ErrCorrupt when the counters are
// impossible (a guest broke the protocol).
func (g *Ring) TryPush(buf []byte) (int, error) {
	k, err := g.entries(buf)
	if err != nil || k == 0 {
		return 0, err
	}
	var n int
	if g.mpsc {
		n = g.pushMPSC(buf, k)
	} else {
		if n, err = g.pushSPSC(buf, k); err != nil {
			return 0, err
		}
	}
	if n == 0 {
		return 0, g.errFull
	}
	if g.mpsc {
		g.data.Add(1)
	}
	if g.waitData.Load() != 0 {
		g.waiter.Notify(g.dataOff, 1)
	}
	return n, nil
}

func (g *Ring) pushSPSC(buf []byte, k int) (int, error) {
	tail, head := g.tail.Load(), g.head.Load()
	used := tail - head
	if used > g.r.Slots {
		return 0, fmt.Errorf("%w: ring %q head %d tail %d are %d apart, more than %d slots", ErrCorrupt, g.r.Name, head, tail, used, g.r.Slots)
	}
	n := min(uint32(k), g.r.Slots-used)
	es := g.r.SlotSize
	for i := uint32(0); i < n; i++ {
		copy(g.entry(tail+i), buf[i*es:(i+1)*es])
	}
	g.tail.Store(tail + n)
	return int(n), nil
}

// pushMPSC reserves and commits positions; it returns 0 when full.
func (g *Ring) pushMPSC(buf []byte, k int) int {
	es := g.r.SlotSize
	done := 0
	for done < k {
		pos := g.tail.Load()
		n := min(uint32(k-done), g.r.Slots)
		// The consumer frees in order, so if the last slot of the batch is
		// free for this lap, all before it are.
		if g.seq(pos+n-1).Load() != pos+n-1 {
			n = 1
			if d := int32(g.seq(pos).Load() - pos); d < 0 {
				return done // full
			} else if d > 0 {
				continue // another producer took pos
			}
		}
		if !g.tail.CompareAndSwap(pos, pos+n) {
			continue
		}
		for i := uint32(0); i < n; i++ {
			off := uint32(done) + i
			copy(g.entry(pos+i), buf[off*es:(off+1)*es])
			g.seq(pos + i).Store(pos + i + 1)
		}
		done += int(n)
	}
	return done
}

// full reports whether the next push would find no room, and the head
// value to wait on.
func (g *Ring) full() (bool, uint32) {
	h := g.head.Load()
	if g.mpsc {
		pos := g.tail.Load()
		return int32(g.seq(pos).Load()-pos) < 0, h
	}
	return g.tail.Load()-h >= g.r.Slots, h
}

// Push copies all entries of buf, waiting for room while the ring is full
// (a short spin, then Waiter.Wait32 on RingHead) until ctx ends.
//
// # Errors
//
// ErrFull wrapping ctx's error when ctx ended first; the count says how
// many entries went in.
func (g *Ring) Push(ctx context.Context, buf []byte) (int, error) {
	k, err := g.entries(buf)
	if err != nil {
		return 0, err
	}
	es := int(g.r.SlotSize)
	done := 0
	for {
		n, err := g.TryPush(buf[done*es:])
		done += n
		if done == k {
			return done, nil
		}
		if err != nil && err != g.errFull {
			return done, err
		}
		if spin(32, func() bool { f, _ := g.full(); return !f }) {
			continue
		}
		g.waitSpace.Add(1)
		if f, h := g.full(); f {
			err = waitWord(ctx, g.waiter, g.r.Desc+RingHead, h)
		} else {
			err = nil
		}
		g.waitSpace.Add(^uint32(0))
		if err != nil {
			return done, fmt.Errorf("%w: ring %q: pushed %d of %d entries: %w", ErrFull, g.r.Name, done, k, err)
		}
	}
}

// TryPop copies up to len(out)/EntrySize entries into out and returns how
// many. It never blocks.
//
// # Errors
//
// ErrEmpty when there was nothing to pop; ErrCorrupt on impossible
// counters.
func (g *Ring) TryPop(out []byte) (int, error) {
	k, err := g.entries(out[:len(out)-len(out)%int(g.r.SlotSize)])
	if err != nil || k == 0 {
		return 0, err
	}
	es := g.r.SlotSize
	head := g.head.Load()
	var n uint32
	if g.mpsc {
		for n < uint32(k) && g.seq(head+n).Load() == head+n+1 {
			copy(out[n*es:(n+1)*es], g.entry(head+n))
			g.seq(head + n).Store(head + n + g.r.Slots)
			n++
		}
	} else {
		used := g.tail.Load() - head
		if used > g.r.Slots {
			return 0, fmt.Errorf("%w: ring %q head %d and tail are %d apart, more than %d slots", ErrCorrupt, g.r.Name, head, used, g.r.Slots)
		}
		n = min(uint32(k), used)
		for i := uint32(0); i < n; i++ {
			copy(out[i*es:(i+1)*es], g.entry(head+i))
		}
	}
	if n == 0 {
		return 0, g.errEmpty
	}
	g.head.Store(head + n)
	if g.waitSpace.Load() != 0 {
		g.waiter.Notify(g.r.Desc+RingHead, ^uint32(0))
	}
	return int(n), nil
}

// empty reports whether the next pop would find nothing, and the value
// of the data word to wait on.
func (g *Ring) empty() (bool, uint32) {
	d := g.data.Load()
	head := g.head.Load()
	if g.mpsc {
		return g.seq(head).Load() != head+1, d
	}
	return g.tail.Load() == head, d
}

// Pop waits until at least one entry is available (a short spin, then
// Waiter.Wait32 on the data word) or ctx ends, then pops like TryPop.
//
// # Errors
//
// ErrEmpty wrapping ctx's error when ctx ended first.
func (g *Ring) Pop(ctx context.Context, out []byte) (int, error) {
	for {
		n, err := g.TryPop(out)
		if n > 0 || err != g.errEmpty {
			return n, err
		}
		if spin(32, func() bool { e, _ := g.empty(); return !e }) {
			continue
		}
		g.waitData.Add(1)
		err = nil
		if e, d := g.empty(); e {
			err = waitWord(ctx, g.waiter, g.dataOff, d)
		}
		g.waitData.Add(^uint32(0))
		if err != nil {
			return 0, fmt.Errorf("%w: ring %q: %w", ErrEmpty, g.r.Name, err)
		}
	}
}
