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
