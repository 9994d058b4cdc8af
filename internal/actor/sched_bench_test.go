package actor

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// burnFor returns how many burn steps take about d.
func burnFor(d time.Duration) int {
	const probe = 1 << 18
	start := time.Now()
	burn(probe)
	return max(1, int(float64(probe)*float64(d)/float64(time.Since(start))))
}

// BenchmarkPriorityFlood saturates the cores with low-priority processes,
// each keeping four messages of ~10 µs of work queued to itself, and
// measures the round trip of requests to a high-priority echo: with the
// scheduler off (fifo: the Go scheduler decides) and on (priority).
// low-msg/s is the flood's throughput meanwhile.
func BenchmarkPriorityFlood(b *testing.B) {
	work := burnFor(10 * time.Microsecond)
	for _, mode := range []struct {
		name string
		on   bool
	}{{"fifo", false}, {"priority", true}} {
		b.Run(mode.name, func(b *testing.B) {
			s := quietSystem(b, Config{Scheduler: SchedulerConfig{Enabled: mode.on}})
			var flood atomic.Bool
			flood.Store(true)
			defer flood.Store(false) // before the cleanup's Shutdown
			log := &order{}
			var low atomic.Int64
			lows := 4 * runtime.GOMAXPROCS(0)
			for range lows {
				w := &worker{n: 4, work: work, flood: &flood, count: &low}
				if _, err := s.Spawn(factoryOf(w), at(0)); err != nil {
					b.Fatal(err)
				}
			}
			probe := &worker{tag: "probe", n: 1, log: log}
			if _, err := s.Spawn(factoryOf(probe), at(0)); err != nil {
				b.Fatal(err)
			}
			eventually(b, "the flood", func() bool { return len(log.get()) > 0 })
			high, err := s.Spawn(factoryOf(echo), at(7))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			// The flood takes a few milliseconds to take the cores
			// from the requests.
			for warm := time.Now(); time.Since(warm) < 100*time.Millisecond; {
				if _, err := s.Request(ctx, high, "ping", nil); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			low0, t0 := low.Load(), time.Now()
			for range b.N {
				start := time.Now()
				if _, err := s.Request(ctx, high, "ping", nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			b.ReportMetric(float64(low.Load()-low0)/time.Since(t0).Seconds(), "low-msg/s")
			slices.Sort(lat)
			q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))]) / 1e3 }
			b.ReportMetric(q(0.50), "p50-µs")
			b.ReportMetric(q(0.99), "p99-µs")
		})
	}
}

// BenchmarkSlotOverhead is the cost of the scheduler when the cores are
// not saturated: a request-reply round trip, and a send handled by a
// process, with the scheduler off and on.
func BenchmarkSlotOverhead(b *testing.B) {
	for _, mode := range []struct {
		name string
		on   bool
	}{{"off", false}, {"on", true}} {
		b.Run("request/"+mode.name, func(b *testing.B) {
			s := quietSystem(b, Config{Scheduler: SchedulerConfig{Enabled: mode.on}})
			pid, err := s.Spawn(factoryOf(echo), SpawnOptions{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := s.Request(ctx, pid, "ping", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("send/"+mode.name, func(b *testing.B) {
			s := quietSystem(b, Config{Scheduler: SchedulerConfig{Enabled: mode.on}})
			var got atomic.Int64
			pid, err := s.Spawn(factoryOf(ReceiveFunc(func(*Context, Message) error { got.Add(1); return nil })),
				SpawnOptions{Mailbox: MailboxConfig{Capacity: 1 << 14}})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := s.Send(pid, "x", nil); err != nil {
					b.Fatal(err)
				}
			}
			for got.Load() < int64(b.N) {
				runtime.Gosched()
			}
		})
	}
}
