package boundary

import (
	"context"
	"fmt"
	"log/slog"
)

// LosePolicy says what happens to a handler that loses a conflict.
type LosePolicy uint8

const (
	// Queue keeps the loser, to take over when the winner is unbound.
	Queue LosePolicy = iota
	// Drop discards the loser.
	Drop
)

func (p LosePolicy) String() string {
	if p == Drop {
		return "drop"
	}
	return "queue"
}

// Handler is a component's claim to handle an operation (or event).
type Handler struct {
	// Component is the claiming component.
	Component string
	// Priority: higher wins; on a tie the handler bound first keeps it.
	Priority int
	// Policy applies when this handler loses.
	Policy LosePolicy
}

// Resolution is what a conflict decision did.
type Resolution uint8

// The resolutions.
const (
	// Bound: the handler is the active one (there was no other).
	Bound Resolution = iota + 1
	// Queued: the handler lost and waits behind the winner.
	Queued
	// Dropped: the handler lost and was discarded.
	Dropped
	// Preempted: the handler became active by taking over from a
	// lower-priority one (Other), which was queued or dropped.
	Preempted
	// Promoted: a queued handler became active after the winner left.
	Promoted
	// Unbound: the handler was removed.
	Unbound
)

var resolutionNames = [...]string{"", "bound", "queued", "dropped", "preempted", "promoted", "unbound"}

func (r Resolution) String() string {
	if int(r) < len(resolutionNames) {
		return resolutionNames[r]
	}
	return fmt.Sprintf("resolution(%d)", uint8(r))
}

// ResolutionEvent records one conflict decision.
type ResolutionEvent struct {
	// Seq orders the registry's events, from 1.
	Seq uint64
	// Op is the operation or event name.
	Op string
	// What happened to Component.
	What      Resolution
	Component string
	Priority  int
	// Other is the handler it lost to or replaced, if any.
	Other string
}

func (e ResolutionEvent) String() string {
	s := fmt.Sprintf("#%d %s: %s %s (priority %d)", e.Seq, e.Op, e.Component, e.What, e.Priority)
	if e.Other != "" {
		s += " vs " + e.Other
	}
	return s
}

// binding is one operation's active handler and its queue, best first.
type binding struct {
	active *Handler
	queue  []Handler
}

// Bind claims op for h. The higher priority wins; the loser is queued or
// dropped according to its own Policy. Binding the same component twice
// for one op is ErrDuplicate. It returns the event for h.
func (r *Registry) Bind(op string, h Handler) (ResolutionEvent, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bindings[op]
	if b == nil {
		b = &binding{}
		r.bindings[op] = b
	}
	if (b.active != nil && b.active.Component == h.Component) || b.queued(h.Component) >= 0 {
		return ResolutionEvent{}, fmt.Errorf("handler for %q by %q: %w", op, h.Component, ErrDuplicate)
	}
	switch {
	case b.active == nil:
		b.active = &h
		return r.event(op, Bound, h, ""), nil
	case h.Priority > b.active.Priority:
		old := *b.active
		b.active = &h
		if old.Policy == Queue {
			b.enqueue(old, true)
			r.event(op, Queued, old, h.Component)
		} else {
			r.event(op, Dropped, old, h.Component)
		}
		ev := r.event(op, Preempted, h, old.Component)
		return ev, nil
	case h.Policy == Queue:
		b.enqueue(h, false)
		return r.event(op, Queued, h, b.active.Component), nil
	default:
		return r.event(op, Dropped, h, b.active.Component), nil
	}
}

// Unbind removes component's handler for op (active or queued). When the
// active handler leaves, the best queued one is promoted. It reports
// whether there was such a handler.
func (r *Registry) Unbind(op, component string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bindings[op]
	if b == nil {
		return false
	}
	if i := b.queued(component); i >= 0 {
		h := b.queue[i]
		b.queue = append(b.queue[:i], b.queue[i+1:]...)
		r.event(op, Unbound, h, "")
		return true
	}
	if b.active == nil || b.active.Component != component {
		return false
	}
	old := *b.active
	b.active = nil
	r.event(op, Unbound, old, "")
	if len(b.queue) > 0 {
		next := b.queue[0]
		b.queue = b.queue[1:]
		b.active = &next
		r.event(op, Promoted, next, old.Component)
	}
	if b.active == nil {
		delete(r.bindings, op)
	}
	return true
}

// ActiveHandler is the handler that currently serves op.
func (r *Registry) ActiveHandler(op string) (Handler, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.bindings[op]; b != nil && b.active != nil {
		return *b.active, true
	}
	return Handler{}, false
}

// QueuedHandlers are the handlers waiting for op, best first.
func (r *Registry) QueuedHandlers(op string) []Handler {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.bindings[op]; b != nil {
		return append([]Handler(nil), b.queue...)
	}
	return nil
}

// Resolutions returns the last resolution events recorded, oldest first:
// at most RegistryOptions.MaxEvents of them. Seq keeps counting across
// the dropped ones, so a gap before the first says how many were lost.
func (r *Registry) Resolutions() []ResolutionEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events.all()
}

// event records and logs a decision. Lock should be held.
func (r *Registry) event(op string, what Resolution, h Handler, other string) ResolutionEvent {
	r.seq++
	ev := ResolutionEvent{Seq: r.seq, Op: op, What: what, Component: h.Component, Priority: h.Priority, Other: other}
	r.events.push(ev)
	lvl := slog.LevelInfo
	if what == Bound || what == Unbound {
		lvl = slog.LevelDebug
	}
	r.log.Log(context.Background(), lvl, "handler resolution",
		slog.String("op", op), slog.String("component", h.Component), slog.String("resolution", what.String()),
		slog.Int("priority", h.Priority), slog.String("other", other))
	return ev
}

// enqueue inserts h by priority: after the equal ones (FIFO), or before
// them when it was preempted (it was bound before any of them).
func (b *binding) enqueue(h Handler, preempted bool) {
	i := 0
	for i < len(b.queue) && (b.queue[i].Priority > h.Priority || !preempted && b.queue[i].Priority == h.Priority) {
		i++
	}
	b.queue = append(b.queue, Handler{})
	copy(b.queue[i+1:], b.queue[i:])
	b.queue[i] = h
}

func (b *binding) queued(component string) int {
	for i, q := range b.queue {
		if q.Component == component {
			return i
		}
	}
	return -1
}
