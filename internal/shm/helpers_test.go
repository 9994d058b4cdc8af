package shm

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// iters scales a hammer: n normally, n/div under -short (the -race run).
func iters(n, div int) int {
	if testing.Short() {
		return max(n/div, 1)
	}
	return n
}

// memoryModule encodes (module (memory (export "memory") min max shared)).
func memoryModule(minPages, maxPages uint32) []byte {
	lim := append([]byte{0x03}, uleb(uint64(minPages))...)
	lim = append(lim, uleb(uint64(maxPages))...)
	mem := append([]byte{1}, lim...)
	exp := append([]byte{1, 6}, "memory"...)
	exp = append(exp, 0x02, 0)
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(append(append(m, 5), uleb(uint64(len(mem)))...), mem...)
	m = append(append(append(m, 7), uleb(uint64(len(exp)))...), exp...)
	return m
}

// wazeroMem is a shared memory "env"."memory" in a threads-enabled runtime.
type wazeroMem struct {
	rt     wazero.Runtime
	waiter *WasmWaiter
	bytes  []byte
}

func newWazeroMem(t testing.TB, pages uint32) *wazeroMem {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	t.Cleanup(func() { rt.Close(ctx) })
	if _, err := rt.InstantiateWithConfig(ctx, memoryModule(pages, pages), wazero.NewModuleConfig().WithName("env")); err != nil {
		t.Fatal(err)
	}
	w, err := NewWasmWaiter(ctx, rt, "env", "memory")
	if err != nil {
		t.Fatal(err)
	}
	b, ok := w.Memory().Read(0, w.Memory().Size())
	if !ok {
		t.Fatal("read memory")
	}
	return &wazeroMem{rt: rt, waiter: w, bytes: b}
}

// goMem is a plain Go buffer for host-only tests.
func goMem(size int) []byte { return make([]byte, size) }

// openLayout computes decls, opens and initialises them on mem.
func openLayout(t testing.TB, mem []byte, w Waiter, decls ...Decl) *Memory {
	t.Helper()
	l, err := Compute(Config{MaxBytes: uint64(len(mem)), Components: []string{"a", "b", "c", "host"}}, decls)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(mem, l, w)
	if err != nil {
		t.Fatal(err)
	}
	m.Init()
	return m
}

// waiters runs f with a SpinWaiter on a Go buffer and with a WasmWaiter on
// a wazero shared memory.
func withWaiters(t *testing.T, size int, f func(t *testing.T, mem []byte, w Waiter)) {
	t.Run("spin", func(t *testing.T) {
		mem := goMem(size)
		f(t, mem, NewSpinWaiter(mem))
	})
	t.Run("wasm", func(t *testing.T) {
		wm := newWazeroMem(t, uint32((size+65535)/65536))
		f(t, wm.bytes, wm.waiter)
	})
}
