package actor

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// EventType says what happened to a process.
type EventType uint8

const (
	EventSpawned EventType = iota + 1
	EventStarted
	EventStopped
	EventFailed
	EventRestarted
	EventDeadLetter
	EventHandlerError
	// EventKilled: a supervised instance was killed (stop timeout, brutal
	// shutdown, missed health check); Reason names the hook or handler it
	// was in. A Go goroutine stuck there is abandoned.
	EventKilled
	// EventSuspended: a supervised instance was stopped, the process kept.
	EventSuspended
	// EventResumed: a suspended process got a fresh instance, same PID.
	EventResumed
	// EventSwapped: a process got an instance from a new factory, same PID.
	EventSwapped
	// EventGaveUp: a supervisor exceeded its restart intensity; Name is the
	// supervisor's.
	EventGaveUp
)

var eventNames = [...]string{
	EventSpawned:      "spawned",
	EventStarted:      "started",
	EventStopped:      "stopped",
	EventFailed:       "failed",
	EventRestarted:    "restarted",
	EventDeadLetter:   "dead_letter",
	EventHandlerError: "handler_error",
	EventKilled:       "killed",
	EventSuspended:    "suspended",
	EventResumed:      "resumed",
	EventSwapped:      "swapped",
	EventGaveUp:       "gave_up",
}

func (t EventType) String() string {
	if int(t) < len(eventNames) && eventNames[t] != "" {
		return eventNames[t]
	}
	return "unknown"
}

// Event is one lifecycle change or dead letter. Events are logged through
// slog and delivered to subscribers (System.Events).
type Event struct {
	Type EventType
	Time time.Time
	// PID is the process concerned; for a dead letter, the addressee.
	PID PID
	// Name is the process's registered name, if any.
	Name string
	// NewPID is the PID after a restart.
	NewPID PID
	// Reason says why (failure cause, dead-letter reason).
	Reason string
	// Err is the error behind a failure or handler error.
	Err error
	// Message is the dead letter itself, or the message being handled when
	// the process failed.
	Message *Message
}

func (e Event) level() slog.Level {
	switch e.Type {
	case EventFailed, EventHandlerError, EventGaveUp:
		return slog.LevelError
	case EventRestarted, EventDeadLetter, EventKilled:
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

func (e Event) attrs() []slog.Attr {
	a := make([]slog.Attr, 0, 6)
	a = append(a, slog.String("event", e.Type.String()), slog.String("pid", e.PID.String()))
	if e.Name != "" {
		a = append(a, slog.String("component", e.Name))
	}
	if e.NewPID != 0 {
		a = append(a, slog.String("new_pid", e.NewPID.String()))
	}
	if e.Reason != "" {
		a = append(a, slog.String("reason", e.Reason))
	}
	if e.Message != nil {
		a = append(a, slog.String("kind", e.Message.Kind), slog.String("sender", e.Message.Sender.String()))
	}
	return a
}

type eventSub struct {
	ch      chan Event
	dropped atomic.Uint64
}

// events fans events out to the logger and to bounded subscriber channels.
// A subscriber that does not keep up loses events (counted), it never
// blocks the system.
type events struct {
	log   *slog.Logger
	mu    sync.RWMutex
	subs  []*eventSub
	nsubs atomic.Int32
}

func (b *events) emit(e Event) {
	logged := b.log.Enabled(context.Background(), e.level())
	if !logged && b.nsubs.Load() == 0 {
		return // nobody listens: skip the clock read and the lock
	}
	e.Time = time.Now()
	if logged {
		b.log.LogAttrs(context.Background(), e.level(), "wasmplane "+e.Type.String(), e.attrs()...)
	}
	b.mu.RLock()
	for _, s := range b.subs {
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
		}
	}
	b.mu.RUnlock()
}

func (b *events) subscribe(buffer int) (*eventSub, func()) {
	if buffer <= 0 {
		buffer = 256
	}
	s := &eventSub{ch: make(chan Event, buffer)}
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.nsubs.Store(int32(len(b.subs)))
	b.mu.Unlock()
	var once sync.Once
	return s, func() {
		once.Do(func() {
			b.mu.Lock()
			for i, x := range b.subs {
				if x == s {
					b.subs = append(b.subs[:i], b.subs[i+1:]...)
					b.nsubs.Store(int32(len(b.subs)))
					break
				}
			}
			b.mu.Unlock()
			close(s.ch)
		})
	}
}
