package shm

import (
	"context"
	"encoding/binary"
	"errors"
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

// Region indices of TestCrossSide's layout, as the guest sees them.
const (
	xMutex, xFrames, xMPSC, xRCU, xSlots = 2, 3, 4, 5, 6
)

// TestCrossSide: two instances of a C guest on two goroutines and the Go
// host share one wazero shared memory: A → ring1 → B → ring2 → host,
// a SharedMutex taken by all three, a triple buffer written by A and
// read by the host, an MPSC ring fed by both guests, an RCU region the
// host writes while both guests read, and a slot table all three churn.
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
		{Name: "mpsc", Kind: MPSCRing, SlotSize: 16, Slots: 64, Writers: []string{"a", "b"}, Readers: []string{"host"}},
		{Name: "cfg", Kind: RCU, Size: 256, Slots: 3, Writers: []string{"host"}, Readers: []string{"a", "b"}},
		{Name: "slots", Kind: Slots, SlotSize: 16, Slots: 8, Writers: []string{"a", "b", "host"}},
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
		for _, f := range []string{"produce", "forward", "mutex_add", "tb_write", "find",
			"rcu_read", "slots_churn", "slots_read"} {
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
				if broken := gs[i].call(t, "mutex_add", meta, xMutex, uint64(n)); broken != 0 {
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
		go func() { done <- gs[0].call(t, "tb_write", meta, xFrames, uint64(n), 1024) }()
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
	t.Run("mpsc two guest producers", func(t *testing.T) {
		crossMPSC(t, m, gs, meta)
	})
	t.Run("rcu guest readers", func(t *testing.T) {
		crossRCU(t, m, gs, l)
	})
	t.Run("slots", func(t *testing.T) {
		crossSlots(t, m, gs, meta)
	})
	if err := m.Verify(); err != nil {
		t.Fatal(err)
	}
}

// crossMPSC: both guests push their own sequence into one MPSC ring; the
// host pops and checks that each producer's entries arrive once, in
// order, untorn.
func crossMPSC(t *testing.T, m *Memory, gs [2]*guest, meta uint64) {
	n := iters(200_000, 10)
	ring, _ := m.Ring("mpsc")
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Go(func() {
			if got := g.call(t, "produce", meta, xMPSC, uint64(i+1), uint64(n)); got != uint64(n) {
				t.Errorf("producer %d pushed %d of %d", i+1, got, n)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := make([]byte, 32*16)
	next := map[uint64]uint64{1: 0, 2: 0}
	var sum uint64 // of sequence numbers: a checksum over both producers
	for total := 0; total < 2*n; {
		k, err := ring.Pop(ctx, out)
		if err != nil {
			t.Fatalf("after %d entries (%v): %v", total, next, err)
		}
		for i := 0; i < k; i++ {
			id, seq, ok := getEntry(out[i*16:])
			if !ok || (id != 1 && id != 2) || seq != next[id] {
				t.Fatalf("entry %d: id %d seq %d ok %v, want seq %d (lost, duplicated or torn)", total, id, seq, ok, next[id])
			}
			next[id]++
			sum += seq
			total++
		}
	}
	wg.Wait()
	if want := 2 * uint64(n) * uint64(n-1) / 2; sum != want {
		t.Fatalf("sequence checksum %d, want %d", sum, want)
	}
	t.Logf("%d entries from two guest producers through one MPSC ring", 2*n)
}

// rcuChunk is how many snapshots a guest reads per call.
const rcuChunk = 1000

// crossRCU: the host publishes versions while both guests pin and check
// snapshots (three versions: the writer waits for readers at times).
func crossRCU(t *testing.T, m *Memory, gs [2]*guest, l *Layout) {
	const size = 256
	n := iters(200_000, 10)
	c, _ := m.RCU("cfg")
	meta := uint64(l.Base)
	type res struct{ bad, changes uint32 }
	done := make(chan res, 2)
	for i, g := range gs {
		// In chunks: a goroutine in compiled wasm cannot be preempted, so
		// two spinning readers on two cores would keep the writer off the
		// CPU until they finish; between calls the scheduler runs it.
		go func() {
			out := l.Partitions[i].HeapLo
			var r res
			for done := 0; done < n; done += rcuChunk {
				k := min(rcuChunk, n-done)
				r.bad += uint32(g.call(t, "rcu_read", meta, xRCU, uint64(k), size, uint64(out)))
				r.changes += binary.LittleEndian.Uint32(m.mem[out:])
			}
			done <- r
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	writes := 0
	var got []res
	for len(got) < 2 {
		select {
		case r := <-done:
			got = append(got, r)
			continue
		default:
		}
		w, err := c.Begin(ctx)
		if err != nil {
			t.Fatalf("after %d versions: %v", writes, err)
		}
		v := c.Version() + 1
		var sum uint32
		for i := 0; i+1 < size/4; i++ {
			binary.LittleEndian.PutUint32(w.Data[4*i:], uint32(v)*31+uint32(i))
			sum += uint32(v)*31 + uint32(i)
		}
		binary.LittleEndian.PutUint32(w.Data[size-4:], sum)
		if pub, err := w.Commit(size); err != nil || pub != v {
			t.Fatalf("commit: version %d, %v; want %d", pub, err, v)
		}
		writes++
	}
	for i, r := range got {
		if r.bad != 0 {
			t.Errorf("reader %d: %d bad snapshots of %d", i, r.bad, n)
		}
	}
	t.Logf("host published %d versions; guests read %d snapshots each and saw %d and %d changes",
		writes, n, got[0].changes, got[1].changes)
}

// crossSlots: both guests and the host allocate, fill, check and free
// slots of one table at once; then a handle crosses from host to guest
// and is rejected once stale, as are forged ones.
func crossSlots(t *testing.T, m *Memory, gs [2]*guest, meta uint64) {
	n := iters(100_000, 10)
	st, _ := m.Slots("slots")
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Go(func() {
			if bad := g.call(t, "slots_churn", meta, xSlots, uint64(i+1), uint64(n)); bad != 0 {
				t.Errorf("guest %d: %d failures in %d rounds", i, bad, n)
			}
		})
	}
	bad := 0
	for k := 0; k < n; k++ {
		h, e, err := st.Alloc()
		if errors.Is(err, ErrNoSlot) {
			k--
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		v := uint64(3)<<48 | uint64(k)
		binary.LittleEndian.PutUint64(e, v)
		binary.LittleEndian.PutUint64(e[8:], v*0x9E3779B97F4A7C15)
		if again, err := st.Get(h); err != nil || binary.LittleEndian.Uint64(again) != v ||
			binary.LittleEndian.Uint64(again[8:]) != v*0x9E3779B97F4A7C15 {
			bad++
		}
		if st.Free(h) != nil {
			bad++
		}
		if _, err := st.Get(h); !errors.Is(err, ErrStaleHandle) {
			bad++
		}
		if !errors.Is(st.Free(h), ErrStaleHandle) {
			bad++
		}
	}
	wg.Wait()
	if bad != 0 {
		t.Errorf("host: %d failures in %d rounds", bad, n)
	}
	if live := st.Live(); live != 0 {
		t.Errorf("%d slots live after every round freed its own", live)
	}

	h, e, err := st.Alloc()
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(e, 0x1234_5678)
	if got := gs[0].call(t, "slots_read", meta, xSlots, uint64(h)); got != 0x1234_5678 {
		t.Errorf("guest read %#x through handle %v, want 0x12345678", got, h)
	}
	if err := st.Free(h); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Handle{h, MakeHandle(h.Index(), h.Gen()+1), MakeHandle(99, 1), MakeHandle(h.Index(), 0)} {
		if got := int64(gs[1].call(t, "slots_read", meta, xSlots, uint64(bad))); got != -1 {
			t.Errorf("guest read %#x through stale or forged handle %v; want it rejected (-1)", got, bad)
		}
	}
	t.Logf("%d rounds each by two guests and the host, 0 failures", n)
}
