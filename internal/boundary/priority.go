package boundary

import (
	"context"
	"sync"
)

// Levels is the number of priority levels: 0 (lowest) to Levels-1.
const Levels = 8

// Priority is a priority level, 0 lowest, Levels-1 highest.
type Priority uint8

// DefaultPriority is the level of a component nobody set.
const DefaultPriority Priority = 3

func clampPriority(p Priority) Priority {
	if p >= Levels {
		return Levels - 1
	}
	return p
}

// Priorities maps components to priority levels; changeable at run time.
type Priorities struct {
	mu sync.RWMutex
	m  map[string]Priority
}

// NewPriorities makes an empty manager: every component has
// DefaultPriority until set.
func NewPriorities() *Priorities { return &Priorities{m: map[string]Priority{}} }

// Set changes a component's priority (clamped to Levels-1). It applies to
// work queued afterwards.
func (ps *Priorities) Set(component string, p Priority) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.m[component] = clampPriority(p)
}

// Get is a component's priority.
func (ps *Priorities) Get(component string) Priority {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	if p, ok := ps.m[component]; ok {
		return p
	}
	return DefaultPriority
}

// Forget removes a component (it goes back to DefaultPriority).
func (ps *Priorities) Forget(component string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.m, component)
}

// RunQueueOptions configure a RunQueue. The zero value is the default.
type RunQueueOptions struct {
	// Capacity is the bound of each level (default 1024).
	Capacity int
	// StarveLimit: a non-empty level passed over this many times in a row
	// is served next (default 16).
	StarveLimit int
}

// RunQueue is a bounded queue with one FIFO per priority level. Pop serves
// the highest non-empty level, except that a non-empty lower level passed
// over StarveLimit times in a row is served next, so low priorities slow
// down under a flood of high ones but never stop.
type RunQueue[T any] struct {
	capacity int
	starve   int
	wake     chan struct{}

	mu      sync.Mutex
	levels  [Levels]ring[T]
	skipped [Levels]int
	n       int
	waiters int
	closed  bool
}

// NewRunQueue makes a run queue.
func NewRunQueue[T any](opts RunQueueOptions) *RunQueue[T] {
	if opts.Capacity <= 0 {
		opts.Capacity = 1024
	}
	if opts.StarveLimit <= 0 {
		opts.StarveLimit = 16
	}
	return &RunQueue[T]{capacity: opts.Capacity, starve: opts.StarveLimit, wake: make(chan struct{}, 1)}
}

// Push queues item at level p. A full level is ErrQueueFull (never
// blocks); a closed queue ErrClosed.
func (q *RunQueue[T]) Push(p Priority, item T) error {
	p = clampPriority(p)
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	r := &q.levels[p]
	if r.len() >= q.capacity {
		q.mu.Unlock()
		return ErrQueueFull
	}
	r.push(item)
	q.n++
	signal := q.waiters > 0
	q.mu.Unlock()
	if signal {
		q.signal()
	}
	return nil
}

func (q *RunQueue[T]) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// TryPop takes the next item without waiting.
func (q *RunQueue[T]) TryPop() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.popLocked()
}

// Pop takes the next item, waiting until there is one, ctx is done
// (ctx.Err()) or the queue is closed and drained (ErrClosed).
func (q *RunQueue[T]) Pop(ctx context.Context) (T, error) {
	q.mu.Lock()
	for {
		if it, ok := q.popLocked(); ok {
			again := q.n > 0 && q.waiters > 0
			q.mu.Unlock()
			if again {
				q.signal() // pass the wake-up on: more items, more waiters
			}
			return it, nil
		}
		if q.closed {
			again := q.waiters > 0
			q.mu.Unlock()
			if again {
				q.signal() // wake the next waiter to see the close
			}
			var zero T
			return zero, ErrClosed
		}
		q.waiters++
		q.mu.Unlock()
		select {
		case <-q.wake:
			q.mu.Lock()
			q.waiters--
		case <-ctx.Done():
			q.mu.Lock()
			q.waiters--
			q.mu.Unlock()
			var zero T
			return zero, ctx.Err()
		}
	}
}

// popLocked applies the policy. Lock should be held.
func (q *RunQueue[T]) popLocked() (T, bool) {
	var zero T
	if q.n == 0 {
		return zero, false
	}
	top := -1
	for l := Levels - 1; l >= 0; l-- {
		if q.levels[l].len() > 0 {
			top = l
			break
		}
	}
	pick := top
	for l := top - 1; l >= 0; l-- {
		if q.levels[l].len() > 0 && q.skipped[l] >= q.starve {
			pick = l
			break
		}
	}
	for l := 0; l < pick; l++ {
		if q.levels[l].len() > 0 {
			q.skipped[l]++
		}
	}
	q.skipped[pick] = 0
	q.n--
	return q.levels[pick].pop(), true
}

// Len is the number of queued items.
func (q *RunQueue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Close refuses further pushes; Pop drains what is queued, then returns
// ErrClosed.
func (q *RunQueue[T]) Close() {
	q.mu.Lock()
	q.closed = true
	w := q.waiters > 0
	q.mu.Unlock()
	if w {
		q.signal()
	}
}

// ring is a growable FIFO.
type ring[T any] struct {
	buf        []T
	head, size int
}

func (r *ring[T]) len() int { return r.size }

func (r *ring[T]) push(x T) {
	if r.size == len(r.buf) {
		nb := make([]T, max(8, 2*len(r.buf)))
		for i := 0; i < r.size; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = x
	r.size++
}

func (r *ring[T]) pop() T {
	var zero T
	x := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return x
}
