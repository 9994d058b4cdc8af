package actor

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Latency histogram: log-linear buckets with 4 sub-buckets per power of
// two (≤ 25 % error), up to 2^40 ns. Allocated on a process's first message
// so idle processes carry none.
const (
	histSub     = 4
	histMaxBits = 40
	histBuckets = (histMaxBits + 1) * histSub
)

type histogram struct {
	b [histBuckets]atomic.Uint64
}

func histIndex(ns uint64) int {
	if ns < histSub {
		return int(ns)
	}
	msb := bits.Len64(ns) - 1
	if msb > histMaxBits {
		return histBuckets - 1
	}
	return (msb-1)*histSub + int((ns>>(msb-2))&(histSub-1))
}

// histLower is the smallest value in bucket i.
func histLower(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	msb := i/histSub + 1
	sub := uint64(i % histSub)
	return 1<<msb | sub<<(msb-2)
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.b[histIndex(uint64(d))].Add(1)
}

// quantile returns an estimate of the q-quantile (0 < q ≤ 1): the midpoint
// of the bucket holding it.
func (h *histogram) quantile(q float64) time.Duration {
	var total uint64
	for i := range h.b {
		total += h.b[i].Load()
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total) + 0.5)
	rank = max(rank, 1)
	var seen uint64
	for i := range h.b {
		seen += h.b[i].Load()
		if seen >= rank {
			lo := histLower(i)
			hi := histLower(i + 1)
			if i+1 >= histBuckets {
				hi = lo
			}
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return 0
}

// counters are a process's running totals. They survive restarts.
type counters struct {
	in, out, errors, failures, restarts, dead atomic.Uint64
	hist                                      atomic.Pointer[histogram]
}

func (c *counters) observe(d time.Duration) {
	h := c.hist.Load()
	if h == nil {
		h = new(histogram)
		if !c.hist.CompareAndSwap(nil, h) {
			h = c.hist.Load()
		}
	}
	h.record(d)
}

// Stats is a snapshot of one process's counters.
type Stats struct {
	PID  PID
	Name string
	// In counts messages handled; Out, messages sent, published or replied.
	In, Out uint64
	// Errors counts handler errors; Failures, crashes; Restarts, restarts.
	Errors, Failures, Restarts uint64
	// DeadLetters counts messages addressed to it that were not delivered.
	DeadLetters uint64
	// Queued is the mailbox length now.
	Queued int
	// P50 and P99 are handle-time quantiles (zero before any message),
	// from a uniform sample of one message in eight.
	P50, P99 time.Duration
	// State is "running", "stopping", "stopped" or "failed".
	State string
}
