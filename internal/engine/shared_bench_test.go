package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/wasmplane/wasmplane/internal/shm"
)

// BenchmarkGuestToGuest: 64-byte entries from one sharing C guest
// instance to another through an SPSC ring (atomics, wait/notify), on two
// goroutines; ns per entry.
func BenchmarkGuestToGuest(b *testing.B) {
	bin := buildSharing(b, sharingExports...)
	ctx := context.Background()
	e := newEngine(b)
	m, err := e.Compile(ctx, "sharing", bin, KindGuest)
	if err != nil {
		b.Fatal(err)
	}
	l := sharedLayout(b, shm.Decl{Name: "ring", Kind: shm.SPSCRing, SlotSize: 64, Slots: 256})
	sm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: l, Pages: sharedPages})
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close(ctx)
	var insts [2]*Instance
	for i := range insts {
		if insts[i], err = m.Instantiate(ctx, InstanceConfig{Shared: sm, Partition: i}); err != nil {
			b.Fatal(err)
		}
		defer insts[i].Close(ctx)
	}
	meta, out := uint64(l.Base), uint64(l.Partitions[1].HeapLo)
	b.SetBytes(64)
	b.ResetTimer()
	// Each call moves b.N entries; sequences restart at 0 per call, and
	// the ring is empty between calls.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		insts[0].Function("produce").Call(insts[0].Context(), meta, 0, 7, uint64(b.N))
	}()
	res, err := insts[1].Function("consume").Call(insts[1].Context(), meta, 0, 7, uint64(b.N), out)
	wg.Wait()
	if err != nil || res[0] != 0 {
		b.Fatalf("consume: %v, %d bad", err, res)
	}
}

// BenchmarkFrame1MiB: handing a 1 MiB frame from writer to reader through
// a triple buffer in shared memory, zero-copy (the writer fills the back
// slot in place, the reader reads the view) against copying it out.
func BenchmarkFrame1MiB(b *testing.B) {
	ctx := context.Background()
	e := newEngine(b)
	const size = 1 << 20
	l, err := shm.Compute(shm.Config{Components: []string{"w", "r"}}, []shm.Decl{
		{Name: "tb", Kind: shm.TripleBuffer, Size: size, Writers: []string{"w"}, Readers: []string{"r"}}})
	if err != nil {
		b.Fatal(err)
	}
	sm, err := e.NewSharedMemory(ctx, SharedConfig{Layout: l})
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close(ctx)
	tb, _ := sm.Memory().TripleBuffer("tb")
	b.Run("zero-copy", func(b *testing.B) {
		for b.Loop() {
			back, _ := tb.Back()
			back[0]++ // the writer touches the frame in place
			tb.Publish(size)
			f, _ := tb.Acquire()
			_ = f.Data[size-1]
		}
	})
	b.Run("copied", func(b *testing.B) {
		dst := make([]byte, size)
		for b.Loop() {
			back, _ := tb.Back()
			back[0]++
			tb.Publish(size)
			f, _ := tb.Acquire()
			copy(dst, f.Data)
		}
	})
}
