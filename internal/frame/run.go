package frame

import (
	"context"
	"time"
)

// Run begins a frame at every period slot and calls fn with it, until ctx
// is done; it then returns ctx.Err(). fn owns the frame: it must call Done
// or Drop, on this goroutine or after handing the frame to another.
//
// The schedule is absolute: frame k is due k/Hz after Run started, so
// sleep overshoot does not accumulate. When fn (or a late wake-up) runs past
// one or more slots, Run does not burst to catch up: it starts one frame for
// the latest slot already due, counts the slots before it as dropped, and
// the frame's token jumps by their number. A frame Done more than Budget
// after its slot is missed.
//
// One Run per Clock at a time (ErrRunning otherwise); Begin on the same
// Clock while Run goes shares its tokens and blurs the jitter.
func (c *Clock) Run(ctx context.Context, fn func(*Frame)) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	sleep := c.cfg.Sleep
	if sleep == nil {
		t := time.NewTimer(time.Hour)
		t.Stop()
		defer t.Stop()
		sleep = func(ctx context.Context, d time.Duration) error {
			t.Reset(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}

	c.mu.Lock()
	base := c.seq
	c.mu.Unlock()
	start := c.now()
	at := func(j uint64) time.Duration { return start + c.slot(base+j) - c.slot(base) }

	for j := uint64(0); ; j++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := c.now()
		if d := at(j) - now; d > 0 {
			if err := sleep(ctx, d); err != nil {
				return err
			}
			now = c.now()
		}
		// Skip to the latest slot already due. The division is a guess
		// (slots differ by up to 1ns); the loops make it exact.
		var skip uint64
		if late := now - at(j); late >= c.period {
			skip = uint64(late/c.period) - 1
			for at(j+skip+1) <= now {
				skip++
			}
			for skip > 0 && at(j+skip) > now {
				skip--
			}
		}
		j += skip
		fn(c.begin(at(j), true, skip))
	}
}
