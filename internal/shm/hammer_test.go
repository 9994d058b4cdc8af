package shm

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fillFrame writes a frame of n bytes derived from gen, ending in a CRC.
func fillFrame(b []byte, gen uint64) {
	binary.LittleEndian.PutUint64(b, gen)
	for i := 8; i < len(b)-4; i++ {
		b[i] = byte(gen*31 + uint64(i))
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
}

func frameOK(b []byte) bool {
	return len(b) >= 12 && crc32.ChecksumIEEE(b[:len(b)-4]) == binary.LittleEndian.Uint32(b[len(b)-4:])
}

func TestTripleBufferHammer(t *testing.T) {
	withWaiters(t, 1<<16, func(t *testing.T, mem []byte, w Waiter) {
		const pairs, frame = 2, 512
		var decls []Decl
		for i := 0; i < pairs; i++ {
			decls = append(decls, Decl{Name: "tb" + string(rune('0'+i)), Kind: TripleBuffer, Size: frame, Writers: []string{"a"}, Readers: []string{"b"}})
		}
		m := openLayout(t, mem, w, decls...)
		n := uint64(iters(1_000_000, 40))
		var wg sync.WaitGroup
		var torn, acquired atomic.Int64
		for i := 0; i < pairs; i++ {
			tb, err := m.TripleBuffer(decls[i].Name)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(2)
			go func() { // writer
				defer wg.Done()
				for g := uint64(1); g <= n; g++ {
					back, err := tb.Back()
					if err != nil {
						t.Error(err)
						return
					}
					size := 12 + int(g%uint64(frame-12))
					fillFrame(back[:size], g)
					if got, err := tb.Publish(size); err != nil || got != g {
						t.Errorf("Publish = %d, %v; want %d", got, err, g)
						return
					}
				}
			}()
			go func() { // reader
				defer wg.Done()
				var last uint64
				for last < n {
					f, err := tb.Acquire()
					if err != nil {
						t.Error(err)
						return
					}
					if f.Gen == 0 {
						continue
					}
					if f.Gen < last || (f.New && f.Gen == last) {
						t.Errorf("generation went from %d to %d (new=%v)", last, f.Gen, f.New)
						return
					}
					if !frameOK(f.Data) || binary.LittleEndian.Uint64(f.Data) != f.Gen {
						torn.Add(1)
					}
					if f.New {
						acquired.Add(1)
					}
					last = f.Gen
				}
			}()
		}
		wg.Wait()
		if torn.Load() != 0 {
			t.Fatalf("%d torn frames", torn.Load())
		}
		t.Logf("%d frames published, %d acquired, 0 torn", pairs*int(n), acquired.Load())
	})
}

func TestTripleBufferAcquireNext(t *testing.T) {
	withWaiters(t, 1<<16, func(t *testing.T, mem []byte, w Waiter) {
		m := openLayout(t, mem, w, Decl{Name: "tb", Kind: TripleBuffer, Size: 64, Writers: []string{"a"}})
		tb, _ := m.TripleBuffer("tb")
		n := uint64(iters(20000, 10))
		done := make(chan error, 1)
		go func() {
			var last uint64
			for last < n {
				f, err := tb.AcquireNext(testCtx(t))
				if err != nil {
					done <- err
					return
				}
				if f.Gen <= last || !frameOK(f.Data) {
					done <- errors.New("bad frame")
					return
				}
				last = f.Gen
			}
			done <- nil
		}()
		for g := uint64(1); g <= n; g++ {
			b, _ := tb.Back()
			fillFrame(b[:64], g)
			tb.Publish(64)
			if g%64 == 0 {
				time.Sleep(time.Microsecond) // let the reader block sometimes
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		if _, err := tb.AcquireNext(ctx); !errors.Is(err, ErrTimeout) {
			t.Fatalf("AcquireNext with nothing new: %v", err)
		}
	})
}

// ringEntry: producer id, sequence, check.
func putEntry(b []byte, id, seq uint64) {
	binary.LittleEndian.PutUint64(b, id<<48|seq)
	binary.LittleEndian.PutUint64(b[8:], (id<<48|seq)*0x9E3779B97F4A7C15)
}

func getEntry(b []byte) (id, seq uint64, ok bool) {
	v := binary.LittleEndian.Uint64(b)
	return v >> 48, v & (1<<48 - 1), binary.LittleEndian.Uint64(b[8:]) == v*0x9E3779B97F4A7C15
}

func ringHammer(t *testing.T, mem []byte, w Waiter, kind Kind, producers int, total int) {
	const es = 16
	m := openLayout(t, mem, w, Decl{Name: "q", Kind: kind, SlotSize: es, Slots: 256})
	g, err := m.Ring("q")
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	per := total / producers
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(id uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(id, 7))
			buf := make([]byte, 64*es)
			for seq := 0; seq < per; {
				k := min(1+rng.IntN(64), per-seq)
				for i := 0; i < k; i++ {
					putEntry(buf[i*es:], id, uint64(seq+i))
				}
				if n, err := g.Push(ctx, buf[:k*es]); err != nil || n != k {
					t.Errorf("Push = %d, %v", n, err)
					return
				}
				seq += k
			}
		}(uint64(p))
	}
	next := make([]uint64, producers)
	out := make([]byte, 48*es)
	for got := 0; got < per*producers; {
		n, err := g.Pop(ctx, out)
		if err != nil {
			t.Fatalf("Pop after %d entries: %v", got, err)
		}
		for i := 0; i < n; i++ {
			id, seq, ok := getEntry(out[i*es:])
			if !ok || id >= uint64(producers) {
				t.Fatalf("corrupt entry %x", out[i*es:(i+1)*es])
			}
			if seq != next[id] {
				t.Fatalf("producer %d: got seq %d, want %d (lost or duplicated)", id, seq, next[id])
			}
			next[id]++
		}
		got += n
	}
	wg.Wait()
	if n, err := g.TryPop(out); !errors.Is(err, ErrEmpty) {
		t.Fatalf("after draining, TryPop = %d, %v", n, err)
	}
}

func TestSPSCHammer(t *testing.T) {
	withWaiters(t, 1<<16, func(t *testing.T, mem []byte, w Waiter) {
		ringHammer(t, mem, w, SPSCRing, 1, iters(2_000_000, 40))
	})
}

func TestMPSCHammer(t *testing.T) {
	withWaiters(t, 1<<16, func(t *testing.T, mem []byte, w Waiter) {
		ringHammer(t, mem, w, MPSCRing, 4, iters(2_000_000, 40))
	})
}

func TestRingFullEmpty(t *testing.T) {
	for _, k := range []Kind{SPSCRing, MPSCRing} {
		t.Run(k.String(), func(t *testing.T) {
			mem := goMem(1 << 16)
			m := openLayout(t, mem, nil, Decl{Name: "q", Kind: k, SlotSize: 4, Slots: 4})
			g, _ := m.Ring("q")
			if n, err := g.TryPush(make([]byte, 6*4)); n != 4 || err != nil {
				t.Fatalf("TryPush 6 into 4 slots = %d, %v", n, err)
			}
			if _, err := g.TryPush(make([]byte, 4)); !errors.Is(err, ErrFull) {
				t.Fatalf("TryPush when full: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			defer cancel()
			if n, err := g.Push(ctx, make([]byte, 4)); n != 0 || !errors.Is(err, ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Push when full = %d, %v", n, err)
			}
			if _, err := g.TryPush(make([]byte, 5)); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("TryPush of a partial entry: %v", err)
			}
			out := make([]byte, 16)
			if n, _ := g.TryPop(out); n != 4 {
				t.Fatalf("TryPop = %d", n)
			}
			if n, err := g.Pop(ctx, out); n != 0 || !errors.Is(err, ErrEmpty) {
				t.Fatalf("Pop when empty = %d, %v", n, err)
			}
		})
	}
}

func TestRingCorrupt(t *testing.T) {
	mem := goMem(1 << 16)
	m := openLayout(t, mem, nil, Decl{Name: "q", Kind: SPSCRing, SlotSize: 4, Slots: 4})
	g, _ := m.Ring("q")
	r, _ := m.Layout().Region("q")
	word32(mem, r.Desc+RingTail).Store(1000) // a guest scribbles
	if _, err := g.TryPush(make([]byte, 4)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("TryPush: %v", err)
	}
	if _, err := g.TryPop(make([]byte, 4)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("TryPop: %v", err)
	}
	m2 := openLayout(t, goMem(1<<16), nil, Decl{Name: "tb", Kind: TripleBuffer, Size: 8, Writers: []string{"a"}})
	tb, _ := m2.TripleBuffer("tb")
	r2, _ := m2.Layout().Region("tb")
	word32(m2.mem, r2.Desc+TBState).Store(0) // all three slots 0
	if _, err := tb.Acquire(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Acquire: %v", err)
	}
	if _, err := tb.Publish(1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Publish: %v", err)
	}
}

func TestMutexHammer(t *testing.T) {
	withWaiters(t, 1<<16, func(t *testing.T, mem []byte, w Waiter) {
		m := openLayout(t, mem, w, Decl{Name: "mu", Kind: Mutex, Size: 64})
		mu, err := m.Mutex("mu")
		if err != nil {
			t.Fatal(err)
		}
		block, _ := m.Raw("mu")
		const workers = 8
		per := iters(250_000, 50)
		var wg sync.WaitGroup
		var broken atomic.Int64
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for j := 0; j < per; j++ {
					switch j % 3 {
					case 0:
						mu.Lock()
					case 1:
						for !mu.TryLock() {
						}
					case 2:
						if err := mu.LockTimeout(10 * time.Second); err != nil {
							t.Error(err)
							return
						}
					}
					// Two plain counters: equal outside the lock, and the
					// race detector sees any unguarded access.
					a := binary.LittleEndian.Uint64(block)
					b := binary.LittleEndian.Uint64(block[8:])
					if a != b {
						broken.Add(1)
					}
					binary.LittleEndian.PutUint64(block, a+1)
					binary.LittleEndian.PutUint64(block[8:], b+1)
					if err := mu.Unlock(); err != nil {
						t.Error(err)
					}
				}
			}(i)
		}
		wg.Wait()
		if got := binary.LittleEndian.Uint64(block); got != workers*uint64(per) || broken.Load() != 0 {
			t.Fatalf("counter %d, want %d; %d broken invariants", got, workers*per, broken.Load())
		}
	})
}

func TestMutexTimeoutAndCorrupt(t *testing.T) {
	m := openLayout(t, goMem(1<<16), nil, Decl{Name: "mu", Kind: Mutex, Size: 8})
	mu, _ := m.Mutex("mu")
	mu.Lock()
	if err := mu.LockTimeout(2 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("LockTimeout on a held lock: %v", err)
	}
	if err := mu.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := mu.Unlock(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("double Unlock: %v", err)
	}
}

func TestRCUHammer(t *testing.T) {
	withWaiters(t, 1<<16, func(t *testing.T, mem []byte, w Waiter) {
		m := openLayout(t, mem, w, Decl{Name: "cfg", Kind: RCU, Size: 256, Slots: 3})
		c, err := m.RCU("cfg")
		if err != nil {
			t.Fatal(err)
		}
		ctx := testCtx(t)
		writes := iters(200_000, 40)
		const writers, readers = 2, 4
		var wg sync.WaitGroup
		var stop atomic.Bool
		var torn, reads atomic.Int64
		for i := 0; i < readers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var last uint64
				for !stop.Load() {
					s, err := c.Read()
					if err != nil {
						t.Error(err)
						return
					}
					if s.Version < last {
						t.Errorf("version went back from %d to %d", last, s.Version)
					}
					last = s.Version
					if s.Version != 0 && (!frameOK(s.Data) || binary.LittleEndian.Uint64(s.Data) != s.Version) {
						torn.Add(1)
					}
					if s.Version%7 == 0 {
						time.Sleep(time.Microsecond) // hold a version a while
					}
					if s.Version != 0 && !frameOK(s.Data) { // still unchanged while held
						torn.Add(1)
					}
					c.Release(s)
					reads.Add(1)
				}
			}()
		}
		var ww sync.WaitGroup
		for i := 0; i < writers; i++ {
			ww.Add(1)
			go func() {
				defer ww.Done()
				for j := 0; j < writes/writers; j++ {
					wr, err := c.Begin(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					v := c.Version() + 1 // under the writer lock
					fillFrame(wr.Data[:128], v)
					if got, err := wr.Commit(128); err != nil || got != v {
						t.Errorf("Commit = %d, %v; want %d", got, err, v)
						return
					}
				}
			}()
		}
		ww.Wait()
		stop.Store(true)
		wg.Wait()
		if torn.Load() != 0 {
			t.Fatalf("%d inconsistent snapshots", torn.Load())
		}
		r, _ := m.Layout().Region("cfg")
		for i := uint32(0); i < r.Slots; i++ {
			if n := c.readers(i).Load(); n != 0 {
				t.Fatalf("version %d still has %d readers", i, n)
			}
		}
		t.Logf("%d versions, %d reads", c.Version(), reads.Load())
	})
}

func TestRCUBoundedVersions(t *testing.T) {
	m := openLayout(t, goMem(1<<16), nil, Decl{Name: "s", Kind: RCU, Size: 8, Slots: 2})
	c, _ := m.RCU("s")
	w, _ := c.Begin(context.Background())
	w.Commit(8)
	s, _ := c.Read() // pins version 1
	w, _ = c.Begin(context.Background())
	w.Commit(8) // version 2 in the other slot; version 1 still pinned
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := c.Begin(ctx); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Begin with every old version pinned: %v", err)
	}
	c.Release(s) // reclaimed now
	if w, err := c.Begin(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		w.Abort()
	}
}

func TestSlotsHammer(t *testing.T) {
	m := openLayout(t, goMem(1<<20), nil, Decl{Name: "objs", Kind: Slots, SlotSize: 24, Slots: 1000})
	st, err := m.Slots("objs")
	if err != nil {
		t.Fatal(err)
	}
	const workers = 8
	per := iters(250_000, 50)
	var wg sync.WaitGroup
	var staleOK, accepted atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(id uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(id, 3))
			var live, dead []Handle
			for i := 0; i < per; i++ {
				switch op := rng.IntN(10); {
				case op < 4 && len(live) < 100:
					h, b, err := st.Alloc()
					if err != nil {
						continue // table full for now
					}
					binary.LittleEndian.PutUint64(b, uint64(h))
					binary.LittleEndian.PutUint64(b[8:], id)
					live = append(live, h)
				case op < 7 && len(live) > 0:
					h := live[rng.IntN(len(live))]
					b, err := st.Get(h)
					if err != nil || binary.LittleEndian.Uint64(b) != uint64(h) || binary.LittleEndian.Uint64(b[8:]) != id {
						t.Errorf("live handle %v: %v", h, err)
						return
					}
				case op < 9 && len(live) > 0:
					k := rng.IntN(len(live))
					h := live[k]
					live[k] = live[len(live)-1]
					live = live[:len(live)-1]
					if err := st.Free(h); err != nil {
						t.Error(err)
						return
					}
					dead = append(dead, h)
				case len(dead) > 0:
					h := dead[rng.IntN(len(dead))]
					if _, err := st.Get(h); errors.Is(err, ErrStaleHandle) {
						staleOK.Add(1)
					} else {
						accepted.Add(1)
					}
					if err := st.Free(h); !errors.Is(err, ErrStaleHandle) {
						accepted.Add(1)
					}
				}
			}
			for _, h := range live {
				st.Free(h)
			}
		}(uint64(w))
	}
	wg.Wait()
	if accepted.Load() != 0 {
		t.Fatalf("%d stale handles accepted", accepted.Load())
	}
	if st.Live() != 0 {
		t.Fatalf("%d slots live after freeing all", st.Live())
	}
	for _, h := range []Handle{MakeHandle(1000, 1), MakeHandle(0, 2), MakeHandle(^uint32(0), 1)} {
		if _, err := st.Get(h); !errors.Is(err, ErrStaleHandle) {
			t.Errorf("Get(%v) = %v", h, err)
		}
	}
	t.Logf("%d stale handles rejected", staleOK.Load())
}

func TestSlotRetire(t *testing.T) {
	m := openLayout(t, goMem(1<<16), nil, Decl{Name: "s", Kind: Slots, SlotSize: 8, Slots: 1})
	st, _ := m.Slots("s")
	st.gen(0).Store(slotRetired - 2)
	h, _, err := st.Alloc()
	if err != nil || h.Gen() != slotRetired-1 {
		t.Fatalf("Alloc = %v, %v", h, err)
	}
	st.Free(h)
	if _, _, err := st.Alloc(); !errors.Is(err, ErrNoSlot) {
		t.Fatalf("retired slot reallocated: %v", err)
	}
}
