package shm

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

const crossPages = 64 // min = max: the memory never grows

// buildGuest compiles testdata/guest.c into t.TempDir(), or skips naming
// the missing tool. clang compiles only; wasm-ld links (clang driving the
// link would run wasm-opt when present).
func buildGuest(t *testing.T) []byte {
	t.Helper()
	for _, tool := range []string{"clang", "wasm-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found on PATH: the cross-side test builds a C guest", tool)
		}
	}
	dir := t.TempDir()
	obj, wasm := filepath.Join(dir, "guest.o"), filepath.Join(dir, "guest.wasm")
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("clang", "--target=wasm32", "-nostdlib", "-O2", "-matomics", "-mbulk-memory", "-mmutable-globals",
		"-Wall", "-Wextra", "-Werror", "-I../../guest/c", "-c", "-o", obj, "testdata/guest.c")
	run("wasm-ld", "-m", "wasm32", "--no-entry", "--import-memory", "--shared-memory",
		"--max-memory="+strconv.Itoa(crossPages*65536), "--global-base=1024", "-z", "stack-size=16384",
		"--export=__stack_pointer", "-o", wasm, obj)
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type guest struct {
	mod api.Module
	fns map[string]api.Function
}

func (g *guest) call(t *testing.T, name string, args ...uint64) uint64 {
	res, err := g.fns[name].Call(context.Background(), args...)
	if err != nil {
		t.Errorf("guest %s: %v", name, err)
		return 0
	}
	return res[0]
}

// TestCrossSide: two instances of a C guest on two goroutines and the Go
// host share one wazero shared memory: A → ring1 → B → ring2 → host,
// a SharedMutex taken by all three, and a triple buffer written by A and
// read by the host.
func TestCrossSide(t *testing.T) {
	bin := buildGuest(t)
	wm := newWazeroMem(t, crossPages)
	ctx := context.Background()
	l, err := Compute(Config{Base: 64 << 10, MaxBytes: crossPages * 65536, Components: []string{"a", "b", "host"},
		Instances: 2, StackSize: 64 << 10, HeapSize: 4096}, []Decl{
		{Name: "ring1", Kind: SPSCRing, SlotSize: 16, Slots: 64, Writers: []string{"a"}, Readers: []string{"b"}},
		{Name: "ring2", Kind: SPSCRing, SlotSize: 16, Slots: 64, Writers: []string{"b"}, Readers: []string{"host"}},
		{Name: "mu", Kind: Mutex, Size: 16, Writers: []string{"a", "b", "host"}},
		{Name: "frames", Kind: TripleBuffer, Size: 1024, Writers: []string{"a"}, Readers: []string{"host"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(wm.bytes, l, wm.waiter)
	if err != nil {
		t.Fatal(err)
	}
	m.Init()
	cm, err := wm.rt.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	var gs [2]*guest
	for i, name := range []string{"a", "b"} {
		mod, err := wm.rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(name))
		if err != nil {
			t.Fatal(err)
		}
		// Each instance runs on its own partition's stack.
		mod.ExportedGlobal("__stack_pointer").(api.MutableGlobal).Set(uint64(l.Partitions[i].StackHi))
		g := &guest{mod: mod, fns: map[string]api.Function{}}
		for _, f := range []string{"produce", "forward", "mutex_add", "tb_write", "find"} {
			g.fns[f] = mod.ExportedFunction(f)
		}
		gs[i] = g
	}
	meta := uint64(l.Base)

	t.Run("find", func(t *testing.T) {
		scratch := l.Partitions[0].HeapLo
		copy(wm.bytes[scratch:], "frames\x00")
		if got := int32(gs[0].call(t, "find", meta, uint64(scratch))); got != 3 {
			t.Fatalf("guest found %q at %d, want 3", "frames", got)
		}
	})

	t.Run("rings", func(t *testing.T) {
		n := iters(200_000, 10)
		ring1, _ := m.Ring("ring1")
		ring2, _ := m.Ring("ring2")
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if got := gs[0].call(t, "produce", meta, 0, 1, uint64(n)); got != uint64(n) {
				t.Errorf("produce pushed %d of %d", got, n)
			}
		}()
		go func() {
			defer wg.Done()
			if bad := gs[1].call(t, "forward", meta, 0, 1, 1, uint64(n)); bad != 0 {
				t.Errorf("forward: %d bad or missing entries", bad)
			}
		}()
		out := make([]byte, 32*16)
		var next uint64
		maxLen := 0
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		for next < uint64(n) {
			maxLen = max(maxLen, ring1.Len()) // the host reads ring1's words too
			k, err := ring2.Pop(ctx, out)
			if err != nil {
				t.Fatalf("after %d entries: %v", next, err)
			}
			for i := 0; i < k; i++ {
				id, seq, ok := getEntry(out[i*16:])
				if !ok || id != 1 || seq != next {
					t.Fatalf("entry %d: id %d seq %d ok %v (lost, duplicated or torn)", next, id, seq, ok)
				}
				next++
			}
		}
		wg.Wait()
		t.Logf("%d entries A→B→host, ring1 held up to %d", n, maxLen)
	})

	t.Run("mutex", func(t *testing.T) {
		n := iters(100_000, 10)
		mu, _ := m.Mutex("mu")
		block, _ := m.Raw("mu")
		var wg sync.WaitGroup
		for i := range gs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if broken := gs[i].call(t, "mutex_add", meta, 2, uint64(n)); broken != 0 {
					t.Errorf("guest %d saw the counters differ %d times", i, broken)
				}
			}()
		}
		broken := 0
		for j := 0; j < n; j++ {
			mu.Lock()
			a, b := binary.LittleEndian.Uint64(block), binary.LittleEndian.Uint64(block[8:])
			if a != b {
				broken++
			}
			binary.LittleEndian.PutUint64(block, a+1)
			binary.LittleEndian.PutUint64(block[8:], b+1)
			mu.Unlock()
		}
		wg.Wait()
		if got := binary.LittleEndian.Uint64(block); got != 3*uint64(n) || broken != 0 {
			t.Fatalf("counter %d, want %d; host saw %d broken", got, 3*n, broken)
		}
	})

	t.Run("triple buffer", func(t *testing.T) {
		n := iters(100_000, 10)
		tb, _ := m.TripleBuffer("frames")
		done := make(chan uint64, 1)
		go func() { done <- gs[0].call(t, "tb_write", meta, 3, uint64(n), 1024) }()
		var last uint64
		frames, torn := 0, 0
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		for last < uint64(n) {
			f, err := tb.AcquireNext(ctx)
			if err != nil {
				t.Fatalf("after frame %d: %v", last, err)
			}
			if f.Gen <= last || len(f.Data) != 1024 {
				t.Fatalf("frame gen %d after %d, %d bytes", f.Gen, last, len(f.Data))
			}
			var sum uint32
			for i := 0; i < 255; i++ {
				w := binary.LittleEndian.Uint32(f.Data[4*i:])
				if w != uint32(f.Gen)*31+uint32(i) {
					torn++
					break
				}
				sum += w
			}
			if sum != binary.LittleEndian.Uint32(f.Data[1020:]) {
				torn++
			}
			last = f.Gen
			frames++
		}
		if got := <-done; got != uint64(n) {
			t.Fatalf("guest published up to %d, want %d", got, n)
		}
		if torn != 0 {
			t.Fatalf("%d torn frames of %d read", torn, frames)
		}
		t.Logf("guest published %d frames, host read %d, 0 torn", n, frames)
	})
	if err := m.Verify(); err != nil {
		t.Fatal(err)
	}
}
