package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/preempt"
)

// InstanceConfig configures one guest instance.
type InstanceConfig struct {
	// Host answers the instance's imports (nil: imports return
	// ERR_STOPPING, as during the load probe).
	Host Host
	// MemoryLimitPages caps memory growth (0: the module's own maximum).
	MemoryLimitPages uint32
	// Stdout and Stderr receive the guest's WASI output (default discard).
	Stdout, Stderr io.Writer
	// Deadline bounds each call into the guest (a message, a hook, a state
	// call); past it the guest is interrupted and the call fails with
	// ErrDeadline. 0: none. Needs a preemptible module.
	Deadline time.Duration
	// Shared is the shared memory of the instance. A module that imports
	// a shared memory (Module.Shared) requires it: it becomes the
	// instance's memory, and MemoryLimitPages does not apply. Any other
	// guest may have one too: it then reaches the regions through the
	// copying shm_* host imports (docs/abi.md). nil: none.
	Shared *SharedMemory
	// Partition is the index of the layout partition (shm.Layout.Partitions)
	// whose stack a sharing instance runs on; __stack_pointer is set to its
	// top before _initialize. Two live instances must not share one.
	// Default 0.
	Partition int
}

// Instance is one running guest. It is not safe for concurrent use: the
// actor system calls it from one goroutine at a time.
type Instance struct {
	m    *Module
	mod  api.Module
	ctx  context.Context // carries the instance for host functions
	host Host
	// recv and alloc are resolved on first use: wazero gives every
	// api.Function its own call engine with a 10 KiB stack, so resolving
	// exports up front made each idle instance ~20 KiB larger and every
	// spawn slower. Hooks are resolved for their one call and dropped.
	recv  api.Function
	alloc api.Function
	stack [7]uint64
	buf   uint32 // guest buffer from wasmplane_alloc
	bufN  uint32 // its size
	held  []byte // a reply waiting for reply_take
	// ops are the exports of typed operations, resolved and checked on
	// first use (op.go).
	ops map[*boundary.Operation]*opExport
	// depth counts calls into the guest in progress: more than one when
	// the host re-enters the instance from one of its imports.
	depth int

	shared *SharedMemory // regions reachable through the shm_* imports

	deadline time.Duration
	due      time.Time // the running call's deadline, zero if none
	// flagMod is the api.Module Interrupt acts on: set once, never cleared,
	// so a kill racing a Close is harmless.
	flagMod api.Module
	killed  atomic.Bool
	kill    context.Context // cancelled by Interrupt: host waits end
	cancel  context.CancelFunc
}

// Errors of calls that were stopped.
var (
	// ErrDeadline: a call into the guest ran past its deadline.
	ErrDeadline = errors.New("execution deadline exceeded")
	// ErrKilled: the instance was interrupted by Interrupt.
	ErrKilled = errors.New("instance killed")
)

// TrapError is a guest trap (or proc_exit) inside an export: the instance
// is unusable afterwards.
type TrapError struct {
	Module string
	Export string
	Err    error
}

// maxTrapText bounds a trap's message: wazero's includes the stack trace
// with guest-chosen function names, which a hostile module can make huge.
const maxTrapText = 4096

func (e *TrapError) Error() string {
	msg := e.Err.Error()
	if len(msg) > maxTrapText {
		msg = msg[:maxTrapText] + fmt.Sprintf("… (%d bytes truncated)", len(msg)-maxTrapText)
	}
	return fmt.Sprintf("module %q trapped in %s: %s", e.Module, e.Export, msg)
}

func (e *TrapError) Unwrap() error { return e.Err }

// Instantiate makes a fresh guest instance and runs _initialize if the
// module exports it.
func (m *Module) Instantiate(ctx context.Context, cfg InstanceConfig) (*Instance, error) {
	if cfg.Deadline > 0 && !m.preemptible {
		return nil, &LoadError{Module: m.name, Reason: "a deadline needs an interruptible module: " + m.whyNot}
	}
	inst := &Instance{m: m, host: cfg.Host, deadline: cfg.Deadline}
	inst.kill, inst.cancel = context.WithCancel(context.Background())
	inst.ctx = context.WithValue(context.Background(), instanceKey{}, inst)
	inst.shared = cfg.Shared
	var actx context.Context
	var err error
	if m.shared != nil {
		actx, err = m.attachShared(inst.ctx, cfg)
	} else {
		actx, err = m.memoryContext(inst.ctx, cfg.MemoryLimitPages)
	}
	if err != nil {
		inst.cancel()
		return nil, err
	}
	mc := m.e.base
	if cfg.Stdout != nil {
		mc = mc.WithStdout(cfg.Stdout)
	}
	if cfg.Stderr != nil {
		mc = mc.WithStderr(cfg.Stderr)
	}
	mod, err := m.e.rt.InstantiateModule(actx, m.cm, mc)
	if err != nil {
		inst.cancel()
		return nil, fmt.Errorf("module %q: instantiate: %w", m.name, err)
	}
	inst.mod, inst.flagMod = mod, mod
	if m.shared != nil {
		if err := inst.startShared(cfg); err != nil {
			inst.Close(ctx)
			return nil, err
		}
	}
	if m.hasInit {
		if err := inst.call(mod.ExportedFunction(ExportInitialize), ExportInitialize, inst.stack[:]); err != nil {
			inst.Close(ctx)
			return nil, err
		}
	}
	return inst, nil
}

// Memory is the instance's linear memory.
func (inst *Instance) Memory() api.Memory { return inst.mod.Memory() }

// Function returns an exported function (for tests and tools).
func (inst *Instance) Function(name string) api.Function { return inst.mod.ExportedFunction(name) }

// Context is the context host functions see for this instance; pass it to
// calls made through Function.
func (inst *Instance) Context() context.Context { return inst.ctx }

// Hook runs a lifecycle hook if the module exports it. A non-zero status is
// an error naming the hook; a trap is a *TrapError.
func (inst *Instance) Hook(h Hook) error {
	if !inst.m.hooks[h] {
		return nil
	}
	fn := inst.mod.ExportedFunction(hookExports[h])
	defer func() { inst.held = nil }()
	if err := inst.call(fn, hookExports[h], inst.stack[:]); err != nil {
		return err
	}
	if st := int32(inst.stack[0]); st != 0 {
		return fmt.Errorf("%s returned status %d", hookExports[h], st)
	}
	return nil
}

// Deliver passes one message to wasmplane_receive and returns the guest's
// status. kind and data are copied into the guest's buffer, growing it
// through wasmplane_alloc when needed.
//
// # Errors
//
// A *TrapError if the guest trapped; an error naming wasmplane_alloc if it
// returned no usable buffer (the message was not delivered).
func (inst *Instance) Deliver(sender, corr uint64, flags uint32, kind string, data []byte) (int32, error) {
	if inst.m.kind != KindGuest {
		return 0, fmt.Errorf("module %q: %s: %w: a proxied module serves typed calls only", inst.m.name, ExportReceive, ErrNoExport)
	}
	need := uint64(len(kind)) + uint64(len(data))
	if need > 1<<31 {
		return 0, fmt.Errorf("module %q: message of %d bytes cannot fit a 32-bit memory", inst.m.name, need)
	}
	if uint32(need) > inst.bufN {
		if err := inst.grow(uint32(need)); err != nil {
			return 0, err
		}
	}
	if need > 0 {
		buf, ok := inst.mod.Memory().Read(inst.buf, uint32(need))
		if !ok {
			return 0, fmt.Errorf("module %q: the buffer from %s at %d+%d is no longer inside memory", inst.m.name, ExportAlloc, inst.buf, need)
		}
		copy(buf, kind)
		copy(buf[len(kind):], data)
	}
	s := inst.stack[:]
	s[0], s[1], s[2] = sender, corr, uint64(flags)
	s[3], s[4] = uint64(inst.buf), uint64(len(kind))
	s[5], s[6] = uint64(inst.buf)+uint64(len(kind)), uint64(len(data))
	if inst.recv == nil {
		inst.recv = inst.mod.ExportedFunction(ExportReceive)
	}
	err := inst.call(inst.recv, ExportReceive, s)
	inst.held = nil
	if err != nil {
		return 0, err
	}
	return int32(s[0]), nil
}

// grow asks the guest for a buffer of at least n bytes and checks it:
// wasmplane_alloc for a guest, malloc for a proxied module (proxy.go).
func (inst *Instance) grow(n uint32) error {
	// Calling wasmplane_alloc ends the host's ownership of the previous
	// region, whatever the call returns: the guest may reuse it.
	old := inst.buf
	inst.buf, inst.bufN = 0, 0
	name := inst.m.allocExport()
	if old != 0 && inst.m.freeName != "" {
		if err := inst.callFree(old); err != nil {
			return err
		}
	}
	s := inst.stack[:]
	s[0] = uint64(n)
	if inst.alloc == nil {
		inst.alloc = inst.mod.ExportedFunction(name)
	}
	if err := inst.call(inst.alloc, name, s); err != nil {
		return err
	}
	ptr := uint32(s[0])
	if ptr == 0 {
		return fmt.Errorf("module %q: %s(%d) returned 0 (out of memory)", inst.m.name, name, n)
	}
	if _, ok := inst.mod.Memory().Read(ptr, n); !ok {
		return fmt.Errorf("module %q: %s(%d) returned %d, outside memory of %d bytes", inst.m.name, name, n, ptr, inst.mod.Memory().Size())
	}
	inst.buf, inst.bufN = ptr, n
	return nil
}

// call runs fn, under the instance's deadline if it has one. Any failure
// is a *TrapError: the instance must be discarded; errors.Is tells
// ErrDeadline and ErrKilled from the guest's own traps.
//
// A call made while another is suspended in a host import (the host
// re-entering the instance) runs on a fresh api.Function: a wazero call
// engine owns one native stack and is not reentrant, so reusing a cached
// function there would overwrite the frames of the suspended call.
func (inst *Instance) call(fn api.Function, export string, stack []uint64) error {
	if inst.depth > 0 {
		fn = inst.mod.ExportedFunction(export)
	}
	var dl *preempt.Deadline
	due := inst.due
	if inst.deadline > 0 {
		inst.due = time.Now().Add(inst.deadline)
		dl = preempt.After(inst.flagMod, inst.deadline)
	}
	inst.depth++
	err := fn.CallWithStack(inst.ctx, stack)
	inst.depth--
	timedOut := false
	if dl != nil {
		timedOut = dl.Stop()
		inst.due = due // a nested call restores the deadline of the one it interrupted
	}
	if err == nil {
		return nil
	}
	switch {
	case inst.killed.Load():
		err = fmt.Errorf("%w (%v)", ErrKilled, err)
	case timedOut:
		err = fmt.Errorf("%w: %v in %s", ErrDeadline, inst.deadline, export)
	}
	return &TrapError{Module: inst.m.name, Export: export, Err: err}
}

// Interrupt kills the instance from any goroutine: running guest code traps
// at its next check, a host call blocked for it (a request) returns
// ERR_STOPPING. The instance must then be closed. It reports whether the
// module could be interrupted.
func (inst *Instance) Interrupt() bool {
	inst.killed.Store(true)
	inst.cancel()
	return preempt.Interrupt(inst.flagMod)
}

// waitContext is the context for a host call that blocks on behalf of the
// guest: it ends at the running call's deadline or a kill.
func (inst *Instance) waitContext() (context.Context, context.CancelFunc) {
	if !inst.due.IsZero() {
		return context.WithDeadline(inst.kill, inst.due)
	}
	return inst.kill, func() {}
}

// Close frees the instance and returns its memory to the pool.
func (inst *Instance) Close(ctx context.Context) error {
	inst.cancel()
	if inst.mod == nil {
		return nil
	}
	err := inst.mod.Close(ctx)
	inst.mod = nil
	return err
}
