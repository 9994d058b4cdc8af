package shm

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// SharedMutex is a futex-style lock on one u32 word (Ulrich Drepper,
// "Futexes Are Tricky", mutex #3): 0 unlocked, 1 locked, 2 locked with
// possible waiters. Unlock notifies only from state 2, so an uncontended
// Lock/Unlock is one CAS and one swap. Guests use the same word through
// wp_shm_mutex_* in the C header.
//
// It is not reentrant and has no owner: any agent may Unlock, as with
// sync.Mutex. A guest that traps while holding it leaves it locked;
// LockTimeout bounds that wait.
type SharedMutex struct {
	w      *atomic.Uint32
	off    uint32
	waiter Waiter
	name   string
}

// Mutex returns the lock of the named Mutex region. Raw(name) is the
// guarded block.
func (m *Memory) Mutex(name string) (*SharedMutex, error) {
	r, err := m.region(name, Mutex)
	if err != nil {
		return nil, err
	}
	return newMutex(m, r.Desc+MutexWord, name), nil
}

func newMutex(m *Memory, off uint32, name string) *SharedMutex {
	return &SharedMutex{w: word32(m.mem, off), off: off, waiter: m.waiter, name: name}
}

// TryLock takes the lock if it is free and reports whether it did.
func (mu *SharedMutex) TryLock() bool { return mu.w.CompareAndSwap(0, 1) }

// Lock waits for the lock with no time limit.
func (mu *SharedMutex) Lock() {
	if err := mu.LockContext(context.Background()); err != nil {
		panic(err) // unreachable: Background never ends
	}
}

// LockContext waits for the lock until ctx ends.
//
// # Errors
//
// ErrTimeout wrapping ctx's error; ErrCorrupt if the word holds a value
// other than 0, 1, 2.
func (mu *SharedMutex) LockContext(ctx context.Context) error {
	if mu.w.CompareAndSwap(0, 1) {
		return nil
	}
	// Spin briefly: critical sections on shared regions are short.
	if spin(64, func() bool { return mu.w.Load() == 0 && mu.w.CompareAndSwap(0, 1) }) {
		return nil
	}
	for {
		// Mark contended; if it was free we now hold it (in state 2,
		// which costs the next Unlock one spurious notify).
		c := mu.w.Swap(2)
		if c == 0 {
			return nil
		}
		if c > 2 {
			return fmt.Errorf("%w: mutex %q word holds %d", ErrCorrupt, mu.name, c)
		}
		if err := waitWord(ctx, mu.waiter, mu.off, 2); err != nil {
			return fmt.Errorf("%w: mutex %q: %w", ErrTimeout, mu.name, err)
		}
	}
}

// Unlock releases the lock and wakes one waiter if there may be one.
//
// # Errors
//
// ErrCorrupt if the lock was not held (0) or the word held a value the
// protocol never writes; the word is 0 afterwards either way. The host
// never panics on a state a guest can produce.
func (mu *SharedMutex) Unlock() error {
	switch c := mu.w.Swap(0); c {
	case 1:
		return nil
	case 2:
		mu.waiter.Notify(mu.off, 1)
		return nil
	default:
		mu.waiter.Notify(mu.off, 1)
		return fmt.Errorf("%w: unlock of mutex %q whose word held %d (not locked)", ErrCorrupt, mu.name, c)
	}
}

// LockTimeout is LockContext with a timeout.
func (mu *SharedMutex) LockTimeout(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return mu.LockContext(ctx)
}
