package frame

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewClockConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for success
	}{
		{"zero", Config{}, ""},
		{"fractional", Config{Hz: 59.94}, ""},
		{"negative hz", Config{Hz: -1}, "Hz is -1"},
		{"nan hz", Config{Hz: math.NaN()}, "Hz is NaN"},
		{"inf hz", Config{Hz: math.Inf(1)}, "Hz is +Inf"},
		{"hz above 1GHz", Config{Hz: 2e9}, "at least 1ns"},
		{"empty phase", Config{Phases: []string{"a", ""}}, "Phases[1] is empty"},
		{"duplicate phase", Config{Phases: []string{"a", "b", "a"}}, `Phases[2] "a" is a duplicate`},
		{"negative budget", Config{Budget: -1}, "Budget is -1ns"},
		{"negative history", Config{History: -5}, "History is -5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClock(tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Budget() != c.Period() {
					t.Errorf("default budget %v, want the period %v", c.Budget(), c.Period())
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidConfig containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := newClock(t, Config{Hz: 120})
	if got, want := c.Period(), 8333333*time.Nanosecond; got != want {
		t.Errorf("period %v, want %v", got, want)
	}
	if got := c.Phases(); strings.Join(got, ",") != "compute,commit,present" {
		t.Errorf("phases %q", got)
	}
	if got := len(c.whole.ring); got != DefaultHistory {
		t.Errorf("history %d, want %d", got, DefaultHistory)
	}
}

// TestTimeline stamps a constructed timeline and checks every statistic.
func TestTimeline(t *testing.T) {
	ft := &fakeTime{}
	c := newClock(t, Config{Hz: 100, Now: ft.Now}) // period = budget = 10ms
	begins := []time.Duration{0, 12, 20, 32, 40, 52, 60, 72, 80}
	compute := []time.Duration{2, 4, 4, 4, 5, 5, 7, 9}
	for i, b := range begins {
		ft.Set(b * ms1)
		f := c.Begin()
		if f.Token() != uint64(i) {
			t.Fatalf("token %d, want %d", f.Token(), i)
		}
		if i == len(compute) {
			f.Drop()
			break
		}
		ft.Advance(ms1) // queue wait
		f.Start("compute")
		ft.Advance(compute[i] * ms1)
		f.End("compute")
		f.Start("commit")
		ft.Advance(ms1)
		f.End("commit")
		f.End("present") // starts at commit's end: 0
		f.Done()
	}
	s := c.Summary()
	if s.Begun != 9 || s.Frames != 8 || s.Dropped != 1 || s.InFlight != 0 {
		t.Errorf("begun/frames/dropped/inflight = %d/%d/%d/%d, want 9/8/1/0", s.Begun, s.Frames, s.Dropped, s.InFlight)
	}
	// Totals are compute + 2ms: 4 6 6 6 7 7 9 11; only 11 > 10.
	if s.Missed != 1 {
		t.Errorf("missed %d, want 1", s.Missed)
	}
	// Intervals 12 8 12 8 12 8 12 8 against a 10ms period.
	if s.Jitter != 2*ms1 {
		t.Errorf("jitter %v, want 2ms", s.Jitter)
	}
	checkStage(t, s.Frame, Stage{Name: "frame", Count: 8, Window: 8, Mean: 7 * ms1, Stddev: 2 * ms1, P50: 6 * ms1, P95: 11 * ms1, P99: 11 * ms1, Max: 11 * ms1})
	checkStage(t, s.Queue, Stage{Name: "queue", Count: 8, Window: 8, Mean: ms1, P50: ms1, P95: ms1, P99: ms1, Max: ms1})
	checkStage(t, s.Phases[0], Stage{Name: "compute", Count: 8, Window: 8, Mean: 5 * ms1, Stddev: 2 * ms1, P50: 4 * ms1, P95: 9 * ms1, P99: 9 * ms1, Max: 9 * ms1})
	checkStage(t, s.Phases[1], Stage{Name: "commit", Count: 8, Window: 8, Mean: ms1, P50: ms1, P95: ms1, P99: ms1, Max: ms1})
	checkStage(t, s.Phases[2], Stage{Name: "present", Count: 8, Window: 8})
	checkStage(t, s.Interval, Stage{Name: "interval", Count: 8, Window: 8, Mean: 10 * ms1, Stddev: 2 * ms1, P50: 8 * ms1, P95: 12 * ms1, P99: 12 * ms1, Max: 12 * ms1})
	if st, ok := s.Stage("compute"); !ok || st != s.Phases[0] {
		t.Errorf("Stage(compute) = %+v, %v", st, ok)
	}
	if _, ok := s.Stage("nope"); ok {
		t.Error("Stage(nope) found")
	}

	var b strings.Builder
	if err := s.Format(&b); err != nil {
		t.Fatal(err)
	}
	want := `100 Hz, period 10.000 ms, budget 10.000 ms
frames 8, missed 1 (12.50%), dropped 1, in flight 0, jitter 2.000 ms
stage     count    mean  stddev    p50     p95     p99     max
frame         8   7.000   2.000  6.000  11.000  11.000  11.000
queue         8   1.000   0.000  1.000   1.000   1.000   1.000
compute       8   5.000   2.000  4.000   9.000   9.000   9.000
commit        8   1.000   0.000  1.000   1.000   1.000   1.000
present       8   0.000   0.000  0.000   0.000   0.000   0.000
interval      8  10.000   2.000  8.000  12.000  12.000  12.000
`
	if got := b.String(); got != want {
		t.Errorf("Format:\n%q\nwant:\n%q", got, want)
	}
}

// TestQuantiles checks nearest-rank quantiles and the bounded window.
func TestQuantiles(t *testing.T) {
	for _, tc := range []struct {
		name          string
		history, n    int
		p50, p95, p99 time.Duration
		mean          time.Duration
	}{
		// Values 1..n ms; the window holds the last `history`.
		{"1..100", 100, 100, 50, 95, 99, 50500 * time.Microsecond},
		{"1..20", 100, 20, 10, 19, 20, 10500 * time.Microsecond},
		{"single", 100, 1, 1, 1, 1, ms1},
		{"window of last 10 of 25", 10, 25, 20, 25, 25, 13 * ms1},
		{"window of last 100 of 1000", 100, 1000, 950, 995, 999, 500500 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeTime{}
			c := newClock(t, Config{Hz: 1, History: tc.history, Now: ft.Now, Phases: []string{"p"}})
			for i := 1; i <= tc.n; i++ {
				f := c.Begin()
				ft.Advance(time.Duration(i) * ms1)
				f.Done() // "p" never stamped
				ft.Advance(time.Second - time.Duration(i)*ms1)
			}
			s := c.Summary()
			wantWin := min(tc.n, tc.history)
			checkStage(t, s.Frame, Stage{Name: "frame", Count: uint64(tc.n), Window: wantWin,
				Mean: tc.mean, Stddev: s.Frame.Stddev, P50: tc.p50 * ms1, P95: tc.p95 * ms1, P99: tc.p99 * ms1, Max: time.Duration(tc.n) * ms1})
			// Population stddev of 1..n is sqrt((n²−1)/12).
			if want := round(math.Sqrt(float64(tc.n*tc.n-1)/12) * float64(ms1)); s.Frame.Stddev != want {
				t.Errorf("stddev %v, want %v", s.Frame.Stddev, want)
			}
			if s.Phases[0].Count != 0 || s.Queue.Count != 0 {
				t.Errorf("unstamped phase recorded: %+v %+v", s.Phases[0], s.Queue)
			}
			if s.Jitter != 0 {
				t.Errorf("jitter %v, want 0 (begun every second at 1 Hz)", s.Jitter)
			}
		})
	}
}

// TestPartialStamps: End without Start, Start without End, phases skipped.
func TestPartialStamps(t *testing.T) {
	ft := &fakeTime{}
	c := newClock(t, Config{Hz: 10, Now: ft.Now, Phases: []string{"a", "b", "c", "d"}})
	f := c.Begin()
	ft.Advance(3 * ms1)
	f.End("a") // starts at queued: 3ms, queue 0
	ft.Advance(2 * ms1)
	f.Start("c") // b never stamped
	ft.Advance(4 * ms1)
	if s, _, started, ended := f.Stamps("c"); !started || ended || s != 5*ms1 {
		t.Errorf("Stamps(c) = %v, %v, %v", s, started, ended)
	}
	if f.Deadline() != 100*ms1 {
		t.Errorf("deadline %v, want 100ms", f.Deadline())
	}
	f.Done() // c ends at done: 4ms; d never stamped
	s := c.Summary()
	got := []uint64{s.Phases[0].Count, s.Phases[1].Count, s.Phases[2].Count, s.Phases[3].Count}
	if got[0] != 1 || got[1] != 0 || got[2] != 1 || got[3] != 0 {
		t.Fatalf("phase counts %v, want [1 0 1 0]", got)
	}
	if s.Phases[0].Max != 3*ms1 || s.Phases[2].Max != 4*ms1 || s.Queue.Max != 0 || s.Frame.Max != 9*ms1 {
		t.Errorf("a=%v c=%v queue=%v frame=%v, want 3ms 4ms 0 9ms", s.Phases[0].Max, s.Phases[2].Max, s.Queue.Max, s.Frame.Max)
	}
}

func TestMisusePanics(t *testing.T) {
	c := newClock(t, Config{})
	for _, tc := range []struct {
		name, want string
		do         func()
	}{
		{"unknown phase", `Start("render"): unknown phase`, func() { c.Begin().Start("render") }},
		{"done twice", "Done on a frame after Done or Drop", func() { f := c.Begin(); f.Done(); f.Done() }},
		{"end after drop", "End on a frame after Done or Drop", func() { f := c.Begin(); f.Drop(); f.End("compute") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.do()
		})
	}
}

// TestNoAllocs: Begin…Done with three phases allocates nothing once a
// frame has been recycled.
func TestNoAllocs(t *testing.T) {
	c := newClock(t, Config{Hz: 120, History: 64})
	phases := c.Phases()
	run := func() {
		f := c.Begin()
		for _, p := range phases {
			f.Start(p)
			f.End(p)
		}
		f.Done()
	}
	run()
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
}
