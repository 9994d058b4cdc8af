package supervise

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

type nodeState uint8

const (
	nodeRunning nodeState = iota
	nodeFailed
	nodeStopped
)

var nodeStateNames = [...]string{"running", "failed", "stopped"}

// node is one supervisor. Its fields are written only by the goroutine
// draining its queue, under mu; Tree reads them under mu.
type node struct {
	sys    *actor.System
	spec   Spec
	parent *node
	self   *child // this node's entry in its parent (nil for a root)

	mu       sync.Mutex
	children []*child // start order
	restarts []time.Time
	state    nodeState
	cause    error
	epoch    int // bumped when all children stop: stale timers do nothing
	dynSeq   int
	queue    []func()
	working  bool
}

// post queues f; a goroutine drains the queue while it is not empty.
func (n *node) post(f func()) {
	n.mu.Lock()
	n.queue = append(n.queue, f)
	if n.working {
		n.mu.Unlock()
		return
	}
	n.working = true
	n.mu.Unlock()
	go n.work()
}

func (n *node) work() {
	for {
		n.mu.Lock()
		if len(n.queue) == 0 {
			n.working = false
			n.mu.Unlock()
			return
		}
		f := n.queue[0]
		n.queue[0] = nil
		n.queue = n.queue[1:]
		n.mu.Unlock()
		f()
		if n.spec.notify != nil {
			n.spec.notify()
		}
	}
}

// call runs f on the node's queue and waits for it (or ctx).
func (n *node) call(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	n.post(func() { done <- f() })
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("supervisor %q: %w", n.spec.Name, ctx.Err())
	}
}

func newNode(sys *actor.System, spec Spec, parent *node) (*node, error) {
	spec = spec.withDefaults()
	if parent != nil {
		spec.Clock, spec.Rand, spec.notify = parent.spec.Clock, parent.spec.Rand, parent.spec.notify
	}
	if spec.Rand == nil {
		spec.Rand = rand.Float64
	}
	n := &node{sys: sys, spec: spec, parent: parent}
	if spec.Strategy == SimpleOneForOne {
		if spec.Template == nil {
			return nil, fmt.Errorf("supervisor %q: %w: simple_one_for_one needs a Template", spec.Name, actor.ErrInvalid)
		}
		if len(spec.Children) > 0 {
			return nil, fmt.Errorf("supervisor %q: %w: simple_one_for_one children are added with StartChild", spec.Name, actor.ErrInvalid)
		}
		if err := spec.Template.validate("supervisor " + spec.Name); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, cs := range spec.Children {
		c, err := n.newChild(cs)
		if err != nil {
			return nil, err
		}
		if cs.Name != "" && seen[cs.Name] {
			return nil, fmt.Errorf("supervisor %q: %w: two children named %q", spec.Name, actor.ErrInvalid, cs.Name)
		}
		seen[cs.Name] = true
		n.children = append(n.children, c)
	}
	return n, nil
}

func (n *node) newChild(cs ChildSpec) (*child, error) {
	if err := cs.validate("supervisor " + n.spec.Name); err != nil {
		return nil, err
	}
	cs = cs.withDefaults()
	c := &child{spec: cs, factory: cs.Factory, state: stateStopped}
	if cs.Supervisor != nil {
		sub := *cs.Supervisor
		if sub.Name == "" {
			sub.Name = cs.Name
		}
		s, err := newNode(n.sys, sub, n)
		if err != nil {
			return nil, err
		}
		s.self = c
		c.sub = s
		if c.spec.Name == "" {
			c.spec.Name = s.spec.Name
		}
	}
	c.watch = &watch{n: n, c: c}
	return c, nil
}

// startAll starts the children in order; on a failure it stops those it
// started, in reverse, and returns the error. Queue only.
func (n *node) startAll() error {
	n.mu.Lock()
	n.state = nodeRunning
	n.cause = nil
	n.restarts = nil
	children := slices.Clone(n.children)
	n.mu.Unlock()
	for i, c := range children {
		if err := n.startChild(c, false); err != nil {
			for j := i - 1; j >= 0; j-- {
				n.terminate(children[j], "start of a sibling failed")
			}
			n.mu.Lock()
			n.state = nodeFailed
			n.cause = err
			n.mu.Unlock()
			return err
		}
	}
	return nil
}

// stopAll terminates every child in reverse start order and marks the
// node stopped or failed. Queue only.
func (n *node) stopAll(st nodeState, cause error, reason string) {
	n.mu.Lock()
	n.epoch++
	children := slices.Clone(n.children)
	n.mu.Unlock()
	for _, c := range slices.Backward(children) {
		n.terminate(c, reason)
	}
	n.mu.Lock()
	n.state, n.cause = st, cause
	n.children = slices.DeleteFunc(n.children, func(c *child) bool { return c.spec.Restart == Temporary || n.spec.Strategy == SimpleOneForOne })
	n.mu.Unlock()
}

func (n *node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state == nodeRunning
}

func (n *node) find(name string) *child {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.children {
		if c.spec.Name == name {
			return c
		}
	}
	return nil
}

func (n *node) remove(c *child) {
	n.mu.Lock()
	n.children = slices.DeleteFunc(n.children, func(x *child) bool { return x == c })
	c.gen++
	c.state = stateStopped
	n.mu.Unlock()
}

// where names the node in errors.
func (n *node) where() string { return fmt.Sprintf("supervisor %q", n.spec.Name) }
