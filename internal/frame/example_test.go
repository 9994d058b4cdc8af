package frame_test

import (
	"context"
	"os"
	"time"

	"github.com/wasmplane/wasmplane/internal/frame"
)

// A 120 Hz loop whose compute takes 2ms, or 18ms when the token ends in 9,
// driven by a fake clock so the output is exact. Each 18.5ms frame misses
// its 8.333ms budget; Run then drops the slot it overran and starts the
// next one late, rather than bursting.
func Example() {
	var now time.Duration
	clock, err := frame.NewClock(frame.Config{
		Hz:    120,
		Now:   func() time.Duration { return now },
		Sleep: func(_ context.Context, d time.Duration) error { now += d; return nil },
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_ = clock.Run(ctx, func(f *frame.Frame) {
		f.Start("compute")
		now += 2 * time.Millisecond
		if f.Token()%10 == 9 {
			now += 16 * time.Millisecond
		}
		f.End("compute")
		f.Start("commit")
		now += 500 * time.Microsecond
		f.End("commit")
		f.End("present")
		f.Done()
		if n++; n == 100 {
			cancel()
		}
	})
	if err := clock.Summary().Format(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// 120 Hz, period 8.333 ms, budget 8.333 ms
	// frames 100, missed 11 (11.00%), dropped 10, in flight 0, jitter 0.824 ms
	// stage     count   mean  stddev    p50     p95     p99     max
	// frame       100  4.443   4.972  2.500  18.500  18.500  18.500
	// queue       100  0.000   0.000  0.000   0.000   0.000   0.000
	// compute     100  3.760   5.006  2.000  18.000  18.000  18.000
	// commit      100  0.500   0.000  0.500   0.500   0.500   0.500
	// present     100  0.000   0.000  0.000   0.000   0.000   0.000
	// interval     99  9.175   3.174  8.333  18.500  18.500  18.500
}
