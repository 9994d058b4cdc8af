package engine

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// gcWhileSpinning runs garbage collections while a guest spins: the
// instrumentation's safepoints must let each stop-the-world complete (a
// regression hangs here, and the test's own deadline reports it).
func gcWhileSpinning(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

func compile(t *testing.T, e *Engine, file string, kind Kind) *Module {
	t.Helper()
	m, err := e.Compile(context.Background(), file, readWasm(t, file), kind)
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := m.Preemptible(); !ok {
		t.Fatalf("%s is not preemptible: %s", file, why)
	}
	return m
}

func TestDeadlineStopsSpinningGuest(t *testing.T) {
	gcWhileSpinning(t)
	e := newEngine(t)
	m := compile(t, e, "testdata/hostile/spin.wasm", KindGuest)
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, Deadline: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	if st, err := inst.Deliver(1, 0, 0, "fine", nil); err != nil || st != 0 {
		t.Fatalf("a quick message under a deadline: %d %v", st, err)
	}
	_, err = inst.Deliver(1, 0, 0, "spin", nil)
	var te *TrapError
	if !errors.As(err, &te) || !errors.Is(err, ErrDeadline) || te.Export != ExportReceive {
		t.Fatalf("got %v, want a deadline trap in receive", err)
	}
	// A fresh instance of the same module serves again.
	fresh, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, Deadline: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close(context.Background())
	if st, err := fresh.Deliver(1, 0, 0, "fine", nil); err != nil || st != 0 {
		t.Fatalf("fresh instance: %d %v", st, err)
	}
}

func TestInterruptKillsHook(t *testing.T) {
	gcWhileSpinning(t)
	e := newEngine(t)
	m := compile(t, e, "testdata/hostile/spin.wasm", KindGuest)
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	done := make(chan error, 1)
	go func() { done <- inst.Hook(HookPreStop) }()
	// The hook spins until killed; kill it from here.
	for !inst.Interrupt() {
		t.Fatal("not interruptible")
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrKilled) {
			t.Fatalf("got %v, want ErrKilled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the killed hook did not return")
	}
}

// blockingHost answers requests only when the wait context ends.
type blockingHost struct{ fakeHost }

func (h *blockingHost) Request(ctx context.Context, to uint64, kind, data []byte, timeout time.Duration) ([]byte, Status) {
	select {
	case <-ctx.Done():
		return nil, ErrStopping
	case <-time.After(timeout):
		return nil, ErrTimeout
	}
}

// TestDeadlineEndsHostWait: a guest blocked in a request (2 s timeout) is
// released at its 30 ms message deadline, not after the request timeout.
// The host call fails with ERR_STOPPING; a guest that then returns at once
// keeps its instance (it was not interrupted mid-way), one that goes on
// running is interrupted.
func TestDeadlineEndsHostWait(t *testing.T) {
	e := newEngine(t)
	m := compile(t, e, "testdata/c/participant.wasm", KindGuest)
	h := &blockingHost{}
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: h, Deadline: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	start := time.Now()
	_, err = inst.Deliver(1, 0, 0, "ask", []byte("someone|q"))
	if err != nil && !errors.Is(err, ErrDeadline) {
		t.Fatalf("got %v", err)
	}
	if waited := time.Since(start); waited >= 2*time.Second {
		t.Fatalf("the host wait was not cut at the deadline: %v", waited)
	}
	if err == nil {
		calls := h.get()
		if len(calls) == 0 || calls[len(calls)-1] != "publish answers c:error:-9" {
			t.Fatalf("the guest did not see ERR_STOPPING: %v", calls)
		}
	}
}

func TestCommandDeadline(t *testing.T) {
	gcWhileSpinning(t)
	e := newEngine(t)
	m := compile(t, e, "testdata/hostile/spin_cmd.wasm", KindCommand)
	_, err := m.Run(context.Background(), RunConfig{Deadline: 20 * time.Millisecond})
	if !errors.Is(err, ErrDeadline) {
		t.Fatalf("got %v, want ErrDeadline", err)
	}
	up := compile(t, e, "testdata/wat/upper_cmd.wasm", KindCommand)
	if out, err := up.Run(context.Background(), RunConfig{Stdin: []byte("ok"), Deadline: time.Second}); err != nil || string(out) != "OK" {
		t.Fatalf("a quick command under a deadline: %q %v", out, err)
	}
}

func TestDeadlineNeedsPreemptibleModule(t *testing.T) {
	e, err := New(context.Background(), Config{CacheDir: t.TempDir(), NoPreempt: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	m, err := e.Compile(context.Background(), "minimal", readWasm(t, "testdata/wat/minimal.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Instantiate(context.Background(), InstanceConfig{Deadline: time.Second}); !errors.Is(err, ErrLoad) {
		t.Fatalf("got %v", err)
	}
}
