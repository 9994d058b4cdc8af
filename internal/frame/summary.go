package frame

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// Stage is the statistics of one stage of the frames.
//
// Count, Mean, Stddev and Max cover every frame since the Clock was made;
// P50, P95 and P99 are exact over the last Window frames (Config.History),
// by nearest rank: the smallest value with at least that fraction of the
// window at or below it. Stddev is the population standard deviation.
type Stage struct {
	Name          string
	Count         uint64
	Window        int
	Mean, Stddev  time.Duration
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// Summary is a consistent snapshot of a Clock's statistics.
type Summary struct {
	Hz     float64
	Period time.Duration
	Budget time.Duration

	// Begun counts frames begun; Frames those Done; InFlight those neither
	// Done nor dropped yet.
	Begun, Frames, InFlight uint64
	// Missed counts frames Done more than Budget after they were scheduled.
	Missed uint64
	// Dropped counts slots Run skipped because it was late, plus frames
	// ended with Drop.
	Dropped uint64
	// Jitter is the root mean square of (interval − expected) over every
	// pair of consecutive frames begun, where interval is the time between
	// their Queued stamps and expected is the period times their token
	// difference: the standard deviation of start intervals about the
	// period, not about their own mean.
	Jitter time.Duration

	// Frame is scheduled → Done. Queue is Queued → the start of the first
	// phase stamped. Phases holds each phase, Start → End, in Config
	// order. Interval is Queued → the next frame's Queued. Time between one
	// phase's End and the next's Start is in Frame but in no phase.
	Frame    Stage
	Queue    Stage
	Phases   []Stage
	Interval Stage
}

// Summary returns a snapshot of the statistics. It allocates (a copy of
// the windows, to sort outside the lock) and may be called from any
// goroutine, concurrently with frames.
func (c *Clock) Summary() Summary {
	h := c.cfg.History
	buf := make([]time.Duration, h*(3+len(c.phases)))
	next := func() []time.Duration {
		b := buf[:h:h]
		buf = buf[h:]
		return b
	}
	s := Summary{Hz: c.cfg.Hz, Period: c.period, Budget: c.cfg.Budget, Phases: make([]Stage, len(c.phases))}
	windows := make([][]time.Duration, 0, 3+len(c.phases))
	snap := func(st *Stage, ser *series, name string) {
		var w []time.Duration
		*st, w = ser.snapshot(name, next())
		windows = append(windows, w)
	}

	c.mu.Lock()
	s.Begun, s.Frames, s.Missed = c.begun, c.frames, c.missed
	s.Dropped = c.skipped + c.drops
	s.InFlight = c.begun - c.frames - c.drops
	if c.jitN > 0 {
		s.Jitter = round(math.Sqrt(c.jitSum2 / float64(c.jitN)))
	}
	snap(&s.Frame, &c.whole, "frame")
	snap(&s.Queue, &c.queue, "queue")
	for i := range c.phases {
		snap(&s.Phases[i], &c.phases[i], c.cfg.Phases[i])
	}
	snap(&s.Interval, &c.interval, "interval")
	c.mu.Unlock()

	s.Frame.fillQuantiles(windows[0])
	s.Queue.fillQuantiles(windows[1])
	for i := range s.Phases {
		s.Phases[i].fillQuantiles(windows[2+i])
	}
	s.Interval.fillQuantiles(windows[len(windows)-1])
	return s
}

// Stage returns the stage with the given name: "frame", "queue",
// "interval" or a phase.
func (s Summary) Stage(name string) (Stage, bool) {
	for _, st := range s.stages() {
		if st.Name == name {
			return st, true
		}
	}
	return Stage{}, false
}

func (s Summary) stages() []Stage {
	out := make([]Stage, 0, len(s.Phases)+3)
	out = append(out, s.Frame, s.Queue)
	out = append(out, s.Phases...)
	return append(out, s.Interval)
}

// Format writes s as a table, times in milliseconds, for a CLI:
//
//	120 Hz, period 8.333 ms, budget 8.333 ms
//	frames 1200, missed 3 (0.25%), dropped 1, in flight 0, jitter 0.041 ms
//	stage     count   mean  stddev    p50    p95    p99    max
//	frame      1200  4.102   0.310  4.088  4.650  5.010  9.120
//	queue      1200  0.012   0.004  0.011  0.019  0.030  0.200
//	...
func (s Summary) Format(w io.Writer) error {
	pct := 0.0
	if s.Frames > 0 {
		pct = 100 * float64(s.Missed) / float64(s.Frames)
	}
	if _, err := fmt.Fprintf(w, "%g Hz, period %s ms, budget %s ms\nframes %d, missed %d (%.2f%%), dropped %d, in flight %d, jitter %s ms\n",
		s.Hz, ms(s.Period), ms(s.Budget), s.Frames, s.Missed, pct, s.Dropped, s.InFlight, ms(s.Jitter)); err != nil {
		return err
	}
	stages := s.stages()
	width := len("stage")
	for _, st := range stages {
		width = max(width, len(st.Name))
	}
	// Numbers align right; names are padded by hand to align left, and
	// every other cell starts with its own gap (tabwriter pads all cells).
	tw := tabwriter.NewWriter(w, 0, 0, 0, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t  count\t  mean\t  stddev\t  p50\t  p95\t  p99\t  max\t\n", width, "stage")
	for _, st := range stages {
		fmt.Fprintf(tw, "%-*s\t  %d\t  %s\t  %s\t  %s\t  %s\t  %s\t  %s\t\n",
			width, st.Name, st.Count, ms(st.Mean), ms(st.Stddev), ms(st.P50), ms(st.P95), ms(st.P99), ms(st.Max))
	}
	return tw.Flush()
}

// ms formats d in milliseconds to the microsecond.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond))
}
