package actor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

func mustType(t testing.TB, s string) *boundary.Type {
	t.Helper()
	ty, err := boundary.ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

func defineCalc(t testing.TB, r *boundary.Registry) {
	t.Helper()
	i32 := mustType(t, "i32")
	str := mustType(t, "string")
	pts := mustType(t, "list<record{x: f64, y: f64}>")
	err := r.Define(boundary.Interface{Name: "calc", Ops: []boundary.Op{
		{Name: "double", Params: []boundary.Param{{Name: "x", Type: i32}}, Results: []boundary.Param{{Name: "y", Type: i32}}},
		{Name: "greet", Params: []boundary.Param{{Name: "who", Type: str}}, Results: []boundary.Param{{Name: "msg", Type: str}}},
		{Name: "sum", Params: []boundary.Param{{Name: "pts", Type: pts}}, Results: []boundary.Param{{Name: "x", Type: mustType(t, "f64")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// calc serves calc.*; an x below zero blocks until gate is closed (a
// holder of the token). Every handled call is logged with the instance.
type calc struct {
	Hooks
	id      int
	gate    <-chan struct{}
	entered chan<- int
	handled *atomic.Int64
	wrong   bool // returns a string where an i32 is declared
}

func (c *calc) Receive(*Context, Message) error { return nil }

func (c *calc) HandleOperation(ctx *Context, op string, args []any) ([]any, error) {
	c.handled.Add(1)
	switch op {
	case "calc.double":
		x := args[0].(int32)
		if c.entered != nil {
			c.entered <- c.id
		}
		if x < 0 {
			<-c.gate
		}
		if c.wrong {
			return []any{"twice"}, nil
		}
		return []any{x * 2}, nil
	case "calc.greet":
		return []any{"hello " + args[0].(string)}, nil
	case "calc.sum":
		var s float64
		for _, p := range args[0].([]any) {
			r := p.(map[string]any)
			s += r["x"].(float64) + r["y"].(float64)
		}
		return []any{s}, nil
	}
	return nil, fmt.Errorf("unexpected %s", op)
}

func TestCallTypedRoundTrip(t *testing.T) {
	s := quietSystem(t, Config{})
	defineCalc(t, s.Registry())
	var handled atomic.Int64
	pid, err := s.Spawn(factoryOf(&calc{handled: &handled}), SpawnOptions{Name: "calc"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := s.Call(ctx, pid, "calc.double", 21)
	if err != nil || res[0] != int32(42) {
		t.Fatalf("double = %v, %v", res, err)
	}
	res, err = s.Call(ctx, pid, "calc.greet", "wasm")
	if err != nil || res[0] != "hello wasm" {
		t.Fatalf("greet = %v, %v", res, err)
	}
	pts := []any{map[string]any{"x": 1.5, "y": 2.0}, map[string]any{"x": -1.0, "y": 0.25}}
	res, err = s.Call(ctx, pid, "calc.sum", pts)
	if err != nil || res[0] != 2.75 {
		t.Fatalf("sum = %v, %v", res, err)
	}
	if handled.Load() != 3 {
		t.Fatalf("handled %d calls, want 3", handled.Load())
	}
}

// TestCallTypeErrorsNeverReachTheCallee: a wrong value is a TypeError
// naming op, parameter, expected and got, and the handler is not run.
func TestCallTypeErrorsNeverReachTheCallee(t *testing.T) {
	s := quietSystem(t, Config{})
	defineCalc(t, s.Registry())
	var handled atomic.Int64
	pid, err := s.Spawn(factoryOf(&calc{handled: &handled}), SpawnOptions{Name: "calc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		op   string
		args []any
		want string
	}{
		{"string for i32", "calc.double", []any{"7"}, `param "x": expected i32, got string`},
		{"too many", "calc.double", []any{1, 2}, "calc.double"},
		{"too few", "calc.greet", nil, "calc.greet"},
		{"nested field", "calc.sum", []any{[]any{map[string]any{"x": 1.0, "y": "no"}}}, `[0].y: expected f64, got string`},
		{"missing field", "calc.sum", []any{[]any{map[string]any{"x": 1.0}}}, "calc.sum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Call(context.Background(), pid, tc.op, tc.args...)
			var te *boundary.TypeError
			if !errors.As(err, &te) || !errors.Is(err, boundary.ErrType) {
				t.Fatalf("err = %v, want a *boundary.TypeError", err)
			}
			if te.Op != tc.op || !contains(err.Error(), tc.want) {
				t.Fatalf("err = %q (op %q), want op %q and %q", err, te.Op, tc.op, tc.want)
			}
		})
	}
	if handled.Load() != 0 {
		t.Fatalf("the callee ran %d times on mismatched calls", handled.Load())
	}
	// The callee's wrong result is caught too, before the caller sees it.
	pid2, err := s.Spawn(factoryOf(&calc{handled: &handled, wrong: true}), SpawnOptions{Name: "liar"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Call(context.Background(), pid2, "calc.double", 1)
	if !errors.Is(err, boundary.ErrType) {
		t.Fatalf("wrong result: err = %v, want ErrType", err)
	}
	if _, err := s.Call(context.Background(), pid, "calc.nope", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown op: err = %v, want ErrNotFound", err)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestContentionErrorAndPairTimeouts: a call that cannot get the callee's
// token within its pair's timeout fails with every field set; a pair with
// a longer timeout waits for the holder and succeeds.
func TestContentionErrorAndPairTimeouts(t *testing.T) {
	s := quietSystem(t, Config{})
	defineCalc(t, s.Registry())
	gate, entered := make(chan struct{}), make(chan int, 4)
	var handled atomic.Int64
	svc, err := s.Spawn(factoryOf(&calc{id: 1, gate: gate, entered: entered, handled: &handled}), SpawnOptions{Name: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	// "fast" and "patient" are components that call svc.
	caller := func(name string) PID {
		pid, err := s.Spawn(factoryOf(ReceiveFunc(func(c *Context, m Message) error {
			res, err := c.Call(context.Background(), svc, "calc.double", int32(len(m.Data)))
			if err != nil {
				return err
			}
			return c.Reply(m, []byte(fmt.Sprint(res[0])))
		})), SpawnOptions{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	fast, patient := caller("fast"), caller("patient")
	s.Tokens().SetTimeout("fast", "svc", 3*time.Millisecond)
	s.Tokens().SetTimeout("patient", "svc", time.Minute)

	held := make(chan error, 1)
	go func() { _, err := s.Call(context.Background(), svc, "calc.double", -1); held <- err }()
	<-entered // the host holds svc's token now

	_, err = s.Request(context.Background(), fast, "go", []byte("abc"))
	var ce *boundary.ContentionError
	if !errors.As(err, &ce) {
		t.Fatalf("fast: err = %v, want a ContentionError", err)
	}
	if ce.Caller != "fast" || ce.Callee != "svc" || ce.Holder != HostName || ce.Op != "calc.double" ||
		ce.Timeout != 3*time.Millisecond || ce.Held < 3*time.Millisecond {
		t.Fatalf("contention error fields: %+v", *ce)
	}
	patientDone := make(chan []byte, 1)
	go func() {
		r, err := s.Request(context.Background(), patient, "go", []byte("abcd"))
		if err != nil {
			t.Error(err)
		}
		patientDone <- r
	}()
	// patient waits in line (a minute's timeout) until the holder is done.
	close(gate)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	<-entered
	if r := <-patientDone; string(r) != "8" {
		t.Fatalf("patient got %q", r)
	}
}

// TestBatchYieldKeepsTheToken: a batch-yield callee that reports progress
// keeps its token past the timeout; the waiter gets it once the holder is
// done, with no contention error. Without progress the waiter fails.
func TestBatchYieldKeepsTheToken(t *testing.T) {
	for _, progress := range []bool{true, false} {
		t.Run(fmt.Sprintf("progress=%v", progress), func(t *testing.T) {
			s := quietSystem(t, Config{TokenTimeout: 50 * time.Millisecond})
			defineCalc(t, s.Registry())
			steps := make(chan bool)
			entered := make(chan int, 2)
			var handled atomic.Int64
			worker := &batchWorker{steps: steps, entered: entered, handled: &handled}
			svc, err := s.Spawn(factoryOf(worker), SpawnOptions{Name: "svc", BatchYield: true})
			if err != nil {
				t.Fatal(err)
			}
			held := make(chan error, 1)
			go func() { _, err := s.Call(context.Background(), svc, "calc.double", -1); held <- err }()
			<-entered
			waited := make(chan error, 1)
			go func() { _, err := s.Call(context.Background(), svc, "calc.double", 2); waited <- err }()
			// The holder works in steps, each well within the timeout,
			// for several timeouts in all; it reports progress (or not).
			deadline := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(deadline) {
				steps <- progress
				select {
				case err := <-waited:
					if progress {
						t.Fatalf("the waiter gave up while the holder reported progress: %v", err)
					}
					if !errors.Is(err, boundary.ErrContention) {
						t.Fatalf("err = %v, want ErrContention", err)
					}
					close(steps)
					<-held
					return
				default:
				}
			}
			close(steps)
			if err := <-held; err != nil {
				t.Fatal(err)
			}
			err = <-waited
			if !progress {
				t.Fatalf("without progress the waiter should have failed, got %v", err)
			}
			if err != nil {
				t.Fatalf("waiter: %v", err)
			}
		})
	}
}

type batchWorker struct {
	Hooks
	steps   <-chan bool
	entered chan<- int
	handled *atomic.Int64
}

func (*batchWorker) Receive(*Context, Message) error { return nil }

func (w *batchWorker) HandleOperation(ctx *Context, op string, args []any) ([]any, error) {
	w.handled.Add(1)
	x := args[0].(int32)
	if x < 0 {
		w.entered <- 0
		for p := range w.steps {
			for t0 := time.Now(); time.Since(t0) < 2*time.Millisecond; {
				runtime.Gosched() // the work of one step
			}
			if p {
				ctx.Progress()
			}
		}
	}
	return []any{x * 2}, nil
}

// TestReentrantCycleCompletes: A→B→A is a deadlock unless A is declared
// reentrant; then A serves B's call from inside its own request.
func TestReentrantCycleCompletes(t *testing.T) {
	for _, reentrant := range []bool{false, true} {
		t.Run(fmt.Sprintf("reentrant=%v", reentrant), func(t *testing.T) {
			s := quietSystem(t, Config{RequestTimeout: time.Minute})
			var b PID
			a, err := s.Spawn(factoryOf(ReceiveFunc(func(c *Context, m Message) error {
				if m.Kind == "back" {
					return c.Reply(m, []byte("a:"+string(m.Data)))
				}
				r, err := c.Request(context.Background(), b, "ask", m.Data)
				if err != nil {
					return err
				}
				return c.Reply(m, r)
			})), SpawnOptions{Name: "a", Reentrant: reentrant})
			if err != nil {
				t.Fatal(err)
			}
			b, err = s.Spawn(factoryOf(ReceiveFunc(func(c *Context, m Message) error {
				r, err := c.Request(context.Background(), a, "back", m.Data)
				if err != nil {
					return err
				}
				return c.Reply(m, append([]byte("b:"), r...))
			})), SpawnOptions{Name: "b"})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r, err := s.Request(context.Background(), a, "go", []byte("x"))
			if !reentrant {
				var de *boundary.DeadlockError
				if !errors.As(err, &de) {
					t.Fatalf("err = %v, want a DeadlockError", err)
				}
				if time.Since(start) > 10*time.Second {
					t.Fatalf("deadlock reported after %v", time.Since(start))
				}
				return
			}
			if err != nil || string(r) != "b:a:x" {
				t.Fatalf("reply %q, %v; want b:a:x", r, err)
			}
		})
	}
}

// hybridClock is the real clock shifted by a manual offset: token waits
// are real, fallback quiet periods are skipped by Advance.
type hybridClock struct{ off atomic.Int64 }

func (c *hybridClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *hybridClock) NewTimer(d time.Duration) boundary.Timer {
	return boundary.SystemClock.NewTimer(d)
}
func (c *hybridClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// TestFallbackTiersUpAndBack drives the pair host→svc through isolate,
// serialize and native and back down, checking the events' order, which
// instance served each call, and that every call was answered.
func TestFallbackTiersUpAndBack(t *testing.T) {
	clock := &hybridClock{}
	s := quietSystem(t, Config{Clock: clock})
	defineCalc(t, s.Registry())
	s.Tokens().SetTimeout(HostName, "svc", 3*time.Millisecond)
	const quiet = 10 * time.Second
	s.SetFallback(HostName, "svc", boundary.TierPolicy{Threshold: 1, Window: time.Hour, Quiet: quiet})
	var native atomic.Int64
	s.RegisterNative("calc", func(_ context.Context, op string, args []any) ([]any, error) {
		native.Add(1)
		return []any{args[0].(int32) * 2}, nil
	})
	gate, entered := make(chan struct{}), make(chan int, 16)
	var handled atomic.Int64
	var ids atomic.Int32
	factory := func() (Component, error) {
		return &calc{id: int(ids.Add(1)), gate: gate, entered: entered, handled: &handled}, nil
	}
	svc, err := s.Spawn(factory, SpawnOptions{Name: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := func(x int32) (int32, error) {
		res, err := s.Call(ctx, svc, "calc.double", x)
		if err != nil {
			return 0, err
		}
		return res[0].(int32), nil
	}
	want := func(x int32, instance int) {
		t.Helper()
		y, err := call(x)
		if err != nil || y != 2*x {
			t.Fatalf("call(%d) = %d, %v", x, y, err)
		}
		if instance == 0 {
			return
		}
		if got := <-entered; got != instance {
			t.Fatalf("call(%d) served by instance %d, want %d", x, got, instance)
		}
	}
	// Holders: calls that keep an instance busy until the gate opens.
	var holders sync.WaitGroup
	hold := func(instance int) {
		holders.Add(1)
		go func() {
			defer holders.Done()
			if y, err := call(-1); err != nil || y != -2 {
				t.Errorf("holder: %d, %v", y, err)
			}
		}()
		if got := <-entered; got != instance {
			t.Errorf("holder entered instance %d, want %d", got, instance)
		}
	}

	hold(1)     // the shared instance is busy
	want(10, 2) // contention: isolate, served by a private instance
	hold(2)     // the private instance is busy too
	want(20, 0) // contention: serialize (svc busy), then native
	if native.Load() != 1 {
		t.Fatalf("native calls = %d, want 1", native.Load())
	}
	close(gate) // the holders finish: no request lost
	holders.Wait()

	clock.Advance(quiet)
	want(30, 1) // serialize: the shared instance, in line
	clock.Advance(quiet)
	want(40, 3) // isolate again: a fresh private instance
	clock.Advance(quiet)
	want(50, 1) // normal
	if native.Load() != 1 {
		t.Fatalf("native calls = %d, want 1", native.Load())
	}

	var got []string
	for _, e := range s.Tiers().Events() {
		got = append(got, e.From.String()+"->"+e.To.String())
	}
	wantEv := []string{"normal->isolate", "isolate->serialize", "serialize->native",
		"native->serialize", "serialize->isolate", "isolate->normal"}
	if fmt.Sprint(got) != fmt.Sprint(wantEv) {
		t.Fatalf("tier events %v, want %v", got, wantEv)
	}
}

// TestCallEveryTypeChecked: a wrong value for each supported type,
// including inside nested lists and records, is refused with the path of
// the mismatch, and the callee never runs.
func TestCallEveryTypeChecked(t *testing.T) {
	s := quietSystem(t, Config{})
	types := []string{"i32", "i64", "f32", "f64", "bool", "string", "bytes", "list<i64>", "record{a: list<record{b: bytes}>}"}
	var params []boundary.Param
	good := []any{int32(1), int64(2), float32(3), 4.0, true, "s", []byte("b"), []any{int64(5)},
		map[string]any{"a": []any{map[string]any{"b": []byte("x")}}}}
	for i, ty := range types {
		params = append(params, boundary.Param{Name: fmt.Sprintf("p%d", i), Type: mustType(t, ty)})
	}
	if err := s.Registry().Define(boundary.Interface{Name: "all", Ops: []boundary.Op{
		{Name: "take", Params: params, Results: []boundary.Param{{Name: "ok", Type: mustType(t, "bool")}}},
	}}); err != nil {
		t.Fatal(err)
	}
	var handled atomic.Int64
	pid, err := s.Spawn(factoryOf(&takeAll{handled: &handled}), SpawnOptions{Name: "all"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Call(context.Background(), pid, "all.take", good...); err != nil || res[0] != true {
		t.Fatalf("good call: %v, %v", res, err)
	}
	bad := []struct {
		val  any
		path string
	}{
		{int64(1), `param "p0": expected i32, got i64`},
		{int32(1), `param "p1": expected i64, got i32`},
		{4.0, `param "p2": expected f32, got f64`},
		{float32(1), `param "p3": expected f64, got f32`},
		{1, `param "p4": expected bool`},
		{[]byte("s"), `param "p5": expected string`},
		{"b", `param "p6": expected bytes`},
		{[]any{int32(5)}, `param "p7"[0]: expected i64, got i32`},
		{map[string]any{"a": []any{map[string]any{"b": "x"}}}, `param "p8".a[0].b: expected bytes, got string`},
	}
	for i, b := range bad {
		args := append([]any(nil), good...)
		args[i] = b.val
		_, err := s.Call(context.Background(), pid, "all.take", args...)
		if !errors.Is(err, boundary.ErrType) || !contains(err.Error(), b.path) {
			t.Errorf("%s: err = %v, want %q", types[i], err, b.path)
		}
	}
	if n := handled.Load(); n != 1 {
		t.Fatalf("the callee ran %d times; only the good call should reach it", n)
	}
}

type takeAll struct {
	Hooks
	handled *atomic.Int64
}

func (*takeAll) Receive(*Context, Message) error { return nil }

func (a *takeAll) HandleOperation(*Context, string, []any) ([]any, error) {
	a.handled.Add(1)
	return []any{true}, nil
}
