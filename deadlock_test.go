package wasmplane_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

// hop is a Go component that, for any request, requests the next component
// in turn (or replies when it is the last) and reports a deadlock error.
type hop struct {
	wasmplane.Hooks
	next, kind, data string
	found            chan<- *wasmplane.DeadlockError
}

func (h *hop) Receive(c *wasmplane.Context, m wasmplane.Message) error {
	if h.next == "" {
		return c.Reply(m, []byte("end"))
	}
	to, err := c.Lookup(h.next)
	if err != nil {
		return err
	}
	_, err = c.Request(context.Background(), to, h.kind, []byte(h.data))
	var de *wasmplane.DeadlockError
	if errors.As(err, &de) {
		h.found <- de
	}
	if err != nil {
		return err
	}
	return c.Reply(m, nil)
}

// TestDeadlockCyclesAreNamedAtOnce: 2-, 3- and 5-member cycles mixing Go
// components, a C guest and a Go guest fail at once with the exact cycle,
// long before the 30 s request timeout.
func TestDeadlockCyclesAreNamedAtOnce(t *testing.T) {
	goGuest := gobuildtest.Build(t, "testdata/goguest/participant")
	for _, tc := range []struct {
		name string
		// chain: each member and whom it calls; guests call through "ask".
		hops   map[string][3]string // name -> {next, kind, data}
		guests map[string]string    // name -> module file ("go" for the Go guest)
		start  string
		cycle  []string
	}{
		{
			name:  "two Go components",
			hops:  map[string][3]string{"a": {"b", "ping", ""}, "b": {"a", "ping", ""}},
			start: "a", cycle: []string{"a", "b"},
		},
		{
			name:   "Go, C guest, Go",
			hops:   map[string][3]string{"a": {"c", "ask", "x|q"}, "x": {"a", "ping", ""}},
			guests: map[string]string{"c": "testdata/c/participant.wasm"},
			start:  "a", cycle: []string{"a", "c", "x"},
		},
		{
			name: "five with a Go guest",
			hops: map[string][3]string{
				"h1": {"h2", "ping", ""}, "h2": {"w", "ask", "h3|q"},
				"h3": {"h4", "ping", ""}, "h4": {"h1", "ping", ""},
			},
			guests: map[string]string{"w": "go"},
			start:  "h1", cycle: []string{"h1", "h2", "w", "h3", "h4"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys, err := wasmplane.New(context.Background(), wasmplane.Config{
				Logger: slog.New(slog.DiscardHandler), CacheDir: t.TempDir(), RequestTimeout: 30 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Close(context.Background())
			found := make(chan *wasmplane.DeadlockError, 8)
			for name, file := range tc.guests {
				bin := goGuest
				if file != "go" {
					bin = readFile(t, file)
				}
				mod := load(t, sys, name, bin, wasmplane.KindWasm)
				if _, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			for name, h := range tc.hops {
				c := &hop{next: h[0], kind: h[1], data: h[2], found: found}
				if _, err := sys.Spawn(func() (wasmplane.Component, error) { return c, nil }, wasmplane.SpawnOptions{Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			start, _ := sys.Lookup(tc.start)
			done := make(chan error, 1)
			go func() {
				_, err := sys.Request(context.Background(), start, "ping", nil)
				done <- err
			}()
			var de *wasmplane.DeadlockError
			select {
			case de = <-found:
			case <-time.After(10 * time.Second): // a third of the request timeout
				t.Fatal("no deadlock reported: the cycle would have waited out the timeout")
			}
			var names []string
			for _, n := range de.Cycle {
				names = append(names, n.Name)
			}
			got := slices.Clone(names)
			slices.Sort(got)
			want := slices.Clone(tc.cycle)
			slices.Sort(want)
			if !slices.Equal(got, want) || !errors.Is(de, wasmplane.ErrDeadlock) {
				t.Fatalf("cycle %v (%v), want members %v", names, de, tc.cycle)
			}
			select {
			case <-done: // the whole chain unwound without waiting for timeouts
			case <-time.After(10 * time.Second):
				t.Fatal("the chain did not unwind after the deadlock was reported")
			}
		})
	}
}

// TestNoFalseDeadlocksUnderLoad: many acyclic request chains at once, with
// replies followed at once by calls back the other way, report nothing.
func TestNoFalseDeadlocksUnderLoad(t *testing.T) {
	sys := newSystem(t, nil)
	found := make(chan *wasmplane.DeadlockError, 64)
	// A chain a -> b -> c -> d (last replies), and d' -> c' ... independent.
	for _, chain := range [][]string{{"a", "b", "c", "d"}, {"w", "x", "y", "z"}} {
		for i, name := range chain {
			next := ""
			if i+1 < len(chain) {
				next = chain[i+1]
			}
			c := &hop{next: next, kind: "ping", found: found}
			if _, err := sys.Spawn(func() (wasmplane.Component, error) { return c, nil }, wasmplane.SpawnOptions{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				// Start at any member: every chain is acyclic.
				name := []string{"a", "b", "c", "w", "x", "y"}[(i+j)%6]
				pid, _ := sys.Lookup(name)
				if _, err := sys.Request(context.Background(), pid, "ping", nil); err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case de := <-found:
		t.Fatalf("false deadlock: %v", de)
	default:
	}
}
