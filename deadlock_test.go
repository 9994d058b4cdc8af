package wasmplane_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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
	busy             bool          // in its own request: a reentrant call ends the chain
	reentered        chan struct{} // signalled when a reentrant call was served
}

func (h *hop) Receive(c *wasmplane.Context, m wasmplane.Message) error {
	if h.busy && h.reentered != nil {
		h.reentered <- struct{}{}
	}
	if h.next == "" || h.busy {
		return c.Reply(m, []byte("end"))
	}
	h.busy = true
	defer func() { h.busy = false }()
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
		for _, reentrant := range []bool{false, true} {
			name := tc.name
			if reentrant {
				name += ", reentrant"
			}
			t.Run(name, func(t *testing.T) { deadlockCase(t, tc.hops, tc.guests, tc.start, tc.cycle, goGuest, reentrant) })
		}
	}
}

// deadlockCase runs one cycle. Without reentrancy the cycle is reported at
// once with its members; with the start member declared reentrant it
// serves the call that closes the cycle from inside its own request, and
// the chain completes.
func deadlockCase(t *testing.T, hops map[string][3]string, guests map[string]string, start string, cycle []string, goGuest []byte, reentrant bool) {
	sys, err := wasmplane.New(context.Background(), wasmplane.Config{
		Logger: slog.New(slog.DiscardHandler), CacheDir: t.TempDir(), RequestTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(context.Background())
	found := make(chan *wasmplane.DeadlockError, 8)
	reentered := make(chan struct{}, 8)
	for name, file := range guests {
		bin := goGuest
		if file != "go" {
			bin = readFile(t, file)
		}
		mod := load(t, sys, name, bin, wasmplane.KindWasm)
		if _, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	for name, h := range hops {
		c := &hop{next: h[0], kind: h[1], data: h[2], found: found, reentered: reentered}
		if _, err := sys.Spawn(func() (wasmplane.Component, error) { return c, nil },
			wasmplane.SpawnOptions{Name: name, Reentrant: reentrant && name == start}); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := sys.Lookup(start)
	done := make(chan error, 1)
	go func() {
		_, err := sys.Request(context.Background(), first, "ping", nil)
		done <- err
	}()
	if reentrant {
		select {
		case err := <-done:
			// The guests' "ask" publishes its answer instead of replying.
			if err != nil && !(len(guests) > 0 && errors.Is(err, wasmplane.ErrNoReply)) {
				t.Fatalf("reentrant chain: %v", err)
			}
			select {
			case <-reentered:
			default:
				t.Fatal("the chain completed but the start member never served the reentrant call")
			}
		case de := <-found:
			t.Fatalf("reentrant chain reported a deadlock: %v", de)
		case <-time.After(10 * time.Second):
			t.Fatal("the reentrant chain did not complete")
		}
		return
	}
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
	want := slices.Clone(cycle)
	slices.Sort(want)
	if !slices.Equal(got, want) || !errors.Is(de, wasmplane.ErrDeadlock) {
		t.Fatalf("cycle %v (%v), want members %v", names, de, cycle)
	}
	select {
	case <-done: // the whole chain unwound without waiting for timeouts
	case <-time.After(10 * time.Second):
		t.Fatal("the chain did not unwind after the deadlock was reported")
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

// router forwards a request along the path in its data: each byte is the
// index of the next component. Paths only climb, so every pattern of
// concurrent requests is acyclic.
type router struct {
	wasmplane.Hooks
	pids  *[8]wasmplane.PID
	found chan<- *wasmplane.DeadlockError
}

func (r *router) Receive(c *wasmplane.Context, m wasmplane.Message) error {
	if len(m.Data) == 0 {
		return c.Reply(m, nil)
	}
	_, err := c.Request(context.Background(), r.pids[m.Data[0]], "hop", m.Data[1:])
	var de *wasmplane.DeadlockError
	if errors.As(err, &de) {
		r.found <- de
	}
	if err != nil {
		return err
	}
	return c.Reply(m, nil)
}

// TestNoFalseDeadlocksRandomAcyclic: random climbing paths over eight
// components from eight goroutines at once; no request may be reported as
// a deadlock (run under -race in CI).
func TestNoFalseDeadlocksRandomAcyclic(t *testing.T) {
	sys := newSystem(t, nil)
	found := make(chan *wasmplane.DeadlockError, 64)
	var pids [8]wasmplane.PID
	for i := range pids {
		pid, err := sys.Spawn(func() (wasmplane.Component, error) { return &router{pids: &pids, found: found}, nil },
			wasmplane.SpawnOptions{Name: fmt.Sprintf("n%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		pids[i] = pid
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(g)))
			for range 300 {
				first := rng.IntN(7)
				var path []byte
				for i := first + 1; i < 8; i++ {
					if rng.IntN(2) == 0 {
						path = append(path, byte(i))
					}
				}
				if _, err := sys.Request(context.Background(), pids[first], "hop", path); err != nil {
					t.Errorf("path %d%v: %v", first, path, err)
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
