package wasmplane_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

// logSink keeps every log message, for checking hook order.
type logSink struct {
	mu   sync.Mutex
	msgs []string
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	s.mu.Lock()
	s.msgs = append(s.msgs, r.Message)
	s.mu.Unlock()
	return nil
}
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *logSink) WithGroup(string) slog.Handler      { return s }
func (s *logSink) get() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// hostParticipant is the Go-component side of the cross-language spec
// that testdata/c/participant.c and testdata/goguest/participant follow.
type hostParticipant struct{ wasmplane.Hooks }

func (hostParticipant) Receive(c *wasmplane.Context, m wasmplane.Message) error {
	const tag = "host:"
	ctx := context.Background()
	if m.IsPublished() {
		to, err := c.Lookup("collector")
		if err != nil {
			return err
		}
		return c.Send(to, "seen", []byte(tag+m.Kind+":"+string(m.Data)))
	}
	switch m.Kind {
	case "echo":
		return c.Reply(m, []byte(tag+string(m.Data)))
	case "subscribe":
		return c.Subscribe(string(m.Data))
	case "relay", "ask":
		name, payload, ok := strings.Cut(string(m.Data), "|")
		if !ok {
			return errors.New("want <name>|<payload>")
		}
		to, err := c.Lookup(name)
		if err != nil {
			return err
		}
		if m.Kind == "relay" {
			return c.Send(to, "relayed", []byte(tag+payload))
		}
		reply, err := c.Request(ctx, to, "echo", []byte(payload))
		if err != nil {
			reply = []byte(tag + "error:" + err.Error())
		}
		return c.Publish("answers", reply)
	}
	return nil
}

func newSystem(t *testing.T, log *slog.Logger) *wasmplane.System {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sys, err := wasmplane.New(context.Background(), wasmplane.Config{Logger: log, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close(context.Background()) })
	return sys
}

func load(t *testing.T, sys *wasmplane.System, name string, bin []byte, kind wasmplane.Kind) *wasmplane.Module {
	t.Helper()
	m, err := sys.LoadModule(context.Background(), name, bin, kind)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFourKindsExchangeMessages: a C guest, a Go guest, a WASI command and
// a Go component exchange sends, requests and published messages.
func TestFourKindsExchangeMessages(t *testing.T) {
	sink := &logSink{}
	sys := newSystem(t, slog.New(sink))
	ctx := context.Background()

	got := make(chan string, 256)
	collector := wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error {
		got <- m.Kind + " " + string(m.Data)
		return nil
	})
	if _, err := sys.Spawn(func() (wasmplane.Component, error) { return collector, nil },
		wasmplane.SpawnOptions{Name: "collector", Subscriptions: []string{"answers"}}); err != nil {
		t.Fatal(err)
	}
	cmod := load(t, sys, "c", readFile(t, "testdata/c/participant.wasm"), wasmplane.KindWasm)
	gomod := load(t, sys, "go", gobuildtest.Build(t, "testdata/goguest/participant"), wasmplane.KindWasm)
	upper := load(t, sys, "upper", readFile(t, "testdata/wat/upper_cmd.wasm"), wasmplane.KindWASICommand)
	spawn := func(name string, f wasmplane.Factory) wasmplane.PID {
		pid, err := sys.Spawn(f, wasmplane.SpawnOptions{Name: name})
		if err != nil {
			t.Fatalf("spawn %s: %v", name, err)
		}
		return pid
	}
	pids := map[string]wasmplane.PID{
		"c":     spawn("c", cmod.Factory(wasmplane.WasmOptions{})),
		"go":    spawn("go", gomod.Factory(wasmplane.WasmOptions{})),
		"host":  spawn("host", func() (wasmplane.Component, error) { return hostParticipant{}, nil }),
		"upper": spawn("upper", upper.Factory(wasmplane.WasmOptions{})),
	}

	// Request-reply from the host into each kind.
	for name, want := range map[string]string{"c": "c:x", "go": "go:x", "host": "host:x", "upper": "X"} {
		reply, err := sys.Request(ctx, pids[name], "echo", []byte("x"))
		if err != nil || string(reply) != want {
			t.Fatalf("request %s: %q %v, want %q", name, reply, err, want)
		}
	}

	// Subscriptions made by the participants themselves, then one publish.
	for _, name := range []string{"c", "go", "host"} {
		if _, err := sys.Request(ctx, pids[name], "subscribe", []byte("news")); !errors.Is(err, wasmplane.ErrNoReply) {
			t.Fatalf("subscribe %s: %v", name, err) // a one-way kind sent as a request: handled, unanswered
		}
	}
	if n, err := sys.Publish("news", []byte("hello")); err != nil || n != 3 {
		t.Fatalf("publish reached %d: %v", n, err)
	}

	// Guest-to-guest sends and requests, across every language pair.
	for _, name := range []string{"c", "go", "host"} {
		if err := sys.Send(pids[name], "relay", []byte("collector|r")); err != nil {
			t.Fatal(err)
		}
	}
	// Acyclic on purpose: c→go while go→c would be a deadlock (both block in
	// a request), which the boundary's wait-for graph detects, not the spine.
	asks := [][2]string{{"c", "go"}, {"c", "host"}, {"go", "host"}, {"c", "upper"}, {"go", "upper"}, {"host", "upper"}}
	for _, a := range asks {
		if err := sys.Send(pids[a[0]], "ask", []byte(a[1]+"|q")); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{
		"seen c:news:hello": 1, "seen go:news:hello": 1, "seen host:news:hello": 1,
		"relayed c:r": 1, "relayed go:r": 1, "relayed host:r": 1,
		"answers go:q": 1, "answers host:q": 2, "answers Q": 3,
	}
	total := 0
	for _, n := range want {
		total += n
	}
	seen := map[string]int{}
	deadline := time.After(20 * time.Second)
	for i := 0; i < total; i++ {
		select {
		case g := <-got:
			seen[g]++
		case <-deadline:
			t.Fatalf("timed out; got %v, want %v", seen, want)
		}
	}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("%q: got %d, want %d (all: %v)", k, seen[k], n, seen)
		}
	}

	// Hooks ran in order at start; shutdown runs them in reverse start order.
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var hooks []string
	for _, m := range sink.get() {
		if strings.HasSuffix(m, "_start") || strings.HasSuffix(m, "_stop") {
			hooks = append(hooks, m)
		}
	}
	wantHooks := []string{
		"c:pre_start", "c:post_start", "go:pre_start", "go:post_start",
		"go:pre_stop", "go:post_stop", "c:pre_stop", "c:post_stop",
	}
	if !slices.Equal(hooks, wantHooks) {
		t.Fatalf("hooks:\n got %v\nwant %v", hooks, wantHooks)
	}
}

// TestWasmCrashRestarts: a trap (C) and a panic (Go guest) discard the
// instance; the component restarts with a fresh one and a new generation,
// keeps serving, and the old PID is dead.
func TestWasmCrashRestarts(t *testing.T) {
	sys := newSystem(t, nil)
	ctx := context.Background()
	events, cancel := sys.Events(256)
	defer cancel()
	for _, tc := range []struct {
		name string
		bin  func() []byte
	}{
		{"c", func() []byte { return readFile(t, "testdata/c/participant.wasm") }},
		{"go", func() []byte { return gobuildtest.Build(t, "testdata/goguest/participant") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod := load(t, sys, tc.name, tc.bin(), wasmplane.KindWasm)
			pid, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: tc.name})
			if err != nil {
				t.Fatal(err)
			}
			if err := sys.Send(pid, "trap", nil); err != nil {
				t.Fatal(err)
			}
			var restarted wasmplane.Event
			deadline := time.After(10 * time.Second)
			for restarted.Type != wasmplane.EventRestarted {
				select {
				case e := <-events:
					if e.Name == tc.name && e.Type == wasmplane.EventRestarted {
						restarted = e
					}
				case <-deadline:
					t.Fatal("no restart event")
				}
			}
			if restarted.PID != pid || restarted.NewPID.Generation() != pid.Generation()+1 {
				t.Fatalf("restart %s -> %s", restarted.PID, restarted.NewPID)
			}
			reply, err := sys.Request(ctx, restarted.NewPID, "echo", []byte("alive"))
			if err != nil || string(reply) != tc.name+":alive" {
				t.Fatalf("after restart: %q %v", reply, err)
			}
			if _, err := sys.Request(ctx, pid, "echo", nil); !errors.Is(err, wasmplane.ErrDeadPID) {
				t.Fatalf("old pid: %v", err)
			}
			// A handler error is not a crash: no restart, the request gets the error.
			_, err = sys.Request(ctx, restarted.NewPID, "fail", nil)
			var re *wasmplane.RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("fail: %v", err)
			}
			if now, _ := sys.Lookup(tc.name); now != restarted.NewPID {
				t.Fatalf("a handler error restarted the component: %s", now)
			}
		})
	}
}

func TestLoadModuleMissingExportNamesIt(t *testing.T) {
	sys := newSystem(t, nil)
	_, err := sys.LoadModule(context.Background(), "broken", readFile(t, "testdata/wat/bad_no_receive.wasm"), wasmplane.KindWasm)
	var le *wasmplane.LoadError
	if !errors.Is(err, wasmplane.ErrLoad) || !errors.As(err, &le) || !strings.Contains(le.Item, "wasmplane_receive") {
		t.Fatalf("got %v", err)
	}
	// Nothing was spawned and the system still works.
	mod := load(t, sys, "ok", readFile(t, "testdata/wat/minimal.wasm"), wasmplane.KindWasm)
	if _, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestWasmHookFailureFailsSpawn(t *testing.T) {
	sys := newSystem(t, nil)
	mod := load(t, sys, "trap_start", readFile(t, "testdata/wat/trap_start.wasm"), wasmplane.KindWasm)
	_, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: "t"})
	var he *wasmplane.HookError
	if !errors.As(err, &he) || he.Hook != "pre_start" {
		t.Fatalf("got %v", err)
	}
	if _, err := sys.Lookup("t"); !errors.Is(err, wasmplane.ErrNotFound) {
		t.Fatal("name left registered")
	}
}
