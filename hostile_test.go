package wasmplane_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
)

// waitGoroutines waits (with a deadline) for the goroutine count to fall
// back to at most want: what hostile guests start must end.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, want at most %d\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // polling with a deadline, not synchronisation
	}
}

// waitEvent waits for an event of typ from the component named name.
func waitEvent(t *testing.T, events <-chan wasmplane.Event, name string, typ wasmplane.EventType) wasmplane.Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Name == name && e.Type == typ {
				return e
			}
		case <-deadline:
			t.Fatalf("no %v event from %s", typ, name)
		}
	}
}

// TestHostileGuests: each hostile guest ends in an error, a refusal or a
// restart, while a bystander keeps answering; no goroutine outlives the
// system.
func TestHostileGuests(t *testing.T) {
	before := runtime.NumGoroutine()
	sys := newSystem(t, nil)
	ctx := context.Background()
	events, cancel := sys.Events(4096)
	defer cancel()
	bystander, err := sys.Spawn(func() (wasmplane.Component, error) {
		return wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error { return c.Reply(m, m.Data) }), nil
	}, wasmplane.SpawnOptions{Name: "bystander"})
	if err != nil {
		t.Fatal(err)
	}
	alive := func(t *testing.T) {
		t.Helper()
		if r, err := sys.Request(ctx, bystander, "ping", []byte("ok")); err != nil || string(r) != "ok" {
			t.Fatalf("the bystander stopped serving: %q %v", r, err)
		}
	}
	spawn := func(t *testing.T, name, file string, opts wasmplane.WasmOptions) wasmplane.PID {
		t.Helper()
		mod := load(t, sys, name, readFile(t, file), wasmplane.KindWasm)
		pid, err := sys.Spawn(mod.Factory(opts), wasmplane.SpawnOptions{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}

	t.Run("infinite loop", func(t *testing.T) {
		pid := spawn(t, "looper", "testdata/hostile/spin.wasm", wasmplane.WasmOptions{Deadline: 20 * time.Millisecond})
		if err := sys.Send(pid, "spin", nil); err != nil {
			t.Fatal(err)
		}
		e := waitEvent(t, events, "looper", wasmplane.EventRestarted)
		if !strings.Contains(e.Reason, "deadline") {
			t.Fatalf("restart reason %q", e.Reason)
		}
		alive(t)
		if _, err := sys.Request(ctx, e.NewPID, "fine", nil); !errors.Is(err, wasmplane.ErrNoReply) {
			t.Fatalf("the restarted guest does not serve: %v", err)
		}
	})
	t.Run("never returns from pre_start", func(t *testing.T) {
		mod := load(t, sys, "stuck", readFile(t, "testdata/hostile/spin_start.wasm"), wasmplane.KindWasm)
		_, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{Deadline: 20 * time.Millisecond}), wasmplane.SpawnOptions{Name: "stuck"})
		var he *wasmplane.HookError
		if !errors.As(err, &he) || he.Hook != "pre_start" || !strings.Contains(err.Error(), "deadline") {
			t.Fatalf("got %v", err)
		}
		alive(t)
	})
	t.Run("never returns from pre_stop", func(t *testing.T) {
		pid := spawn(t, "clinger", "testdata/hostile/spin.wasm", wasmplane.WasmOptions{Deadline: 20 * time.Millisecond})
		if err := sys.Stop(ctx, pid); err != nil {
			t.Fatalf("stop: %v", err)
		}
		waitEvent(t, events, "clinger", wasmplane.EventStopped)
		alive(t)
	})
	t.Run("deep recursion", func(t *testing.T) {
		pid := spawn(t, "recurser", "testdata/hostile/deep_recursion.wasm", wasmplane.WasmOptions{})
		if err := sys.Send(pid, "r", nil); err != nil {
			t.Fatal(err)
		}
		e := waitEvent(t, events, "recurser", wasmplane.EventFailed)
		if !strings.Contains(e.Reason, "stack overflow") {
			t.Fatalf("reason %q", e.Reason)
		}
		alive(t)
	})
	t.Run("memory bomb", func(t *testing.T) {
		pid := spawn(t, "bomb", "testdata/hostile/memory_bomb.wasm", wasmplane.WasmOptions{MemoryLimitPages: 16})
		if _, err := sys.Request(ctx, pid, "grow", nil); !errors.Is(err, wasmplane.ErrNoReply) {
			t.Fatalf("the bomb's handler failed: %v", err) // it returns 0 once grow is refused
		}
		alive(t)
	})
	t.Run("trap storm", func(t *testing.T) {
		pid := spawn(t, "stormer", "testdata/c/participant.wasm", wasmplane.WasmOptions{})
		const traps = 100
		for i := range traps {
			if err := sys.Send(pid, "trap", nil); err != nil && !errors.Is(err, wasmplane.ErrDeadPID) {
				t.Fatal(err)
			}
			// Each trap bumps the generation: address the current incarnation.
			waitEvent(t, events, "stormer", wasmplane.EventRestarted)
			if pid, err = sys.Lookup("stormer"); err != nil {
				t.Fatalf("after %d traps: %v", i+1, err)
			}
		}
		if r, err := sys.Request(ctx, pid, "echo", []byte("x")); err != nil || string(r) != "c:x" {
			t.Fatalf("after the storm: %q %v", r, err)
		}
		alive(t)
	})
	t.Run("oversized message", func(t *testing.T) {
		pid := spawn(t, "small", "testdata/c/participant.wasm", wasmplane.WasmOptions{})
		err := sys.Send(pid, "echo", make([]byte, wasmplane.DefaultMaxMessageSize+1))
		if !errors.Is(err, wasmplane.ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("mailbox flood", func(t *testing.T) {
		var handled atomic.Int64
		pid, err := sys.Spawn(func() (wasmplane.Component, error) {
			return wasmplane.ReceiveFunc(func(*wasmplane.Context, wasmplane.Message) error { handled.Add(1); return nil }), nil
		}, wasmplane.SpawnOptions{Name: "flooded", Mailbox: wasmplane.MailboxConfig{Capacity: 16, Overflow: wasmplane.OverflowFail}})
		if err != nil {
			t.Fatal(err)
		}
		var accepted, refused int64
		for range 20_000 {
			switch err := sys.Send(pid, "m", nil); {
			case err == nil:
				accepted++
			case errors.Is(err, wasmplane.ErrMailboxFull):
				refused++
			default:
				t.Fatal(err)
			}
		}
		// The barrier itself may find the mailbox full: retry until admitted.
		for {
			_, err := sys.Request(ctx, pid, "barrier", nil)
			if errors.Is(err, wasmplane.ErrNoReply) {
				break
			}
			if !errors.Is(err, wasmplane.ErrMailboxFull) {
				t.Fatal(err)
			}
			runtime.Gosched()
		}
		if handled.Load() != accepted+1 || accepted+refused != 20_000 {
			t.Fatalf("accepted %d, refused %d, handled %d: an accepted message was lost", accepted, refused, handled.Load())
		}
		alive(t)
	})
	t.Run("Go component panics in each hook", func(t *testing.T) {
		// A fresh subscription: the flood above can leave the shared one
		// full of dead letters, and a full channel drops new events.
		events, cancel := sys.Events(256)
		defer cancel()
		for _, hook := range []string{"pre_start", "post_start", "receive", "pre_stop", "post_stop"} {
			name := "panicky-" + hook
			pid, err := sys.Spawn(func() (wasmplane.Component, error) { return &panicky{at: hook}, nil }, wasmplane.SpawnOptions{Name: name})
			switch hook {
			case "pre_start", "post_start":
				var he *wasmplane.HookError
				if !errors.As(err, &he) || he.Hook != hook {
					t.Fatalf("%s: got %v", hook, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if hook == "receive" {
				if err := sys.Send(pid, "boom", nil); err != nil {
					t.Fatal(err)
				}
				waitEvent(t, events, name, wasmplane.EventRestarted)
				continue
			}
			if err := sys.Stop(ctx, pid); err != nil {
				t.Fatalf("%s: stop: %v", hook, err)
			}
			e := waitEvent(t, events, name, wasmplane.EventFailed)
			if !strings.Contains(e.Reason, hook) {
				t.Fatalf("%s: reason %q", hook, e.Reason)
			}
		}
		alive(t)
	})

	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	waitGoroutines(t, before)
}

type panicky struct{ at string }

func (p *panicky) hook(name string) error {
	if p.at == name {
		panic(fmt.Sprintf("panic in %s", name))
	}
	return nil
}

func (p *panicky) PreStart(*wasmplane.Context) error  { return p.hook("pre_start") }
func (p *panicky) PostStart(*wasmplane.Context) error { return p.hook("post_start") }
func (p *panicky) PreStop(*wasmplane.Context) error   { return p.hook("pre_stop") }
func (p *panicky) PostStop(*wasmplane.Context) error  { return p.hook("post_stop") }
func (p *panicky) Receive(*wasmplane.Context, wasmplane.Message) error {
	return p.hook("receive")
}
