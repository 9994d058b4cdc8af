package component

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// WasmOptions configure the instances of a guest module.
type WasmOptions struct {
	// MemoryLimitPages caps each instance's memory (0: the module's own
	// maximum).
	MemoryLimitPages uint32
	// Deadline bounds each message and each hook (0: none); past it the
	// guest is interrupted, which is a crash.
	Deadline time.Duration
	// Shared and Partition: the instance's shared memory and the layout
	// partition it runs on (engine.InstanceConfig). nil: none.
	Shared    *engine.SharedMemory
	Partition int
}

// Wasm is a guest-ABI module instance running as a component. A fresh one
// is made for every (re)start; it implements engine.Host for its imports.
type Wasm struct {
	mod  *engine.Module
	opts WasmOptions
	inst *engine.Instance
	ctx  *actor.Context
	log  *slog.Logger
	// live is inst for Interrupt, which runs on another goroutine.
	live atomic.Pointer[engine.Instance]
}

// NewWasmFactory returns a factory making fresh instances of mod.
func NewWasmFactory(mod *engine.Module, opts WasmOptions) actor.Factory {
	return func() (actor.Component, error) { return &Wasm{mod: mod, opts: opts}, nil }
}

// crash marks traps as crashes for the actor system.
func crash(err error) error {
	var te *engine.TrapError
	if errors.As(err, &te) {
		return &actor.CrashError{Reason: err}
	}
	return err
}

func (w *Wasm) PreStart(ctx *actor.Context) error {
	w.ctx = ctx
	out := &logWriter{log: w.logger, level: slog.LevelInfo, attr: "stdout"}
	errw := &logWriter{log: w.logger, level: slog.LevelWarn, attr: "stderr"}
	inst, err := w.mod.Instantiate(context.Background(), engine.InstanceConfig{
		Host: w, MemoryLimitPages: w.opts.MemoryLimitPages, Stdout: out, Stderr: errw,
		Deadline: w.opts.Deadline, Shared: w.opts.Shared, Partition: w.opts.Partition,
	})
	if err != nil {
		return crash(err)
	}
	w.inst = inst
	w.live.Store(inst)
	return crash(inst.Hook(engine.HookPreStart))
}

func (w *Wasm) PostStart(*actor.Context) error { return crash(w.inst.Hook(engine.HookPostStart)) }

// HealthKind is the kind of a supervisor's health check. A guest exporting
// wasmplane_health answers it through that export; others get the message.
const HealthKind = "wasmplane.health"

func (w *Wasm) Receive(ctx *actor.Context, m actor.Message) error {
	if m.Kind == HealthKind && w.mod.HasHealth() {
		if err := w.inst.Health(); err != nil {
			return crash(err)
		}
		if m.IsRequest() {
			return ctx.Reply(m, nil)
		}
		return nil
	}
	st, err := w.inst.Deliver(uint64(m.Sender), m.Corr, uint32(m.Flags), m.Kind, m.Data)
	if err != nil {
		return crash(err)
	}
	if st != 0 {
		return fmt.Errorf("module %q: wasmplane_receive returned status %d for %q", w.mod.Name(), st, m.Kind)
	}
	return nil
}

// HandleCall serves a typed call: the arguments are lowered onto the
// guest's export named op.Name and its results lifted back to canonical
// bytes (engine.Instance.CallOp). A trap is a crash, as in Receive.
func (w *Wasm) HandleCall(_ *actor.Context, op *boundary.Operation, args []byte) ([]byte, error) {
	res, err := w.inst.CallOp(context.Background(), op, args)
	return res, crash(err)
}

func (w *Wasm) PreStop(*actor.Context) error { return crash(w.inst.Hook(engine.HookPreStop)) }

func (w *Wasm) PostStop(*actor.Context) error { return crash(w.inst.Hook(engine.HookPostStop)) }

// SaveState hands the guest's state to its next instance
// (wasmplane_state_save), when the module exports the state functions.
func (w *Wasm) SaveState(*actor.Context) ([]byte, error) {
	if !w.mod.HasState() || w.inst == nil {
		return nil, nil
	}
	b, err := w.inst.SaveState()
	return b, crash(err)
}

// RestoreState gives the previous instance's state to this one
// (wasmplane_state_load).
func (w *Wasm) RestoreState(_ *actor.Context, state []byte) error {
	if !w.mod.HasState() || state == nil {
		return nil
	}
	return crash(w.inst.LoadState(state))
}

// Close frees the instance after the stop hooks.
func (w *Wasm) Close() error { w.Discard(); return nil }

// Discard frees the instance without hooks (after a crash).
func (w *Wasm) Discard() {
	if w.inst != nil {
		w.inst.Close(context.Background())
		w.inst = nil
	}
}

// Interrupt kills the running instance from another goroutine (a
// supervisor's kill after a shutdown timeout, a missed health check): the
// guest traps at its next check and the call in progress fails as a crash.
func (w *Wasm) Interrupt() {
	if inst := w.live.Load(); inst != nil {
		inst.Interrupt()
	}
}

// The engine.Host side: the guest's imports. Slices alias guest memory;
// everything kept is copied.

func (w *Wasm) tooLarge(n int) bool { return n > w.ctx.System().Config().MaxMessageSize }

func (w *Wasm) Send(to uint64, kind, data []byte) engine.Status {
	if w.ctx == nil {
		return engine.ErrStopping
	}
	if w.tooLarge(len(data)) {
		return engine.ErrTooLarge
	}
	return statusOf(w.ctx.Send(actor.PID(to), string(kind), clone(data)))
}

func (w *Wasm) Request(wait context.Context, to uint64, kind, data []byte, timeout time.Duration) ([]byte, engine.Status) {
	if w.ctx == nil {
		return nil, engine.ErrStopping
	}
	if w.tooLarge(len(data)) {
		return nil, engine.ErrTooLarge
	}
	if to == 0 {
		return nil, engine.ErrInvalidArg
	}
	ctx, cancel := context.WithTimeout(wait, timeout)
	defer cancel()
	reply, err := w.ctx.Request(ctx, actor.PID(to), string(kind), clone(data))
	if err != nil && wait.Err() != nil {
		return nil, engine.ErrStopping // the instance's deadline or a kill, not the request's own timeout
	}
	return reply, statusOf(err)
}

func (w *Wasm) Call(wait context.Context, to uint64, op, args []byte, timeout time.Duration) ([]byte, engine.Status) {
	if w.ctx == nil {
		return nil, engine.ErrStopping
	}
	if w.tooLarge(len(args)) {
		return nil, engine.ErrTooLarge
	}
	if to == 0 {
		return nil, engine.ErrInvalidArg
	}
	ctx, cancel := context.WithTimeout(wait, timeout)
	defer cancel()
	res, err := w.ctx.CallBytes(ctx, actor.PID(to), string(op), clone(args))
	if err != nil && wait.Err() != nil {
		return nil, engine.ErrStopping // the instance's deadline or a kill, not the call's own timeout
	}
	return res, statusOf(err)
}

func (w *Wasm) Progress() engine.Status {
	if w.ctx == nil {
		return engine.ErrStopping
	}
	w.ctx.Progress()
	return engine.OK
}

func (w *Wasm) Reply(corr uint64, data []byte) engine.Status {
	if w.ctx == nil {
		return engine.ErrStopping
	}
	if w.tooLarge(len(data)) {
		return engine.ErrTooLarge
	}
	return statusOf(w.ctx.ReplyCorr(corr, clone(data)))
}

func (w *Wasm) Publish(topic, data []byte) engine.Status {
	if w.ctx == nil {
		return engine.ErrStopping
	}
	if w.tooLarge(len(data)) {
		return engine.ErrTooLarge
	}
	return statusOf(w.ctx.Publish(string(topic), clone(data)))
}

func (w *Wasm) Subscribe(topic []byte) engine.Status {
	if w.ctx == nil {
		return engine.ErrStopping
	}
	return statusOf(w.ctx.Subscribe(string(topic)))
}

func (w *Wasm) Unsubscribe(topic []byte) engine.Status {
	if w.ctx == nil {
		return engine.ErrStopping
	}
	return statusOf(w.ctx.Unsubscribe(string(topic)))
}

var levels = [4]slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

func (w *Wasm) Log(level int32, msg []byte) {
	if w.ctx != nil {
		w.logger().Log(context.Background(), levels[level], string(msg))
	}
}

// logger is the component's logger, made on first use: building it (a
// slog.With with the name and PID) cost a tenth of a Wasm spawn.
func (w *Wasm) logger() *slog.Logger {
	if w.log == nil {
		w.log = w.ctx.Logger()
	}
	return w.log
}

func (w *Wasm) Self() uint64 {
	if w.ctx == nil {
		return 0
	}
	return uint64(w.ctx.Self())
}

func (w *Wasm) Lookup(name []byte) (uint64, engine.Status) {
	if w.ctx == nil {
		return 0, engine.ErrStopping
	}
	pid, err := w.ctx.Lookup(string(name))
	return uint64(pid), statusOf(err)
}

func (w *Wasm) Now() int64 {
	if w.ctx == nil {
		return 0
	}
	return int64(w.ctx.Now())
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
