package actor

import (
	"fmt"
	"sync"
	"sync/atomic"
)

const (
	pageBits = 12
	pageSize = 1 << pageBits
	numPages = (MaxIndex + 1) / pageSize
)

type slot struct {
	proc atomic.Pointer[process]
	gen  uint32 // guarded by table.mu
}

type page [pageSize]slot

// table maps PIDs to processes in O(1): a fixed array of lazily allocated
// pages of slots. Reads take no lock; writes (spawn, restart, release) hold
// mu. A slot's generation only grows; a slot at MaxGeneration is retired so
// a PID is never reused.
type table struct {
	node  uint16
	pages [numPages]atomic.Pointer[page]

	mu   sync.Mutex
	free []uint32
	next uint32
	live atomic.Int64
}

// get returns the process pid names, or nil if pid is stale or unknown.
func (t *table) get(pid PID) *process {
	if pid.Node() != t.node {
		return nil
	}
	idx := pid.Index()
	pg := t.pages[idx>>pageBits].Load()
	if pg == nil {
		return nil
	}
	p := pg[idx&(pageSize-1)].proc.Load()
	if p == nil || PID(p.id.Load()) != pid {
		return nil
	}
	return p
}

// slot returns the slot for idx, allocating its page. Lock should be held.
func (t *table) slot(idx uint32) *slot {
	pg := t.pages[idx>>pageBits].Load()
	if pg == nil {
		pg = new(page)
		t.pages[idx>>pageBits].Store(pg)
	}
	return &pg[idx&(pageSize-1)]
}

// alloc gives p a fresh slot and PID.
func (t *table) alloc(p *process) (PID, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pid, err := t.allocLocked(p)
	if err == nil {
		t.live.Add(1)
	}
	return pid, err
}

// Lock should be held.
func (t *table) allocLocked(p *process) (PID, error) {
	var idx uint32
	if n := len(t.free); n > 0 {
		idx = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if t.next > MaxIndex {
			return 0, fmt.Errorf("%w: all %d slots of node %d are in use or retired", ErrTableFull, MaxIndex+1, t.node)
		}
		idx = t.next
		t.next++
	}
	s := t.slot(idx)
	s.gen++
	pid := NewPID(t.node, idx, s.gen)
	p.id.Store(uint64(pid))
	s.proc.Store(p)
	return pid, nil
}

// bump gives p, which keeps its slot, the next generation: the PID it had
// becomes stale. A slot at its last generation is retired and p moves to a
// fresh one.
func (t *table) bump(p *process) (PID, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := PID(p.id.Load())
	s := t.slot(old.Index())
	if s.gen < MaxGeneration {
		s.gen++
		pid := NewPID(t.node, old.Index(), s.gen)
		p.id.Store(uint64(pid))
		return pid, nil
	}
	s.proc.Store(nil) // retired: never freed
	return t.allocLocked(p)
}

// release frees p's slot. The next process in it gets a new generation.
func (t *table) release(p *process) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pid := PID(p.id.Load())
	s := t.slot(pid.Index())
	if s.proc.Load() != p {
		return
	}
	s.proc.Store(nil)
	t.live.Add(-1)
	if s.gen < MaxGeneration {
		t.free = append(t.free, pid.Index())
	}
}
