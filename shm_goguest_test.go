package wasmplane_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

// The Go guest's entry and frame formats (testdata/goguest/shm), the same
// as the C guests' in internal/shm/testdata/guest.c.
const goMix = 0x9E3779B97F4A7C15

var le = binary.LittleEndian

// goShm runs the Go guest beside a shared memory with rings and triple
// buffers both ways and a mutex block.
type goShm struct {
	sys *wasmplane.System
	sm  *wasmplane.SharedMemory
	pid wasmplane.PID
}

func startGoShm(tb testing.TB, sys *wasmplane.System, frame uint32) *goShm {
	tb.Helper()
	ctx := context.Background()
	gw, host := []string{"go"}, []string{"host"}
	sm, err := sys.NewSharedMemory(ctx, wasmplane.SharedMemoryConfig{
		Components: []string{"go", "host"},
		Regions: []wasmplane.Region{
			{Name: "ring", Kind: wasmplane.RegionSPSCRing, SlotSize: 16, Slots: 64, Writers: gw, Readers: host},
			{Name: "in", Kind: wasmplane.RegionSPSCRing, SlotSize: 16, Slots: 64, Writers: host, Readers: gw},
			{Name: "frames", Kind: wasmplane.RegionTripleBuffer, Size: frame, Writers: gw, Readers: host},
			{Name: "in_frames", Kind: wasmplane.RegionTripleBuffer, Size: 1024, Writers: host, Readers: gw},
			{Name: "block", Kind: wasmplane.RegionMutex, Size: 256, Writers: []string{"go", "host"}},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sm.Close(context.Background()) })
	mod, err := sys.LoadModule(ctx, "goshm", gobuildtest.Build(tb, "testdata/goguest/shm"), wasmplane.KindWasm)
	if err != nil {
		tb.Fatal(err)
	}
	pid, err := sys.Spawn(sm.Factory(mod, wasmplane.SharedOptions{}), wasmplane.SpawnOptions{Name: "go"})
	if err != nil {
		tb.Fatal(err)
	}
	return &goShm{sys: sys, sm: sm, pid: pid}
}

// call sends the guest a request whose arguments are u32s followed by
// name, and returns its u64 answer.
func (g *goShm) call(kind, name string, args ...uint32) (uint64, error) {
	var data []byte
	for _, a := range args {
		data = le.AppendUint32(data, a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := g.sys.Request(ctx, g.pid, kind, append(data, name...))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", kind, err)
	}
	if len(r) != 8 {
		return 0, fmt.Errorf("%s: %d-byte answer", kind, len(r))
	}
	return le.Uint64(r), nil
}

// async runs call on its own goroutine.
func (g *goShm) async(kind, name string, args ...uint32) <-chan result {
	c := make(chan result, 1)
	go func() {
		v, err := g.call(kind, name, args...)
		c <- result{v, err}
	}()
	return c
}

type result struct {
	v   uint64
	err error
}

// checkFrame reports whether a frame follows the format: word i is
// gen*31 + i, the last word the sum of the others.
func checkFrame(gen uint64, f []byte) bool {
	var sum uint32
	words := len(f) / 4
	for i := 0; i+1 < words; i++ {
		w := le.Uint32(f[4*i:])
		if w != uint32(gen)*31+uint32(i) {
			return false
		}
		sum += w
	}
	return words > 0 && le.Uint32(f[4*(words-1):]) == sum
}

func fillFrame(gen uint64, f []byte) {
	var sum uint32
	words := len(f) / 4
	for i := 0; i+1 < words; i++ {
		w := uint32(gen)*31 + uint32(i)
		le.PutUint32(f[4*i:], w)
		sum += w
	}
	le.PutUint32(f[4*(words-1):], sum)
}

// TestGoGuestSharedRegions: a Go guest, which cannot share memory, uses a
// shared memory's regions through the SDK's copying calls while the host
// uses the same regions in place: the guest pushes ring entries and
// publishes frames the host pops and acquires (frames zero-copy), pops
// entries and acquires a frame the host wrote, and writes a mutex block.
// Same formats and checksums as the C guests of internal/shm's cross test.
func TestGoGuestSharedRegions(t *testing.T) {
	sys := newSystem(t, nil)
	g := startGoShm(t, sys, 1024)
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("guest pushes, host pops", func(t *testing.T) {
		ring, _ := g.sm.Ring("ring")
		done := g.async("push", "ring", 5, uint32(n), 8)
		out := make([]byte, 32*16)
		for next := uint64(0); next < uint64(n); {
			k, err := ring.Pop(ctx, out)
			if err != nil {
				t.Fatalf("after %d entries: %v", next, err)
			}
			for i := 0; i < k; i++ {
				v := le.Uint64(out[16*i:])
				if le.Uint64(out[16*i+8:]) != v*goMix || v != 5<<48|next {
					t.Fatalf("entry %d: %#x (lost, duplicated or torn)", next, v)
				}
				next++
			}
		}
		if r := <-done; r.err != nil || r.v != uint64(n) {
			t.Fatalf("guest pushed %d of %d: %v", r.v, n, r.err)
		}
	})

	t.Run("host pushes, guest pops", func(t *testing.T) {
		ring, _ := g.sm.Ring("in")
		done := g.async("pop", "in", 6, uint32(n))
		buf := make([]byte, 16*8)
		for seq := 0; seq < n; {
			k := min(8, n-seq)
			for i := range k {
				v := uint64(6)<<48 | uint64(seq+i)
				le.PutUint64(buf[16*i:], v)
				le.PutUint64(buf[16*i+8:], v*goMix)
			}
			pushed, err := ring.Push(ctx, buf[:16*k])
			if err != nil {
				t.Fatalf("push at %d: %v", seq, err)
			}
			seq += pushed
		}
		if r := <-done; r.err != nil || r.v != 0 {
			t.Fatalf("guest found %d bad or missing entries: %v", r.v, r.err)
		}
	})

	t.Run("guest publishes, host acquires", func(t *testing.T) {
		tb, _ := g.sm.TripleBuffer("frames")
		frames := n / 4
		done := g.async("publish", "", uint32(frames), 1024, 1)
		var last uint64
		read, torn := 0, 0
		for last < uint64(frames) {
			f, err := tb.AcquireNext(ctx)
			if err != nil {
				t.Fatalf("after frame %d: %v", last, err)
			}
			if f.Gen <= last || len(f.Data) != 1024 {
				t.Fatalf("frame gen %d after %d, %d bytes", f.Gen, last, len(f.Data))
			}
			if !checkFrame(f.Gen, f.Data) { // f.Data is a view: no copy
				torn++
			}
			last = f.Gen
			read++
		}
		if r := <-done; r.err != nil || r.v != uint64(frames) {
			t.Fatalf("guest published up to %d, want %d: %v", r.v, frames, r.err)
		}
		if torn != 0 {
			t.Fatalf("%d torn frames of %d read", torn, read)
		}
		t.Logf("guest published %d frames, host read %d, 0 torn", frames, read)
	})

	t.Run("host publishes, guest acquires", func(t *testing.T) {
		tb, _ := g.sm.TripleBuffer("in_frames")
		for i := 0; i < 3; i++ {
			back, err := tb.Back()
			if err != nil {
				t.Fatal(err)
			}
			gen := tb.Generation() + 1
			fillFrame(gen, back[:1024])
			if got, err := tb.Publish(1024); err != nil || got != gen {
				t.Fatalf("publish: %d, %v; want generation %d", got, err, gen)
			}
			if got, err := g.call("acquire", ""); err != nil || got != gen {
				t.Fatalf("guest acquired %d, %v; want generation %d", got, err, gen)
			}
		}
	})

	t.Run("mutex block", func(t *testing.T) {
		if got, err := g.call("block", "", 16, 200); err != nil || got != 200 {
			t.Fatalf("guest read back %d of 200 bytes: %v", got, err)
		}
		mu, _ := g.sm.Mutex("block")
		blk, _ := g.sm.Raw("block")
		mu.Lock()
		for i := 0; i < 200; i++ {
			if blk[16+i] != byte(i*7+1) {
				t.Errorf("block[%d] = %d, want %d", 16+i, blk[16+i], byte(i*7+1))
				break
			}
		}
		mu.Unlock()
		// Past the region's end: ERR_INVALID_ARGUMENT, a handler error.
		if _, err := g.call("block", "", 200, 100); err == nil {
			t.Fatal("a write past the block's end succeeded")
		}
	})
	if err := g.sm.Verify(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkGoGuestCopyPath: the Go SDK's copying calls, ns per entry or
// frame, measured inside the guest's loop (one request per chunk).
// ring_push: the guest pushes 16-byte entries while the host pops them;
// tb_publish: the guest publishes frames (word 0 stamped, no refill).
func BenchmarkGoGuestCopyPath(b *testing.B) {
	const chunk = 50_000
	for _, bc := range []struct {
		name        string
		frame       uint32
		batch       uint32
		publishOnly bool
	}{
		{"ring_push_16B_batch1", 64, 1, false},
		{"ring_push_16B_batch32", 64, 32, false},
		{"tb_publish_64B", 64, 0, true},
		{"tb_publish_4KiB", 4096, 0, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := startGoShm(b, benchSystem(b), bc.frame)
			ring, _ := g.sm.Ring("ring")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			b.ResetTimer()
			for left := b.N; left > 0; left -= chunk {
				k := min(left, chunk)
				if bc.publishOnly {
					if _, err := g.call("publish", "", uint32(k), bc.frame, 0); err != nil {
						b.Fatal(err)
					}
					continue
				}
				var wg sync.WaitGroup
				wg.Go(func() {
					out := make([]byte, 64*16)
					for got := 0; got < k; {
						n, err := ring.Pop(ctx, out)
						if err != nil {
							b.Error(err)
							return
						}
						got += n
					}
				})
				if v, err := g.call("push", "ring", 1, uint32(k), bc.batch); err != nil || v != uint64(k) {
					b.Fatalf("pushed %d of %d: %v", v, k, err)
				}
				wg.Wait()
			}
		})
	}
}
