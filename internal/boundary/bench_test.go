package boundary

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

//go:noinline
func noop(a, b *Node, op string) {}

// BenchmarkWaitFor: the cost of declaring and finishing one wait on an
// acyclic pattern (a chain a→b→c, the edge a→b walks to c's idle end), vs
// a no-op call.
func BenchmarkWaitFor(b *testing.B) {
	setup := func() (*Graph, *Node, *Node) {
		g := NewGraph()
		x, y, z := g.Node(1, "a", false), g.Node(2, "b", false), g.Node(3, "c", false)
		if _, err := g.Wait(y, z, "deeper"); err != nil { // b already waits on c
			b.Fatal(err)
		}
		return g, x, y
	}
	b.Run("noop", func(b *testing.B) {
		_, x, y := setup()
		for b.Loop() {
			noop(x, y, "op")
		}
	})
	b.Run("graph/1", func(b *testing.B) {
		g, x, y := setup()
		b.ReportAllocs()
		for b.Loop() {
			e, err := g.Wait(x, y, "op")
			if err != nil {
				b.Fatal(err)
			}
			e.Done()
		}
	})
	b.Run("into/1", func(b *testing.B) {
		g, x, y := setup()
		var e Edge // as embedded in the actor's pooled request record
		b.ReportAllocs()
		for b.Loop() {
			if err := g.WaitInto(&e, x, y, "op"); err != nil {
				b.Fatal(err)
			}
			e.Done()
		}
	})
	b.Run("into/2", func(b *testing.B) {
		g := NewGraph()
		var id atomic.Uint64
		b.SetParallelism(1)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			x := g.Node(id.Add(1), "a", false)
			y := g.Node(id.Add(1), "b", false)
			z := g.Node(id.Add(1), "c", false)
			if _, err := g.Wait(y, z, "deeper"); err != nil {
				b.Error(err)
				return
			}
			var e Edge
			for pb.Next() {
				if err := g.WaitInto(&e, x, y, "op"); err != nil {
					b.Error(err)
					return
				}
				e.Done()
			}
		})
	})
	b.Run("graph/2", func(b *testing.B) {
		g := NewGraph()
		var id atomic.Uint64
		b.SetParallelism(1) // GOMAXPROCS goroutines: 2 on the reference machine
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			x := g.Node(id.Add(1), "a", false)
			y := g.Node(id.Add(1), "b", false)
			z := g.Node(id.Add(1), "c", false)
			if _, err := g.Wait(y, z, "deeper"); err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				e, err := g.Wait(x, y, "op")
				if err != nil {
					b.Error(err)
					return
				}
				e.Done()
			}
		})
	})
}

// BenchmarkToken: an uncontended acquire and release.
func BenchmarkToken(b *testing.B) {
	tok := NewTokens(TokensOptions{}).Token("sim", TokenOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l, err := tok.Acquire(ctx, "a", "op")
		if err != nil {
			b.Fatal(err)
		}
		l.Release()
	}
}

// BenchmarkTierFastPath: Tiers.Tier while no pair is elevated.
func BenchmarkTierFastPath(b *testing.B) {
	tr := NewTiers(TiersOptions{})
	p := Pair{"a", "b"}
	for b.Loop() {
		if tr.Tier(p) != TierNormal {
			b.Fatal("tier")
		}
	}
}

type rr struct {
	e     *Edge
	lease Lease
	reply chan struct{}
	edge  Edge // the record is reused: its edge with it (WaitInto)
}

// BenchmarkRequestReply: a goroutine request-reply round trip, plain and
// with the boundary machinery (Tiers.Tier, Graph.WaitInto on the edge of
// the reused request record, Token.Acquire, and their release on the reply
// path), measured alternately in one run; the added-% metric is the ratio
// the 10% target refers to.
func BenchmarkRequestReply(b *testing.B) {
	reqs := make(chan *rr)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the callee
		defer wg.Done()
		for r := range reqs {
			r.lease.Release() // the reply path: release, finish the edge, reply
			r.e.Done()
			r.reply <- struct{}{}
		}
	}()
	defer func() { close(reqs); wg.Wait() }()

	g := NewGraph()
	caller, callee := g.Node(1, "caller", false), g.Node(2, "callee", false)
	tok := NewTokens(TokensOptions{}).Token("callee", TokenOptions{})
	tiers := NewTiers(TiersOptions{})
	pair := Pair{"caller", "callee"}
	ctx := context.Background()
	r := &rr{reply: make(chan struct{})}

	plain := func() {
		r.e, r.lease = nil, Lease{}
		reqs <- r
		<-r.reply
	}
	guarded := func() {
		_ = tiers.Tier(pair)
		e := &r.edge
		if err := g.WaitInto(e, caller, callee, "op"); err != nil {
			b.Fatal(err)
		}
		l, err := tok.Acquire(ctx, "caller", "op")
		if err != nil {
			b.Fatal(err)
		}
		r.e, r.lease = e, l
		reqs <- r
		<-r.reply
		e.Done() // no-ops after the reply path
		l.Release()
	}
	const batch = 256
	var tPlain, tGuarded time.Duration
	n := 0
	for b.Loop() {
		if n%batch == 0 {
			// Alternate batches so both see the same machine state.
			s := time.Now()
			for i := 0; i < batch; i++ {
				plain()
			}
			tPlain += time.Since(s)
			s = time.Now()
			for i := 0; i < batch; i++ {
				guarded()
			}
			tGuarded += time.Since(s)
		}
		n++
	}
	batches := (n + batch - 1) / batch
	p := float64(tPlain.Nanoseconds()) / float64(batches*batch)
	q := float64(tGuarded.Nanoseconds()) / float64(batches*batch)
	b.ReportMetric(p, "plain-ns/op")
	b.ReportMetric(q, "guarded-ns/op")
	b.ReportMetric(100*(q-p)/p, "added-%")
}

// BenchmarkTypedCall: encode and decode the arguments of physics.step with
// 16 bodies.
func BenchmarkTypedCall(b *testing.B) {
	r := physicsRegistry(b)
	bodies := make([]any, 16)
	for i := range bodies {
		bodies[i] = map[string]any{"name": "body", "mass": 1.0, "pos": []any{0.0, 1.0, 2.0}}
	}
	args := []any{0.016, bodies, int64(1)}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = r.EncodeCall(buf[:0], "physics.step", args)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.DecodeCall("physics.step", buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// spin burns about d of CPU: a handler's work.
func spin(d time.Duration) {
	for s := time.Now(); time.Since(s) < d; {
	}
}

type job struct {
	at   time.Time
	high bool
	done chan time.Duration
}

// BenchmarkPriorityFlood: the latency of a high-priority stream while a
// low-priority flood keeps the workers (plain goroutines, one per core)
// saturated, with priorities and without (everything at one level, FIFO).
// One op is one high-priority request: queued, handled (5 µs of work),
// latency taken when it completes.
func BenchmarkPriorityFlood(b *testing.B) {
	for _, mode := range []struct {
		name   string
		levels bool
	}{{"fifo", false}, {"priority", true}} {
		b.Run(mode.name, func(b *testing.B) {
			const work = 5 * time.Microsecond
			q := NewRunQueue[job](RunQueueOptions{Capacity: 256})
			workers := runtime.GOMAXPROCS(0)
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						j, err := q.Pop(context.Background())
						if err != nil {
							return
						}
						spin(work)
						if j.done != nil {
							j.done <- time.Since(j.at)
						} else if err := q.Push(0, job{}); err != nil && err != ErrClosed {
							b.Error(err) // the flood sustains itself
						}
					}
				}()
			}
			for i := 0; i < 200; i++ { // the flood: 200 low jobs, each replaced when done
				if err := q.Push(0, job{}); err != nil {
					b.Fatal(err)
				}
			}
			high := Priority(0)
			if mode.levels {
				high = Levels - 1
			}
			done := make(chan time.Duration, 1)
			lat := make([]time.Duration, 0, 1024)
			for b.Loop() {
				for q.Push(high, job{at: time.Now(), high: true, done: done}) != nil {
					runtime.Gosched()
				}
				lat = append(lat, <-done)
			}
			q.Close()
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
		})
	}
}
