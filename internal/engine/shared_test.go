package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/shm"
)

const sharedPages = 16

// needTools skips the test, naming the first tool not on PATH.
func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found on PATH: this test builds a guest (CI installs clang, lld and wabt)", tool)
		}
	}
}

// buildSharing compiles testdata/sharing.c with the two-step recipe of
// docs/shm.md: clang compiles, wasm-ld links.
func buildSharing(t testing.TB, extraLD ...string) []byte {
	t.Helper()
	needTools(t, "clang", "wasm-ld")
	dir := t.TempDir()
	obj, wasm := filepath.Join(dir, "sharing.o"), filepath.Join(dir, "sharing.wasm")
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("clang", "--target=wasm32", "-nostdlib", "-O2", "-matomics", "-mbulk-memory", "-mmutable-globals",
		"-Wall", "-Wextra", "-Werror", "-I"+filepath.Join(repoRoot(t), "guest", "c"), "-c", "-o", obj, "testdata/sharing.c")
	args := []string{"-m", "wasm32", "--no-entry", "--import-memory", "--shared-memory",
		"--max-memory=" + strconv.Itoa(sharedPages*65536), "--global-base=1024", "-z", "stack-size=8192"}
	args = append(append(args, extraLD...), "-o", wasm, obj)
	run("wasm-ld", args...)
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var sharingExports = []string{"--export=__stack_pointer", "--export=__heap_base"}

func sharedLayout(t testing.TB, decls ...shm.Decl) *shm.Layout {
	t.Helper()
	l, err := shm.Compute(shm.Config{Base: 64 << 10, MaxBytes: sharedPages * 65536, Instances: 2,
		StackSize: 32 << 10, HeapSize: 4096}, decls)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSharedRing: two instances of a C guest on two goroutines exchange
// 64-byte entries through an SPSC ring in the shared memory they both
// import, with atomics and wait/notify and no copy by the host, while the
// host reads the ring's words and bytes in place (acceptance 1).
func TestSharedRing(t *testing.T) {
	bin := buildSharing(t, sharingExports...)
	ctx := context.Background()
	e := newEngine(t)
	m, err := e.Compile(ctx, "sharing", bin, KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Shared() {
		t.Fatal("Module.Shared() is false for a guest importing a shared memory")
	}
	const slots = 64
	l := sharedLayout(t, shm.Decl{Name: "ring", Kind: shm.SPSCRing, SlotSize: 64, Slots: slots})
	sm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: l, Pages: sharedPages})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close(ctx)
	var insts [2]*Instance
	for i := range insts {
		inst, err := m.Instantiate(ctx, InstanceConfig{Host: &fakeHost{}, Shared: sm, Partition: i})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close(ctx)
		if inst.Memory().Size() != sharedPages*65536 {
			t.Fatalf("instance memory is %d bytes, want the shared %d", inst.Memory().Size(), sharedPages*65536)
		}
		res, err := inst.Function("stack_addr").Call(inst.Context())
		if err != nil {
			t.Fatal(err)
		}
		p := l.Partitions[i]
		if sp := uint32(res[0]); sp < p.StackLo || sp >= p.StackHi {
			t.Fatalf("instance %d runs its stack at %d, outside its partition [%d, %d)", i, sp, p.StackLo, p.StackHi)
		}
		insts[i] = inst
	}
	ring, err := sm.Memory().Ring("ring")
	if err != nil {
		t.Fatal(err)
	}
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	meta, out := uint64(l.Base), uint64(l.Partitions[1].HeapLo)
	var wg sync.WaitGroup
	var pushed, bad uint64
	var perr, cerr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		res, err := insts[0].Function("produce").Call(insts[0].Context(), meta, 0, 7, uint64(n))
		perr = err
		if err == nil {
			pushed = res[0]
		}
	}()
	go func() {
		defer wg.Done()
		res, err := insts[1].Function("consume").Call(insts[1].Context(), meta, 0, 7, uint64(n), out)
		cerr = err
		if err == nil {
			bad = res[0]
		}
	}()
	// The host watches the same words while the guests run.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	maxLen := 0
	deadline := time.After(60 * time.Second)
watch:
	for {
		select {
		case <-done:
			break watch
		case <-deadline:
			t.Fatal("guests did not finish within 60s")
		default:
			maxLen = max(maxLen, ring.Len())
			time.Sleep(50 * time.Microsecond)
		}
	}
	if perr != nil || cerr != nil {
		t.Fatalf("produce: %v; consume: %v", perr, cerr)
	}
	if pushed != uint64(n) || bad != 0 {
		t.Fatalf("pushed %d of %d; consumer saw %d bad or missing entries", pushed, n, bad)
	}
	// The host reads the entries in place: the last `slots` entries are
	// still in the ring's payload, each in the slot of its sequence.
	payload, _ := sm.Memory().Raw("ring")
	var want uint64
	for seq := uint64(0); seq < uint64(n); seq++ {
		want ^= entrySum(7, seq)
	}
	for i := 0; i < slots; i++ {
		e := payload[i*64 : (i+1)*64]
		seq := binary.LittleEndian.Uint64(e)
		if seq%slots != uint64(i) || seq < uint64(n-slots) || binary.LittleEndian.Uint64(e[56:]) != entrySum(7, seq) {
			t.Fatalf("slot %d holds entry %d with sum %#x; want one of the last %d entries", i, seq, binary.LittleEndian.Uint64(e[56:]), slots)
		}
	}
	if got := binary.LittleEndian.Uint64(sm.Bytes()[out:]); got != want {
		t.Fatalf("consumer's xor of sums %#x, host computed %#x", got, want)
	}
	if err := sm.Memory().Verify(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d entries guest→guest, ring held up to %d", n, maxLen)
}

func entrySum(id, seq uint64) uint64 {
	const mix = 0x9E3779B97F4A7C15
	var sum uint64
	for i := uint64(0); i < 5; i++ {
		sum += seq*mix + i
	}
	return sum ^ seq ^ id
}

func TestSharedLoadErrors(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	memImport := func(flags byte) []byte {
		imp := []byte{1, 3, 'e', 'n', 'v', 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, flags, 1}
		if flags&1 != 0 {
			imp = append(imp, 4)
		}
		return module(section(2, imp))
	}
	for _, tc := range []struct {
		name string
		bin  []byte
		kind Kind
		want []string
	}{
		{"not shared", memImport(0x01), KindGuest, []string{"import env.memory", "not shared"}},
		{"command", memImport(0x03), KindCommand, []string{"import env.memory", "WASI command"}},
		{"no stack pointer", memImport(0x03), KindGuest, []string{"export __stack_pointer", "--export=__stack_pointer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Compile(ctx, "m", tc.bin, tc.kind)
			if !errors.Is(err, ErrLoad) {
				t.Fatalf("err = %v, want a load error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}

	t.Run("sharing guest without __stack_pointer", func(t *testing.T) {
		_, err := e.Compile(ctx, "nosp", buildSharing(t), KindGuest)
		if !errors.Is(err, ErrLoad) || !strings.Contains(err.Error(), "__stack_pointer") {
			t.Fatalf("err = %v, want a load error naming __stack_pointer", err)
		}
	})
	t.Run("instantiate", func(t *testing.T) {
		m, err := e.Compile(ctx, "sharing", buildSharing(t, sharingExports...), KindGuest)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Instantiate(ctx, InstanceConfig{}); !errors.Is(err, ErrShared) || !strings.Contains(err.Error(), "InstanceConfig.Shared") {
			t.Fatalf("no shared memory: %v", err)
		}
		l := sharedLayout(t, shm.Decl{Name: "r", Kind: shm.Raw, Size: 64})
		big, err := e.NewSharedMemory(ctx, SharedConfig{Layout: l, Pages: 2 * sharedPages})
		if err != nil {
			t.Fatal(err)
		}
		defer big.Close(ctx)
		if _, err := m.Instantiate(ctx, InstanceConfig{Shared: big}); !errors.Is(err, ErrShared) || !strings.Contains(err.Error(), "--max-memory=") {
			t.Fatalf("memory larger than the guest's maximum: %v", err)
		}
		sm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: l, Pages: sharedPages})
		if err != nil {
			t.Fatal(err)
		}
		defer sm.Close(ctx)
		if _, err := m.Instantiate(ctx, InstanceConfig{Shared: sm, Partition: 2}); !errors.Is(err, ErrShared) || !strings.Contains(err.Error(), "partition 2") {
			t.Fatalf("partition out of range: %v", err)
		}
		low, _ := shm.Compute(shm.Config{Base: 64, MaxBytes: sharedPages * 65536, Instances: 1}, nil)
		lm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: low, Pages: sharedPages})
		if err != nil {
			t.Fatal(err)
		}
		defer lm.Close(ctx)
		if _, err := m.Instantiate(ctx, InstanceConfig{Shared: lm}); !errors.Is(err, ErrShared) || !strings.Contains(err.Error(), "__heap_base") {
			t.Fatalf("layout base inside the static image: %v", err)
		}
	})
	t.Run("layout too big", func(t *testing.T) {
		l := sharedLayout(t, shm.Decl{Name: "r", Kind: shm.Raw, Size: 64})
		if _, err := e.NewSharedMemory(ctx, SharedConfig{Layout: l, Pages: 1}); !errors.Is(err, ErrShared) || !strings.Contains(err.Error(), "raise Pages") {
			t.Fatalf("err = %v", err)
		}
		if _, err := e.NewSharedMemory(ctx, SharedConfig{}); !errors.Is(err, ErrShared) {
			t.Fatalf("nil layout: %v", err)
		}
	})
}
