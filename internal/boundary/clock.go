package boundary

import "time"

// Clock is the time source of tokens and fallback tiers, injected so tests
// drive time instead of sleeping.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// NewTimer makes a timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the package uses.
type Timer interface {
	// C is the channel the expiry is delivered on.
	C() <-chan time.Time
	// Stop prevents the timer from firing; false if it fired or was stopped.
	Stop() bool
}

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.t.C }
func (t sysTimer) Stop() bool          { return t.t.Stop() }

func orSystem(c Clock) Clock {
	if c == nil {
		return SystemClock
	}
	return c
}
