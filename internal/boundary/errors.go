package boundary

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Errors returned by the package wrap one of these (or are
// a typed error whose Is matches it); test with errors.Is.
var (
	// ErrBadType: a type declaration is malformed (unknown kind, empty
	// record, duplicate field, nested too deep).
	ErrBadType = errors.New("bad type")
	// ErrType: a value does not match its declared type (*TypeError).
	ErrType = errors.New("type mismatch")
	// ErrUnknownOp: no interface declares the operation.
	ErrUnknownOp = errors.New("unknown operation")
	// ErrModule: a module's exports do not match its declared interfaces
	// (*ModuleError).
	ErrModule = errors.New("module does not match its interfaces")
	// ErrNoExporter: an imported interface has no exporting component.
	ErrNoExporter = errors.New("no exporter")
	// ErrDuplicate: an interface, component or handler is already registered.
	ErrDuplicate = errors.New("already registered")
	// ErrContention: a yield token was not free within the timeout
	// (*ContentionError).
	ErrContention = errors.New("contention")
	// ErrDeadlock: a synchronous call would close a cycle of waits
	// (*DeadlockError).
	ErrDeadlock = errors.New("deadlock")
	// ErrQueueFull: a bounded run queue refused an item.
	ErrQueueFull = errors.New("run queue full")
	// ErrClosed: the run queue is closed.
	ErrClosed = errors.New("run queue closed")
	// ErrDeferFull: a resource's queue of deferred work is full; the
	// work was not queued (Resource.Defer).
	ErrDeferFull = errors.New("deferred work queue full")
)

// TypeError says that a value did not match its declared type, and where.
// The callee of a call that fails with a TypeError was not invoked.
type TypeError struct {
	// Op is the operation ("iface.op"), empty for a bare value.
	Op string
	// Param is the parameter or result name, empty for a bare value.
	Param string
	// Path locates the value inside the parameter: "[3].mass", "" for the
	// parameter itself.
	Path string
	// Expected is the declared type (or shape, like "2 arguments").
	Expected string
	// Got is what was there instead.
	Got string
	// Offset is the byte offset in the encoded input, -1 for Go values.
	Offset int
}

func (e *TypeError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		fmt.Fprintf(&b, "op %q ", e.Op)
	}
	if e.Param != "" {
		fmt.Fprintf(&b, "param %q", e.Param)
	} else if e.Op != "" {
		b.WriteString("args")
	} else {
		b.WriteString("value")
	}
	b.WriteString(e.Path)
	b.WriteString(": ")
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "at byte %d: ", e.Offset)
	}
	fmt.Fprintf(&b, "expected %s, got %s", e.Expected, e.Got)
	return b.String()
}

// Is matches ErrType.
func (e *TypeError) Is(target error) bool { return target == ErrType }

// ContentionError is returned when a callee's yield token was not free
// within the timeout. What to do: retry later, raise the pair's timeout,
// or let the fallback tiers isolate the pair.
type ContentionError struct {
	// Caller is the component that waited.
	Caller string
	// Callee is the component whose token it waited for.
	Callee string
	// Holder is the component holding the token when the wait gave up.
	Holder string
	// Held is how long the holder had held it.
	Held time.Duration
	// Op is the operation the caller wanted to run.
	Op string
	// Timeout is the timeout that expired.
	Timeout time.Duration
}

func (e *ContentionError) Error() string {
	return fmt.Sprintf("call %q from %q to %q: token held by %q for %v (timeout %v)",
		e.Op, e.Caller, e.Callee, e.Holder, e.Held.Round(time.Microsecond), e.Timeout)
}

// Is matches ErrContention.
func (e *ContentionError) Is(target error) bool { return target == ErrContention }

// CycleNode names one member of a wait cycle and the operation it waits on.
type CycleNode struct {
	// ID is the node's id (the actor passes the PID).
	ID uint64
	// Name is the component's name.
	Name string
	// Op is the operation this member is waiting on its successor for.
	Op string
}

// DeadlockError is returned at once by a synchronous call that would close
// a cycle of waits. Cycle starts with the caller; each member waits on the
// next, and the last waits on the first. What to do: make one of the calls
// asynchronous, or declare the callee reentrant if it can serve the call
// while it waits.
type DeadlockError struct {
	Cycle []CycleNode
}

func (e *DeadlockError) Error() string {
	var b strings.Builder
	b.WriteString("deadlock: ")
	for i, n := range e.Cycle {
		if i > 0 {
			b.WriteString(" -> ")
		}
		fmt.Fprintf(&b, "%s (%s)", n.Name, n.Op)
	}
	if len(e.Cycle) > 0 {
		b.WriteString(" -> ")
		b.WriteString(e.Cycle[0].Name)
	}
	return b.String()
}

// Is matches ErrDeadlock.
func (e *DeadlockError) Is(target error) bool { return target == ErrDeadlock }
