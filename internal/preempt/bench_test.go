package preempt

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
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

// BenchmarkOverhead runs the original and the instrumented guest
// alternately, call by call, and reports the ratio of their total times
// ("x-sum") and of their fastest calls ("x-min"). On a shared machine the
// separate sub-benchmarks above see load bursts at different times; here
// both variants see the same ones.
func BenchmarkOverhead(b *testing.B) {
	for _, bc := range []struct {
		name, fn string
		arg      uint64
	}{{"loop", "count", 100_000}, {"fib", "fib", 20}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			r := newRuntime(ctx, false)
			defer r.Close(ctx)
			instantiateEnv(ctx, b, r)
			orig := readTestdata(b, "bench.wasm")
			fns := []api.Function{
				instantiate(ctx, b, r, orig).ExportedFunction(bc.fn),
				instantiate(ctx, b, r, mustInstrument(b, orig)).ExportedFunction(bc.fn),
			}
			var sum, best [2]time.Duration
			best[0], best[1] = time.Hour, time.Hour
			stack := make([]uint64, 1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for v, f := range fns {
					stack[0] = bc.arg
					t0 := time.Now()
					if err := f.CallWithStack(ctx, stack); err != nil {
						b.Fatal(err)
					}
					d := time.Since(t0)
					sum[v] += d
					best[v] = min(best[v], d)
				}
			}
			b.ReportMetric(float64(sum[1])/float64(sum[0]), "x-sum")
			b.ReportMetric(float64(best[1])/float64(best[0]), "x-min")
		})
	}
}

// BenchmarkBudget runs the 100,000-iteration loop instrumented with
// several budgets; budget 1 takes the slow path (a call out to Go) at every
// iteration, so (time at 1 - time at SafepointInterval) / 100,000 is the
// cost of one slow path, reported as "slow-ns".
func BenchmarkBudget(b *testing.B) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, b, r)
	orig := readTestdata(b, "bench.wasm")
	const iters = 100_000
	perOp := map[int32]float64{}
	for _, budget := range []int32{1, 64, 1024, SafepointInterval} {
		b.Run(fmt.Sprint(budget), func(b *testing.B) {
			inst, err := instrument(orig, budget)
			if err != nil {
				b.Fatal(err)
			}
			f := instantiate(ctx, b, r, inst).ExportedFunction("count")
			stack := make([]uint64, 1)
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				stack[0] = iters
				if err := f.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
			perOp[budget] = float64(time.Since(t0).Nanoseconds()) / float64(b.N)
			if budget == SafepointInterval && perOp[1] > 0 {
				b.ReportMetric((perOp[1]-perOp[budget])/iters, "slow-ns")
			}
		})
	}
}

// BenchmarkStopLatency measures the time from Interrupt to the guest's call
// returning, for a spinning loop and a loop of calls; p50 and p99 are
// reported as metrics.
func BenchmarkStopLatency(b *testing.B) {
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
