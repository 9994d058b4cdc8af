package supervise

import "time"

// delay is the wait before the n-th consecutive restart (n ≥ 1). The
// exponential delay doubles: Initial, 2·Initial, 4·Initial, … up to Max.
func (b Backoff) delay(n int, rnd func() float64) time.Duration {
	var d time.Duration
	switch b.Kind {
	case BackoffNone:
		return 0
	case BackoffFixed:
		d = b.Initial
	case BackoffExponential:
		d = b.Initial
		for i := 1; i < n && d < b.Max; i++ {
			d *= 2
		}
		d = min(d, b.Max)
	}
	if b.Jitter > 0 && rnd != nil {
		d = time.Duration(float64(d) * (1 - b.Jitter + 2*b.Jitter*rnd()))
	}
	return d
}

// resetAfter is how long a child must run without exiting for its
// consecutive-restart count to start again from zero.
func (b Backoff) resetAfter(period time.Duration) time.Duration {
	return max(b.Max, b.Initial, period)
}
