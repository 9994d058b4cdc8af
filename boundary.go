package wasmplane

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
)

// Interface is a named set of typed operations (docs/boundary.md). Define
// it with System.DefineInterface or in the manifest's "interfaces".
type Interface = boundary.Interface

// Op declares one operation of an Interface.
type Op = boundary.Op

// Param is a named, typed parameter or result of an Op.
type Param = boundary.Param

// Type is a value type: i32 i64 f32 f64 bool string bytes list<T>
// record{…}. ParseType reads the manifest's spelling.
type Type = boundary.Type

// ParseType reads a type written as in the manifest ("list<record{x: f64}>").
func ParseType(s string) (*Type, error) { return boundary.ParseType(s) }

// OperationHandler is implemented by Go components that serve typed
// operations; see System.Call.
type OperationHandler = actor.OperationHandler

// NativeFunc is a Go implementation of an interface, used by the native
// fallback tier (System.RegisterNative).
type NativeFunc = actor.NativeFunc

// TypeError is a call whose arguments (or results) do not match the
// operation's declared types; it names the operation, the parameter, the
// path inside it, the expected and the actual type. The callee of a call
// that fails with a TypeError was not invoked. errors.Is(err, ErrType).
type TypeError = boundary.TypeError

// ContentionError is a typed call that could not take the callee's yield
// token in time: it names the caller, the callee, who held the token, for
// how long, and the operation. errors.Is(err, ErrContention).
type ContentionError = boundary.ContentionError

// TierPolicy says when a (caller, callee) pair moves between fallback
// tiers; TierEvent is one such move.
type (
	TierPolicy = boundary.TierPolicy
	TierEvent  = boundary.TierEvent
	Tier       = boundary.Tier
)

// The fallback tiers (docs/boundary.md, "Fallback tiers").
const (
	TierNormal    = boundary.TierNormal
	TierIsolate   = boundary.TierIsolate
	TierSerialize = boundary.TierSerialize
	TierNative    = boundary.TierNative
)

// Priority is a component's scheduling priority, 0 (lowest) to 7; the
// default is 3 (DefaultPriority).
type Priority = boundary.Priority

// DefaultPriority is the priority of a component that sets none.
const DefaultPriority = boundary.DefaultPriority

// HostName names the embedding program as a caller in token timeouts and
// fallback pairs.
const HostName = actor.HostName

var (
	// ErrType matches a *TypeError.
	ErrType = boundary.ErrType
	// ErrContention matches a *ContentionError.
	ErrContention = boundary.ErrContention
	// ErrUnknownOp: no defined interface declares the operation.
	ErrUnknownOp = boundary.ErrUnknownOp
)

// DefineInterface registers an interface for typed calls. Names must be
// identifiers; redefining an interface is an error.
func (s *System) DefineInterface(in Interface) error { return s.sys.Registry().Define(in) }

// Call makes a typed call of op ("iface.op") on the component to, with Go
// values (the table in docs/boundary.md: int32 for i32, string, []byte,
// []any for lists, map[string]any for records, …), and returns its
// results. The arguments are checked against the operation before
// anything is sent: a mismatch is a *TypeError and the callee is not
// invoked. The call takes the callee's yield token (a *ContentionError
// when it is not free within the pair's timeout) and is part of the
// wait-for graph (a *DeadlockError when it would close a cycle).
//
// A Go component serves calls by implementing OperationHandler; a Wasm
// guest by exporting "iface.op" with the operation's core signature.
func (s *System) Call(ctx context.Context, to PID, op string, args ...any) ([]any, error) {
	return s.sys.Call(ctx, to, op, args...)
}

// SetTokenTimeout sets how long calls from caller to callee wait for the
// callee's yield token (component names; HostName for this program). An
// empty caller and callee set the default for every pair; d ≤ 0 removes a
// pair's override.
func (s *System) SetTokenTimeout(caller, callee string, d time.Duration) {
	if caller == "" && callee == "" {
		s.sys.Tokens().SetDefaultTimeout(d)
		return
	}
	s.sys.Tokens().SetTimeout(caller, callee, d)
}

// TokenTimeout is the token timeout in force for calls from caller to
// callee.
func (s *System) TokenTimeout(caller, callee string) time.Duration {
	return s.sys.Tokens().Timeout(caller, callee)
}

// SetFallback enables fallback tiers for calls from caller to callee with
// policy pol; an empty caller and callee set the policy of every pair.
func (s *System) SetFallback(caller, callee string, pol TierPolicy) {
	s.sys.SetFallback(caller, callee, pol)
}

// RegisterNative registers the Go implementation of iface that the
// native fallback tier routes calls to. nil removes it.
func (s *System) RegisterNative(iface string, fn NativeFunc) error {
	if fn != nil {
		if _, ok := s.sys.Registry().Interface(iface); !ok {
			return fmt.Errorf("register native %q: %w: define the interface first", iface, ErrUnknownOp)
		}
	}
	s.sys.RegisterNative(iface, fn)
	return nil
}

// Tier is the current fallback tier of calls from caller to callee.
func (s *System) Tier(caller, callee string) Tier {
	return s.sys.Tiers().Tier(boundary.Pair{Caller: caller, Callee: callee})
}

// TierEvents returns the fallback tiers' transitions so far, in order.
func (s *System) TierEvents() []TierEvent { return s.sys.Tiers().Events() }

// LosePolicy says what happens to a handler that loses a conflict: it is
// queued (takes over when the winner stops or fails) or dropped.
type LosePolicy = boundary.LosePolicy

// The lose policies.
const (
	Queue = boundary.Queue
	Drop  = boundary.Drop
)

// ResolutionEvent records one handler-conflict decision (bound, queued,
// dropped, preempted, promoted, unbound).
type ResolutionEvent = boundary.ResolutionEvent

// BindHandler claims op (an operation or event name) for the component
// named component. When several components claim one op, the higher
// priority wins (on a tie, the first bound); the loser is queued or
// dropped by its policy. Every decision is logged and kept
// (Resolutions). Invoke calls the winner.
func (s *System) BindHandler(op, component string, priority int, policy LosePolicy) (ResolutionEvent, error) {
	return s.sys.Registry().Bind(op, boundary.Handler{Component: component, Priority: priority, Policy: policy})
}

// UnbindHandler removes component's claim on op; a queued handler takes
// over. It reports whether there was a claim.
func (s *System) UnbindHandler(op, component string) bool {
	return s.sys.Registry().Unbind(op, component)
}

// ActiveHandler names the component that currently handles op. A
// handler whose component is no longer registered (stopped, or failed for
// good) is unbound on the way, and the next in line takes over.
func (s *System) ActiveHandler(op string) (component string, ok bool) {
	reg := s.sys.Registry()
	for {
		h, ok := reg.ActiveHandler(op)
		if !ok {
			return "", false
		}
		if _, err := s.sys.Lookup(h.Component); !errors.Is(err, ErrNotFound) {
			return h.Component, true
		}
		reg.Unbind(op, h.Component)
	}
}

// Resolutions returns the recent handler-conflict decisions, in order.
func (s *System) Resolutions() []ResolutionEvent { return s.sys.Registry().Resolutions() }

// Invoke makes a typed call of op on its active handler (BindHandler).
// A handler whose component has stopped or failed is unbound on the way
// and the next in line takes over.
func (s *System) Invoke(ctx context.Context, op string, args ...any) ([]any, error) {
	for range 3 {
		comp, ok := s.ActiveHandler(op)
		if !ok {
			return nil, fmt.Errorf("invoke %q: %w: no component handles it", op, ErrNotFound)
		}
		pid, err := s.sys.Lookup(comp)
		if err != nil {
			continue // gone meanwhile: ActiveHandler unbinds it
		}
		res, err := s.sys.Call(ctx, pid, op, args...)
		if !errors.Is(err, ErrDeadPID) {
			return res, err
		}
		// Restarted between the lookup and the call: look it up again.
	}
	return nil, fmt.Errorf("invoke %q: %w: its handler kept changing", op, ErrDeadPID)
}

// Resource is a named resource with commit phases (deferral): a reader
// brackets its phase with Begin and the returned end; work deferred to it
// (Context.Defer sends a component a message) runs only once no phase is
// in progress, in order — a guest's write never lands in the middle of a
// reader's phase.
type Resource = boundary.Resource

// Resource returns the resource called name, made on first use.
func (s *System) Resource(name string) *Resource { return s.sys.Resource(name) }
