// Package builtin holds ready-made Go components the CLI offers to
// manifests by factory name: "lines" (a source that sends a file's lines)
// and "print" (a sink that prints what it receives).
package builtin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/wasmplane/wasmplane"
)

// Factories returns the built-in factories. Relative paths in their
// configs resolve against dir; "print" writes to out.
func Factories(dir string, out io.Writer) map[string]wasmplane.Factory {
	var mu sync.Mutex // print instances share out
	return map[string]wasmplane.Factory{
		"lines": func() (wasmplane.Component, error) { return &Lines{dir: dir}, nil },
		"print": func() (wasmplane.Component, error) { return &Print{out: out, mu: &mu}, nil },
	}
}

func decode(ctx *wasmplane.Context, v any) error {
	raw := ctx.Config()
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("component %q: config: %w", ctx.Name(), err)
	}
	return nil
}

// LinesConfig is the "lines" component's config.
type LinesConfig struct {
	// File to read, relative to the manifest's directory.
	File string `json:"file"`
	// Link is the alias (in the component's links) to send to; default "out".
	Link string `json:"link"`
	// Kind of each line's message; default "line".
	Kind string `json:"kind"`
	// EOF is the kind of the message sent after the last line; default
	// "eof", "" in the config keeps the default, "-" sends none.
	EOF string `json:"eof"`
}

// Lines sends each line of a file to a linked component when it starts,
// then an end-of-file message. It resolves the link for every message, so
// a target that restarts keeps receiving.
type Lines struct {
	wasmplane.Hooks
	dir string
}

func (l *Lines) PostStart(ctx *wasmplane.Context) error {
	cfg := LinesConfig{Link: "out", Kind: "line", EOF: "eof"}
	if err := decode(ctx, &cfg); err != nil {
		return err
	}
	if cfg.File == "" {
		return fmt.Errorf("component %q: config.file is required", ctx.Name())
	}
	path := cfg.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("component %q: %w", ctx.Name(), err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), ctx.System().Config().MaxMessageSize)
	for sc.Scan() {
		if err := sendLinked(ctx, cfg.Link, cfg.Kind, bytes.Clone(sc.Bytes())); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("component %q: read %s: %w", ctx.Name(), path, err)
	}
	if cfg.EOF != "-" {
		return sendLinked(ctx, cfg.Link, cfg.EOF, nil)
	}
	return nil
}

// sendLinked sends to the link's current PID, looking it up again once if
// the target restarted between lookup and send.
func sendLinked(ctx *wasmplane.Context, link, kind string, data []byte) error {
	for attempt := 0; ; attempt++ {
		to, err := ctx.Link(link)
		if err != nil {
			return err
		}
		err = ctx.Send(to, kind, data)
		if err == nil || attempt > 0 || !errors.Is(err, wasmplane.ErrDeadPID) {
			return err
		}
	}
}

func (l *Lines) Receive(*wasmplane.Context, wasmplane.Message) error { return nil }

// PrintConfig is the "print" component's config.
type PrintConfig struct {
	// ExitAfter asks the system to shut down after this many messages
	// (0: never).
	ExitAfter int `json:"exit_after"`
}

// Print writes each message's payload to its writer, ending it with a
// newline if it lacks one.
type Print struct {
	wasmplane.Hooks
	out  io.Writer
	mu   *sync.Mutex
	cfg  PrintConfig
	seen int
}

func (p *Print) PreStart(ctx *wasmplane.Context) error { return decode(ctx, &p.cfg) }

func (p *Print) Receive(ctx *wasmplane.Context, m wasmplane.Message) error {
	p.mu.Lock()
	_, err := p.out.Write(m.Data)
	if err == nil && (len(m.Data) == 0 || m.Data[len(m.Data)-1] != '\n') {
		_, err = io.WriteString(p.out, "\n")
	}
	p.mu.Unlock()
	if m.IsRequest() {
		_ = ctx.Reply(m, nil)
	}
	p.seen++
	if p.cfg.ExitAfter > 0 && p.seen >= p.cfg.ExitAfter {
		ctx.ShutdownSystem()
	}
	return err
}
