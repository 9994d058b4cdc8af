package shm

import (
	"context"
	"sync"
	"testing"
)

func BenchmarkTripleBuffer(b *testing.B) {
	for _, size := range []int{64, 4096} {
		b.Run("publish+acquire/"+itoa(size)+"B", func(b *testing.B) {
			m := openLayout(b, goMem(1<<16), nil, Decl{Name: "tb", Kind: TripleBuffer, Size: uint32(size), Writers: []string{"a"}})
			tb, _ := m.TripleBuffer("tb")
			b.SetBytes(int64(size))
			for b.Loop() {
				back, _ := tb.Back()
				back[0]++
				tb.Publish(size)
				if f, _ := tb.Acquire(); !f.New {
					b.Fatal("no new frame")
				}
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// The ring benchmarks move b.N 16-byte entries from producer goroutines
// to the consumer (the benchmark goroutine); ns/op is per entry.
const benchEntry = 16

func benchRing(b *testing.B, kind Kind, producers, batch int, wasm bool) {
	var mem []byte
	var w Waiter
	if wasm {
		wm := newWazeroMem(b, 1)
		mem, w = wm.bytes, wm.waiter
	} else {
		mem = goMem(1 << 16)
	}
	m := openLayout(b, mem, w, Decl{Name: "q", Kind: kind, SlotSize: benchEntry, Slots: 256})
	g, _ := m.Ring("q")
	ctx := context.Background()
	b.SetBytes(benchEntry)
	b.ResetTimer()
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			buf := make([]byte, batch*benchEntry)
			n := b.N / producers
			if p == 0 {
				n += b.N % producers
			}
			for n > 0 {
				k := min(batch, n)
				buf[0] = byte(n)
				g.Push(ctx, buf[:k*benchEntry])
				n -= k
			}
		}(p)
	}
	out := make([]byte, max(batch, 32)*benchEntry)
	for got := 0; got < b.N; {
		n, err := g.Pop(ctx, out)
		if err != nil {
			b.Fatal(err)
		}
		got += n
	}
	wg.Wait()
}

func BenchmarkSPSC(b *testing.B) {
	b.Run("ring/batch1", func(b *testing.B) { benchRing(b, SPSCRing, 1, 1, false) })
	b.Run("ring/batch32", func(b *testing.B) { benchRing(b, SPSCRing, 1, 32, false) })
	b.Run("ring-wasmwaiter/batch1", func(b *testing.B) { benchRing(b, SPSCRing, 1, 1, true) })
	b.Run("chan", func(b *testing.B) {
		ch := make(chan [benchEntry]byte, 256)
		b.SetBytes(benchEntry)
		go func() {
			var e [benchEntry]byte
			for i := 0; i < b.N; i++ {
				e[0] = byte(i)
				ch <- e
			}
		}()
		for i := 0; i < b.N; i++ {
			<-ch
		}
	})
}

func BenchmarkMPSC(b *testing.B) {
	b.Run("2producers/batch1", func(b *testing.B) { benchRing(b, MPSCRing, 2, 1, false) })
	b.Run("2producers/batch32", func(b *testing.B) { benchRing(b, MPSCRing, 2, 32, false) })
	b.Run("chan/2producers", func(b *testing.B) {
		ch := make(chan [benchEntry]byte, 256)
		b.SetBytes(benchEntry)
		for p := 0; p < 2; p++ {
			n := b.N / 2
			if p == 0 {
				n += b.N % 2
			}
			go func() {
				var e [benchEntry]byte
				for i := 0; i < n; i++ {
					ch <- e
				}
			}()
		}
		for i := 0; i < b.N; i++ {
			<-ch
		}
	})
}

func BenchmarkMutex(b *testing.B) {
	m := openLayout(b, goMem(1<<16), nil, Decl{Name: "mu", Kind: Mutex, Size: 8})
	mu, _ := m.Mutex("mu")
	b.Run("uncontended", func(b *testing.B) {
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
	b.Run("sync.Mutex", func(b *testing.B) {
		var s sync.Mutex
		for b.Loop() {
			s.Lock()
			s.Unlock()
		}
	})
}

func BenchmarkRCU(b *testing.B) {
	m := openLayout(b, goMem(1<<16), nil, Decl{Name: "s", Kind: RCU, Size: 64})
	c, _ := m.RCU("s")
	b.Run("read+release", func(b *testing.B) {
		for b.Loop() {
			s, _ := c.Read()
			c.Release(s)
		}
	})
	b.Run("begin+commit", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			w, _ := c.Begin(ctx)
			w.Commit(8)
		}
	})
}

func BenchmarkSlots(b *testing.B) {
	m := openLayout(b, goMem(1<<16), nil, Decl{Name: "s", Kind: Slots, SlotSize: 8, Slots: 64})
	st, _ := m.Slots("s")
	h, _, _ := st.Alloc()
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			st.Get(h)
		}
	})
	b.Run("alloc+free", func(b *testing.B) {
		for b.Loop() {
			h, _, _ := st.Alloc()
			st.Free(h)
		}
	})
}

// BenchmarkWaiter: the host's cost to notify with no waiter, and a
// ping-pong round trip (two wakes) between two host goroutines.
func BenchmarkWaiter(b *testing.B) {
	wm := newWazeroMem(b, 1)
	for _, tc := range []struct {
		name string
		w    Waiter
	}{{"wasm", wm.waiter}, {"spin", NewSpinWaiter(wm.bytes)}} {
		b.Run(tc.name+"/notify-nobody", func(b *testing.B) {
			for b.Loop() {
				tc.w.Notify(64, 1)
			}
		})
		b.Run(tc.name+"/pingpong", func(b *testing.B) {
			ping, pong := word32(wm.bytes, 128), word32(wm.bytes, 192)
			ping.Store(0)
			pong.Store(0)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := uint32(1); i <= uint32(b.N); i++ {
					for ping.Load() != i {
						tc.w.Wait32(128, i-1, -1)
					}
					pong.Store(i)
					tc.w.Notify(192, 1)
				}
			}()
			for i := uint32(1); i <= uint32(b.N); i++ {
				ping.Store(i)
				tc.w.Notify(128, 1)
				for pong.Load() != i {
					tc.w.Wait32(192, i-1, -1)
				}
			}
			<-done
		})
	}
}
