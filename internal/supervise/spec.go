// Package supervise runs supervision trees over actor processes:
// strategies, restart types, restart intensity, backoff, shutdown
// timeouts, health checks, state handoff and hot swap (docs/supervision.md).
//
// A supervisor is a passive node: it owns no goroutine while nothing
// happens. Exits, requests and timers post work to its queue, which one
// goroutine at a time drains (started on demand, like a process's owner),
// so a supervisor's decisions are serialised without a long-lived
// goroutine. Lock order: a node's mu before its sub-supervisors' (Tree);
// no code holds a node's mu while posting to its parent.
package supervise

import (
	"errors"
	"fmt"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

// Strategy says which children restart together.
type Strategy uint8

const (
	// OneForOne restarts only the child that exited.
	OneForOne Strategy = iota
	// OneForAll restarts every child: the others are stopped in reverse
	// start order, then all restarted in start order.
	OneForAll
	// RestForOne restarts the child and those started after it.
	RestForOne
	// SimpleOneForOne has children added at run time from one template,
	// each restarted on its own.
	SimpleOneForOne
)

var strategyNames = [...]string{"one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// Restart says which exits restart a child.
type Restart uint8

const (
	// Permanent children are always restarted.
	Permanent Restart = iota
	// Transient children are restarted after an abnormal exit (and when a
	// sibling's restart stopped them), removed after a normal or shutdown
	// exit.
	Transient
	// Temporary children are never restarted: removed on any exit, and
	// when a sibling's restart would stop them.
	Temporary
)

func (r Restart) String() string {
	switch r {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return fmt.Sprintf("restart(%d)", uint8(r))
}

// BackoffKind selects how long a child waits before a restart.
type BackoffKind uint8

const (
	// BackoffNone restarts at once.
	BackoffNone BackoffKind = iota
	// BackoffFixed waits Initial before every restart.
	BackoffFixed
	// BackoffExponential waits min(Max, Initial·2^(n-1)) before the n-th
	// consecutive restart, times a uniform factor in [1-Jitter, 1+Jitter].
	BackoffExponential
)

// Backoff is a child's restart delay policy. The zero value is none.
type Backoff struct {
	Kind BackoffKind
	// Initial is the fixed delay, or the first exponential one.
	Initial time.Duration
	// Max caps the exponential delay (default 100 × Initial).
	Max time.Duration
	// Jitter is the relative spread, 0 to 1 (0: none).
	Jitter float64
}

// ErrorPolicy says what a handler error does to a child.
type ErrorPolicy uint8

const (
	// ErrorIgnore logs and counts handler errors; the child keeps running.
	ErrorIgnore ErrorPolicy = iota
	// ErrorRestart treats every handler error as an abnormal exit.
	ErrorRestart
)

// ErrorRate makes more than Max handler errors within Window an abnormal
// exit. The zero value is off.
type ErrorRate struct {
	Max    int
	Window time.Duration
}

// Health asks the child for a health check every Interval through its
// mailbox (kind HealthKind). No answer within Timeout is an abnormal exit
// and the child is killed; an error reply is an abnormal exit; a reply or
// actor.ErrNoReply is healthy. The zero value is off.
type Health struct {
	Interval time.Duration
	// Timeout bounds the answer (default Interval).
	Timeout time.Duration
}

// HealthKind is the message kind of a health check.
const HealthKind = "wasmplane.health"

// Defaults.
const (
	DefaultIntensity    = 3
	DefaultPeriod       = 5 * time.Second
	DefaultShutdown     = 5 * time.Second
	DefaultStartTimeout = 5 * time.Second
)

// ChildSpec describes one child: a component (Factory) or a nested
// supervisor (Supervisor). Zero values mean the defaults.
type ChildSpec struct {
	// Name registers the component; unique among the supervisor's
	// children.
	Name string
	// Factory makes the component's instances.
	Factory actor.Factory
	// Spawn holds the rest of the spawn options (its Name is ignored).
	Spawn actor.SpawnOptions
	// Supervisor makes this child a nested supervisor instead.
	Supervisor *Spec
	// Restart is the restart type (default Permanent).
	Restart Restart
	// Shutdown bounds the stop hooks before a kill (default 5 s).
	Shutdown time.Duration
	// Brutal kills at once instead of running the stop hooks.
	Brutal bool
	// StartTimeout bounds the start hooks before a kill (default 5 s).
	StartTimeout time.Duration
	// Backoff delays restarts.
	Backoff Backoff
	// OnError is the handler error policy (default ErrorIgnore).
	OnError ErrorPolicy
	// ErrorRate restarts the child when handler errors come too fast.
	ErrorRate ErrorRate
	// Health enables periodic health checks.
	Health Health
}

// Spec describes a supervisor. Zero values mean the defaults.
type Spec struct {
	// Name names the supervisor in the tree and in errors.
	Name string
	// Strategy is the restart strategy (default OneForOne).
	Strategy Strategy
	// Intensity is how many restarts are allowed within Period (default
	// 3; negative: none).
	Intensity int
	// Period is the intensity window (default 5 s).
	Period time.Duration
	// Children are started in order (not with SimpleOneForOne).
	Children []ChildSpec
	// Template is the child spec of a SimpleOneForOne supervisor.
	Template *ChildSpec
	// Clock reads the time for the intensity window and backoff resets
	// (default time.Now); tests inject a fake one.
	Clock func() time.Time
	// Rand returns uniform numbers in [0, 1) for jitter (default
	// math/rand/v2).
	Rand func() float64

	// notify, for tests, runs after each action of any node in the tree.
	notify func()
}

// Errors.
var (
	// ErrGaveUp: a supervisor exceeded its restart intensity.
	ErrGaveUp = errors.New("supervisor gave up")
	// ErrNotRunning: the supervisor has stopped or given up.
	ErrNotRunning = errors.New("supervisor not running")
)

// GiveUpError is the exit cause of a supervisor that gave up: it wraps the
// last child exit, which for a nested supervisor is its own GiveUpError,
// so the chain names every level.
type GiveUpError struct {
	Supervisor string
	Restarts   int
	Period     time.Duration
	Err        error
}

func (e *GiveUpError) Error() string {
	return fmt.Sprintf("%s: gave up after %d restarts in %v: %v", e.Supervisor, e.Restarts, e.Period, e.Err)
}

func (e *GiveUpError) Unwrap() error { return e.Err }

// Is matches ErrGaveUp.
func (e *GiveUpError) Is(target error) bool { return target == ErrGaveUp }

func (s Spec) withDefaults() Spec {
	if s.Intensity == 0 {
		s.Intensity = DefaultIntensity
	} else if s.Intensity < 0 {
		s.Intensity = 0
	}
	if s.Period <= 0 {
		s.Period = DefaultPeriod
	}
	if s.Clock == nil {
		s.Clock = time.Now
	}
	if s.Name == "" {
		s.Name = "supervisor"
	}
	return s
}

func (c ChildSpec) withDefaults() ChildSpec {
	if c.Shutdown <= 0 {
		c.Shutdown = DefaultShutdown
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.Health.Interval > 0 && c.Health.Timeout <= 0 {
		c.Health.Timeout = c.Health.Interval
	}
	if c.Backoff.Kind == BackoffExponential && c.Backoff.Max <= 0 {
		c.Backoff.Max = 100 * c.Backoff.Initial
	}
	return c
}

func (c ChildSpec) validate(where string) error {
	switch {
	case c.Factory == nil && c.Supervisor == nil:
		return fmt.Errorf("%s: child %q: %w: neither Factory nor Supervisor is set", where, c.Name, actor.ErrInvalid)
	case c.Factory != nil && c.Supervisor != nil:
		return fmt.Errorf("%s: child %q: %w: both Factory and Supervisor are set", where, c.Name, actor.ErrInvalid)
	case c.Backoff.Jitter < 0 || c.Backoff.Jitter > 1:
		return fmt.Errorf("%s: child %q: %w: backoff jitter %v is outside [0, 1]", where, c.Name, actor.ErrInvalid, c.Backoff.Jitter)
	case c.Backoff.Kind != BackoffNone && c.Backoff.Initial <= 0:
		return fmt.Errorf("%s: child %q: %w: backoff needs a positive Initial delay", where, c.Name, actor.ErrInvalid)
	}
	return nil
}
