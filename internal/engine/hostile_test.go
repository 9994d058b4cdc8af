package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostile guests that need no preemption (testdata/hostile/*.wat). Each
// must end in an error or a status, never a host panic; a bystander
// instance keeps serving throughout, and no goroutine is left behind.

func compileHostile(t testing.TB, e *Engine, name string) *Module {
	t.Helper()
	m, err := e.Compile(context.Background(), name, readWasm(t, "testdata/hostile/"+name+".wasm"), KindGuest)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func instantiate(t testing.TB, m *Module, cfg InstanceConfig) *Instance {
	t.Helper()
	inst, err := m.Instantiate(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%s: instantiate: %v", m.Name(), err)
	}
	t.Cleanup(func() { inst.Close(context.Background()) })
	return inst
}

// newBystander starts an instance of minimal.wasm that must keep serving
// while the hostile guests run on the same engine.
func newBystander(t testing.TB, e *Engine) *Instance {
	t.Helper()
	m, err := e.Compile(context.Background(), "bystander", readWasm(t, "testdata/wat/minimal.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return instantiate(t, m, InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 2})
}

func checkBystander(t testing.TB, inst *Instance) {
	t.Helper()
	if st, err := inst.Deliver(1, 0, 0, "ping", []byte("are you there")); err != nil || st != 0 {
		t.Fatalf("bystander stopped serving: status %d, %v", st, err)
	}
}

func TestHostileMemoryBomb(t *testing.T) {
	e := newEngine(t)
	by := newBystander(t, e)
	before := runtime.NumGoroutine()
	m := compileHostile(t, e, "memory_bomb")
	for _, limit := range []uint32{1, 2, 16} {
		t.Run(fmt.Sprintf("limit%d", limit), func(t *testing.T) {
			inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: limit})
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Close(context.Background())
			for round := range 2 { // a second bomb finds memory already full
				st, err := inst.Deliver(1, 0, 0, "bomb", []byte("grow"))
				if err != nil || st != 0 {
					t.Fatalf("round %d: status %d, %v; want 0 once memory.grow refuses", round, st, err)
				}
				if got, want := inst.Memory().Size(), limit*pageSize; got != want {
					t.Fatalf("round %d: memory is %d bytes (%d pages), want exactly the limit of %d pages", round, got, got/pageSize, limit)
				}
			}
			checkBystander(t, by)
		})
	}
	waitGoroutines(t, before)
}

func TestHostileDeepRecursion(t *testing.T) {
	e := newEngine(t)
	by := newBystander(t, e)
	before := runtime.NumGoroutine()
	m := compileHostile(t, e, "deep_recursion")
	recurse := func(t *testing.T, kind string) {
		inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 1})
		if err != nil {
			t.Error(err)
			return
		}
		defer inst.Close(context.Background())
		_, err = inst.Deliver(1, 0, 0, kind, nil)
		var te *TrapError
		if !errors.As(err, &te) || te.Export != ExportReceive {
			t.Errorf("%s: got %v, want a *TrapError in %s", kind, err, ExportReceive)
			return
		}
		if !strings.Contains(err.Error(), "stack overflow") {
			t.Errorf("%s: trap %.200q does not say stack overflow", kind, err)
		}
	}
	for _, kind := range []string{"r: small frames", "R: fat frames"} {
		t.Run(kind[:1], func(t *testing.T) {
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			recurse(t, kind)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&ms1)
			// wazero grows the guest's call stack by doubling up to ~50 MB
			// before it reports the overflow; MemoryLimitPages does not cover it.
			t.Logf("%s: stack exhausted and reported in %v, %d MiB allocated", kind,
				elapsed.Round(time.Microsecond), (ms1.TotalAlloc-ms0.TotalAlloc)>>20)
			// A fresh instance of the same module works.
			inst := instantiate(t, m, InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 1})
			if st, err := inst.Deliver(1, 0, 0, "ping", nil); err != nil || st != 0 {
				t.Fatalf("fresh instance after the trap: status %d, %v", st, err)
			}
			checkBystander(t, by)
		})
	}
	t.Run("concurrent", func(t *testing.T) {
		// Stack exhaustion on several goroutines at once: each guest call
		// has its own stack, and one overflowing must not disturb another.
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 2 {
					recurse(t, []string{"r", "R"}[(g+i)%2])
				}
			}()
		}
		wg.Wait()
		checkBystander(t, by)
	})
	waitGoroutines(t, before)
}

// badPointerChecks is how many checks bad_pointers.wat makes per message:
// phase 1 16 buffers × 7 + 4 out-params × 5, phase 2 1 + 7 + 5 + 3, the
// guard, and 7 controls.
const badPointerChecks = 16*7 + 4*5 + 16 + 1 + 7

func TestHostileBadPointers(t *testing.T) {
	e := newEngine(t)
	by := newBystander(t, e)
	before := runtime.NumGoroutine()
	m := compileHostile(t, e, "bad_pointers")
	h := &fakeHost{reply: []byte("a reply longer than four bytes")}
	inst := instantiate(t, m, InstanceConfig{Host: h, MemoryLimitPages: 1})
	for round := range 2 {
		st, err := inst.Deliver(1, 0, 0, "attack", nil)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		mem := inst.Memory()
		checks, _ := mem.ReadUint32Le(0)
		wrong, _ := mem.ReadUint32Le(4)
		if int32(wrong) != st {
			t.Fatalf("round %d: status %d but the guest recorded %d wrong answers", round, st, wrong)
		}
		for k := range min(wrong, 64) {
			id, _ := mem.ReadUint32Le(8 + 8*k)
			got, _ := mem.ReadUint32Le(12 + 8*k)
			t.Errorf("round %d: case %s got %v", round, badPointerCase(id), Status(int32(got)))
		}
		if checks != badPointerChecks {
			t.Errorf("round %d: the guest made %d checks, want %d", round, checks, badPointerChecks)
		}
		// Only the controls reach the host: phase 2's request and phase 3's
		// valid calls. Any other call means a bad buffer got through.
		want := []string{"request k k", "send k ", "publish k ", "reply ", "log ", "log \xa5", "lookup k", "call k "}
		got := h.get()
		h.mu.Lock()
		h.calls = nil
		h.mu.Unlock()
		if !slices.Equal(got, want) {
			t.Errorf("round %d: host calls\n got %q\nwant %q", round, got, want)
		}
	}
	checkBystander(t, by)
	waitGoroutines(t, before)
}

// badPointerCase decodes a case id of bad_pointers.wat for a failure message.
func badPointerCase(id uint32) string {
	slots := []string{"send kind", "send data", "request kind", "request data", "request out",
		"request out_len_ptr", "reply_take out", "reply_take out_len_ptr", "reply data", "publish topic",
		"publish data", "subscribe topic", "unsubscribe topic", "log msg", "lookup name", "lookup out_pid_ptr",
		"call op", "call args", "call out", "call out_len_ptr"}
	switch {
	case id < 0x100:
		return fmt.Sprintf("%#x (%s, bad buffer %d)", id, slots[id>>4], id&15)
	case id >= 0x500 && id < 0x540:
		return fmt.Sprintf("%#x (%s, bad buffer %d)", id, slots[(id-0x400)>>4], id&15)
	case id == 0x100:
		return "0x100 (request with out_cap 4: want ERR_BUFFER_TOO_SMALL and a held reply)"
	case id < 0x300:
		s := (id - 0x200) >> 4
		return fmt.Sprintf("%#x (%s with a reply held, bad buffer %d)", id, slots[s], id&15)
	case id <= 0x302:
		return fmt.Sprintf("%#x (reply_take of the held reply)", id)
	case id == 0x380:
		return "0x380 (guard bytes at the end of memory were written)"
	}
	return fmt.Sprintf("%#x (control: a valid buffer was refused)", id)
}

func TestHostileAllocLiar(t *testing.T) {
	e := newEngine(t)
	by := newBystander(t, e)
	before := runtime.NumGoroutine()
	m := compileHostile(t, e, "alloc_liar")
	const kind = "kind"
	small, big := []byte("hello, liar"), make([]byte, 65000) // big does not fit after 1024
	for _, tc := range []struct {
		name string
		mode uint64
		data []byte
		trap bool
	}{
		{"near end", 0, small, false},
		{"wraps 2^32", 1, small, false},
		{"one byte over", 2, small, false},
		{"traps", 4, small, true},
		{"too short", 5, big, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := instantiate(t, m, InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 1})
			if _, err := inst.Function("set_mode").Call(inst.Context(), tc.mode); err != nil {
				t.Fatal(err)
			}
			snap := memSnapshot(t, inst)
			data := tc.data
			_, err := inst.Deliver(1, 0, 0, kind, data)
			var te *TrapError
			switch {
			case err == nil:
				t.Fatal("delivered into a region outside memory")
			case !strings.Contains(err.Error(), ExportAlloc):
				t.Fatalf("error %q does not name %s", err, ExportAlloc)
			case tc.trap != errors.As(err, &te):
				t.Fatalf("error %v: trap %v, want %v", err, !tc.trap, tc.trap)
			}
			after := memSnapshot(t, inst)
			if calls := binary.LittleEndian.Uint32(after[4:]); calls != 1 {
				t.Fatalf("%s called %d times, want 1", ExportAlloc, calls)
			}
			copy(after[4:8], snap[4:8]) // the guest's own alloc counter
			if !bytes.Equal(snap, after) {
				t.Fatal("guest memory changed although the delivery was refused")
			}
			if tc.trap {
				return // the instance is unusable after a trap
			}
			// The instance still serves once alloc tells the truth: the host
			// must ask again rather than keep the refused region.
			inst.Function("set_mode").Call(inst.Context(), 3)
			if st, err := inst.Deliver(1, 0, 0, kind, data); err != nil || st != 0 {
				t.Fatalf("after a truthful alloc: status %d, %v", st, err)
			}
			size := inst.Memory().Size()
			if b, _ := inst.Memory().Read(size-uint32(len(kind)+len(data)), uint32(len(kind)+len(data))); string(b) != kind+string(data) {
				t.Fatalf("exact-fit buffer at the end of memory holds %.40q", b)
			}
			if n, _ := inst.Memory().ReadUint32Le(0); n != 1 {
				t.Fatalf("receive ran %d times, want 1", n)
			}
			checkBystander(t, by)
		})
	}
	// docs/abi.md: the region from wasmplane_alloc is owned by the host only
	// until the next call to wasmplane_alloc. Here that call reclaims it and
	// refuses; the host must not deliver into the old region afterwards.
	t.Run("reclaimed region", func(t *testing.T) {
		inst := instantiate(t, m, InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 1})
		inst.Function("set_mode").Call(inst.Context(), 6)
		if st, err := inst.Deliver(1, 0, 0, "a", []byte("first")); err != nil || st != 0 {
			t.Fatalf("first delivery: status %d, %v", st, err)
		}
		if _, err := inst.Deliver(1, 0, 0, "a", make([]byte, 100)); err == nil || !strings.Contains(err.Error(), ExportAlloc) {
			t.Fatalf("delivery needing a bigger buffer: %v, want %s's refusal", err, ExportAlloc)
		}
		st, err := inst.Deliver(1, 0, 0, "b", []byte("small"))
		if err == nil {
			t.Errorf("ENGINE BUG (instance.go, Instance.grow/Deliver): after %s refused, a small message "+
				"was written into the region returned by the previous call, which the guest had reclaimed "+
				"(guest status %d; 99 means it saw its data overwritten). grow must forget the old buffer "+
				"(inst.buf, inst.bufN = 0, 0) before calling %s.", ExportAlloc, st, ExportAlloc)
		} else if !strings.Contains(err.Error(), ExportAlloc) {
			t.Errorf("got %v, want %s's refusal", err, ExportAlloc)
		}
		if b, _ := inst.Memory().Read(1024, 64); !bytes.Equal(b, bytes.Repeat([]byte{0x5A}, 64)) {
			t.Errorf("the reclaimed region at 1024 was overwritten by the host: % x", b[:16])
		}
		checkBystander(t, by)
	})
	waitGoroutines(t, before)
}

func memSnapshot(t testing.TB, inst *Instance) []byte {
	t.Helper()
	b, ok := inst.Memory().Read(0, inst.Memory().Size())
	if !ok {
		t.Fatal("cannot read guest memory")
	}
	return bytes.Clone(b)
}

// TestLoadRejectsUnlinkableImports: a module importing a global from a
// module the host does not provide compiles in wazero (linking happens at
// instantiation), so only the load check can refuse it.
func TestLoadRejectsUnlinkableImports(t *testing.T) {
	e := newEngine(t)
	bin := readWasm(t, "testdata/hostile/unlinkable_cmd.wasm")
	m, err := e.Compile(context.Background(), "unlinkable", bin, KindCommand)
	if err == nil {
		defer m.Close(context.Background())
		_, runErr := m.Run(context.Background(), RunConfig{})
		t.Errorf("ENGINE BUG (abi.go checkImports / module.go Compile): a command importing global env.g loads; "+
			"only imported functions and memories are checked, so it fails at every run instead, as %T: %v", runErr, runErr)
	} else if !errors.Is(err, ErrLoad) || !strings.Contains(err.Error(), "env") {
		t.Errorf("got %v, want a load error naming the import", err)
	}
}

// withCustomSection appends a custom section to a module.
func withCustomSection(bin []byte, name string, payload []byte) []byte {
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(name)))
	body = append(body, name...)
	body = append(body, payload...)
	out := append(bytes.Clone(bin), 0)
	out = binary.AppendUvarint(out, uint64(len(body)))
	return append(out, body...)
}

// trapStormModules are trap_storm.wasm with 2 MiB of extra sections: junk
// DWARF (ignored, DWARF is off), and a "name" section giving the three
// functions on the trapping stack names of ~680 KiB each.
func trapStormModules(t testing.TB) map[string][]byte {
	base := readWasm(t, "testdata/hostile/trap_storm.wasm")
	debug := make([]byte, 2<<20)
	for i := range debug {
		debug[i] = byte(i * 7)
	}
	var names []byte
	names = binary.AppendUvarint(names, 3)
	for _, idx := range []uint64{2, 3, 4} { // $crash, $middle, wasmplane_receive
		name := bytes.Repeat([]byte{'a' + byte(idx)}, (2<<20)/3-16)
		names = binary.AppendUvarint(names, idx)
		names = binary.AppendUvarint(names, uint64(len(name)))
		names = append(names, name...)
	}
	var nameSec []byte
	nameSec = append(nameSec, 1) // function names
	nameSec = binary.AppendUvarint(nameSec, uint64(len(names)))
	nameSec = append(nameSec, names...)
	return map[string][]byte{
		"plain":      base,
		"debug2MiB":  withCustomSection(base, ".debug_info", debug),
		"names2MiB":  withCustomSection(base, "name", nameSec),
		"debug+name": withCustomSection(withCustomSection(base, ".debug_info", debug), "name", nameSec),
	}
}

func TestHostileTrapStorm(t *testing.T) {
	e := newEngine(t)
	by := newBystander(t, e)
	before := runtime.NumGoroutine()
	mods := trapStormModules(t)
	for _, name := range []string{"plain", "debug2MiB", "names2MiB", "debug+name"} {
		t.Run(name, func(t *testing.T) {
			m, err := e.Compile(context.Background(), "trap_storm", mods[name], KindGuest)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close(context.Background())
			// 1000 traps each; 200 for the name-section variants, whose
			// every trap formats ~2 MiB of names inside wazero (3 ms, 8 MB
			// each, about ten times that under -race).
			n := 1000
			if strings.Contains(name, "name") {
				n = 200
			}
			if testing.Short() {
				n /= 10
			}
			var longest int
			for i := range n {
				inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 1})
				if err != nil {
					t.Fatal(err)
				}
				_, err = inst.Deliver(1, 0, 0, "boom", nil)
				inst.Close(context.Background())
				var te *TrapError
				if !errors.As(err, &te) || te.Export != ExportReceive {
					t.Fatalf("delivery %d: %.300v, want a *TrapError in %s", i, err, ExportReceive)
				}
				longest = max(longest, len(err.Error()))
			}
			// Function names come from the guest's own name section: without
			// a bound, a guest picks the size of every crash report (and gets
			// around MaxLogLine, which bounds what it can log directly).
			if longest > MaxLogLine {
				t.Errorf("ENGINE BUG (instance.go TrapError): a trap's error text is %d bytes, built from guest-chosen "+
					"function names; it should be bounded like a guest log line (MaxLogLine = %d)", longest, MaxLogLine)
			}
			t.Logf("%d traps from fresh instances; longest error %d bytes", n, longest)
			checkBystander(t, by)
		})
	}
	waitGoroutines(t, before)
}

// BenchmarkTrapStorm measures one trap from a fresh instance (instantiate,
// deliver, trap, close) of a module carrying large custom sections.
func BenchmarkTrapStorm(b *testing.B) {
	e := newEngine(b)
	mods := trapStormModules(b)
	for _, name := range []string{"plain", "debug2MiB", "names2MiB", "debug+name"} {
		b.Run(name, func(b *testing.B) {
			m, err := e.Compile(context.Background(), "trap_storm", mods[name], KindGuest)
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close(context.Background())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 1})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := inst.Deliver(1, 0, 0, "boom", nil); err == nil {
					b.Fatal("no trap")
				}
				inst.Close(context.Background())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/trap")
		})
	}
}
