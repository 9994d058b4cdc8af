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

// ErrNotCall is the handler error of a proxy component for any message
// that is not a typed call: the module behind it has no message handler.
var ErrNotCall = errors.New("a proxied module serves typed calls only")

// ProxyOptions configure the instances of a proxied module.
type ProxyOptions struct {
	// MemoryLimitPages caps each instance's memory (0: the module's own
	// maximum).
	MemoryLimitPages uint32
	// Deadline bounds each call (0: none); past it the module is
	// interrupted, which is a crash.
	Deadline time.Duration
}

// Proxy runs a module loaded with engine.LoadProxy, one that knows
// nothing of wasmplane, as a component: typed calls go to the exports
// bound to their operations (actor.CallHandler); other messages are
// handler errors wrapping ErrNotCall, except the supervisor's health
// check, which a live instance passes. Its instance has no host: the
// module cannot send, and any wasmplane import it has returns
// ERR_STOPPING.
type Proxy struct {
	mod  *engine.Module
	opts ProxyOptions
	inst *engine.Instance
	// live is inst for Interrupt, which runs on another goroutine.
	live atomic.Pointer[engine.Instance]
}

// NewProxyFactory returns a factory making fresh proxy components of mod,
// which must come from engine.LoadProxy.
func NewProxyFactory(mod *engine.Module, opts ProxyOptions) actor.Factory {
	return func() (actor.Component, error) { return &Proxy{mod: mod, opts: opts}, nil }
}

func (p *Proxy) PreStart(ctx *actor.Context) error {
	inst, err := p.mod.Instantiate(context.Background(), engine.InstanceConfig{
		MemoryLimitPages: p.opts.MemoryLimitPages, Deadline: p.opts.Deadline,
		Stdout: &logWriter{log: ctx.Logger, level: slog.LevelInfo, attr: "stdout"},
		Stderr: &logWriter{log: ctx.Logger, level: slog.LevelWarn, attr: "stderr"},
	})
	if err != nil {
		return crash(err)
	}
	p.inst = inst
	p.live.Store(inst)
	return nil
}

func (p *Proxy) PostStart(*actor.Context) error { return nil }

func (p *Proxy) Receive(ctx *actor.Context, m actor.Message) error {
	if m.Kind == HealthKind {
		if m.IsRequest() {
			return ctx.Reply(m, nil)
		}
		return nil
	}
	return fmt.Errorf("proxy %q (module %q): message %q: %w; call one of its operations instead",
		ctx.Name(), p.mod.Name(), m.Kind, ErrNotCall)
}

// HandleCall lowers a typed call onto the module's export
// (engine.Instance.CallOp). A trap is a crash.
func (p *Proxy) HandleCall(_ *actor.Context, op *boundary.Operation, args []byte) ([]byte, error) {
	res, err := p.inst.CallOp(context.Background(), op, args)
	return res, crash(err)
}

func (p *Proxy) PreStop(*actor.Context) error { return nil }

func (p *Proxy) PostStop(*actor.Context) error { return nil }

// Close frees the instance after the stop hooks.
func (p *Proxy) Close() error { p.Discard(); return nil }

// Discard frees the instance without hooks (after a crash).
func (p *Proxy) Discard() {
	if p.inst != nil {
		p.inst.Close(context.Background())
		p.inst = nil
	}
}

// Interrupt kills the running call from another goroutine; it fails as a
// crash.
func (p *Proxy) Interrupt() {
	if inst := p.live.Load(); inst != nil {
		inst.Interrupt()
	}
}
