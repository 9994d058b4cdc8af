package frame

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// notSet marks a stamp a frame has not reached.
const notSet = time.Duration(math.MinInt64)

// Clock schedules frames at a fixed rate and aggregates their timings.
// Begin, Run, Summary and the Done and Drop of any frame may be called from
// any goroutine.
type Clock struct {
	cfg    Config
	period time.Duration
	hzInt  uint64 // Hz when it is a whole number, else 0
	now    func() time.Duration

	running atomic.Bool

	mu       sync.Mutex
	seq      uint64 // next token
	havePrev bool
	prevTok  uint64
	prevQ    time.Duration // queued stamp of the last Begin
	begun    uint64
	frames   uint64 // Done
	skipped  uint64 // slots Run skipped
	drops    uint64 // frames ended with Drop
	missed   uint64
	jitN     uint64
	jitSum2  float64 // Σ (interval − expected)², ns²
	whole    series  // scheduled → Done
	queue    series  // queued → first phase start
	phases   []series
	interval series // between consecutive Begins
	free     []*Frame
}

// NewClock returns a Clock for cfg (zero fields take their defaults), or an
// error wrapping ErrInvalidConfig that names the bad field.
func NewClock(cfg Config) (*Clock, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Clock{
		cfg:      cfg,
		period:   round(float64(time.Second) / cfg.Hz),
		now:      cfg.Now,
		whole:    newSeries(cfg.History),
		queue:    newSeries(cfg.History),
		interval: newSeries(cfg.History),
		phases:   make([]series, len(cfg.Phases)),
	}
	if cfg.Budget == 0 {
		c.cfg.Budget = c.period
	}
	if h := cfg.Hz; h == math.Trunc(h) && h <= float64(time.Second) {
		c.hzInt = uint64(h)
	}
	for i := range c.phases {
		c.phases[i] = newSeries(cfg.History)
	}
	return c, nil
}

// Period is the time between frames, 1/Hz rounded to the nanosecond. The
// schedule itself is not rounded: frame k is due k/Hz after Run starts.
func (c *Clock) Period() time.Duration { return c.period }

// Budget is the time a frame may take before it counts as missed.
func (c *Clock) Budget() time.Duration { return c.cfg.Budget }

// Phases returns the phase names in order. The slice is a copy.
func (c *Clock) Phases() []string { return append([]string(nil), c.cfg.Phases...) }

// Now reads the clock's time source.
func (c *Clock) Now() time.Duration { return c.now() }

// slot is the offset of slot k from slot 0: exactly k/Hz, rounded once, so
// slot(k) never drifts however large k grows.
func (c *Clock) slot(k uint64) time.Duration {
	if h := c.hzInt; h != 0 {
		return time.Duration(k/h)*time.Second + time.Duration(((k%h)*uint64(time.Second)+h/2)/h)
	}
	return round(float64(k) * float64(time.Second) / c.cfg.Hz)
}

// Begin starts a frame now: it takes the next token, stamps queued, and
// counts as scheduled now. The caller owns the frame until Done or Drop.
func (c *Clock) Begin() *Frame { return c.begin(0, false, 0) }

// begin starts a frame. With scheduled false the frame is due when it is
// queued; skip slots are counted as dropped before it.
func (c *Clock) begin(sched time.Duration, scheduled bool, skip uint64) *Frame {
	c.mu.Lock()
	c.seq += skip
	c.skipped += skip
	tok := c.seq
	c.seq++
	c.begun++
	q := c.now()
	if c.havePrev {
		iv := q - c.prevQ
		dev := float64(iv - (c.slot(tok) - c.slot(c.prevTok)))
		c.jitN++
		c.jitSum2 += dev * dev
		c.interval.add(iv)
	}
	c.havePrev, c.prevTok, c.prevQ = true, tok, q
	var f *Frame
	if n := len(c.free); n > 0 {
		f = c.free[n-1]
		c.free[n-1] = nil
		c.free = c.free[:n-1]
	}
	c.mu.Unlock()

	if f == nil {
		f = &Frame{stamps: make([]time.Duration, 2*len(c.cfg.Phases))}
	}
	if !scheduled {
		sched = q
	}
	f.c, f.token, f.queued, f.sched, f.last = c, tok, q, sched, q
	for i := range f.stamps {
		f.stamps[i] = notSet
	}
	return f
}

// finish records a done frame (or only counts a dropped one) and recycles
// it. f must not be used by the caller afterwards.
func (c *Clock) finish(f *Frame, done time.Duration, drop bool) {
	c.mu.Lock()
	if drop {
		c.drops++
	} else {
		c.frames++
		total := done - f.sched
		c.whole.add(total)
		if total > c.cfg.Budget {
			c.missed++
		}
		first := true
		for i := range c.phases {
			s, e := f.stamps[2*i], f.stamps[2*i+1]
			if s == notSet {
				continue
			}
			if first {
				c.queue.add(max(s-f.queued, 0))
				first = false
			}
			if e == notSet {
				e = done
			}
			c.phases[i].add(max(e-s, 0))
		}
	}
	f.c = nil
	c.free = append(c.free, f)
	c.mu.Unlock()
}
