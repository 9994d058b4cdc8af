package frame

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultHz is the frame rate when Config.Hz is zero.
	DefaultHz = 60
	// DefaultHistory is the number of recent frames kept for exact
	// quantiles when Config.History is zero.
	DefaultHistory = 10_000
)

// defaultPhases are the phases when Config.Phases is nil.
var defaultPhases = []string{"compute", "commit", "present"}

// Config configures a Clock. The zero value means 60 Hz, the phases
// compute → commit → present, a budget of one period, the last 10,000
// frames for quantiles and the monotonic wall clock.
type Config struct {
	// Hz is the frame rate; the period is 1/Hz. Fractional rates (59.94)
	// are allowed. Default 60.
	Hz float64
	// Phases names the stages of a frame, in order. Each is timed from its
	// Start to its End. Default "compute", "commit", "present".
	Phases []string
	// Budget is the time a frame may take, from its scheduled start to
	// Done, before it counts as missed. Default one period (8.333 ms at
	// 120 Hz).
	Budget time.Duration
	// History is how many recent frames the quantiles are computed over,
	// exactly. Each stage keeps one time.Duration per frame of history.
	// Default 10,000.
	History int
	// Now returns a monotonic time; only differences matter. Tests inject
	// a fake. Default: the monotonic clock, from NewClock.
	Now func() time.Duration
	// Sleep waits for d or until ctx is done, returning ctx.Err() in the
	// latter case. Run uses it between frames; tests inject one that
	// advances a fake Now. Default: a reused time.Timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// withDefaults returns c with defaults filled in, or an error naming the
// first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Hz == 0 {
		c.Hz = DefaultHz
	}
	if !(c.Hz > 0) || math.IsInf(c.Hz, 0) {
		return c, fmt.Errorf("%w: Hz is %v; it must be a positive finite rate (or 0 for %d)", ErrInvalidConfig, c.Hz, DefaultHz)
	}
	if float64(time.Second)/c.Hz < 1 {
		return c, fmt.Errorf("%w: Hz is %v; the period must be at least 1ns", ErrInvalidConfig, c.Hz)
	}
	if c.Phases == nil {
		c.Phases = defaultPhases
	}
	seen := make(map[string]bool, len(c.Phases))
	for i, p := range c.Phases {
		if p == "" {
			return c, fmt.Errorf("%w: Phases[%d] is empty; name every phase", ErrInvalidConfig, i)
		}
		if seen[p] {
			return c, fmt.Errorf("%w: Phases[%d] %q is a duplicate; phase names must be unique", ErrInvalidConfig, i, p)
		}
		seen[p] = true
	}
	c.Phases = append([]string(nil), c.Phases...)
	if c.Budget < 0 {
		return c, fmt.Errorf("%w: Budget is %v; it must be positive (or 0 for one period)", ErrInvalidConfig, c.Budget)
	}
	if c.History < 0 {
		return c, fmt.Errorf("%w: History is %d; it must be positive (or 0 for %d)", ErrInvalidConfig, c.History, DefaultHistory)
	}
	if c.History == 0 {
		c.History = DefaultHistory
	}
	if c.Now == nil {
		base := time.Now()
		c.Now = func() time.Duration { return time.Since(base) }
	}
	return c, nil
}
