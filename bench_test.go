package wasmplane_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/wasmplane/wasmplane"
)

func benchSystem(b *testing.B) *wasmplane.System {
	b.Helper()
	sys, err := wasmplane.New(context.Background(), wasmplane.Config{Logger: slog.New(slog.DiscardHandler), CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sys.Close(context.Background()) })
	return sys
}

func nop() (wasmplane.Component, error) {
	return wasmplane.ReceiveFunc(func(*wasmplane.Context, wasmplane.Message) error { return nil }), nil
}

// barrier waits until pid handled everything sent to it before: messages
// from one sender are delivered in order, and an unanswered request is
// answered (ErrNoReply) when its handler returns.
func barrier(b *testing.B, sys *wasmplane.System, pid wasmplane.PID) {
	if _, err := sys.Request(context.Background(), pid, "barrier", nil); err != nil && !errors.Is(err, wasmplane.ErrNoReply) {
		b.Fatal(err)
	}
}

// BenchmarkSend: one sender to one Go component, until all are handled.
func BenchmarkSend(b *testing.B) {
	sys := benchSystem(b)
	var n atomic.Int64
	pid, err := sys.Spawn(func() (wasmplane.Component, error) {
		return wasmplane.ReceiveFunc(func(*wasmplane.Context, wasmplane.Message) error { n.Add(1); return nil }), nil
	}, wasmplane.SpawnOptions{Mailbox: wasmplane.MailboxConfig{Capacity: 1 << 16}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := sys.Send(pid, "m", nil); err != nil {
			b.Fatal(err)
		}
	}
	barrier(b, sys, pid)
}

func BenchmarkRequestReply(b *testing.B) {
	sys := benchSystem(b)
	pid, err := sys.Spawn(func() (wasmplane.Component, error) {
		return wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error { return c.Reply(m, m.Data) }), nil
	}, wasmplane.SpawnOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sys.Request(ctx, pid, "ping", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpawnGo(b *testing.B) {
	sys := benchSystem(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sys.Spawn(nop, wasmplane.SpawnOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func loadMinimal(b *testing.B, sys *wasmplane.System) *wasmplane.Module {
	bin, err := os.ReadFile("testdata/wat/minimal.wasm")
	if err != nil {
		b.Fatal(err)
	}
	mod, err := sys.LoadModule(context.Background(), "minimal", bin, wasmplane.KindWasm)
	if err != nil {
		b.Fatal(err)
	}
	return mod
}

// BenchmarkSpawnWasm: spawn a component from a compiled 1-page module
// (instantiate, hooks, registration). Components are stopped in untimed
// batches so memory stays bounded; BenchmarkSpawnStopWasm times both.
func BenchmarkSpawnWasm(b *testing.B) {
	sys := benchSystem(b)
	f := loadMinimal(b, sys).Factory(wasmplane.WasmOptions{})
	ctx := context.Background()
	const batch = 512
	pids := make([]wasmplane.PID, 0, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pid, err := sys.Spawn(f, wasmplane.SpawnOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if pids = append(pids, pid); len(pids) == batch || i == b.N-1 {
			b.StopTimer()
			for _, p := range pids {
				if err := sys.Stop(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			pids = pids[:0]
			b.StartTimer()
		}
	}
}

// BenchmarkSpawnStopWasm: spawn a Wasm component, then stop it.
func BenchmarkSpawnStopWasm(b *testing.B) {
	sys := benchSystem(b)
	f := loadMinimal(b, sys).Factory(wasmplane.WasmOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pid, err := sys.Spawn(f, wasmplane.SpawnOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := sys.Stop(ctx, pid); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 1000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			sys := benchSystem(b)
			for i := range n {
				if _, err := sys.Spawn(nop, wasmplane.SpawnOptions{Name: fmt.Sprint("c", i)}); err != nil {
					b.Fatal(err)
				}
			}
			names := make([]string, 1024)
			for i := range names {
				names[i] = fmt.Sprint("c", (i*7919)%n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := sys.Lookup(names[i&1023]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMessageIntoWasm: a 64-byte payload into a Wasm handler, from
// Send to wasmplane_receive returning.
func BenchmarkMessageIntoWasm(b *testing.B) {
	sys := benchSystem(b)
	pid, err := sys.Spawn(loadMinimal(b, sys).Factory(wasmplane.WasmOptions{}),
		wasmplane.SpawnOptions{Mailbox: wasmplane.MailboxConfig{Capacity: 1 << 16}})
	if err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 64)
	b.SetBytes(64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := sys.Send(pid, "m", payload); err != nil {
			b.Fatal(err)
		}
	}
	barrier(b, sys, pid)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// idle spawns count idle components and reports the memory each costs.
func idle(b *testing.B, count int, f wasmplane.Factory) {
	for range b.N {
		sys := benchSystem(b)
		goroutines := runtime.NumGoroutine()
		before := heapInUse()
		for range count {
			if _, err := sys.Spawn(f, wasmplane.SpawnOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		after := heapInUse()
		b.ReportMetric(float64(after-before)/float64(count), "B/component")
		b.ReportMetric(float64(runtime.NumGoroutine()-goroutines)/float64(count), "goroutines/component")
		b.StopTimer()
		sys.Close(context.Background())
		b.StartTimer()
	}
}

// BenchmarkIdleGoComponents: 100,000 idle Go components.
func BenchmarkIdleGoComponents(b *testing.B) { idle(b, 100_000, nop) }

// BenchmarkIdleWasmComponents: 10,000 idle 1-page Wasm components.
func BenchmarkIdleWasmComponents(b *testing.B) {
	sys := benchSystem(b)
	idle(b, 10_000, loadMinimal(b, sys).Factory(wasmplane.WasmOptions{}))
}
