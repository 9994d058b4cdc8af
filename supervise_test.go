package wasmplane_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
)

// tally counts messages and hands its count to its next instance.
type tally struct {
	version string
	n       int
}

func (*tally) PreStart(*wasmplane.Context) error  { return nil }
func (*tally) PostStart(*wasmplane.Context) error { return nil }
func (*tally) PreStop(*wasmplane.Context) error   { return nil }
func (*tally) PostStop(*wasmplane.Context) error  { return nil }
func (t *tally) SaveState(*wasmplane.Context) ([]byte, error) {
	return fmt.Append(nil, t.n), nil
}
func (t *tally) RestoreState(_ *wasmplane.Context, b []byte) error {
	_, err := fmt.Sscan(string(b), &t.n)
	return err
}
func (t *tally) Receive(c *wasmplane.Context, m wasmplane.Message) error {
	switch m.Kind {
	case "add":
		t.n++
	case "crash":
		panic("boom")
	case "get":
		return c.Reply(m, fmt.Appendf(nil, "%s:%d", t.version, t.n))
	}
	return nil
}

func tallyOf(version string) wasmplane.Factory {
	return func() (wasmplane.Component, error) { return &tally{version: version}, nil }
}

func waitSupEvent(t *testing.T, ev <-chan wasmplane.Event, ok func(wasmplane.Event) bool) wasmplane.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-ev:
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatal("timed out waiting for an event")
		}
	}
}

func TestSupervisorPublicAPI(t *testing.T) {
	sys := newSystem(t, nil)
	ev, cancel := sys.Events(1024)
	defer cancel()
	ctx := context.Background()
	sup, err := sys.StartSupervisor(wasmplane.SupervisorSpec{
		Name: "root", Strategy: wasmplane.OneForOne,
		Children: []wasmplane.ChildSpec{
			{Name: "tally", Factory: tallyOf("v1"), Shutdown: time.Second,
				Backoff: wasmplane.Backoff{Kind: wasmplane.BackoffExponential, Initial: time.Millisecond, Max: 10 * time.Millisecond}},
			{Name: "pool", Supervisor: &wasmplane.SupervisorSpec{Strategy: wasmplane.SimpleOneForOne,
				Template: &wasmplane.ChildSpec{Name: "worker", Factory: tallyOf("w"), Restart: wasmplane.Transient}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := sys.Lookup("tally")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		sys.Send(pid, "add", nil)
	}
	if err := sys.Swap(ctx, "tally", tallyOf("v2")); err != nil {
		t.Fatal(err)
	}
	got, err := sys.Request(ctx, pid, "get", nil)
	if err != nil || string(got) != "v2:3" {
		t.Fatalf("after swap: %q %v (same PID, state carried over)", got, err)
	}
	sys.Send(pid, "crash", nil)
	re := waitSupEvent(t, ev, func(e wasmplane.Event) bool { return e.Type == wasmplane.EventRestarted && e.Name == "tally" })
	got, err = sys.Request(ctx, re.NewPID, "get", nil)
	if err != nil || string(got) != "v2:0" {
		t.Fatalf("after a crash: %q %v (the new factory, no state from a crash)", got, err)
	}
	if err := sys.Swap(ctx, "nobody", tallyOf("x")); !errors.Is(err, wasmplane.ErrNotFound) {
		t.Fatalf("swap of an unknown component: %v", err)
	}
	tr := sup.Tree()
	if len(tr.Children) != 2 || tr.Children[0].Restarts != 1 || tr.Children[1].Supervisor == nil {
		t.Fatalf("tree %+v", tr)
	}
	if err := sup.TerminateChild(ctx, "tally"); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Lookup("tally"); !errors.Is(err, wasmplane.ErrNotFound) {
		t.Fatalf("terminated child still registered: %v", err)
	}
}

func TestRootGiveUpShutsDownWithCauseChain(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelError}))
	sys, err := wasmplane.New(context.Background(), wasmplane.Config{Logger: log, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(context.Background())
	_, err = sys.StartSupervisor(wasmplane.SupervisorSpec{Name: "root", Intensity: -1, Children: []wasmplane.ChildSpec{
		{Name: "pipeline", Supervisor: &wasmplane.SupervisorSpec{Intensity: -1, Children: []wasmplane.ChildSpec{
			{Name: "tokenizer", Factory: tallyOf("v1")},
		}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := sys.Lookup("tokenizer")
	sys.Send(pid, "crash", nil)
	select {
	case <-sys.ShutdownRequested():
	case <-time.After(10 * time.Second):
		t.Fatal("the root's give-up did not request a shutdown")
	}
	err = sys.Shutdown(context.Background())
	want := `root: gave up after 1 restarts in 5s: pipeline: gave up after 1 restarts in 5s: component "tokenizer": crashed: panic: boom`
	if !errors.Is(err, wasmplane.ErrGaveUp) || !strings.Contains(err.Error(), want) {
		t.Fatalf("shutdown error:\n%v\nwant it to contain\n%s", err, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "gave_up") {
		t.Fatalf("no gave_up event logged:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// ExampleSystem_StartSupervisor supervises a Go component and swaps it
// to a new version without losing its state or its PID.
func ExampleSystem_StartSupervisor() {
	ctx := context.Background()
	sys, err := wasmplane.New(ctx, wasmplane.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer sys.Close(ctx)

	_, err = sys.StartSupervisor(wasmplane.SupervisorSpec{
		Name: "root", Strategy: wasmplane.OneForOne, Intensity: 3, Period: 5 * time.Second,
		Children: []wasmplane.ChildSpec{{
			Name: "tally", Factory: tallyOf("v1"), Restart: wasmplane.Permanent,
			Backoff: wasmplane.Backoff{Kind: wasmplane.BackoffExponential, Initial: 10 * time.Millisecond, Max: time.Second, Jitter: 0.1},
		}},
	})
	if err != nil {
		panic(err)
	}
	pid, _ := sys.Lookup("tally")
	sys.Send(pid, "add", nil)
	sys.Send(pid, "add", nil)
	if err := sys.Swap(ctx, "tally", tallyOf("v2")); err != nil {
		panic(err)
	}
	reply, _ := sys.Request(ctx, pid, "get", nil)
	fmt.Println(string(reply))
	// Output:
	// v2:2
}
