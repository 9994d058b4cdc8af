package boundary

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
)

func nodes(g *Graph, n int) []*Node {
	ns := make([]*Node, n)
	for i := range ns {
		ns[i] = g.Node(uint64(i+1), fmt.Sprintf("c%d", i), false)
	}
	return ns
}

func cycleOf(ns []*Node, start int) []CycleNode {
	var c []CycleNode
	for k := 0; k < len(ns); k++ {
		i := (start + k) % len(ns)
		c = append(c, CycleNode{ID: ns[i].ID(), Name: ns[i].Name(), Op: fmt.Sprintf("op%d", i)})
	}
	return c
}

func TestWaitForCycles(t *testing.T) {
	for _, size := range []int{1, 2, 3, 5, 70} { // 70 > fastHops: the slow walk
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			g := NewGraph()
			ns := nodes(g, size)
			var edges []*Edge
			for i := 0; i < size-1; i++ {
				e, err := g.Wait(ns[i], ns[i+1], fmt.Sprintf("op%d", i))
				if err != nil {
					t.Fatal(err)
				}
				edges = append(edges, e)
			}
			last := size - 1
			e, err := g.Wait(ns[last], ns[0], fmt.Sprintf("op%d", last))
			var de *DeadlockError
			if e != nil || !errors.As(err, &de) || !errors.Is(err, ErrDeadlock) {
				t.Fatalf("edge %v, err %v", e, err)
			}
			if !reflect.DeepEqual(de.Cycle, cycleOf(ns, last)) {
				t.Fatalf("cycle %v", de.Cycle)
			}
			if _, _, ok := ns[last].Waiting(); ok {
				t.Fatal("the failed wait is still in the graph")
			}
			// Breaking the chain anywhere makes the same call legal.
			if size > 1 {
				edges[0].Done()
				e, err := g.Wait(ns[last], ns[0], "again")
				if err != nil {
					t.Fatal(err)
				}
				e.Done()
			}
		})
	}
}

func TestWaitForReentrant(t *testing.T) {
	g := NewGraph()
	a := g.Node(1, "a", true)
	b := g.Node(2, "b", false)
	c := g.Node(3, "c", false)
	ab, err := g.Wait(a, b, "b.work")
	if err != nil || ab.Reentrant() {
		t.Fatal(err)
	}
	ba, err := g.Wait(b, a, "a.callback") // A→B→A, A reentrant
	if err != nil || !ba.Reentrant() {
		t.Fatalf("reentrant call: %v", err)
	}
	// The callback runs in A and makes a nested call A→C; C calling B is a
	// real cycle C→B→A→C.
	ac, err := g.Wait(a, c, "c.query")
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Wait(c, b, "b.peek")
	var de *DeadlockError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v", err)
	}
	want := []CycleNode{{3, "c", "b.peek"}, {2, "b", "a.callback"}, {1, "a", "c.query"}}
	if !reflect.DeepEqual(de.Cycle, want) {
		t.Fatalf("cycle %v", de.Cycle)
	}
	ac.Done()
	ba.Done()
	if to, op, ok := a.Waiting(); !ok || to != b || op != "b.work" {
		t.Fatalf("a waits on %v %q %v", to, op, ok)
	}
	// Not reentrant: the same pattern is a deadlock.
	a.SetReentrant(false)
	if _, err := g.Wait(b, a, "a.callback"); !errors.Is(err, ErrDeadlock) {
		t.Fatalf("non-reentrant: %v", err)
	}
	ab.Done()
	ab.Done()
	for _, n := range []*Node{a, b, c} {
		if n.top.Load() != nil {
			t.Fatalf("%s has frames left", n.Name())
		}
	}
}

// TestWaitForOutOfOrderDone: a wait finished out of order (a timeout) is
// skipped by walks and unlinked later.
func TestWaitForOutOfOrderDone(t *testing.T) {
	g := NewGraph()
	a := g.Node(1, "a", true)
	b := g.Node(2, "b", false)
	ab, _ := g.Wait(a, b, "x")
	ba, _ := g.Wait(b, a, "y") // reentrant: a running frame on a
	ab.Done()                  // a's outer call times out first
	if _, _, ok := a.Waiting(); ok {
		t.Fatal("a still waits")
	}
	// b calling a again is no cycle now (a is not waiting on b).
	e, err := g.Wait(b, g.Node(3, "c", false), "z")
	if err != nil {
		t.Fatal(err)
	}
	e.Done()
	ba.Done()
	if a.top.Load() != nil || b.top.Load() != nil {
		t.Fatal("frames left")
	}
}

// TestWaitForConcurrentCycles: the edges of a cycle added at the same
// time; exactly one participant gets the error, naming every member.
func TestWaitForConcurrentCycles(t *testing.T) {
	for _, size := range []int{2, 3, 5} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			for round := 0; round < 300; round++ {
				g := NewGraph()
				ns := nodes(g, size)
				start := make(chan struct{})
				type res struct {
					i   int
					e   *Edge
					err error
				}
				out := make(chan res, size)
				for i := 0; i < size; i++ {
					go func() {
						<-start
						e, err := g.Wait(ns[i], ns[(i+1)%size], fmt.Sprintf("op%d", i))
						out <- res{i, e, err}
					}()
				}
				close(start)
				fails := 0
				for k := 0; k < size; k++ {
					r := <-out
					if r.err == nil {
						continue
					}
					fails++
					var de *DeadlockError
					if !errors.As(r.err, &de) || !reflect.DeepEqual(de.Cycle, cycleOf(ns, r.i)) {
						t.Fatalf("round %d: %v", round, r.err)
					}
				}
				if fails != 1 {
					t.Fatalf("round %d: %d participants got the error, want 1", round, fails)
				}
			}
		})
	}
}

// TestWaitForNoFalsePositives: random acyclic request patterns (calls only
// go to higher-numbered components, each component serving one call at a
// time, like a token) from many goroutines never report a deadlock.
func TestWaitForNoFalsePositives(t *testing.T) {
	const comps, workers, iters = 24, 32, 400
	g := NewGraph()
	ns := nodes(g, comps)
	busy := make([]sync.Mutex, comps)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for it := 0; it < iters; it++ {
				// A chain c0 < c1 < … : c0 calls c1, which calls c2, …
				cur := rng.IntN(comps - 1)
				busy[cur].Lock()
				held := []int{cur}
				var edges []*Edge
				for cur < comps-1 && rng.IntN(4) != 0 {
					next := cur + 1 + rng.IntN(comps-1-cur)
					e, err := g.Wait(ns[cur], ns[next], "op")
					if err != nil {
						t.Errorf("false positive: %v", err)
						break
					}
					edges = append(edges, e)
					busy[next].Lock()
					held = append(held, next)
					cur = next
				}
				// Unwind: each reply finishes its edge before the caller
				// moves on; the callee becomes free.
				for i := len(edges) - 1; i >= 0; i-- {
					busy[held[i+1]].Unlock()
					edges[i].Done()
				}
				busy[held[0]].Unlock()
			}
		}()
	}
	wg.Wait()
	for _, n := range ns {
		if n.top.Load() != nil {
			t.Fatalf("%s has frames left", n.Name())
		}
	}
}

// TestWaitForReplyThenCallBack: a callee that replies and at once calls
// its old caller is not a deadlock, because the edge is finished before
// the reply is visible.
func TestWaitForReplyThenCallBack(t *testing.T) {
	g := NewGraph()
	a, b := g.Node(1, "a", false), g.Node(2, "b", false)
	for i := 0; i < 1000; i++ {
		ab, err := g.Wait(a, b, "req")
		if err != nil {
			t.Fatal(err)
		}
		reply, finished := make(chan struct{}), make(chan struct{})
		go func() { // b's handler
			defer close(finished)
			ab.Done() // on the reply path, before the reply is delivered
			close(reply)
			e, err := g.Wait(b, a, "callback")
			if err != nil {
				t.Error(err)
				return
			}
			e.Done()
		}()
		<-reply
		ab.Done() // the caller wakes: a no-op
		<-finished
	}
}

// TestWaitIntoReuse: one Edge reused for many waits keeps every property
// of a fresh one.
func TestWaitIntoReuse(t *testing.T) {
	g := NewGraph()
	a := g.Node(1, "a", true)
	b := g.Node(2, "b", false)
	c := g.Node(3, "c", false)
	var ab, ba, x Edge
	for i := 0; i < 3; i++ {
		if err := g.WaitInto(&ab, a, b, "b.work"); err != nil {
			t.Fatal(err)
		}
		if err := g.WaitInto(&ba, b, a, "a.callback"); err != nil || !ba.Reentrant() {
			t.Fatalf("round %d: reentrant call: %v", i, err)
		}
		// A real cycle through the reused edges: c→b→a→c.
		if err := g.WaitInto(&x, a, c, "c.query"); err != nil {
			t.Fatal(err)
		}
		var y Edge
		err := g.WaitInto(&y, c, b, "b.peek")
		want := []CycleNode{{3, "c", "b.peek"}, {2, "b", "a.callback"}, {1, "a", "c.query"}}
		var de *DeadlockError
		if !errors.As(err, &de) || !reflect.DeepEqual(de.Cycle, want) {
			t.Fatalf("round %d: err = %v", i, err)
		}
		y.Done() // a failed wait: nothing to finish
		x.Done()
		ba.Done()
		ab.Done()
		ab.Done()
		for _, n := range []*Node{a, b, c} {
			if n.top.Load() != nil {
				t.Fatalf("round %d: %s has frames left", i, n.Name())
			}
		}
		// The same edge as a plain wait: not reentrant any more.
		if err := g.WaitInto(&ba, b, c, "c.x"); err != nil || ba.Reentrant() {
			t.Fatalf("round %d: reused edge: %v, reentrant %v", i, err, ba.Reentrant())
		}
		ba.Done()
		if ba.frame() != &ba.own || ab.frame() != &ab.own {
			t.Fatal("a finished, unlinked frame was not reused")
		}
	}
}

// TestWaitIntoReuseWhileLinked: an Edge whose wait was finished out of
// order (its frame still under a newer frame of the same node) can be
// reused at once; its frame is taken back once the newer one is gone.
func TestWaitIntoReuseWhileLinked(t *testing.T) {
	g := NewGraph()
	a, b, c, d := g.Node(1, "a", false), g.Node(2, "b", false), g.Node(3, "c", false), g.Node(4, "d", false)
	var e1, e2 Edge
	if err := g.WaitInto(&e1, a, b, "x"); err != nil {
		t.Fatal(err)
	}
	if err := g.WaitInto(&e2, a, c, "y"); err != nil { // a second wait of a, on top
		t.Fatal(err)
	}
	e1.Done() // out of order: stays linked under e2
	if err := g.WaitInto(&e1, a, d, "z"); err != nil {
		t.Fatal(err)
	}
	if e1.frame() == &e1.own {
		t.Fatal("a linked frame was reused")
	}
	if to, op, ok := a.Waiting(); !ok || to != d || op != "z" {
		t.Fatalf("a waits on %v %q", to, op)
	}
	e2.Done()
	e1.Done()
	if a.top.Load() != nil {
		t.Fatal("frames left")
	}
	if err := g.WaitInto(&e1, a, b, "x"); err != nil || e1.frame() != &e1.own {
		t.Fatalf("own frame not reused: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("reusing an edge in progress did not panic")
		}
		e1.Done()
	}()
	_ = g.WaitInto(&e1, a, c, "again")
}

// TestWaitIntoRecycleHammer: edges recycled through one free list, across
// goroutines and nodes, while acyclic call chains run on some nodes and
// rings close and break on others. A walker that trusted a recycled frame
// would follow an edge that is not there: into a ring (a false positive),
// or out of one (a missed cycle).
func TestWaitIntoRecycleHammer(t *testing.T) {
	const comps, workers, iters = 16, 6, 400
	const ringNodes, ringRounds = 6, 400
	g := NewGraph()
	ns := nodes(g, comps)
	rs := make([]*Node, ringNodes)
	for i := range rs {
		rs[i] = g.Node(uint64(100+i), fmt.Sprintf("r%d", i), false)
	}
	// A LIFO free list: an edge just finished is the next one reused, by
	// whichever goroutine asks first.
	var mu sync.Mutex
	var free []*Edge
	get := func() *Edge {
		mu.Lock()
		defer mu.Unlock()
		if len(free) == 0 {
			return new(Edge)
		}
		e := free[len(free)-1]
		free = free[:len(free)-1]
		return e
	}
	put := func(e *Edge) {
		mu.Lock()
		free = append(free, e)
		mu.Unlock()
	}

	var wg sync.WaitGroup
	busy := make([]sync.Mutex, comps)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for it := 0; it < iters; it++ {
				cur := rng.IntN(comps - 1)
				busy[cur].Lock()
				held := []int{cur}
				var edges []*Edge
				for cur < comps-1 && rng.IntN(3) != 0 {
					next := cur + 1 + rng.IntN(comps-1-cur)
					var e *Edge
					var err error
					if rng.IntN(8) == 0 {
						// A single-use edge of Wait; in the free list
						// afterwards, WaitInto reuses it with stand-ins.
						e, err = g.Wait(ns[cur], ns[next], "op")
					} else {
						e = get()
						if err = g.WaitInto(e, ns[cur], ns[next], "op"); err != nil {
							put(e)
						}
					}
					if err != nil {
						t.Errorf("false positive: %v", err)
						break
					}
					edges = append(edges, e)
					busy[next].Lock()
					held = append(held, next)
					cur = next
				}
				for i := len(edges) - 1; i >= 0; i-- {
					busy[held[i+1]].Unlock()
					edges[i].Done()
					edges[i].Done()
					put(edges[i])
				}
				busy[held[0]].Unlock()
			}
		}()
	}

	wg.Add(1)
	go func() { // rings on their own nodes, sharing the free list
		defer wg.Done()
		rng := rand.New(rand.NewPCG(99, 3))
		for round := 0; round < ringRounds; round++ {
			k := 2 + rng.IntN(ringNodes-1)
			ring := rng.Perm(ringNodes)[:k]
			op := func(i int) string { return fmt.Sprintf("op%d", ring[i]) }
			if round%4 == 0 {
				// Close and break before the last edge: no cycle.
				var edges []*Edge
				for i := 0; i < k-1; i++ {
					e := get()
					if err := g.WaitInto(e, rs[ring[i]], rs[ring[i+1]], op(i)); err != nil {
						t.Errorf("round %d: chain: %v", round, err)
						return
					}
					edges = append(edges, e)
				}
				edges[0].Done()
				e := get()
				if err := g.WaitInto(e, rs[ring[k-1]], rs[ring[0]], op(k-1)); err != nil {
					t.Errorf("round %d: broken ring reported: %v", round, err)
					return
				}
				for _, x := range append(edges, e) {
					x.Done()
					put(x)
				}
				continue
			}
			type res struct {
				i   int
				e   *Edge
				err error
			}
			out := make(chan res, k)
			for i := 0; i < k; i++ {
				e := get()
				go func() {
					err := g.WaitInto(e, rs[ring[i]], rs[ring[(i+1)%k]], op(i))
					out <- res{i, e, err}
				}()
			}
			fails := 0
			var got []res
			for j := 0; j < k; j++ {
				r := <-out
				got = append(got, r)
				if r.err == nil {
					continue
				}
				fails++
				var want []CycleNode
				for m := 0; m < k; m++ {
					n := rs[ring[(r.i+m)%k]]
					want = append(want, CycleNode{ID: n.ID(), Name: n.Name(), Op: op((r.i + m) % k)})
				}
				var de *DeadlockError
				if !errors.As(r.err, &de) || !reflect.DeepEqual(de.Cycle, want) {
					t.Errorf("round %d: %v, want cycle %v", round, r.err, want)
				}
			}
			if fails != 1 {
				t.Errorf("round %d: ring of %d: %d reports, want 1", round, k, fails)
			}
			for _, r := range got {
				r.e.Done()
				put(r.e)
			}
		}
	}()
	wg.Wait()
	for _, n := range append(ns, rs...) {
		if n.top.Load() != nil {
			t.Fatalf("%s has frames left", n.Name())
		}
	}
}

// TestWaitForStaleFrame: what a lock-free walker sees when the frame it
// loaded from a node's top is finished, removed and reused before it reads
// the frame's fields. It must not follow the reused frame: it reads the
// stack again and, when the budget runs out, leaves the walk to the slow
// path.
func TestWaitForStaleFrame(t *testing.T) {
	g := NewGraph()
	x, y, z := g.Node(1, "x", false), g.Node(2, "y", false), g.Node(3, "z", false)
	var e Edge
	for _, tc := range []struct {
		name  string
		stale func() // leaves x.top pointing at e's frame, no longer x's
	}{
		{"reused by another node", func() {
			if err := g.WaitInto(&e, y, z, "other"); err != nil {
				t.Fatal(err)
			}
			x.top.Store(e.frame())
		}},
		{"removed, not reused", func() {
			if err := g.WaitInto(&e, y, z, "other"); err != nil {
				t.Fatal(err)
			}
			e.Done()
			x.top.Store(e.frame())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.stale()
			reads := 10
			if to, ok := x.waitsOn(&reads); ok {
				t.Fatalf("walker trusted a stale frame: x waits on %v", to)
			}
			x.top.Store(nil)
			e.Done()
			y.top.Store(nil)
		})
	}
}
