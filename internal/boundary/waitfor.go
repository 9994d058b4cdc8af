package boundary

import (
	"sync"
	"sync/atomic"
)

// fastHops bounds the lock-free walk; a longer chain is re-walked on the
// slow path with a visited set, so a cycle that does not include the
// caller can never trap a walker.
const fastHops = 64

// walkReads bounds the frames one lock-free walk reads, retries included;
// a walk that runs out (frames recycled under it again and again) is
// finished on the slow path, which reads under the nodes' locks.
const walkReads = 4 * fastHops

// Graph is the wait-for graph of synchronous calls. A node waits on at
// most one other at a time (its innermost call), so the graph is a set of
// successor pointers and cycle detection is a walk from the callee. The
// walk takes no lock; the graph's one mutex is taken only when a walk
// suspects a cycle.
//
// Lock order: Graph.mu, then one Node.mu at a time. Nothing that holds a
// Node.mu takes another lock.
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

	// mu serialises removing reusable frames from the stack (so such a
	// frame cannot be removed, reused and pushed back under a remover: no
	// ABA) and lets the slow path read the stack's frames while none can
	// be reused. Pushes take no lock, nor does removing a single-use
	// frame: it never comes back.
	mu sync.Mutex
}

// frame is one entry of a node's wait stack: a wait on `to`, or (to ==
// nil) a reentrant call running on the node while its older wait is
// pending.
//
// Frames are recycled (WaitInto reuses the frame inside the caller's
// Edge), so a lock-free walker may hold a pointer to a frame that has
// since become another wait, even of another node. Everything a walker
// reads is atomic, and it trusts what it read only if state was the same
// before and after, linked, and node is the node it walked to: the
// generation in state changes at every reuse. prev is immutable while the
// frame is linked; node, to and op while it is linked or live. The
// pointer fields are read and written with the functions of unsafe.go
// once the frame may be shared.
//
// A single-use frame (frameOnce: the frames of Wait, of reentrant calls,
// and the stand-ins of WaitInto) is never reused; it is removed without
// the node's lock and keeps frameLinked: a walker that reads it after its
// removal sees the node as it was a moment before.
type frame struct {
	state uint64 // gen<<genShift | frameOnce | frameLinked | frameLive
	node  *Node
	to    *Node
	prev  *frame
	// op is read by others only under node.mu, from a linked frame: a
	// reusable one cannot be reused meanwhile, a single-use one never
	// changes.
	op string
}

const (
	frameLive   = 1 << 0 // the wait is not finished
	frameLinked = 1 << 1 // the frame is on its node's stack (or being pushed)
	frameOnce   = 1 << 2 // a single-use frame
	genShift    = 3
)

// load, store and cas access state atomically; a plain field, so that a
// new frame is built whole in a composite literal (see unsafe.go). It is
// the first field of frame, and frame the first of Edge, so it is 64-bit
// aligned on 32-bit platforms too.
func (f *frame) load() uint64           { return atomic.LoadUint64(&f.state) }
func (f *frame) store(v uint64)         { atomic.StoreUint64(&f.state, v) }
func (f *frame) cas(old, v uint64) bool { return atomic.CompareAndSwapUint64(&f.state, old, v) }

// finish marks the frame's wait finished; false if it was finished
// already. Only the Edge that owns the frame calls it, and an Edge reuses
// its frame only after its Done calls returned (WaitInto), so the wait
// finished is always that Edge's current one.
func (f *frame) finish() bool {
	for {
		s := f.load()
		if s&frameLive == 0 {
			return false
		}
		if f.cas(s, s&^frameLive) {
			return true
		}
	}
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
	to, op := n.waitOn()
	return to, op, to != nil
}

// waitOn reads the innermost unfinished frame under n.mu: no reusable
// frame of the stack can be removed meanwhile, so none can be reused, and
// a single-use one never changes: every field read belongs to a frame of
// n. to is nil when n is idle or running.
func (n *Node) waitOn() (to *Node, op string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for f := n.top.Load(); f != nil; f = loadFrame(&f.prev) {
		if f.load()&frameLive != 0 {
			return loadNode(&f.to), f.op
		}
	}
	return nil, ""
}

// waitsOn reads what n waits on without a lock: nil when it is idle or
// running. ok is false when *reads ran out before a consistent read.
func (n *Node) waitsOn(reads *int) (to *Node, ok bool) {
retry:
	for {
		for f := n.top.Load(); f != nil; {
			if *reads--; *reads < 0 {
				return nil, false
			}
			s := f.load()
			node, next, prev := loadNode(&f.node), loadNode(&f.to), loadFrame(&f.prev)
			if s&frameLinked == 0 || node != n || f.load() != s {
				continue retry // recycled under us: read the stack again
			}
			if s&frameLive != 0 {
				return next, true
			}
			f = prev
		}
		return nil, true
	}
}

// push puts f on top of n's stack. A push cannot suffer ABA: it only
// needs top to be old at the moment of the swap, whatever happened in
// between.
func (n *Node) push(f *frame) {
	for {
		old := n.top.Load()
		if loadFrame(&f.prev) != old {
			storeFrame(&f.prev, old)
		}
		if n.top.CompareAndSwap(old, f) {
			return
		}
	}
}

// unlink removes the finished frames on top of the stack. A frame finished
// out of order (a timeout) stays linked, skipped by walks, until the
// frames above it finish; whoever removes the last of those removes it.
func (n *Node) unlink() {
	// Without the lock while the top is single-use. If the top is live,
	// its own Done will remove it and then see every frame finished
	// before this load.
	for {
		t := n.top.Load()
		if t == nil {
			return
		}
		s := t.load()
		if s&frameLive != 0 {
			return
		}
		if s&frameOnce == 0 {
			break
		}
		// Fails only if a push or another remover raced in.
		n.top.CompareAndSwap(t, loadFrame(&t.prev))
	}
	n.mu.Lock()
	for {
		t := n.top.Load()
		if t == nil {
			break
		}
		s := t.load()
		if s&frameLive != 0 {
			break
		}
		if n.top.CompareAndSwap(t, loadFrame(&t.prev)) && s&frameOnce == 0 {
			t.store(s &^ frameLinked) // now its owner may reuse it
		}
	}
	n.mu.Unlock()
}

// Edge is a declared wait of caller on callee. Finish it with Done.
//
// An Edge made by Wait is used once. An Edge passed to WaitInto may be
// reused by passing it to WaitInto again, under the rule given there; it
// must not be copied.
type Edge struct {
	_   noCopy
	own frame
	f   *frame // a stand-in for own while own is still linked; nil: own
	run *frame // the running frame pushed on a reentrant callee
}

// frame is the wait's frame.
func (e *Edge) frame() *frame {
	if e.f != nil {
		return e.f
	}
	return &e.own
}

// noCopy makes go vet report copies of an Edge (copylocks).
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Reentrant reports that the call closes a cycle at a reentrant callee:
// the actor must run it inside the callee's pending call and must not
// acquire the callee's token (that call holds it).
func (e *Edge) Reentrant() bool { return e.run != nil }

// Done finishes the wait. It is idempotent and safe from any goroutine.
// Call it before the reply becomes visible to the caller (see
// docs/boundary.md, "Integration"), and again after the caller wakes.
func (e *Edge) Done() {
	if e == nil {
		return
	}
	f := e.frame()
	if !f.finish() {
		return // finished already, or the zero Edge
	}
	loadNode(&f.node).unlink()
	if e.run != nil && e.run.finish() {
		loadNode(&e.run.node).unlink()
	}
}

// Wait declares that caller is about to block on a synchronous call of op
// to callee. If the wait closes a cycle it fails at once with a
// *DeadlockError naming the cycle, unless the callee is reentrant (then
// the edge's Reentrant is true). Of several waits that close one cycle
// concurrently, exactly one gets the error.
//
// Wait allocates the Edge; WaitInto is the same without the allocation.
func (g *Graph) Wait(caller, callee *Node, op string) (*Edge, error) {
	// A new frame, built whole before anyone can see it (see unsafe.go).
	e := &Edge{own: frame{
		state: 1<<genShift | frameOnce | frameLinked | frameLive,
		node:  caller, to: callee, op: op, prev: caller.top.Load(),
	}}
	if err := g.walk(e, caller, callee); err != nil {
		return nil, err
	}
	return e, nil
}

// WaitInto is Wait with an Edge the caller provides, typically embedded in
// a pending-request record that it already pools. It does not allocate,
// except for a single-use stand-in frame when e's own frame is still on a
// stack: its previous wait was finished out of order and is still under a
// newer wait of the same node, or e was made by Wait. The zero Edge is
// ready to use. On error, e holds no wait and Done on it does nothing.
//
// # Reuse
//
// e may be passed to WaitInto again once its previous wait is finished
// and every Done call on it has returned, with no other Done on that wait
// still to come from any goroutine: the actor reuses the record only after
// the reply path's Done and the woken caller's Done. Walkers on other
// goroutines may still be reading the old wait's frame; that is safe, as
// the frame's generation tells them it changed. WaitInto panics if e's
// previous wait is still in progress.
func (g *Graph) WaitInto(e *Edge, caller, callee *Node, op string) error {
	e.arm(caller, callee, op)
	return g.walk(e, caller, callee)
}

// walk publishes e's frame and looks for the cycle it may close.
func (g *Graph) walk(e *Edge, caller, callee *Node) error {
	// Publish first, then walk: of the edges of a cycle published
	// concurrently, the last one's walk sees all the others.
	caller.push(e.frame())
	reads := walkReads
	n := callee
	for i := 0; i < fastHops; i++ {
		if n == caller {
			return g.confirm(e)
		}
		next, ok := n.waitsOn(&reads)
		if !ok {
			return g.confirm(e)
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return g.confirm(e)
}

// arm makes e a new, live wait of caller on callee, not yet pushed.
func (e *Edge) arm(caller, callee *Node, op string) {
	if e.frame().load()&frameLive != 0 {
		panic("boundary: WaitInto with an Edge whose wait is in progress; call Done first")
	}
	f := &e.own
	s := f.load()
	if s&frameLinked != 0 {
		// Finished out of order and still under a newer frame of its
		// node (or used once): it cannot be reused until that one is
		// removed. A single-use stand-in takes its place.
		e.f = &frame{state: 1<<genShift | frameOnce | frameLinked | frameLive, node: caller, to: callee, op: op}
		e.run = nil
		return
	}
	// The frame is unlinked: no walker trusts it until the state store,
	// which publishes the fields with the new generation.
	gen := s>>genShift + 1
	if loadNode(&f.node) != caller {
		storeNode(&f.node, caller)
	}
	if loadNode(&f.to) != callee {
		storeNode(&f.to, callee)
	}
	f.op = op
	f.store(gen<<genShift | frameLinked | frameLive)
	e.f, e.run = nil, nil
}

// confirm re-walks under the mutex, with a visited set and the nodes'
// locks, and reports the cycle if it is still closed. Only one walker of a
// cycle is in here at a time, and the first to confirm it withdraws its
// own edge, so the next finds the cycle broken.
func (g *Graph) confirm(e *Edge) error {
	f := e.frame()
	caller, callee := loadNode(&f.node), loadNode(&f.to)
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.load()&frameLive == 0 {
		return nil // finished meanwhile
	}
	cycle := []CycleNode{{ID: caller.id, Name: caller.name, Op: f.op}}
	seen := map[*Node]bool{caller: true}
	for n := callee; n != caller; {
		if seen[n] {
			return nil // a cycle elsewhere, not through caller
		}
		seen[n] = true
		to, op := n.waitOn()
		if to == nil {
			return nil
		}
		cycle = append(cycle, CycleNode{ID: n.id, Name: n.name, Op: op})
		n = to
	}
	if callee.reentrant.Load() {
		run := &frame{state: 1<<genShift | frameOnce | frameLinked | frameLive, node: callee}
		e.run = run
		callee.push(run)
		return nil
	}
	if f.finish() {
		caller.unlink()
	}
	return &DeadlockError{Cycle: cycle}
}
