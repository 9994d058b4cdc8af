package frame

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestRunNoDrift: at 120 Hz (a period that is not a whole number of
// nanoseconds) with every wake-up 0.3ms late, frame k is still due exactly
// k/120 s after the start and starts exactly 0.3ms after that.
func TestRunNoDrift(t *testing.T) {
	ft := &fakeTime{t: 5 * time.Second}
	const over = 300 * time.Microsecond
	c := newClock(t, Config{Hz: 120, Now: ft.Now, Sleep: ft.sleeper(func(int) time.Duration { return over }, nil)})
	ctx, cancel := context.WithCancel(testCtx(t))
	const n = 1201
	var k uint64
	err := c.Run(ctx, func(f *Frame) {
		want := 5*time.Second + time.Duration((k*uint64(time.Second)+60)/120)
		if f.Token() != k || f.Scheduled() != want {
			t.Fatalf("frame %d: token %d scheduled %v, want %d %v", k, f.Token(), f.Scheduled(), k, want)
		}
		if k > 0 && f.Queued() != want+over {
			t.Fatalf("frame %d: queued %v, want %v", k, f.Queued(), want+over)
		}
		f.Start("compute")
		ft.Advance(ms1)
		f.End("compute")
		f.Done()
		if k++; k == n {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if got := ft.Now(); got < 15*time.Second {
		t.Fatalf("fake time %v: schedule ran fast", got)
	}
	s := c.Summary()
	if s.Frames != n || s.Dropped != 0 || s.Missed != 0 {
		t.Errorf("frames/dropped/missed = %d/%d/%d, want %d/0/0", s.Frames, s.Dropped, s.Missed, n)
	}
	// The first frame is not late; every later one is 0.3ms late, so only
	// the first interval deviates.
	if want := round(float64(over) / math.Sqrt(n-1)); s.Jitter != want {
		t.Errorf("jitter %v, want %v (0.3ms once in 1200 intervals)", s.Jitter, want)
	}
	if s.Frame.Max != ms1+over || s.Frame.P50 != ms1+over {
		t.Errorf("frame p50/max %v/%v, want %v", s.Frame.P50, s.Frame.Max, ms1+over)
	}
}

// TestRunSkipAhead: a frame or a wake-up that overruns is not followed by a
// burst; the next frame is for the latest slot due, and the slots before it
// are dropped.
func TestRunSkipAhead(t *testing.T) {
	type frame struct {
		token       uint64
		sched, q    time.Duration // ms
		missed      bool
		wantSleepMs time.Duration // the sleep Run asked for before it, 0 for none
	}
	for _, tc := range []struct {
		name    string
		work    map[uint64]time.Duration // token → work in ms (default 1)
		over    map[int]time.Duration    // sleep call → oversleep in ms
		want    []frame
		dropped uint64
	}{
		{
			name: "on time",
			want: []frame{{0, 0, 0, false, 0}, {1, 10, 10, false, 9}, {2, 20, 20, false, 9}},
		},
		{
			name: "frame overruns 2.5 periods",
			work: map[uint64]time.Duration{1: 25},
			// Frame 1 ends at 35: slot 2 (20) and 3 (30) are due; 3 runs at
			// once, late, and 2 is dropped. Then back on schedule.
			want:    []frame{{0, 0, 0, false, 0}, {1, 10, 10, true, 9}, {3, 30, 35, false, 0}, {4, 40, 40, false, 4}},
			dropped: 1,
		},
		{
			name: "frame overruns exactly one period",
			work: map[uint64]time.Duration{0: 10},
			want: []frame{{0, 0, 0, false, 0}, {1, 10, 10, false, 0}, {2, 20, 20, false, 9}},
		},
		{
			name: "wake-up 42ms late",
			over: map[int]time.Duration{1: 42},
			// The second sleep, for slot 2 (20), wakes at 62: slots 2..6
			// are due; 6 runs at once and 2..5 are dropped.
			want:    []frame{{0, 0, 0, false, 0}, {1, 10, 10, false, 9}, {6, 60, 62, false, 9}, {7, 70, 70, false, 7}},
			dropped: 4,
		},
		{
			name: "late start within the period misses",
			over: map[int]time.Duration{0: 9},
			work: map[uint64]time.Duration{1: 2},
			// Slot 1 starts at 19 and ends at 21 > 10+10.
			want: []frame{{0, 0, 0, false, 0}, {1, 10, 19, true, 9}, {2, 20, 21, false, 0}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeTime{}
			var asked []time.Duration
			over := func(call int) time.Duration { return tc.over[call] * ms1 }
			c := newClock(t, Config{Hz: 100, Now: ft.Now, Sleep: ft.sleeper(over, &asked)})
			ctx, cancel := context.WithCancel(testCtx(t))
			var got []frame
			err := c.Run(ctx, func(f *Frame) {
				var sl time.Duration
				if len(asked) > 0 {
					sl = asked[len(asked)-1] / ms1
					asked = asked[:0]
				}
				work, ok := tc.work[f.Token()]
				if !ok {
					work = 1
				}
				ft.Advance(work * ms1)
				got = append(got, frame{f.Token(), f.Scheduled() / ms1, f.Queued() / ms1, ft.Now() > f.Deadline(), sl})
				f.Done()
				if len(got) == len(tc.want) {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v", err)
			}
			var missed uint64
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Errorf("frame %d = %+v, want %+v", i, got[i], tc.want[i])
				}
				if tc.want[i].missed {
					missed++
				}
			}
			s := c.Summary()
			if s.Dropped != tc.dropped || s.Missed != missed || s.Frames != uint64(len(tc.want)) {
				t.Errorf("dropped/missed/frames = %d/%d/%d, want %d/%d/%d", s.Dropped, s.Missed, s.Frames, tc.dropped, missed, len(tc.want))
			}
		})
	}
}

// TestRunHandsOff: frames begun by Run are finished on another goroutine.
func TestRunHandsOff(t *testing.T) {
	ft := &fakeTime{}
	c := newClock(t, Config{Hz: 1000, Now: ft.Now, Sleep: ft.sleeper(nil, nil)})
	ctx, cancel := context.WithCancel(testCtx(t))
	frames := make(chan *Frame)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range frames {
			f.Start("commit")
			f.End("commit")
			f.Done()
		}
	}()
	n := 0
	err := c.Run(ctx, func(f *Frame) {
		f.End("compute")
		frames <- f
		if n++; n == 500 {
			cancel()
		}
	})
	close(frames)
	<-done
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if s := c.Summary(); s.Frames != 500 || s.InFlight != 0 || s.Phases[1].Count != 500 {
		t.Errorf("frames %d in flight %d commits %d, want 500 0 500", s.Frames, s.InFlight, s.Phases[1].Count)
	}
}

// TestRunRealTimer exercises the default Sleep: a 1000 s period leaves Run
// asleep after the first frame until the context is cancelled; a second Run
// meanwhile is refused.
func TestRunRealTimer(t *testing.T) {
	c := newClock(t, Config{Hz: 0.001})
	ctx, cancel := context.WithCancel(testCtx(t))
	first := make(chan struct{})
	res := make(chan error, 1)
	go func() {
		res <- c.Run(ctx, func(f *Frame) {
			f.Done()
			close(first)
		})
	}()
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("no first frame within 10s")
	}
	if err := c.Run(ctx, func(*Frame) {}); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
	cancel()
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
	if err := c.Run(ctx, func(*Frame) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run after the first returned = %v, want context.Canceled", err)
	}
}

// TestRunFractionalHz: at 59.94 Hz slot k is k/59.94 s, rounded once.
func TestRunFractionalHz(t *testing.T) {
	ft := &fakeTime{}
	c := newClock(t, Config{Hz: 59.94, Now: ft.Now, Sleep: ft.sleeper(nil, nil)})
	ctx, cancel := context.WithCancel(testCtx(t))
	var k uint64
	c.Run(ctx, func(f *Frame) {
		if want := round(float64(k) * 1e9 / 59.94); f.Scheduled() != want {
			t.Fatalf("frame %d scheduled %v, want %v", k, f.Scheduled(), want)
		}
		f.Done()
		if k++; k == 6000 {
			cancel()
		}
	})
	if s := c.Summary(); s.Jitter != 0 || s.Dropped != 0 {
		t.Errorf("jitter %v dropped %d, want 0 0", s.Jitter, s.Dropped)
	}
}
