package preempt

import (
	"context"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// Deadline interrupts one instance when a timer or a context fires. Create it
// with After or OnDone just before calling into the guest and Stop it when
// the call returns.
//
// It owns no goroutine while armed: the runtime's timer (or the context's
// AfterFunc) starts one only when it fires, and that goroutine returns at
// once after setting the flag. Stop releases the timer, so a Deadline that
// is always stopped leaks nothing.
type Deadline struct {
	mod  api.Module
	mu   sync.Mutex
	done bool // Stop was called or the deadline fired
	hit  bool // the interrupt was delivered
	stop func() bool
}

// After arms a deadline that interrupts mod after d.
func After(mod api.Module, d time.Duration) *Deadline {
	dl := &Deadline{mod: mod}
	dl.mu.Lock() // the timer may fire before stop is stored; fire waits
	dl.stop = time.AfterFunc(d, dl.fire).Stop
	dl.mu.Unlock()
	return dl
}

// OnDone arms a deadline that interrupts mod when ctx is done (deadline or
// cancellation).
func OnDone(ctx context.Context, mod api.Module) *Deadline {
	dl := &Deadline{mod: mod}
	dl.mu.Lock()
	dl.stop = context.AfterFunc(ctx, dl.fire)
	dl.mu.Unlock()
	return dl
}

func (dl *Deadline) fire() {
	dl.mu.Lock()
	defer dl.mu.Unlock()
	if dl.done {
		return
	}
	dl.done = true
	dl.hit = Interrupt(dl.mod)
}

// Stop disarms the deadline and reports whether it interrupted the instance,
// in which case the instance must be discarded. After Stop returns, the
// deadline never interrupts the instance, so an instance whose call finished
// in time can be reused. Stop may be called more than once.
func (dl *Deadline) Stop() (interrupted bool) {
	dl.mu.Lock()
	defer dl.mu.Unlock()
	if !dl.done {
		dl.done = true
		dl.stop()
	}
	return dl.hit
}
