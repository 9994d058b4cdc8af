package shm

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
)

// The triple buffer's state word (TBState), changed only by CAS:
//
//	bits 0-1  back    slot the writer fills
//	bits 2-3  middle  latest published slot, not yet taken by the reader
//	bits 4-5  front   slot the reader holds
//	bit  6    fresh   middle is newer than front
//	bits 7-31 gen     publish count modulo 2^25
//
// Publish swaps back and middle and sets fresh; Acquire, when fresh,
// swaps middle and front and clears fresh. The writer's CAS can fail only
// when the reader acquired in between, which clears fresh, so it succeeds
// at the second attempt at the latest: the writer never blocks.
const (
	tbInitial   = 0<<0 | 1<<2 | 2<<4
	tbFresh     = 1 << 6
	tbGenShift  = 7
	tbIndexMask = 3
)

func tbDecode(s uint32) (back, middle, front uint32, ok bool) {
	back, middle, front = s&3, s>>2&3, s>>4&3
	ok = back < 3 && middle < 3 && front < 3 && back != middle && middle != front && back != front
	return
}

// Triple is the host side of a triple buffer region. One agent (the host
// or a guest) writes and one reads; each side may be any goroutine, but
// not two at once. Methods never allocate.
type Triple struct {
	mem     []byte
	r       *Region
	state   *atomic.Uint32
	gen     *atomic.Uint64
	waiting *atomic.Uint32
	waiter  Waiter
}

// TripleBuffer returns the host side of the named triple buffer region.
func (m *Memory) TripleBuffer(name string) (*Triple, error) {
	r, err := m.region(name, TripleBuffer)
	if err != nil {
		return nil, err
	}
	return &Triple{mem: m.mem, r: r, state: word32(m.mem, r.Desc+TBState),
		gen: word64(m.mem, r.Desc+TBGen), waiting: word32(m.mem, r.Desc+TBWaiting), waiter: m.waiter}, nil
}

func (t *Triple) slot(i uint32) []byte {
	off := t.r.Offset + i*t.r.Stride
	return t.mem[off : off+t.r.Stride : off+t.r.Stride]
}

func (t *Triple) load() (uint32, uint32, uint32, uint32, error) {
	s := t.state.Load()
	b, m, f, ok := tbDecode(s)
	if !ok {
		return 0, 0, 0, 0, fmt.Errorf("%w: triple buffer %q state word %#x has invalid slot indices", ErrCorrupt, t.r.Name, s)
	}
	return s, b, m, f, nil
}

// Back returns the frame the writer fills next: SlotSize bytes, a view
// into shared memory, valid until Publish. Only the writer calls it.
func (t *Triple) Back() ([]byte, error) {
	_, b, _, _, err := t.load()
	if err != nil {
		return nil, err
	}
	return t.slot(b)[TBSlotHeader : TBSlotHeader+t.r.SlotSize], nil
}

// Publish makes the first n bytes of the back frame the latest frame and
// returns its generation (1, 2, …). It never blocks. Only the writer
// calls it.
func (t *Triple) Publish(n int) (uint64, error) {
	if n < 0 || uint64(n) > uint64(t.r.SlotSize) {
		return 0, fmt.Errorf("%w: triple buffer %q: frame of %d bytes, slots hold %d", ErrTooLarge, t.r.Name, n, t.r.SlotSize)
	}
	s, b, _, _, err := t.load()
	if err != nil {
		return 0, err
	}
	gen := t.gen.Load() + 1
	hdr := t.slot(b)
	binary.LittleEndian.PutUint64(hdr[TBSlotGen:], gen)
	binary.LittleEndian.PutUint32(hdr[TBSlotLen:], uint32(n))
	for {
		_, m, f, ok := tbDecode(s)
		if !ok || s&tbIndexMask != b {
			return 0, fmt.Errorf("%w: triple buffer %q state word %#x changed the writer's slot", ErrCorrupt, t.r.Name, s)
		}
		next := m | b<<2 | f<<4 | tbFresh | (s>>tbGenShift+1)<<tbGenShift
		if t.state.CompareAndSwap(s, next) {
			break
		}
		s = t.state.Load()
	}
	t.gen.Store(gen)
	if t.waiting.Load() != 0 {
		t.waiter.Notify(t.r.Desc+TBState, ^uint32(0))
	}
	return gen, nil
}

// Frame is a frame the reader holds.
type Frame struct {
	// Data is a view into shared memory, valid until the reader's next
	// Acquire: the slot then goes back to the writer.
	Data []byte
	Gen  uint64 // generation, 0 if nothing was published yet
	New  bool   // a newer frame than the previous Acquire returned
}

// Acquire takes the latest published frame without blocking. If nothing
// new was published since the last Acquire it returns the same frame with
// New false. Only the reader calls it.
func (t *Triple) Acquire() (Frame, error) {
	s, _, m, f, err := t.load()
	if err != nil {
		return Frame{}, err
	}
	fresh := s&tbFresh != 0
	for fresh {
		next := s&tbIndexMask | f<<2 | m<<4 | s>>tbGenShift<<tbGenShift
		if t.state.CompareAndSwap(s, next) {
			f = m
			break
		}
		if s, _, m, f, err = t.load(); err != nil {
			return Frame{}, err
		}
		fresh = s&tbFresh != 0
	}
	hdr := t.slot(f)
	gen := binary.LittleEndian.Uint64(hdr[TBSlotGen:])
	n := binary.LittleEndian.Uint32(hdr[TBSlotLen:])
	if n > t.r.SlotSize {
		return Frame{}, fmt.Errorf("%w: triple buffer %q frame length %d exceeds the slot size %d", ErrCorrupt, t.r.Name, n, t.r.SlotSize)
	}
	return Frame{Data: hdr[TBSlotHeader : TBSlotHeader+n : TBSlotHeader+n], Gen: gen, New: fresh}, nil
}

// AcquireNext waits until a frame newer than the last acquired one is
// published (or ctx ends), then acquires it.
func (t *Triple) AcquireNext(ctx context.Context) (Frame, error) {
	for {
		s := t.state.Load()
		if s&tbFresh != 0 {
			return t.Acquire()
		}
		if spin(64, func() bool { return t.state.Load()&tbFresh != 0 }) {
			continue
		}
		t.waiting.Add(1)
		var err error
		if t.state.Load() == s {
			err = waitWord(ctx, t.waiter, t.r.Desc+TBState, s)
		}
		t.waiting.Add(^uint32(0))
		if err != nil {
			return Frame{}, fmt.Errorf("%w: triple buffer %q: no new frame: %w", ErrTimeout, t.r.Name, err)
		}
	}
}

// Generation returns the generation of the last published frame.
func (t *Triple) Generation() uint64 { return t.gen.Load() }
