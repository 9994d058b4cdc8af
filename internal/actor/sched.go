package actor

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// SchedulerConfig configures the run slots that make priorities count.
// The zero value leaves them off.
type SchedulerConfig struct {
	// Enabled turns the run slots on: at most Slots processes handle
	// messages at once, and when all slots are taken the waiting process
	// of the highest priority gets the next one. Off (the default), a
	// ready process runs as soon as the Go scheduler picks its goroutine,
	// and priorities are recorded but change nothing.
	//
	// A process waiting on a request or on a full mailbox gives its slot
	// up meanwhile. A handler that blocks on anything else (a channel,
	// I/O, a lock another component holds) keeps its slot while it
	// blocks, unless it wraps the wait in Context.Blocking.
	Enabled bool
	// Slots is how many processes handle messages at once (default
	// GOMAXPROCS when the system is made).
	Slots int
	// StarveLimit: a waiting level passed over this many times in a row
	// gets the next slot (default 16), so low priorities slow down under a
	// flood of high ones but never stop.
	StarveLimit int
}

// DefaultStarveLimit is the StarveLimit of a SchedulerConfig given 0.
const DefaultStarveLimit = 16

// scheduler hands out run slots. A process takes one before it calls its
// component on a message; it gives it back before it goes idle, around
// waits that another process must end (requests, a full mailbox: a
// process blocked on another holds no slot, so slots add no deadlock),
// after a batch when someone of its level or above waits, and after the
// message in progress when someone above waits.
//
// A free slot is taken with a CAS; otherwise the goroutine queues at its
// priority and parks, and a release hands the slot directly to the
// chosen waiter (the highest level, except a level passed over
// StarveLimit times in a row). Lock order: scheduler.mu is a leaf.
type scheduler struct {
	// state is waiters<<32 | free slots. At most one half is non-zero: a
	// release adds a free slot only while nobody waits and a waiter
	// queues only while no slot is free, each by CAS on this one word,
	// so no wake-up is lost.
	state atomic.Uint64
	// mask has bit l set while level l has waiters. Read without the
	// lock to decide whether to yield: a stale read costs one yield too
	// early or too late, never a slot.
	mask   atomic.Uint32
	slots  int
	starve int

	mu      sync.Mutex // guards levels, skipped and process.slotWait
	levels  [boundary.Levels]waitList
	skipped [boundary.Levels]int
}

const (
	freeMask  = 1<<32 - 1
	oneWaiter = 1 << 32
)

func newScheduler(cfg SchedulerConfig) *scheduler {
	sc := &scheduler{slots: cfg.Slots, starve: cfg.StarveLimit}
	sc.state.Store(uint64(cfg.Slots))
	return sc
}

// waiter is a goroutine parked for a slot.
type waiter struct {
	ch         chan struct{} // buffered 1: the slot handed over
	p          *process
	level      boundary.Priority
	prev, next *waiter
}

var waiterPool = sync.Pool{New: func() any { return &waiter{ch: make(chan struct{}, 1)} }}

// waitList is a FIFO of waiters, linked through them so that a waiter
// moves between levels (SetPriority) in O(1).
type waitList struct{ head, tail *waiter }

func (l *waitList) push(w *waiter) {
	w.prev, w.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
}

func (l *waitList) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.prev, w.next = nil, nil
}

// acquire takes a slot for p, waiting at p's priority if none is free.
func (sc *scheduler) acquire(p *process) {
	for {
		s := sc.state.Load()
		if s&freeMask == 0 {
			break
		}
		if sc.state.CompareAndSwap(s, s-1) {
			return
		}
	}
	sc.wait(p)
}

func (sc *scheduler) wait(p *process) {
	sc.mu.Lock()
	for {
		s := sc.state.Load()
		if s&freeMask != 0 {
			if sc.state.CompareAndSwap(s, s-1) {
				sc.mu.Unlock()
				return
			}
			continue
		}
		if sc.state.CompareAndSwap(s, s+oneWaiter) {
			break
		}
	}
	w := waiterPool.Get().(*waiter)
	w.p = p
	// Read under the lock: a SetPriority that stored before it is seen
	// here, one that stores after it finds w and moves it.
	sc.pushLocked(w, p.priority())
	sc.mu.Unlock()
	<-w.ch
	w.p = nil
	waiterPool.Put(w)
	// The wake-up put this goroutine in the runnext place of the
	// releaser's P, inheriting its time slice; a chain of such handoffs
	// would keep that P from its run queue (where a requester just
	// answered may wait) for a whole 10 ms slice. Yield once to break it.
	runtime.Gosched()
}

// release gives a slot back: to the chosen waiter if any, else to the
// free count.
func (sc *scheduler) release() {
	for {
		s := sc.state.Load()
		if s>>32 != 0 {
			break
		}
		if sc.state.CompareAndSwap(s, s+1) {
			return
		}
	}
	sc.mu.Lock()
	for {
		// Another release may have taken the last waiter meanwhile.
		s := sc.state.Load()
		if s>>32 != 0 {
			break
		}
		if sc.state.CompareAndSwap(s, s+1) {
			sc.mu.Unlock()
			return
		}
	}
	w := sc.nextLocked()
	sc.state.Add(^uint64(oneWaiter - 1)) // one waiter fewer; free stays 0
	sc.mu.Unlock()
	w.ch <- struct{}{}
}

// higherWaiting reports whether a process waits above level.
func (sc *scheduler) higherWaiting(level boundary.Priority) bool {
	return sc.mask.Load()>>(level+1) != 0
}

// keep reports whether a slot holder at level may go on to its next
// batch: nobody waits at its level or above, and no lower level has been
// passed over StarveLimit times in a row. Keeping the slot while lower
// levels wait passes them over.
func (sc *scheduler) keep(level boundary.Priority) bool {
	if sc.state.Load()>>32 == 0 {
		return true
	}
	if sc.mask.Load()>>level != 0 {
		return false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	m := sc.mask.Load()
	for l := range level {
		if m&(1<<l) != 0 && sc.skipped[l] >= sc.starve {
			return false
		}
	}
	for l := range level {
		if m&(1<<l) != 0 {
			sc.skipped[l]++
		}
	}
	return true
}

// pushLocked queues w at level. Lock should be held.
func (sc *scheduler) pushLocked(w *waiter, level boundary.Priority) {
	w.level = level
	sc.levels[level].push(w)
	sc.mask.Or(1 << level)
	w.p.slotWait = w
}

// unlinkLocked takes w out of its level. Lock should be held.
func (sc *scheduler) unlinkLocked(w *waiter) {
	l := &sc.levels[w.level]
	l.remove(w)
	if l.head == nil {
		sc.mask.And(^uint32(1 << w.level))
		sc.skipped[w.level] = 0 // "in a row" ends when the level empties
	}
	if w.p.slotWait == w {
		w.p.slotWait = nil
	}
}

// nextLocked picks the waiter to hand a slot to: the head of the highest
// waiting level, unless a lower waiting level was passed over StarveLimit
// times in a row (as boundary.RunQueue). Lock should be held; there is a
// waiter.
func (sc *scheduler) nextLocked() *waiter {
	m := sc.mask.Load()
	top := bits.Len32(m) - 1
	pick := top
	for l := top - 1; l >= 0; l-- {
		if m&(1<<l) != 0 && sc.skipped[l] >= sc.starve {
			pick = l
			break
		}
	}
	for l := 0; l < pick; l++ {
		if m&(1<<l) != 0 {
			sc.skipped[l]++
		}
	}
	sc.skipped[pick] = 0
	w := sc.levels[pick].head
	sc.unlinkLocked(w)
	return w
}

// requeue moves p's parked waiter, if any, to level.
func (sc *scheduler) requeue(p *process, level boundary.Priority) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if w := p.slotWait; w != nil && w.level != level {
		sc.unlinkLocked(w)
		sc.pushLocked(w, level)
	}
}

// counts returns the free slots and the waiters (tests).
func (sc *scheduler) counts() (free, waiting int) {
	s := sc.state.Load()
	return int(s & freeMask), int(s >> 32)
}

// priority is the process's current level.
func (p *process) priority() boundary.Priority { return boundary.Priority(p.prio.Load()) }

// takeSlot makes sure the owner holds a slot before it calls the
// component, giving its slot up first when a higher level waits: a
// high-priority message waits for at most the message in progress.
// Owner only.
func (p *process) takeSlot(sc *scheduler) {
	if p.slotHeld.Load() {
		if !sc.higherWaiting(p.priority()) {
			return
		}
		p.dropSlot()
	}
	sc.acquire(p)
	if !p.slotHeld.CompareAndSwap(false, true) {
		sc.release() // a goroutine back from a wait took one for p already
	}
}

// endBatch gives the slot up after a batch unless more work is queued and
// the scheduler lets the process keep it (see keep). A supervised process
// always gives it up: its batches are one message and its control
// requests run between them. Owner only.
func (p *process) endBatch(sc *scheduler) {
	if p.sv == nil && p.mb.len() > 0 && sc.keep(p.priority()) {
		return
	}
	p.dropSlot()
}

// dropSlot gives up the process's slot if it holds one.
func (p *process) dropSlot() {
	if p.slotHeld.Load() && p.slotHeld.CompareAndSwap(true, false) {
		p.sys.sched.release()
	}
}

// suspendSlot gives up the slot of the process from, if it holds one, for
// a wait that another process must end; resume takes a slot back. A
// process blocked in a request must hold no slot: with every slot held by
// processes waiting on processes that wait for a slot, nothing would run.
func (s *System) suspendSlot(from PID) (resume func()) {
	if s.sched == nil || from == 0 {
		return noResume
	}
	p := s.table.get(from)
	if p == nil || !p.slotHeld.CompareAndSwap(true, false) {
		return noResume
	}
	s.sched.release()
	var epoch uint64
	if p.sv != nil {
		epoch = p.sv.cs.Load() >> 1
	}
	return func() { p.retakeSlot(epoch) }
}

func noResume() {}

// retakeSlot takes a slot back after a wait (suspendSlot). epoch is the
// supervised owner's epoch when the wait began.
func (p *process) retakeSlot(epoch uint64) {
	sc := p.sys.sched
	sc.acquire(p)
	if !p.slotHeld.CompareAndSwap(false, true) {
		sc.release() // a new owner (after a kill) holds p's slot
		return
	}
	if p.sv != nil && p.sv.cs.Load()>>1 != epoch {
		// Killed while it waited: this goroutine is abandoned and goes
		// on without a slot, which the new owner never took.
		p.dropSlot()
	}
}

// Blocking gives up the component's run slot (Config.Scheduler) for a
// wait that only another component can end, such as a lock on a shared
// region, and returns the function that takes a slot back; call it once
// the wait is over. Without the scheduler both do nothing. Requests and
// full mailboxes do this themselves.
func (c *Context) Blocking() (done func()) { return c.sys.suspendSlot(c.Self()) }

// SetPriority changes the priority of pid, 0 (lowest) to 7 (highest). It
// applies from the process's next slot: at once if it is waiting for one.
// Without the scheduler (Config.Scheduler) it is recorded but changes
// nothing.
//
// # Errors
//
// ErrInvalid for a level above 7; ErrDeadPID for a stale or unknown PID.
func (s *System) SetPriority(pid PID, level boundary.Priority) error {
	if level >= boundary.Levels {
		return fmt.Errorf("set priority of %s: %w: level %d, the levels are 0 (lowest) to %d", pid, ErrInvalid, level, boundary.Levels-1)
	}
	p := s.table.get(pid)
	if p == nil {
		return fmt.Errorf("set priority of %s: %w: %s", pid, ErrDeadPID, s.staleReason(pid))
	}
	p.prio.Store(uint32(level))
	if s.sched != nil {
		s.sched.requeue(p, level)
	}
	return nil
}

// Priority is the current priority of pid.
//
// # Errors
//
// ErrDeadPID for a stale or unknown PID.
func (s *System) Priority(pid PID) (boundary.Priority, error) {
	p := s.table.get(pid)
	if p == nil {
		return 0, fmt.Errorf("priority of %s: %w: %s", pid, ErrDeadPID, s.staleReason(pid))
	}
	return p.priority(), nil
}

// spawnPriority is the level a process starts at.
func spawnPriority(o *SpawnOptions) (boundary.Priority, error) {
	if !o.PrioritySet {
		return boundary.DefaultPriority, nil
	}
	if o.Priority >= boundary.Levels {
		return 0, fmt.Errorf("spawn %q: %w: priority %d, the levels are 0 (lowest) to %d", o.Name, ErrInvalid, o.Priority, boundary.Levels-1)
	}
	return o.Priority, nil
}
