package preempt

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// Set in the child process of TestGCWhileGuestsSpin.
const (
	envGCChild  = "PREEMPT_GC_CHILD"
	envGCBudget = "PREEMPT_GC_BUDGET" // overrides SafepointInterval in the child
)

// gcChildTimeout bounds the child of TestGCWhileGuestsSpin. A child that
// hangs is stopped the world for good; healthy runs take well under a
// second.
const gcChildTimeout = 30 * time.Second

// Garbage collections run to completion while guests spin in endless
// loops, endless loops of calls and endless tail calls, more guests than
// Ps; then every guest is interrupted. Without the safepoints of the slow
// path, the first stop-the-world waits forever for a spinning guest and the
// process hangs, so the scenario runs in a child process (this test binary,
// re-run with envGCChild set) that is killed after gcChildTimeout: a
// regression fails the test instead of freezing it.
//
// To see the hang the test guards against, disable the safepoints:
//
//	PREEMPT_GC_CHILD=1 PREEMPT_GC_BUDGET=2147483647 go test -run TestGCWhileGuestsSpin ./internal/preempt/
func TestGCWhileGuestsSpin(t *testing.T) {
	if os.Getenv(envGCChild) != "" {
		gcWhileGuestsSpin(t)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), gcChildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGCWhileGuestsSpin$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envGCChild+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("child did not finish within %v: a garbage collection waited for a spinning guest (no safepoint)\n%s", gcChildTimeout, out.Bytes())
	}
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out.Bytes())
	}
	t.Logf("child:\n%s", out.Bytes())
}

// gcWhileGuestsSpin is the child's side of TestGCWhileGuestsSpin.
func gcWhileGuestsSpin(t *testing.T) {
	budget := int32(SafepointInterval)
	if v, err := strconv.ParseInt(os.Getenv(envGCBudget), 10, 32); err == nil {
		budget = int32(v)
	}
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	instantiateEnv(ctx, t, r)
	compile := func(file string) []byte {
		out, err := instrument(readTestdata(t, file), budget)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	bench, tail := compile("bench.wasm"), compile("tailspin.wasm")
	guests := []struct {
		wasm []byte
		fn   string
	}{{bench, "spin"}, {bench, "callspin"}, {tail, "run"}}
	for len(guests) <= runtime.GOMAXPROCS(0) {
		guests = append(guests, guests[len(guests)%3])
	}

	var mods []api.Module
	var dones []<-chan error
	for _, g := range guests {
		mod := instantiate(ctx, t, r, g.wasm)
		defer mod.Close(ctx)
		mods = append(mods, mod)
		dones = append(dones, runaway(ctx, t, mod, g.fn))
	}

	const cycles = 20
	before := stoppingHistogram()
	gcs := make([]time.Duration, cycles)
	for i := range gcs {
		t0 := time.Now()
		runtime.GC()
		gcs[i] = time.Since(t0)
	}
	stopping := stoppingHistogram()
	for i := range stopping.Counts {
		stopping.Counts[i] -= before.Counts[i]
	}
	sort.Slice(gcs, func(i, j int) bool { return gcs[i] < gcs[j] })
	t.Logf("%d guests spinning on %d Ps, budget %d: %d runtime.GC() calls took p50 %v, max %v; stopping the world took p50 <= %v, max <= %v",
		len(guests), runtime.GOMAXPROCS(0), budget, cycles, gcs[cycles/2], gcs[cycles-1],
		histQuantile(stopping, 0.5), histQuantile(stopping, 1))

	for i, mod := range mods {
		Interrupt(mod)
		select {
		case err := <-dones[i]:
			if !IsInterrupt(mod, err) {
				t.Errorf("guest %d (%s): not an interrupt: %v", i, guests[i].fn, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("guest %d (%s) did not stop within 10 s of Interrupt", i, guests[i].fn)
		}
	}
}

// stoppingHistogram reads the distribution of the time the runtime took to
// stop the world for the garbage collector: the wait for every running
// goroutine to reach a safepoint.
func stoppingHistogram() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/pauses/stopping/gc:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return &metrics.Float64Histogram{}
	}
	h := s[0].Value.Float64Histogram()
	return &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
}

// histQuantile returns the upper bound of the bucket holding quantile q.
func histQuantile(h *metrics.Float64Histogram, q float64) time.Duration {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(q*float64(total-1)) + 1
	var seen uint64
	for i, c := range h.Counts {
		if seen += c; seen >= want {
			return time.Duration(h.Buckets[i+1] * float64(time.Second))
		}
	}
	return time.Duration(h.Buckets[len(h.Buckets)-1] * float64(time.Second))
}
