package supervise

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

// Supervisor is a running supervision tree's root node.
type Supervisor struct {
	n *node
}

// Start builds the tree described by spec and starts its children in
// order (nested supervisors depth first). If a child fails to start, the
// children already started are stopped in reverse and the error returned.
// The tree is stopped first when sys shuts down; if it gives up, sys
// fails with the cause chain (actor.System.Fail).
func Start(sys *actor.System, spec Spec) (*Supervisor, error) {
	n, err := newNode(sys, spec, nil)
	if err != nil {
		return nil, err
	}
	if err := n.call(context.Background(), n.startAll); err != nil {
		return nil, fmt.Errorf("%s: %w", n.where(), err)
	}
	s := &Supervisor{n: n}
	sys.OnShutdown(s.Stop)
	return s, nil
}

// Name is the supervisor's name.
func (s *Supervisor) Name() string { return s.n.spec.Name }

// Stop terminates every child in reverse start order, each within its
// shutdown timeout (then killed). A stopped supervisor restarts nothing.
func (s *Supervisor) Stop(ctx context.Context) error {
	return s.n.call(ctx, func() error {
		if s.n.running() {
			s.n.stopAll(nodeStopped, nil, "supervisor stopped")
		}
		return nil
	})
}

// Err is why the supervisor gave up (a *GiveUpError), or nil.
func (s *Supervisor) Err() error {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if s.n.state == nodeFailed {
		return s.n.cause
	}
	return nil
}

// StartChild adds a child at the end and starts it. For a SimpleOneForOne
// supervisor the child is made from the template: cs supplies only its
// Name (generated when empty) and Spawn.Config.
func (s *Supervisor) StartChild(ctx context.Context, cs ChildSpec) (actor.PID, error) {
	var pid actor.PID
	err := s.n.call(ctx, func() (err error) {
		pid, err = s.n.startDynamic(cs)
		return err
	})
	return pid, err
}

// TerminateChild stops the named child (within its shutdown timeout) and
// removes it: it is not restarted.
func (s *Supervisor) TerminateChild(ctx context.Context, name string) error {
	return s.n.call(ctx, func() error { return s.n.terminateChild(name) })
}

// Swap replaces the named component, anywhere in the tree, with instances
// from f: it is suspended (its mailbox keeps what arrives), its state
// saved, and resumed from f with that state and the same PID. Restarts
// use f from then on. If the new instance fails to start, the component
// is restarted from its old factory and the error returned.
func (s *Supervisor) Swap(ctx context.Context, name string, f actor.Factory) error {
	if f == nil {
		return fmt.Errorf("%s: swap %q: %w: nil factory", s.n.where(), name, actor.ErrInvalid)
	}
	n := s.n.owner(name)
	if n == nil {
		return fmt.Errorf("%s: swap %q: %w: no such component in the tree", s.n.where(), name, actor.ErrNotFound)
	}
	return n.call(ctx, func() error { return n.swap(ctx, name, f) })
}

// Has reports whether a component of that name is in the tree.
func (s *Supervisor) Has(name string) bool { return s.n.owner(name) != nil }

// owner finds the node whose direct child is the named component.
func (n *node) owner(name string) *node {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.children {
		if c.sub == nil && c.spec.Name == name {
			return n
		}
	}
	for _, c := range n.children {
		if c.sub != nil {
			if o := c.sub.owner(name); o != nil {
				return o
			}
		}
	}
	return nil
}

// Node describes a supervisor in Tree.
type Node struct {
	Name      string
	Strategy  Strategy
	Intensity int
	Period    time.Duration
	// State is running, failed (gave up) or stopped.
	State string
	// Err is why it gave up.
	Err error
	// Restarts are the times of its restarts within the current period.
	Restarts []time.Time
	Children []Child
}

// Child describes one child in Tree.
type Child struct {
	Name string
	// PID is the current PID (zero when no process exists).
	PID PID
	// State is running, restarting, suspended, stopped or failed.
	State    string
	Restart  Restart
	Restarts int
	History  []Restarted
	// Supervisor describes a nested supervisor.
	Supervisor *Node
}

// PID is an actor PID.
type PID = actor.PID

// Tree returns a snapshot of the tree.
func (s *Supervisor) Tree() Node { return s.n.tree() }

func (n *node) tree() Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := Node{
		Name: n.spec.Name, Strategy: n.spec.Strategy, Intensity: n.spec.Intensity, Period: n.spec.Period,
		State: nodeStateNames[n.state], Restarts: append([]time.Time(nil), n.restarts...),
	}
	if n.state == nodeFailed {
		out.Err = n.cause
	}
	for _, c := range n.children {
		ci := Child{Name: c.spec.Name, State: c.state, Restart: c.spec.Restart, Restarts: c.restarts, History: append([]Restarted(nil), c.history...)}
		if c.h != nil {
			ci.PID = c.h.PID()
			if c.state == stateRunning && c.h.State() == "suspended" {
				ci.State = stateSuspended
			}
		}
		if c.sub != nil {
			t := c.sub.tree()
			ci.Supervisor = &t
		}
		out.Children = append(out.Children, ci)
	}
	return out
}
