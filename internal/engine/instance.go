package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/tetratelabs/wazero/api"
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
}

// Instance is one running guest. It is not safe for concurrent use: the
// actor system calls it from one goroutine at a time.
type Instance struct {
	m     *Module
	mod   api.Module
	ctx   context.Context // carries the instance for host functions
	host  Host
	recv  api.Function
	alloc api.Function
	hooks [numHooks]api.Function
	stack [7]uint64
	buf   uint32 // guest buffer from wasmplane_alloc
	bufN  uint32 // its size
	held  []byte // a reply waiting for reply_take
}

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
	inst := &Instance{m: m, host: cfg.Host}
	inst.ctx = context.WithValue(context.Background(), instanceKey{}, inst)
	actx, err := m.memoryContext(inst.ctx, cfg.MemoryLimitPages)
	if err != nil {
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
		return nil, fmt.Errorf("module %q: instantiate: %w", m.name, err)
	}
	inst.mod = mod
	if m.hasInit {
		if _, err := mod.ExportedFunction(ExportInitialize).Call(inst.ctx); err != nil {
			mod.Close(ctx)
			return nil, &TrapError{Module: m.name, Export: ExportInitialize, Err: err}
		}
	}
	if m.kind == KindGuest {
		inst.recv = mod.ExportedFunction(ExportReceive)
		inst.alloc = mod.ExportedFunction(ExportAlloc)
		for h := range numHooks {
			if m.hooks[h] {
				inst.hooks[h] = mod.ExportedFunction(hookExports[h])
			}
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
	fn := inst.hooks[h]
	if fn == nil {
		return nil
	}
	defer func() { inst.held = nil }()
	if err := fn.CallWithStack(inst.ctx, inst.stack[:]); err != nil {
		return &TrapError{Module: inst.m.name, Export: hookExports[h], Err: err}
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
	err := inst.recv.CallWithStack(inst.ctx, s)
	inst.held = nil
	if err != nil {
		return 0, &TrapError{Module: inst.m.name, Export: ExportReceive, Err: err}
	}
	return int32(s[0]), nil
}

// grow asks the guest for a buffer of at least n bytes and checks it.
func (inst *Instance) grow(n uint32) error {
	// Calling wasmplane_alloc ends the host's ownership of the previous
	// region, whatever the call returns: the guest may reuse it.
	inst.buf, inst.bufN = 0, 0
	s := inst.stack[:]
	s[0] = uint64(n)
	if err := inst.alloc.CallWithStack(inst.ctx, s); err != nil {
		return &TrapError{Module: inst.m.name, Export: ExportAlloc, Err: err}
	}
	ptr := uint32(s[0])
	if ptr == 0 {
		return fmt.Errorf("module %q: %s(%d) returned 0 (out of memory)", inst.m.name, ExportAlloc, n)
	}
	if _, ok := inst.mod.Memory().Read(ptr, n); !ok {
		return fmt.Errorf("module %q: %s(%d) returned %d, outside memory of %d bytes", inst.m.name, ExportAlloc, n, ptr, inst.mod.Memory().Size())
	}
	inst.buf, inst.bufN = ptr, n
	return nil
}

// Close frees the instance and returns its memory to the pool.
func (inst *Instance) Close(ctx context.Context) error {
	if inst.mod == nil {
		return nil
	}
	err := inst.mod.Close(ctx)
	inst.mod = nil
	return err
}
