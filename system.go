package wasmplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// Config configures a System. Every field is optional: the zero value
// means the documented default.
type Config struct {
	// Logger receives events and guest logs (default slog.Default()).
	Logger *slog.Logger
	// MaxMessageSize bounds every payload in bytes (default 1 MiB). It is
	// checked before anything is copied into guest memory.
	MaxMessageSize int
	// RequestTimeout applies to requests without a deadline (default 5 s).
	RequestTimeout time.Duration
	// CacheDir holds compiled Wasm between runs (default
	// $XDG_CACHE_HOME/wasmplane/compile or the OS equivalent).
	CacheDir string
	// NoCompileCache compiles in memory only.
	NoCompileCache bool
	// CrashPolicy decides what follows a crash of a component spawned
	// outside a supervision tree (default: restart with a fresh instance
	// once per crash; a crash while restarting stops the component).
	CrashPolicy CrashPolicy
	// TokenTimeout is how long a typed call waits for the callee's yield
	// token before a *ContentionError (default 50 ms; per pair:
	// System.SetTokenTimeout or the manifest's boundary.pairs).
	TokenTimeout time.Duration
	// Priorities turns on priority scheduling: at most Slots components
	// (default GOMAXPROCS) handle messages at once, and a free slot goes
	// to the highest-priority component waiting (SpawnOptions.Priority,
	// System.SetPriority), with a bound on how long lower levels wait.
	// Off, every ready component runs at once, as goroutines do.
	Priorities bool
	// Slots is the number of run slots with Priorities (0: GOMAXPROCS).
	Slots int
}

// System runs components. It is safe for concurrent use.
type System struct {
	sys    *actor.System
	eng    *engine.Engine
	sups   supervisors
	frames frameClocks
}

// New makes a System with an engine ready to load modules.
func New(ctx context.Context, cfg Config) (*System, error) {
	eng, err := engine.New(ctx, engine.Config{CacheDir: cfg.CacheDir, NoCache: cfg.NoCompileCache, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	sys := actor.NewSystem(actor.Config{
		Logger: cfg.Logger, MaxMessageSize: cfg.MaxMessageSize,
		RequestTimeout: cfg.RequestTimeout, Supervisor: cfg.CrashPolicy,
		Registry:     boundary.NewRegistry(boundary.RegistryOptions{Logger: cfg.Logger}),
		TokenTimeout: cfg.TokenTimeout,
		Scheduler:    actor.SchedulerConfig{Enabled: cfg.Priorities, Slots: cfg.Slots},
	})
	return &System{sys: sys, eng: eng}, nil
}

// Spawn starts a component and returns its PID once PreStart and PostStart
// have run. A failed start returns the hook's error (*HookError) and leaves
// nothing registered.
func (s *System) Spawn(f Factory, opts SpawnOptions) (PID, error) { return s.sys.Spawn(f, opts) }

// SetPriority changes a component's priority (0 lowest … 7 highest,
// default 3); it takes effect at the component's next message. It
// matters when Config.Priorities is on.
func (s *System) SetPriority(pid PID, p Priority) error { return s.sys.SetPriority(pid, p) }

// Priority is a component's current priority.
func (s *System) Priority(pid PID) (Priority, error) { return s.sys.Priority(pid) }

// Stop stops a component gracefully (messages already accepted are
// handled, then PreStop and PostStop run) and waits for it.
func (s *System) Stop(ctx context.Context, pid PID) error { return s.sys.Stop(ctx, pid) }

// Send queues a one-way message (sender zero: the host).
func (s *System) Send(to PID, kind string, data []byte) error { return s.sys.Send(to, kind, data) }

// Request sends a request and waits for the reply, until ctx is done or,
// without a deadline, Config.RequestTimeout.
func (s *System) Request(ctx context.Context, to PID, kind string, data []byte) ([]byte, error) {
	return s.sys.Request(ctx, to, kind, data)
}

// Publish delivers a copy to every subscriber of topic; it returns how many
// accepted it.
func (s *System) Publish(topic string, data []byte) (int, error) { return s.sys.Publish(topic, data) }

// Subscribe subscribes pid to topic.
func (s *System) Subscribe(pid PID, topic string) error { return s.sys.Subscribe(pid, topic) }

// Unsubscribe removes pid's subscription to topic.
func (s *System) Unsubscribe(pid PID, topic string) error { return s.sys.Unsubscribe(pid, topic) }

// Lookup resolves a name to the current PID (rotating over a group).
func (s *System) Lookup(name string) (PID, error) { return s.sys.Lookup(name) }

// Events subscribes to lifecycle events and dead letters through a channel
// of the given buffer; a reader that falls behind loses events, never
// blocks the system. cancel unsubscribes and closes the channel.
func (s *System) Events(buffer int) (events <-chan Event, cancel func()) { return s.sys.Events(buffer) }

// Stats returns every component's counters, in start order.
func (s *System) Stats() []Stats { return s.sys.Stats() }

// ShutdownRequested is closed when a component called
// Context.ShutdownSystem.
func (s *System) ShutdownRequested() <-chan struct{} { return s.sys.ShutdownRequested() }

// Shutdown stops every component in reverse start order, gracefully, and
// refuses new spawns.
func (s *System) Shutdown(ctx context.Context) error { return s.sys.Shutdown(ctx) }

// Close shuts down and releases the engine.
func (s *System) Close(ctx context.Context) error {
	err := s.sys.Shutdown(ctx)
	return errors.Join(err, s.eng.Close(ctx))
}

// CacheDir is the compile cache in use ("" when in memory).
func (s *System) CacheDir() string { return s.eng.CacheDir() }

// String describes the system briefly.
func (s *System) String() string { return fmt.Sprintf("wasmplane system (%d live)", s.sys.Live()) }

// MaxMessageSize is the system's payload limit in bytes.
func (s *System) MaxMessageSize() int { return s.sys.Config().MaxMessageSize }
