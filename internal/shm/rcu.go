package shm

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
)

// RCUState is the host side of an RCU region: Slots versions of SlotSize
// bytes, one of them current (RCUCurrent = index | seq<<8).
//
// A reader pins the current version by incrementing that version's reader
// count and re-reading RCUCurrent: if it is unchanged the version cannot
// be reused until the count drops (a writer only reuses a version that is
// not current and has no readers); if it changed, the reader unpins and
// retries. No reader ever blocks or takes a lock, and a reader never sees
// a version being written.
//
// Writers are serialised by a SharedMutex on RCUWriterLock. A writer
// fills a free version and publishes it with one store; the version it
// replaces is reclaimed as soon as its last reader releases it. With
// every non-current version pinned, Begin waits (bounded by ctx).
//
// Who may call: Read/Release from any number of agents; Begin/Commit/Abort
// from any writer (they serialise).
type RCUState struct {
	m       *Memory
	r       *Region
	current *atomic.Uint32
	version *atomic.Uint64
	waiting *atomic.Uint32
	lock    *SharedMutex
}

// RCU returns the host side of the named RCU region.
func (m *Memory) RCU(name string) (*RCUState, error) {
	r, err := m.region(name, RCU)
	if err != nil {
		return nil, err
	}
	return &RCUState{m: m, r: r, current: word32(m.mem, r.Desc+RCUCurrent), version: word64(m.mem, r.Desc+RCUVersion),
		waiting: word32(m.mem, r.Desc+RCUWaiting), lock: newMutex(m, r.Desc+RCUWriterLock, name+".writer")}, nil
}

func (c *RCUState) hdr(i uint32) []byte {
	off := c.r.Offset + i*c.r.Stride
	return c.m.mem[off : off+c.r.Stride : off+c.r.Stride]
}

func (c *RCUState) readers(i uint32) *atomic.Uint32 {
	return word32(c.m.mem, c.r.Offset+i*c.r.Stride+RCUVerReaders)
}

// Snapshot is a pinned version.
type Snapshot struct {
	// Data is a view of the version, valid and unchanging until Release.
	Data    []byte
	Version uint64 // 0: nothing published yet (Data is empty)
	index   uint32
}

// Read pins the current version. Release it when done; a snapshot that
// is never released keeps its version from being reclaimed.
func (c *RCUState) Read() (Snapshot, error) {
	for {
		cur := c.current.Load()
		i := cur & 0xff
		if i >= c.r.Slots {
			return Snapshot{}, fmt.Errorf("%w: rcu %q current index %d ≥ %d versions", ErrCorrupt, c.r.Name, i, c.r.Slots)
		}
		c.readers(i).Add(1)
		if c.current.Load() != cur {
			c.unpin(i)
			continue
		}
		h := c.hdr(i)
		n := binary.LittleEndian.Uint32(h[RCUVerLen:])
		if n > c.r.SlotSize {
			c.unpin(i)
			return Snapshot{}, fmt.Errorf("%w: rcu %q version length %d exceeds %d", ErrCorrupt, c.r.Name, n, c.r.SlotSize)
		}
		return Snapshot{Data: h[RCUVerHeader : RCUVerHeader+n : RCUVerHeader+n],
			Version: binary.LittleEndian.Uint64(h[RCUVerNumber:]), index: i}, nil
	}
}

// Release unpins a snapshot. Its Data must not be used afterwards.
func (c *RCUState) Release(s Snapshot) { c.unpin(s.index) }

func (c *RCUState) unpin(i uint32) {
	if c.readers(i).Add(^uint32(0)) == 0 && c.waiting.Load() != 0 {
		c.m.waiter.Notify(c.r.Offset+i*c.r.Stride+RCUVerReaders, ^uint32(0))
	}
}

// RCUWrite is a version being written. Fill Data, then Commit or Abort.
type RCUWrite struct {
	Data  []byte // SlotSize bytes; nobody else reads or writes them
	c     *RCUState
	index uint32
}

// Begin takes the writer lock and a free version, waiting for either
// until ctx ends.
//
// # Errors
//
// ErrTimeout wrapping ctx's error; ErrCorrupt on an impossible state.
func (c *RCUState) Begin(ctx context.Context) (*RCUWrite, error) {
	if err := c.lock.LockContext(ctx); err != nil {
		return nil, err
	}
	for {
		cur := c.current.Load() & 0xff
		best, bestN := uint32(0), ^uint32(0)
		for i := uint32(0); i < c.r.Slots; i++ {
			if i == cur {
				continue
			}
			if n := c.readers(i).Load(); n < bestN {
				best, bestN = i, n
			}
		}
		if bestN == 0 {
			return &RCUWrite{Data: c.hdr(best)[RCUVerHeader : RCUVerHeader+c.r.SlotSize], c: c, index: best}, nil
		}
		c.waiting.Add(1)
		err := waitWord(ctx, c.m.waiter, c.r.Offset+best*c.r.Stride+RCUVerReaders, bestN)
		c.waiting.Add(^uint32(0))
		if err != nil {
			c.lock.Unlock()
			return nil, fmt.Errorf("%w: rcu %q: every old version is still read: %w", ErrTimeout, c.r.Name, err)
		}
	}
}

// Commit publishes the first n bytes of Data as the current version and
// releases the writer lock. It returns the new version number.
func (w *RCUWrite) Commit(n int) (uint64, error) {
	c := w.c
	if n < 0 || uint64(n) > uint64(c.r.SlotSize) {
		return 0, fmt.Errorf("%w: rcu %q: %d bytes, versions hold %d", ErrTooLarge, c.r.Name, n, c.r.SlotSize)
	}
	v := c.version.Load() + 1
	h := c.hdr(w.index)
	binary.LittleEndian.PutUint64(h[RCUVerNumber:], v)
	binary.LittleEndian.PutUint32(h[RCUVerLen:], uint32(n))
	seq := c.current.Load() >> 8
	c.current.Store(w.index | (seq+1)<<8)
	c.version.Store(v)
	return v, c.lock.Unlock()
}

// Abort gives the version back unpublished and releases the writer lock.
func (w *RCUWrite) Abort() error { return w.c.lock.Unlock() }

// Version returns the number of the current version.
func (c *RCUState) Version() uint64 { return c.version.Load() }
