package shm

import (
	"context"
	"runtime"
	"time"
)

// WaitResult is the outcome of Waiter.Wait32, with the values of
// memory.atomic.wait32.
type WaitResult uint32

const (
	Woken    WaitResult = 0 // notified (or, for SpinWaiter, the value changed)
	NotEqual WaitResult = 1 // the word did not hold the expected value
	TimedOut WaitResult = 2 // the timeout passed
)

// Waiter blocks on and wakes 32-bit words of one memory, as
// memory.atomic.wait32 and memory.atomic.notify do for guests.
//
// NewWasmWaiter shares the guests' wait queues, so the host and guests
// wake one another; SpinWaiter only polls and can wake nobody.
type Waiter interface {
	// Wait32 blocks while the word at off holds expected, until notified
	// or timeout passes (timeout < 0: no limit). off is 4-aligned and in
	// bounds (the primitives only pass descriptor words).
	Wait32(off uint32, expected uint32, timeout time.Duration) WaitResult
	// Notify wakes up to count waiters on off and returns how many woke.
	Notify(off uint32, count uint32) uint32
}

// SpinWaiter is the Waiter of last resort: it polls the word (a short
// spin, then sleeps that double from 1 µs to MaxSleep) and Notify does
// nothing. A guest blocked in memory.atomic.wait32 is not woken by the
// host's Notify, so with a SpinWaiter guests must wait with a timeout and
// re-check (wp_shm_* in the C header take timeouts for that reason).
type SpinWaiter struct {
	mem []byte
	// MaxSleep bounds one sleep, so also the extra latency after the
	// value changes. Default 1 ms.
	MaxSleep time.Duration
}

// NewSpinWaiter returns a SpinWaiter on mem.
func NewSpinWaiter(mem []byte) *SpinWaiter { return &SpinWaiter{mem: mem} }

const spinRounds = 64

// Wait32 implements Waiter.
func (s *SpinWaiter) Wait32(off, expected uint32, timeout time.Duration) WaitResult {
	w := word32(s.mem, off)
	if w.Load() != expected {
		return NotEqual
	}
	for i := 0; i < spinRounds; i++ {
		if w.Load() != expected {
			return Woken
		}
		if i%8 == 7 {
			runtime.Gosched()
		}
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	maxSleep := s.MaxSleep
	if maxSleep <= 0 {
		maxSleep = time.Millisecond
	}
	for d := time.Microsecond; ; d = min(2*d, maxSleep) {
		if w.Load() != expected {
			return Woken
		}
		if timeout >= 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return TimedOut
			}
			d = min(d, left)
		}
		time.Sleep(d)
	}
}

// Notify implements Waiter; it wakes nobody (waiters poll).
func (s *SpinWaiter) Notify(off, count uint32) uint32 { return 0 }

// maxWaitSlice bounds one Wait32 so a blocked host call notices ctx
// cancellation: wazero's wait cannot be interrupted, only timed out.
const maxWaitSlice = 50 * time.Millisecond

// waitWord blocks on the word at off while it holds expected, within
// ctx, in slices of at most maxWaitSlice. It returns ctx's error when ctx
// ends first. A nil return means "look again", not "the value changed".
func waitWord(ctx context.Context, w Waiter, off, expected uint32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := maxWaitSlice
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return context.DeadlineExceeded
		}
		t = min(t, left)
	}
	w.Wait32(off, expected, t)
	return nil
}

// spin calls ready up to n times with a CPU pause between calls and
// reports whether it returned true: the short spin before sleeping.
func spin(n int, ready func() bool) bool {
	for i := 0; i < n; i++ {
		if ready() {
			return true
		}
		if i%16 == 15 {
			runtime.Gosched()
		}
	}
	return false
}
