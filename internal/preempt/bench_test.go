package preempt

import (
	"context"
	"sort"
	"testing"
	"time"
)

// benchGuests runs fn with args against the original module, the
// instrumented one (flag never set), and the original under wazero's
// WithCloseOnContextDone(true) with a live deadline.
func benchGuests(b *testing.B, fn string, args ...uint64) {
	ctx := context.Background()
	orig := readTestdata(b, "bench.wasm")
	inst := mustInstrument(b, orig)
	variants := []struct {
		name        string
		wasm        []byte
		closeOnDone bool
	}{
		{"original", orig, false},
		{"instrumented", inst, false},
		{"closeOnContextDone", orig, true},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			r := newRuntime(ctx, v.closeOnDone)
			defer r.Close(ctx)
			instantiateEnv(ctx, b, r)
			mod := instantiate(ctx, b, r, v.wasm)
			f := mod.ExportedFunction(fn)
			cctx, cancel := context.WithTimeout(ctx, time.Hour)
			defer cancel()
			stack := make([]uint64, 1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				copy(stack, args)
				if err := f.CallWithStack(cctx, stack); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoop: a tight counting loop, 100,000 iterations per op.
func BenchmarkLoop(b *testing.B) { benchGuests(b, "count", 100_000) }

// BenchmarkFib: recursive fib(20), 21,891 calls per op.
func BenchmarkFib(b *testing.B) { benchGuests(b, "fib", 20) }

// BenchmarkStopLatency measures the time from Interrupt to the guest's call
// returning, for a spinning loop and a loop of calls; p50 and p99 are
// reported as metrics.
func BenchmarkStopLatency(b *testing.B) {
	defer noGC()()
	for _, fn := range []string{"spin", "callspin"} {
		b.Run(fn, func(b *testing.B) {
			ctx := context.Background()
			r := newRuntime(ctx, false)
			defer r.Close(ctx)
			instantiateEnv(ctx, b, r)
			cm, err := r.CompileModule(ctx, mustInstrument(b, readTestdata(b, "bench.wasm")))
			if err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mod, err := r.InstantiateModule(ctx, cm, moduleConfig())
				if err != nil {
					b.Fatal(err)
				}
				done := runaway(ctx, b, mod, fn)
				t0 := time.Now()
				Interrupt(mod)
				err = <-done
				lat = append(lat, time.Since(t0))
				if !IsInterrupt(mod, err) {
					b.Fatalf("not an interrupt: %v", err)
				}
				mod.Close(ctx)
			}
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkDeadlineLatency measures the time from a Deadline's due time
// (After, 1 ms) to the spinning guest's call returning.
func BenchmarkDeadlineLatency(b *testing.B) {
	defer noGC()()
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, b, r)
	cm, err := r.CompileModule(ctx, mustInstrument(b, readTestdata(b, "bench.wasm")))
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mod, err := r.InstantiateModule(ctx, cm, moduleConfig())
		if err != nil {
			b.Fatal(err)
		}
		due := time.Now().Add(time.Millisecond)
		dl := After(mod, time.Millisecond)
		_, err = mod.ExportedFunction("spin").Call(ctx)
		lat = append(lat, time.Since(due))
		if !dl.Stop() || !IsInterrupt(mod, err) {
			b.Fatalf("not an interrupt: %v", err)
		}
		mod.Close(ctx)
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Nanoseconds()) }
	b.ReportMetric(p(0.50), "p50-ns")
	b.ReportMetric(p(0.99), "p99-ns")
	b.ReportMetric(p(1), "max-ns")
}
