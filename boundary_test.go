package wasmplane_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/wasmplane/wasmplane"
)

func defineKV(t *testing.T, sys *wasmplane.System) {
	t.Helper()
	str, err := wasmplane.ParseType("string")
	if err != nil {
		t.Fatal(err)
	}
	err = sys.DefineInterface(wasmplane.Interface{Name: "kv", Ops: []wasmplane.Op{
		{Name: "get", Params: []wasmplane.Param{{Name: "key", Type: str}}, Results: []wasmplane.Param{{Name: "value", Type: str}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// store is a Go component serving kv.get with its own tag.
type store struct {
	wasmplane.Hooks
	tag string
}

func (s *store) Receive(*wasmplane.Context, wasmplane.Message) error { return nil }

func (s *store) HandleOperation(_ *wasmplane.Context, op string, args []any) ([]any, error) {
	return []any{s.tag + ":" + args[0].(string)}, nil
}

func spawnStore(t *testing.T, sys *wasmplane.System, name string) wasmplane.PID {
	t.Helper()
	pid, err := sys.Spawn(func() (wasmplane.Component, error) { return &store{tag: name}, nil }, wasmplane.SpawnOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestCallFromGo(t *testing.T) {
	sys := newSystem(t, nil)
	defineKV(t, sys)
	pid := spawnStore(t, sys, "a")
	res, err := sys.Call(context.Background(), pid, "kv.get", "k")
	if err != nil || len(res) != 1 || res[0] != "a:k" {
		t.Fatalf("Call = %v, %v", res, err)
	}
	_, err = sys.Call(context.Background(), pid, "kv.get", 42)
	var te *wasmplane.TypeError
	if !errors.As(err, &te) || te.Op != "kv.get" || te.Param != "key" {
		t.Fatalf("err = %v, want a TypeError on kv.get param key", err)
	}
	if _, err := sys.Call(context.Background(), pid, "kv.put", "k"); !errors.Is(err, wasmplane.ErrUnknownOp) {
		t.Fatalf("unknown op: %v", err)
	}
}

// TestHandlerConflicts: the higher priority wins; a queued loser takes
// over when the winner stops; a dropped one never does; a late
// higher-priority handler preempts. Every decision is recorded.
func TestHandlerConflicts(t *testing.T) {
	sys := newSystem(t, nil)
	defineKV(t, sys)
	a, _, c := spawnStore(t, sys, "a"), spawnStore(t, sys, "b"), spawnStore(t, sys, "c")
	bind := func(comp string, prio int, pol wasmplane.LosePolicy) string {
		t.Helper()
		ev, err := sys.BindHandler("kv.get", comp, prio, pol)
		if err != nil {
			t.Fatal(err)
		}
		return ev.What.String()
	}
	invoke := func() string {
		t.Helper()
		res, err := sys.Invoke(context.Background(), "kv.get", "k")
		if err != nil {
			t.Fatal(err)
		}
		return res[0].(string)
	}
	if got := bind("a", 5, wasmplane.Queue); got != "bound" {
		t.Fatalf("a: %s", got)
	}
	if got := bind("b", 1, wasmplane.Queue); got != "queued" {
		t.Fatalf("b: %s", got)
	}
	if got := bind("c", 1, wasmplane.Drop); got != "dropped" {
		t.Fatalf("c: %s", got)
	}
	if got := invoke(); got != "a:k" {
		t.Fatalf("invoke = %s, want a", got)
	}
	// The winner stops: the queued b takes over, the dropped c does not.
	if err := sys.Stop(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := invoke(); got != "b:k" {
		t.Fatalf("after a stopped: %s, want b", got)
	}
	// A dynamic change: c binds again at a higher priority and preempts b.
	if got := bind("c", 9, wasmplane.Queue); got != "preempted" {
		t.Fatalf("c again: %s", got)
	}
	if got := invoke(); got != "c:k" {
		t.Fatalf("after c preempted: %s", got)
	}
	if err := sys.Stop(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if got := invoke(); got != "b:k" {
		t.Fatalf("after c stopped: %s, want b back", got)
	}
	var got []string
	for _, e := range sys.Resolutions() {
		got = append(got, fmt.Sprintf("%s %s", e.Component, e.What))
	}
	want := []string{"a bound", "b queued", "c dropped", "a unbound", "b promoted", "b queued", "c preempted", "c unbound", "b promoted"}
	if !slices.Equal(got, want) {
		t.Fatalf("resolutions %v\nwant %v", got, want)
	}
}
