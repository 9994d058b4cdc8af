package frame

import (
	"testing"
	"time"
)

func stampFrame(c *Clock) {
	f := c.Begin()
	f.Start("compute")
	f.End("compute")
	f.Start("commit")
	f.End("commit")
	f.Start("present")
	f.End("present")
	f.Done()
}

// BenchmarkFrame is the per-frame overhead: Begin, Start/End of three
// phases, Done. "monotonic" includes the eight clock reads; "fake" is the
// bookkeeping alone; "parallel" is every P stamping frames on one Clock.
func BenchmarkFrame(b *testing.B) {
	var t time.Duration
	fake := func() time.Duration { t += time.Microsecond; return t }
	for _, bc := range []struct {
		name string
		now  func() time.Duration
	}{{"monotonic", nil}, {"fake", fake}} {
		b.Run(bc.name, func(b *testing.B) {
			c := newClock(b, Config{Hz: 120, Now: bc.now})
			b.ReportAllocs()
			for b.Loop() {
				stampFrame(c)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		c := newClock(b, Config{Hz: 120})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				stampFrame(c)
			}
		})
	})
}

// BenchmarkSummary is a snapshot of a full default history (10,000 frames,
// six stages): copy under the lock, sort outside it.
func BenchmarkSummary(b *testing.B) {
	c := newClock(b, Config{Hz: 120})
	for range DefaultHistory {
		stampFrame(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Summary()
	}
}
