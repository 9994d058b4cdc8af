package engine

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wasmplane/wasmplane/internal/shm"
)

// buildWAT assembles a .wat from testdata with wat2wasm, or skips.
func buildWAT(t testing.TB, name string) []byte {
	t.Helper()
	needTools(t, "wat2wasm")
	out := filepath.Join(t.TempDir(), name+".wasm")
	if b, err := exec.Command("wat2wasm", "-o", out, filepath.Join("testdata", name+".wat")).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyGuest is a guest with its own memory using the shm_* imports on sm.
func copyGuest(t testing.TB, e *Engine, sm *SharedMemory) *Instance {
	t.Helper()
	ctx := context.Background()
	m, err := e.Compile(ctx, "shmcalls", buildWAT(t, "shmcalls"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := m.Instantiate(ctx, InstanceConfig{Host: &fakeHost{}, Shared: sm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(ctx) })
	return inst
}

func copyLayout(t testing.TB) *shm.Layout {
	l, err := shm.Compute(shm.Config{Components: []string{"guest", "host"}}, []shm.Decl{
		{Name: "raw", Kind: shm.Raw, Size: 128},
		{Name: "mu", Kind: shm.Mutex, Size: 64},
		{Name: "ring", Kind: shm.SPSCRing, SlotSize: 16, Slots: 8},
		{Name: "tb", Kind: shm.TripleBuffer, Size: 4096, Writers: []string{"guest"}, Readers: []string{"host"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSharedHostImports: a guest without shared memory reaches every kind
// of region through the copying imports, with the same protocol the host
// and sharing guests use; bad pointers and names are refused before
// anything changes.
func TestSharedHostImports(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	sm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: copyLayout(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close(ctx)
	inst := copyGuest(t, e, sm)
	gm, _ := inst.Memory().Read(0, inst.Memory().Size())
	name := func(at uint32, s string) (uint64, uint64) { copy(gm[at:], s); return uint64(at), uint64(len(s)) }
	call := func(fn string, args ...uint64) int64 {
		t.Helper()
		res, err := inst.Function(fn).Call(inst.Context(), args...)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if fn == "t_tb_publish" {
			return int64(res[0])
		}
		return int64(int32(res[0]))
	}
	const size = 65536

	// shm_write / shm_read on raw and mutex regions.
	np, nl := name(0, "raw")
	copy(gm[1024:], "hello, regions")
	if st := call("t_shm_write", np, nl, 10, 1024, 14); st != 0 {
		t.Fatalf("shm_write: %d", st)
	}
	raw, _ := sm.Memory().Raw("raw")
	if string(raw[10:24]) != "hello, regions" {
		t.Fatalf("region holds %q", raw[10:24])
	}
	if st := call("t_shm_read", np, nl, 10, 2048, 14); st != 0 || string(gm[2048:2062]) != "hello, regions" {
		t.Fatalf("shm_read: %d %q", st, gm[2048:2062])
	}
	mp, ml := name(32, "mu")
	if st := call("t_shm_write", mp, ml, 0, 1024, 64); st != 0 {
		t.Fatalf("shm_write to a mutex region: %d", st)
	}

	// Ring: the guest pushes, the host pops; the host pushes, the guest pops.
	rp, rl := name(64, "ring")
	for i := range 32 {
		gm[4096+i] = byte(i)
	}
	if n := call("t_ring_push", rp, rl, 4096, 32, 0); n != 2 {
		t.Fatalf("ring_push of 2 entries: %d", n)
	}
	ring, _ := sm.Memory().Ring("ring")
	out := make([]byte, 32)
	if n, err := ring.TryPop(out); n != 2 || err != nil || !bytes.Equal(out, gm[4096:4128]) {
		t.Fatalf("host popped %d %v %v", n, err, out)
	}
	if n := call("t_ring_pop", rp, rl, 8192, 64, 0); n != 0 {
		t.Fatalf("ring_pop of an empty ring: %d", n)
	}
	ring.TryPush(bytes.Repeat([]byte{7}, 16))
	if n := call("t_ring_pop", rp, rl, 8192, 64, 100); n != 1 || gm[8192] != 7 {
		t.Fatalf("ring_pop: %d", n)
	}
	if n := call("t_ring_push", rp, rl, 4096, 20, 0); n != int64(ErrInvalidArg) {
		t.Fatalf("ring_push of 20 bytes into 16-byte entries: %d", n)
	}

	// Triple buffer: the guest publishes, the host acquires, and back.
	tp, tl := name(96, "tb")
	copy(gm[12288:], bytes.Repeat([]byte("frame"), 100))
	if g := call("t_tb_publish", tp, tl, 12288, 500); g != 1 {
		t.Fatalf("tb_publish: generation %d", g)
	}
	tb, _ := sm.Memory().TripleBuffer("tb")
	f, err := tb.Acquire()
	if err != nil || f.Gen != 1 || !bytes.Equal(f.Data, gm[12288:12788]) {
		t.Fatalf("host acquired gen %d (%v), %d bytes", f.Gen, err, len(f.Data))
	}
	if g := call("t_tb_publish", tp, tl, 12288, 4097); g != int64(ErrTooLarge) {
		t.Fatalf("tb_publish over the frame size: %d", g)
	}
	if n := call("t_tb_acquire", tp, tl, 20000, 1000, 19992); n != 500 || !bytes.Equal(gm[20000:20500], gm[12288:12788]) || gm[19992] != 1 {
		t.Fatalf("tb_acquire: %d, gen %d", n, gm[19992])
	}

	// Bad pointers and arguments: nothing is read, written or published.
	gen := tb.Generation()
	before := bytes.Clone(raw)
	for _, tc := range []struct {
		fn   string
		args []uint64
		want Status
	}{
		{"t_shm_write", []uint64{np, nl, 0, size - 4, 8}, ErrBadPointer},
		{"t_shm_write", []uint64{np, nl, 0, 0xFFFFFFF0, 0x20}, ErrBadPointer},
		{"t_shm_write", []uint64{size, 3, 0, 1024, 8}, ErrBadPointer},
		{"t_shm_write", []uint64{np, nl, 125, 1024, 8}, ErrInvalidArg},
		{"t_shm_write", []uint64{np, nl, 0xFFFFFFFF, 1024, 2}, ErrInvalidArg},
		{"t_shm_read", []uint64{np, nl, 0, size, 1}, ErrBadPointer},
		{"t_shm_read", []uint64{rp, rl, 0, 1024, 1}, ErrInvalidArg},
		{"t_shm_write", []uint64{np, 0, 0, 1024, 1}, ErrInvalidArg},
		{"t_ring_push", []uint64{rp, rl, size - 8, 16, 0}, ErrBadPointer},
		{"t_ring_pop", []uint64{rp, rl, size - 8, 16, 0}, ErrBadPointer},
		{"t_ring_push", []uint64{tp, tl, 4096, 16, 0}, ErrInvalidArg},
		{"t_ring_pop", []uint64{rp, rl, 8192, 16, 0xFFFFFFFF}, ErrInvalidArg},
		{"t_tb_publish", []uint64{tp, tl, size - 100, 200}, ErrBadPointer},
		{"t_tb_publish", []uint64{np, nl, 12288, 10}, ErrInvalidArg},
		{"t_tb_acquire", []uint64{tp, tl, 20000, 100, size - 4}, ErrBadPointer},
		{"t_tb_acquire", []uint64{tp, tl, size - 10, 100, 19992}, ErrBadPointer},
		{"t_tb_acquire", []uint64{tp, tl, 20000, 100, 19992}, ErrBufferTooSmall},
	} {
		if got := call(tc.fn, tc.args...); got != int64(tc.want) {
			t.Errorf("%s%v = %d, want %v", tc.fn, tc.args, got, tc.want)
		}
	}
	np2, nl2 := name(200, "nope")
	if got := call("t_shm_read", np2, nl2, 0, 1024, 1); got != int64(ErrNotFound) {
		t.Errorf("unknown region: %d", got)
	}
	if !bytes.Equal(raw, before) || tb.Generation() != gen || ring.Len() != 0 {
		t.Fatal("a refused call changed shared state")
	}

	// Without a shared memory every import says ERR_NOT_FOUND.
	lone := copyGuest(t, e, nil)
	res, err := lone.Function("t_shm_read").Call(lone.Context(), np, nl, 0, 1024, 1)
	if err != nil || Status(int32(res[0])) != ErrNotFound {
		t.Fatalf("no shared memory: %v %v", res, err)
	}
}

// BenchmarkCopyPath: what the copying imports cost a guest without shared
// memory, per call, against the host doing the same on the region.
func BenchmarkCopyPath(b *testing.B) {
	ctx := context.Background()
	e := newEngine(b)
	sm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: copyLayout(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close(ctx)
	inst := copyGuest(b, e, sm)
	gm, _ := inst.Memory().Read(0, inst.Memory().Size())
	copy(gm[96:], "tb")
	copy(gm[64:], "ring")
	tb, _ := sm.Memory().TripleBuffer("tb")
	for _, size := range []int{64, 4096} {
		b.Run("guest tb_publish/"+sizeName(size), func(b *testing.B) {
			fn := inst.Function("publish_n")
			b.SetBytes(int64(size))
			const batch = 100
			stack := make([]uint64, 5)
			for i := 0; i < b.N; i += batch {
				stack[0], stack[1], stack[2], stack[3], stack[4] = 96, 2, 12288, uint64(size), batch
				if err := fn.CallWithStack(inst.Context(), stack); err != nil || int64(stack[0]) < 0 {
					b.Fatal(err, int64(stack[0]))
				}
			}
		})
		b.Run("host publish+copy/"+sizeName(size), func(b *testing.B) {
			src := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				back, _ := tb.Back()
				copy(back, src)
				tb.Publish(size)
			}
		})
	}
	b.Run("guest ring_push+host pop/16B", func(b *testing.B) {
		fn := inst.Function("t_ring_push")
		ring, _ := sm.Memory().Ring("ring")
		out := make([]byte, 16)
		stack := make([]uint64, 5)
		for b.Loop() {
			stack[0], stack[1], stack[2], stack[3], stack[4] = 64, 4, 4096, 16, 0
			if err := fn.CallWithStack(inst.Context(), stack); err != nil || stack[0] != 1 {
				b.Fatal(err, stack[0])
			}
			ring.TryPop(out)
		}
	})
}

func sizeName(n int) string {
	if n >= 1024 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
