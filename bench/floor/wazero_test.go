package floor_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// The Wasm floor: bare wazero, configured as fast as wazero goes for small
// modules (DESIGN.md, "wazero pooled 1.8 µs"): compiler, no DWARF, a
// shared random source instead of a per-instance seed, and linear memory
// recycled from a pool of zeroed buffers.

type wzRT struct {
	rt   wazero.Runtime
	mc   wazero.ModuleConfig
	ctx  context.Context // carries the pooled allocator
	pool *sync.Pool      // zeroed 1-page buffers
}

func newWazero(b testing.TB) *wzRT {
	b.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().
		WithDebugInfoEnabled(false).
		WithCoreFeatures(api.CoreFeaturesV2))
	// The host function hostcall.wasm imports, as a plain GoModuleFunc.
	_, err := rt.NewHostModuleBuilder("wasmplane").NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			stack[0] = 42
		}), nil, []api.ValueType{api.ValueTypeI64}).
		Export("self").Instantiate(ctx)
	h.Must(b, err)
	b.Cleanup(func() { rt.Close(context.Background()) })
	w := &wzRT{rt: rt, pool: &sync.Pool{}}
	w.mc = wazero.NewModuleConfig().WithName("").WithStartFunctions().WithRandSource(rand.Reader)
	w.ctx = experimental.WithMemoryAllocator(ctx, pooledAllocator{w.pool})
	return w
}

func (w *wzRT) compile(b testing.TB, path string) wazero.CompiledModule {
	b.Helper()
	cm, err := w.rt.CompileModule(context.Background(), h.ReadFile(b, path))
	h.Must(b, err)
	return cm
}

func (w *wzRT) instantiate(b testing.TB, cm wazero.CompiledModule) api.Module {
	mod, err := w.rt.InstantiateModule(w.ctx, cm, w.mc)
	if err != nil {
		b.Fatal(err)
	}
	return mod
}

const wasmPage = 65536

// pooledAllocator recycles 1-page linear memories, zeroed on release.
type pooledAllocator struct{ pool *sync.Pool }

func (a pooledAllocator) Allocate(capBytes, maxBytes uint64) experimental.LinearMemory {
	if capBytes == wasmPage {
		if p, ok := a.pool.Get().(*[]byte); ok {
			return &linearMemory{buf: (*p)[:0], max: maxBytes, pool: a.pool}
		}
	}
	return &linearMemory{buf: make([]byte, 0, capBytes), max: maxBytes, pool: a.pool}
}

type linearMemory struct {
	buf  []byte
	max  uint64
	pool *sync.Pool
}

func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	nb := make([]byte, size, min(max(size, 2*uint64(cap(m.buf))), m.max))
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

func (m *linearMemory) Free() {
	if cap(m.buf) == wasmPage {
		b := m.buf[:wasmPage]
		clear(b)
		m.pool.Put(&b)
	}
	m.buf = nil
}

// wzSpawn: instantiate a compiled 1-page module and close it.
func wzSpawn(b *testing.B) {
	w := newWazero(b)
	cm := w.compile(b, h.MinimalWasm)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		mod := w.instantiate(b, cm)
		if err := mod.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// wzReceiver is an instance with its receive export and an inbound buffer
// of size bytes from its wasmplane_alloc.
type wzReceiver struct {
	mod   api.Module
	mem   api.Memory
	recv  api.Function
	buf   uint32
	stack [7]uint64
}

func newReceiver(b testing.TB, w *wzRT, path string, size int) *wzReceiver {
	b.Helper()
	mod := w.instantiate(b, w.compile(b, path))
	r := &wzReceiver{mod: mod, mem: mod.Memory(), recv: mod.ExportedFunction("wasmplane_receive")}
	stack := []uint64{uint64(size + 1)}
	h.Must(b, mod.ExportedFunction("wasmplane_alloc").CallWithStack(context.Background(), stack))
	if stack[0] == 0 {
		b.Fatalf("wasmplane_alloc(%d) returned 0", size+1)
	}
	r.buf = uint32(stack[0])
	return r
}

// deliver copies kind and data into the guest's buffer and calls
// wasmplane_receive: what a host must do at the least to hand a message
// to a guest.
func (r *wzReceiver) deliver(b testing.TB, kind string, data []byte) {
	buf, ok := r.mem.Read(r.buf, uint32(len(kind)+len(data)))
	if !ok {
		b.Fatal("buffer outside memory")
	}
	copy(buf, kind)
	copy(buf[len(kind):], data)
	s := r.stack[:]
	s[0], s[1], s[2] = 0, 0, 0
	s[3], s[4] = uint64(r.buf), uint64(len(kind))
	s[5], s[6] = uint64(r.buf)+uint64(len(kind)), uint64(len(data))
	if err := r.recv.CallWithStack(context.Background(), s); err != nil {
		b.Fatal(err)
	}
}

// wzMessage: copy a payload into the guest and call its handler.
func wzMessage(b *testing.B, module string, size int) {
	w := newWazero(b)
	r := newReceiver(b, w, module, size)
	payload := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.deliver(b, "m", payload)
	}
}

// wzGoToGuest: one exported function called from Go with CallWithStack
// (no allocation) or, for contrast, Call.
func wzGoToGuest(withStack bool) func(b *testing.B) {
	return func(b *testing.B) {
		w := newWazero(b)
		mod := w.instantiate(b, w.compile(b, h.MinimalWasm))
		fn := mod.ExportedFunction("wasmplane_abi_version")
		ctx := context.Background()
		var stack [1]uint64
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if withStack {
				if err := fn.CallWithStack(ctx, stack[:]); err != nil {
					b.Fatal(err)
				}
			} else if _, err := fn.Call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// wzGuestToHost: the guest calls a GoModuleFunc host function b.N times.
func wzGuestToHost(b *testing.B) {
	w := newWazero(b)
	r := newReceiver(b, w, h.HostcallWasm, 4)
	var n [4]byte
	b.ReportAllocs()
	b.ResetTimer()
	for left := b.N; left > 0; {
		k := min(left, 1<<22)
		binary.LittleEndian.PutUint32(n[:], uint32(k))
		r.deliver(b, "", n[:])
		left -= k
	}
}

// wzIdle: live instances of the 1-page module.
func wzIdle(b *testing.B) {
	h.MeasureIdle(b, h.IdleWasm, func() (func(), func()) {
		w := newWazero(b)
		cm := w.compile(b, h.MinimalWasm)
		w.instantiate(b, cm) // what instances share is not counted
		mods := make([]api.Module, 0, h.IdleWasm)
		return func() {
				mods = append(mods, w.instantiate(b, cm))
			}, func() {
				w.rt.Close(context.Background())
			}
	})
}
