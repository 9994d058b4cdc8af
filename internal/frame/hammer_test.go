package frame

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHammer: producers begin and stamp frames and hand them to consumers
// that finish (or drop) them, while readers take summaries. Run under
// -race; counts must add up exactly.
func TestHammer(t *testing.T) {
	const producers, consumers, readers = 4, 2, 2
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	c := newClock(t, Config{Hz: 1000, History: 512})
	frames := make(chan *Frame, 64)
	var wg, cwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Go(func() {
			for i := 0; i < n; i++ {
				f := c.Begin()
				f.Start("compute")
				f.End("compute")
				frames <- f
			}
		})
	}
	var drops atomic.Uint64
	for range consumers {
		cwg.Go(func() {
			for f := range frames {
				if f.Token()%7 == 0 {
					f.Drop()
					drops.Add(1)
					continue
				}
				f.Start("commit")
				f.End("commit")
				f.End("present")
				f.Done()
			}
		})
	}
	stop := make(chan struct{})
	var rwg sync.WaitGroup
	for range readers {
		rwg.Go(func() {
			var last Summary
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := c.Summary()
				if s.Frames+s.Dropped+s.InFlight != s.Begun {
					t.Errorf("frames %d + dropped %d + in flight %d != begun %d", s.Frames, s.Dropped, s.InFlight, s.Begun)
					return
				}
				if last.Phases != nil && (s.Begun < last.Begun || s.Frames < last.Frames || s.Phases[0].Count < last.Phases[0].Count) {
					t.Errorf("counts went backwards: %+v then %+v", last, s)
					return
				}
				if s.Frame.Window > 512 || (s.Frames > 0 && s.Frame.P99 > s.Frame.Max) {
					t.Errorf("window %d, p99 %v > max %v", s.Frame.Window, s.Frame.P99, s.Frame.Max)
					return
				}
				last = s
			}
		})
	}
	wg.Wait()
	close(frames)
	cwg.Wait()
	close(stop)
	rwg.Wait()

	total := uint64(producers * n)
	s := c.Summary()
	done := total - drops.Load()
	if s.Begun != total || s.Frames != done || s.Dropped != drops.Load() || s.InFlight != 0 {
		t.Errorf("begun/frames/dropped/inflight = %d/%d/%d/%d, want %d/%d/%d/0", s.Begun, s.Frames, s.Dropped, s.InFlight, total, done, drops.Load())
	}
	for _, st := range s.Phases {
		if st.Count != done || st.Window != 512 {
			t.Errorf("phase %s: count %d window %d, want %d 512", st.Name, st.Count, st.Window, done)
		}
	}
	if s.Interval.Count != total-1 {
		t.Errorf("intervals %d, want %d", s.Interval.Count, total-1)
	}
}

// TestHammerRun: Run at a fake 10 kHz hands frames to a consumer while
// readers take summaries.
func TestHammerRun(t *testing.T) {
	var now atomic.Int64
	nowf := func() time.Duration { return time.Duration(now.Load()) }
	sleep := func(_ context.Context, d time.Duration) error { now.Add(int64(d)); return nil }
	c := newClock(t, Config{Hz: 10_000, Now: nowf, Sleep: sleep, History: 256})
	ctx, cancel := context.WithCancel(testCtx(t))
	frames := make(chan *Frame, 16)
	var wg sync.WaitGroup
	wg.Go(func() {
		for f := range frames {
			f.End("commit")
			f.Done()
		}
	})
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = c.Summary()
			}
		}
	})
	n := 0
	c.Run(ctx, func(f *Frame) {
		now.Add(int64(20 * time.Microsecond))
		f.End("compute")
		frames <- f
		if n++; n == 20_000 {
			cancel()
		}
	})
	close(frames)
	close(stop)
	wg.Wait()
	s := c.Summary()
	// Missed is not checked: the consumer may finish a frame after Run has
	// advanced the shared fake time past its deadline.
	if s.Frames != 20_000 || s.Dropped != 0 || s.InFlight != 0 || s.Jitter != 0 {
		t.Errorf("frames/dropped/inflight/jitter = %d/%d/%d/%v, want 20000/0/0/0", s.Frames, s.Dropped, s.InFlight, s.Jitter)
	}
}
