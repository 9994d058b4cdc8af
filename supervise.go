package wasmplane

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/supervise"
)

// Strategy says which children of a supervisor restart together.
type Strategy = supervise.Strategy

// Strategies (docs/supervision.md).
const (
	// OneForOne restarts only the child that exited.
	OneForOne = supervise.OneForOne
	// OneForAll restarts every child: the others are stopped in reverse
	// start order, then all are restarted in start order.
	OneForAll = supervise.OneForAll
	// RestForOne restarts the child and the children started after it.
	RestForOne = supervise.RestForOne
	// SimpleOneForOne has children added at run time from one template
	// (Supervisor.StartChild), each restarted on its own.
	SimpleOneForOne = supervise.SimpleOneForOne
)

// RestartType says which exits restart a child.
type RestartType = supervise.Restart

// Restart types.
const (
	// Permanent children are always restarted.
	Permanent = supervise.Permanent
	// Transient children are restarted only after an abnormal exit (or when
	// a sibling's restart stopped them).
	Transient = supervise.Transient
	// Temporary children are never restarted, not even with their
	// siblings: they are removed.
	Temporary = supervise.Temporary
)

// Backoff is a child's restart delay policy; the zero value restarts at
// once.
type Backoff = supervise.Backoff

// BackoffKind selects the backoff policy.
type BackoffKind = supervise.BackoffKind

// Backoff kinds.
const (
	// BackoffNone restarts at once.
	BackoffNone = supervise.BackoffNone
	// BackoffFixed waits Backoff.Initial before every restart.
	BackoffFixed = supervise.BackoffFixed
	// BackoffExponential doubles the delay at each consecutive restart,
	// from Initial up to Max, with a relative Jitter.
	BackoffExponential = supervise.BackoffExponential
)

// ErrorPolicy says whether a handler error restarts a child.
type ErrorPolicy = supervise.ErrorPolicy

// Handler error policies.
const (
	// ErrorIgnore logs and counts handler errors (the default).
	ErrorIgnore = supervise.ErrorIgnore
	// ErrorRestart treats every handler error as an abnormal exit.
	ErrorRestart = supervise.ErrorRestart
)

// ErrorRate restarts a child whose handler errors exceed Max within Window.
type ErrorRate = supervise.ErrorRate

// Health configures periodic health checks: a request of kind HealthKind
// through the child's mailbox every Interval. No answer within Timeout
// kills and restarts the child; an error reply restarts it; a reply, or
// none (ErrNoReply), is healthy.
type Health = supervise.Health

// HealthKind is the message kind of a health check.
const HealthKind = supervise.HealthKind

// ChildSpec describes one child of a supervisor: a component (Factory and
// Spawn options) or a nested supervisor (Supervisor), with its restart
// type, shutdown timeout (or Brutal kill), start timeout, backoff, error
// policy, error rate and health check. Zero values mean the defaults:
// Permanent, 5 s shutdown, 5 s start, no backoff, errors ignored, no
// health check.
type ChildSpec = supervise.ChildSpec

// SupervisorSpec describes a supervisor: its name, strategy, intensity
// (default 3) and period (default 5 s), children in start order, or the
// template of a SimpleOneForOne supervisor. More than Intensity restarts
// within Period make the supervisor give up: it stops its children in
// reverse start order and fails to its parent.
type SupervisorSpec = supervise.Spec

// SupervisorNode is a supervisor in Supervisor.Tree: strategy, intensity,
// period, state, recent restarts and children.
type SupervisorNode = supervise.Node

// ChildInfo is a child in Supervisor.Tree: name, current PID, state
// (running, restarting, suspended, stopped, failed), restart type, restart
// count and history.
type ChildInfo = supervise.Child

// RestartRecord is one entry of a child's restart history: when, why, and
// the backoff delay applied.
type RestartRecord = supervise.Restarted

// GiveUpError is why a supervisor gave up; it wraps the last exit, down
// to the component that caused it (errors.As walks the levels).
type GiveUpError = supervise.GiveUpError

// Supervision errors.
var (
	// ErrGaveUp matches a *GiveUpError: a supervisor exceeded its restart
	// intensity. When the root of a tree gives up, the system shuts down
	// and Shutdown's error wraps the cause chain.
	ErrGaveUp = supervise.ErrGaveUp
	// ErrNotRunning: the supervisor has stopped or given up.
	ErrNotRunning = supervise.ErrNotRunning
)

// Interrupter is implemented by components whose running call can be
// aborted from another goroutine. When a supervised instance is killed (a
// shutdown or start timeout, a brutal kill, a missed health check),
// Interrupt is called and the instance is never called again.
type Interrupter = actor.Interrupter

// StateSaver is implemented by components that hand state to their next
// instance: SaveState runs after PreStop when the instance is stopped
// gracefully for a restart in place or a swap (never after a crash).
type StateSaver = actor.StateSaver

// StateRestorer receives the saved state after PreStart, before PostStart.
type StateRestorer = actor.StateRestorer

// Supervision events.
const (
	// EventKilled: an instance was killed; Reason names the hook it was in.
	EventKilled = actor.EventKilled
	// EventSuspended: an instance was stopped for a restart or a swap.
	EventSuspended = actor.EventSuspended
	// EventResumed: a suspended component got a fresh instance.
	EventResumed = actor.EventResumed
	// EventSwapped: a component was swapped to a new factory.
	EventSwapped = actor.EventSwapped
	// EventGaveUp: a supervisor exceeded its restart intensity.
	EventGaveUp = actor.EventGaveUp
)

// Supervisor is a running supervision tree. It owns no goroutine while
// nothing happens; it is safe for concurrent use.
type Supervisor struct {
	s *supervise.Supervisor
}

type supervisors struct {
	mu   sync.Mutex
	list []*Supervisor
}

// StartSupervisor starts a supervision tree: its children in order,
// nested supervisors depth first. A child that fails to start stops those
// already started (reverse order) and the error names it. The tree is the
// first thing Shutdown stops; if its root gives up, the system shuts down
// and Shutdown returns the cause chain (errors.Is(err, ErrGaveUp)).
func (s *System) StartSupervisor(spec SupervisorSpec) (*Supervisor, error) {
	sv, err := supervise.Start(s.sys, spec)
	if err != nil {
		return nil, err
	}
	out := &Supervisor{s: sv}
	s.sups.mu.Lock()
	s.sups.list = append(s.sups.list, out)
	s.sups.mu.Unlock()
	return out, nil
}

// Name is the supervisor's name.
func (sv *Supervisor) Name() string { return sv.s.Name() }

// StartChild adds a child at the end of the supervisor's children and
// starts it, returning its PID (zero for a nested supervisor). For a
// SimpleOneForOne supervisor the child comes from the template; cs gives
// only its Name (generated when empty) and Spawn.Config.
func (sv *Supervisor) StartChild(ctx context.Context, cs ChildSpec) (PID, error) {
	return sv.s.StartChild(ctx, cs)
}

// TerminateChild stops the named child, within its shutdown timeout (then
// killed), and removes it from the supervisor: it is not restarted.
func (sv *Supervisor) TerminateChild(ctx context.Context, name string) error {
	return sv.s.TerminateChild(ctx, name)
}

// Tree returns a snapshot of the tree.
func (sv *Supervisor) Tree() SupervisorNode { return sv.s.Tree() }

// Swap replaces the named component, anywhere in this tree, with instances
// from f; see System.Swap.
func (sv *Supervisor) Swap(ctx context.Context, name string, f Factory) error {
	return sv.s.Swap(ctx, name, f)
}

// Stop terminates every child in reverse start order; the supervisor
// restarts nothing afterwards.
func (sv *Supervisor) Stop(ctx context.Context) error { return sv.s.Stop(ctx) }

// Err is why the supervisor gave up (a *GiveUpError), or nil.
func (sv *Supervisor) Err() error { return sv.s.Err() }

// Swap hot-swaps the supervised component called name to instances from
// f: the component is suspended (PreStop, then SaveState if it is a
// StateSaver), its factory replaced, and a new instance started with the
// state (PreStart, RestoreState, PostStart). Its PID does not change, and
// messages that arrive meanwhile wait in its mailbox: each message is
// handled exactly once, by the old or the new version. Later restarts use
// f.
//
// # Errors
//
// ErrNotFound if no supervision tree of s has a component of that name.
// If the new instance fails to start, the component is restarted from its
// old factory and the start error is returned.
func (s *System) Swap(ctx context.Context, name string, f Factory) error {
	s.sups.mu.Lock()
	list := slices.Clone(s.sups.list)
	s.sups.mu.Unlock()
	for _, sv := range list {
		if sv.s.Has(name) {
			return sv.s.Swap(ctx, name, f)
		}
	}
	return fmt.Errorf("swap %q: %w: no supervision tree has a component of that name", name, ErrNotFound)
}
