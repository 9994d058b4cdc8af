package preempt

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// runaway starts fn on its own goroutine, waits until the guest called
// env.started, and returns a channel that yields the call's error.
func runaway(ctx context.Context, t testing.TB, mod api.Module, fn string) <-chan error {
	t.Helper()
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		_, err := mod.ExportedFunction(fn).Call(withStarted(ctx, started))
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("%s returned before starting: %v", fn, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never started", fn)
	}
	return done
}

// Runaway guests stop after Interrupt: an endless loop, an endless loop of
// calls, and endless mutual tail calls (no loop at all, so only the
// function-entry checks can catch it). Latency goes to the benchmark; here
// we only log it.
func TestInterruptStopsRunawayGuests(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, t, r)
	cases := []struct{ file, fn string }{
		{"bench.wasm", "spin"},
		{"bench.wasm", "callspin"},
		{"tailspin.wasm", "run"},
	}
	const runs = 20
	for _, tc := range cases {
		t.Run(tc.fn, func(t *testing.T) {
			cm, err := r.CompileModule(ctx, mustInstrument(t, readTestdata(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			var lat []time.Duration
			for i := 0; i < runs; i++ {
				mod, err := r.InstantiateModule(ctx, cm, moduleConfig())
				if err != nil {
					t.Fatal(err)
				}
				done := runaway(ctx, t, mod, tc.fn)
				t0 := time.Now()
				if !Interrupt(mod) {
					t.Fatal("Interrupt found no flag")
				}
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("guest did not stop within 10 s of Interrupt")
				}
				lat = append(lat, time.Since(t0))
				if !IsInterrupt(mod, err) {
					t.Fatalf("IsInterrupt(%v) = false", err)
				}
				mod.Close(ctx)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			t.Logf("%d runs: p50 %v, max %v", runs, lat[runs/2], lat[runs-1])
		})
	}
}

// The flag costs nothing when unset: instrumented guests compute what they
// computed before, and a guest's own trap is not an interrupt.
func TestNotInterrupted(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, t, r)
	mod := instantiate(ctx, t, r, mustInstrument(t, readTestdata(t, "bench.wasm")))
	res, err := mod.ExportedFunction("fib").Call(ctx, 20)
	if err != nil || res[0] != 6765 {
		t.Fatalf("fib(20) = %v, %v", res, err)
	}
	if Interrupted(mod) {
		t.Fatal("flag set without Interrupt")
	}
	if IsInterrupt(mod, nil) {
		t.Fatal("nil error is an interrupt")
	}

	// A guest's own unreachable trap, flag clear.
	trap := instantiate(ctx, t, r, mustInstrument(t, watUnreachable))
	_, err = trap.ExportedFunction("trap").Call(ctx)
	if err == nil || IsInterrupt(trap, err) {
		t.Fatalf("guest trap %v reported as interrupt", err)
	}

	// A module that was not instrumented has no flag.
	plain := instantiate(ctx, t, r, watUnreachable)
	if Interrupt(plain) || Interrupted(plain) {
		t.Fatal("uninstrumented module reports a flag")
	}
}

// (module (func (export "trap") unreachable))
var watUnreachable = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00,
	0x07, 0x08, 0x01, 0x04, 't', 'r', 'a', 'p', 0x00, 0x00,
	0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
}

func TestDeadline(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, t, r)
	cm, err := r.CompileModule(ctx, mustInstrument(t, readTestdata(t, "bench.wasm")))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("After fires", func(t *testing.T) {
		mod, _ := r.InstantiateModule(ctx, cm, moduleConfig())
		defer mod.Close(ctx)
		dl := After(mod, time.Millisecond)
		_, err := mod.ExportedFunction("spin").Call(ctx)
		if !dl.Stop() || !IsInterrupt(mod, err) {
			t.Fatalf("Stop/IsInterrupt false after a deadline; err = %v", err)
		}
	})
	t.Run("OnDone fires", func(t *testing.T) {
		mod, _ := r.InstantiateModule(ctx, cm, moduleConfig())
		defer mod.Close(ctx)
		cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		dl := OnDone(cctx, mod)
		_, err := mod.ExportedFunction("callspin").Call(cctx)
		if !dl.Stop() || !IsInterrupt(mod, err) {
			t.Fatalf("Stop/IsInterrupt false after a deadline; err = %v", err)
		}
	})
	t.Run("stopped in time", func(t *testing.T) {
		mod, _ := r.InstantiateModule(ctx, cm, moduleConfig())
		defer mod.Close(ctx)
		for i := 0; i < 100; i++ {
			dl := After(mod, time.Hour)
			if _, err := mod.ExportedFunction("fib").Call(ctx, 10); err != nil {
				t.Fatal(err)
			}
			if dl.Stop() || dl.Stop() {
				t.Fatal("deadline reported as fired")
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		dl := OnDone(cctx, mod)
		if dl.Stop() {
			t.Fatal("OnDone reported as fired")
		}
		cancel() // after Stop: must not interrupt
		if Interrupted(mod) {
			t.Fatal("a stopped deadline interrupted the instance")
		}
	})
}

// Many goroutines arm, race and stop deadlines and interrupt instances while
// guests run (run with -race). Goroutines must come back to the baseline.
func TestDeadlineHammer(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, t, r)
	cm, err := r.CompileModule(ctx, mustInstrument(t, readTestdata(t, "bench.wasm")))
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	const workers, iters = 8, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < iters; i++ {
				mod, err := r.InstantiateModule(ctx, cm, moduleConfig())
				if err != nil {
					t.Error(err)
					return
				}
				// Deadlines around 0–3 ms race the call's end (~1 ms).
				dl := After(mod, time.Duration(i%4)*time.Millisecond)
				_, err = mod.ExportedFunction("count").Call(ctx, 1_000_000)
				go Interrupt(mod) // a late, concurrent interrupt is harmless
				fired := dl.Stop()
				if err != nil && !IsInterrupt(mod, err) {
					t.Errorf("unexpected error: %v", err)
				}
				if err != nil && !fired {
					t.Error("interrupted but Stop reported no interrupt")
				}
				mod.Close(ctx)
			}
		}(w)
	}
	wg.Wait()
	waitGoroutines(t, before)
}

// waitGoroutines waits (bounded) for stray goroutines to finish.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want <= %d\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}
}
