package boundary

import (
	"sync"
	"sync/atomic"
)

// fastHops bounds the lock-free walk; a longer chain is re-walked on the
// slow path with a visited set, so a cycle that does not include the
// caller can never trap a walker.
const fastHops = 64

// Graph is the wait-for graph of synchronous calls. A node waits on at
// most one other at a time (its innermost call), so the graph is a set of
// successor pointers and cycle detection is a walk from the callee. The
// walk takes no lock; the graph's one mutex is taken only when a walk
// suspects a cycle.
type Graph struct {
	mu sync.Mutex // the slow path: confirming and reporting a cycle
}

// NewGraph makes an empty graph.
func NewGraph() *Graph { return &Graph{} }

// Node is one component in the graph. The actor makes one per process and
// keeps it for the process's life.
type Node struct {
	g         *Graph
	id        uint64
	name      string
	reentrant atomic.Bool
	top       atomic.Pointer[frame] // innermost frame; nil when idle
}

// frame is one entry of a node's wait stack: a wait on `to`, or (to ==
// nil) a reentrant call running on the node while its older wait is
// pending. prev is written before the frame is published, then immutable.
type frame struct {
	node *Node
	to   *Node
	op   string
	prev *frame
	gone atomic.Bool
}

// Node adds a component: id is the actor's PID (any unique number), name
// its name, reentrant whether it may serve calls from its callees while
// it waits on them.
func (g *Graph) Node(id uint64, name string, reentrant bool) *Node {
	n := &Node{g: g, id: id, name: name}
	n.reentrant.Store(reentrant)
	return n
}

// ID is the node's id.
func (n *Node) ID() uint64 { return n.id }

// Name is the node's component name.
func (n *Node) Name() string { return n.name }

// SetReentrant changes whether the node accepts calls from its callees
// while it waits; it applies to calls that start waiting afterwards.
func (n *Node) SetReentrant(v bool) { n.reentrant.Store(v) }

// Waiting reports what the node waits on, if anything.
func (n *Node) Waiting() (callee *Node, op string, ok bool) {
	f := n.current()
	if f == nil || f.to == nil {
		return nil, "", false
	}
	return f.to, f.op, true
}

// current is the innermost frame that is not finished.
func (n *Node) current() *frame {
	f := n.top.Load()
	for f != nil && f.gone.Load() {
		f = f.prev
	}
	return f
}

func (n *Node) push(f *frame) {
	for {
		old := n.top.Load()
		f.prev = old
		if n.top.CompareAndSwap(old, f) {
			return
		}
	}
}

// pop finishes f and unlinks every finished frame on top of the stack. A
// frame finished out of order (a timeout) stays linked, skipped by walks,
// until the frames above it finish.
func (n *Node) pop(f *frame) {
	f.gone.Store(true)
	n.unlink()
}

// unlink removes the finished frames on top of the stack.
func (n *Node) unlink() {
	for {
		t := n.top.Load()
		if t == nil || !t.gone.Load() {
			return
		}
		n.top.CompareAndSwap(t, t.prev)
	}
}

// Edge is a declared wait of caller on callee. Finish it with Done.
type Edge struct {
	f   frame  // f.gone doubles as the edge's done flag
	run *frame // the running frame pushed on a reentrant callee
}

// Reentrant reports that the call closes a cycle at a reentrant callee:
// the actor must run it inside the callee's pending call and must not
// acquire the callee's token (that call holds it).
func (e *Edge) Reentrant() bool { return e.run != nil }

// Done finishes the wait. It is idempotent and safe from any goroutine.
// Call it before the reply becomes visible to the caller (see
// docs/boundary.md, "Integration"), and again after the caller wakes.
func (e *Edge) Done() {
	if e == nil || !e.f.gone.CompareAndSwap(false, true) {
		return
	}
	e.f.node.unlink()
	if e.run != nil {
		e.run.node.pop(e.run)
	}
}

// Wait declares that caller is about to block on a synchronous call of op
// to callee. If the wait closes a cycle it fails at once with a
// *DeadlockError naming the cycle, unless the callee is reentrant (then
// the edge's Reentrant is true). Of several waits that close one cycle
// concurrently, exactly one gets the error.
func (g *Graph) Wait(caller, callee *Node, op string) (*Edge, error) {
	e := &Edge{f: frame{node: caller, to: callee, op: op}}
	// Publish first, then walk: of the edges of a cycle published
	// concurrently, the last one's walk sees all the others.
	caller.push(&e.f)
	n := callee
	for i := 0; i < fastHops; i++ {
		if n == caller {
			return g.confirm(e)
		}
		f := n.current()
		if f == nil || f.to == nil {
			return e, nil
		}
		n = f.to
	}
	return g.confirm(e)
}

// confirm re-walks under the mutex, with a visited set, and reports the
// cycle if it is still closed. Only one walker of a cycle is in here at a
// time, and the first to confirm it withdraws its own edge, so the next
// finds the cycle broken.
func (g *Graph) confirm(e *Edge) (*Edge, error) {
	caller, callee := e.f.node, e.f.to
	g.mu.Lock()
	defer g.mu.Unlock()
	if e.f.gone.Load() {
		return e, nil // finished meanwhile
	}
	cycle := []CycleNode{{ID: caller.id, Name: caller.name, Op: e.f.op}}
	seen := map[*Node]bool{caller: true}
	for n := callee; n != caller; {
		if seen[n] {
			return e, nil // a cycle elsewhere, not through caller
		}
		seen[n] = true
		f := n.current()
		if f == nil || f.to == nil {
			return e, nil
		}
		cycle = append(cycle, CycleNode{ID: n.id, Name: n.name, Op: f.op})
		n = f.to
	}
	if callee.reentrant.Load() {
		e.run = &frame{node: callee}
		callee.push(e.run)
		return e, nil
	}
	caller.pop(&e.f)
	return nil, &DeadlockError{Cycle: cycle}
}
