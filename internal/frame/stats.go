package frame

import (
	"math"
	"slices"
	"time"
)

// series is one stage's statistics: a ring of the last len(ring) values for
// exact quantiles, and running totals over every value (Welford's
// algorithm, so the variance neither overflows nor cancels).
// Its clock's mu should be held.
type series struct {
	ring []time.Duration
	next int  // where the next value goes
	full bool // ring has wrapped: every slot is a value

	n        uint64
	mean, m2 float64 // nanoseconds
	max      time.Duration
}

func newSeries(history int) series {
	return series{ring: make([]time.Duration, history)}
}

// add records d. Lock should be held.
func (s *series) add(d time.Duration) {
	s.ring[s.next] = d
	if s.next++; s.next == len(s.ring) {
		s.next, s.full = 0, true
	}
	s.n++
	x := float64(d)
	delta := x - s.mean
	s.mean += delta / float64(s.n)
	s.m2 += delta * (x - s.mean)
	if s.n == 1 || d > s.max {
		s.max = d
	}
}

// window returns the values in the ring (in no particular order); it
// aliases the ring. Lock should be held.
func (s *series) window() []time.Duration {
	if s.full {
		return s.ring
	}
	return s.ring[:s.next]
}

// snapshot copies s into a Stage, its window into buf (which must be long
// enough), and returns the window's copy for sorting outside the lock.
// Lock should be held.
func (s *series) snapshot(name string, buf []time.Duration) (Stage, []time.Duration) {
	st := Stage{Name: name, Count: s.n, Max: s.max}
	if s.n > 0 {
		st.Mean = round(s.mean)
		st.Stddev = round(math.Sqrt(s.m2 / float64(s.n)))
	}
	w := buf[:copy(buf, s.window())]
	return st, w
}

// fillQuantiles sorts w (a copy of the window) and sets the quantiles.
func (st *Stage) fillQuantiles(w []time.Duration) {
	slices.Sort(w)
	st.Window = len(w)
	st.P50 = nearestRank(w, 500)
	st.P95 = nearestRank(w, 950)
	st.P99 = nearestRank(w, 990)
}

// nearestRank is the smallest value with at least perMille/1000 of sorted
// at or below it: sorted[ceil(n·q)−1]. Integer arithmetic keeps it exact.
func nearestRank(sorted []time.Duration, perMille int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	return sorted[(n*perMille+999)/1000-1]
}

func round(ns float64) time.Duration { return time.Duration(math.Round(ns)) }
