package component

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// Preopen maps a host directory into a command's filesystem.
type Preopen struct {
	Host, Guest string
	ReadOnly    bool
}

// CommandOptions configure a WASI command component.
type CommandOptions struct {
	Args             []string
	Env              [][2]string
	Preopens         []Preopen
	MemoryLimitPages uint32
	// Deadline bounds each run (0: none).
	Deadline time.Duration
}

// Command runs a WASI command module once per message: the payload is its
// stdin, its stdout the reply (or, for a one-way message from a component,
// a message of kind "stdout" back to the sender), its stderr the log.
type Command struct {
	actor.Hooks
	mod  *engine.Module
	opts CommandOptions
	fs   wazero.FSConfig
}

// StdoutKind is the kind of the message carrying a command's stdout back to
// the sender of a one-way message.
const StdoutKind = "stdout"

// NewCommandFactory returns a factory for a command component.
func NewCommandFactory(mod *engine.Module, opts CommandOptions) actor.Factory {
	var fs wazero.FSConfig
	if len(opts.Preopens) > 0 {
		fs = wazero.NewFSConfig()
		for _, p := range opts.Preopens {
			if p.ReadOnly {
				fs = fs.WithReadOnlyDirMount(p.Host, p.Guest)
			} else {
				fs = fs.WithDirMount(p.Host, p.Guest)
			}
		}
	}
	return func() (actor.Component, error) { return &Command{mod: mod, opts: opts, fs: fs}, nil }
}

func (c *Command) Receive(ctx *actor.Context, m actor.Message) error {
	stderr := &logWriter{log: ctx.Logger, level: slog.LevelWarn, attr: "stderr"}
	out, err := c.mod.Run(context.Background(), engine.RunConfig{
		Stdin: m.Data, Args: c.opts.Args, Env: c.opts.Env, FS: c.fs, Stderr: stderr,
		MaxStdout: ctx.System().Config().MaxMessageSize, MemoryLimitPages: c.opts.MemoryLimitPages,
		Deadline: c.opts.Deadline,
	})
	tail := stderr.Flush()
	if err != nil {
		var ee *engine.ExitError
		if errors.As(err, &ee) && len(tail) > 0 {
			return fmt.Errorf("%w; stderr: %s", err, strings.Join(tail, " | "))
		}
		return err // the process answers a pending request with it
	}
	switch {
	case m.IsRequest():
		return ctx.Reply(m, out)
	case m.Sender != 0:
		return ctx.Send(m.Sender, StdoutKind, out)
	}
	return nil
}
