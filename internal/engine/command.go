package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"
	"github.com/wasmplane/wasmplane/internal/preempt"
)

// RunConfig configures one run of a WASI command.
type RunConfig struct {
	Stdin []byte
	// Args are argv[1:]; argv[0] is the module's name.
	Args []string
	// Env is KEY, VALUE pairs in order.
	Env [][2]string
	// FS preopens directories (nil: none).
	FS wazero.FSConfig
	// Stderr receives the command's stderr (default discard).
	Stderr io.Writer
	// MaxStdout bounds the collected stdout (default 1 MiB).
	MaxStdout int
	// MemoryLimitPages caps memory growth (0: the module's own maximum).
	MemoryLimitPages uint32
	// Deadline bounds the run (0: none); past it the program is interrupted
	// and Run fails with ErrDeadline. Needs a preemptible module.
	Deadline time.Duration
}

// ExitError is a command that exited with a non-zero code.
type ExitError struct {
	Module string
	Code   uint32
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("module %q exited with code %d", e.Module, e.Code)
}

// ErrStdoutTooLarge is a command that wrote more than RunConfig.MaxStdout.
var ErrStdoutTooLarge = errors.New("stdout exceeds the maximum message size")

// Run instantiates a fresh instance of a command module, runs _start with
// stdin, and returns its stdout. A non-zero exit is an *ExitError, a trap a
// *TrapError.
func (m *Module) Run(ctx context.Context, cfg RunConfig) ([]byte, error) {
	if m.kind != KindCommand {
		return nil, fmt.Errorf("module %q is a %s module, not a WASI command", m.name, m.kind)
	}
	actx, err := m.memoryContext(ctx, cfg.MemoryLimitPages)
	if err != nil {
		return nil, err
	}
	limit := cfg.MaxStdout
	if limit <= 0 {
		limit = 1 << 20
	}
	out := &limitedBuffer{limit: limit}
	if cfg.Deadline > 0 && !m.preemptible {
		return nil, &LoadError{Module: m.name, Reason: "a deadline needs an interruptible module: " + m.whyNot}
	}
	// _start is called below rather than by InstantiateModule, so that
	// there is a module to interrupt while it runs.
	mc := m.e.base.
		WithStdin(bytes.NewReader(cfg.Stdin)).
		WithStdout(out).
		WithArgs(append([]string{m.name}, cfg.Args...)...)
	if cfg.Stderr != nil {
		mc = mc.WithStderr(cfg.Stderr)
	}
	for _, kv := range cfg.Env {
		mc = mc.WithEnv(kv[0], kv[1])
	}
	if cfg.FS != nil {
		mc = mc.WithFSConfig(cfg.FS)
	}
	mod, err := m.e.rt.InstantiateModule(actx, m.cm, mc)
	if mod != nil {
		defer mod.Close(ctx)
	}
	timedOut := false
	if err == nil {
		var dl *preempt.Deadline
		if cfg.Deadline > 0 {
			dl = preempt.After(mod, cfg.Deadline)
		}
		_, err = mod.ExportedFunction(ExportStart).Call(ctx)
		if dl != nil {
			timedOut = dl.Stop()
		}
	}
	if timedOut && err != nil {
		return nil, &TrapError{Module: m.name, Export: ExportStart, Err: fmt.Errorf("%w: %v", ErrDeadline, cfg.Deadline)}
	}
	if out.over {
		return nil, fmt.Errorf("module %q: %w (%d bytes)", m.name, ErrStdoutTooLarge, limit)
	}
	if err != nil {
		var ee *sys.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == 0 {
				return out.Bytes(), nil
			}
			return out.Bytes(), &ExitError{Module: m.name, Code: ee.ExitCode()}
		}
		return nil, &TrapError{Module: m.name, Export: ExportStart, Err: err}
	}
	return out.Bytes(), nil
}

// limitedBuffer collects up to limit bytes and remembers an overflow.
type limitedBuffer struct {
	bytes.Buffer
	limit int
	over  bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		b.over = true
		return 0, ErrStdoutTooLarge
	}
	return b.Buffer.Write(p)
}
