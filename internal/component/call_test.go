package component

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/engine"
)

func TestStatusOfTypedCallErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want engine.Status
	}{
		{nil, engine.OK},
		{&boundary.TypeError{Op: "calc.add", Param: "a", Expected: "i32", Got: "f64", Offset: -1}, engine.ErrType},
		{fmt.Errorf("call: %w", &boundary.TypeError{Op: "calc.add", Offset: 3}), engine.ErrType},
		{&boundary.ContentionError{Caller: "a", Callee: "b", Op: "calc.add"}, engine.ErrContention},
		{&boundary.DeadlockError{}, engine.ErrDeadlock},
		{fmt.Errorf("op %q: %w", "x.y", boundary.ErrUnknownOp), engine.ErrNotFound},
		{fmt.Errorf("name: %w", actor.ErrNotFound), engine.ErrNotFound},
		{fmt.Errorf("pid: %w", actor.ErrDeadPID), engine.ErrDeadPID},
		{&actor.RemoteError{Kind: "calc.add", Err: errors.New("handler failed")}, engine.ErrRemote},
	} {
		if got := statusOf(tc.err); got != tc.want {
			t.Errorf("statusOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func newEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), engine.Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	return e
}

func readWasm(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lookupOp(t *testing.T, in boundary.Interface, name string) *boundary.Operation {
	t.Helper()
	r := boundary.NewRegistry(boundary.RegistryOptions{})
	if err := r.Define(in); err != nil {
		t.Fatal(err)
	}
	op, ok := r.Lookup(in.Name + "." + name)
	if !ok {
		t.Fatalf("no op %s.%s", in.Name, name)
	}
	return op
}

func param(name string, t *boundary.Type) boundary.Param { return boundary.Param{Name: name, Type: t} }

// TestWasmHandleCall: a guest serves a typed call through CallOp, and a
// trap in the op is a crash, as in Receive.
func TestWasmHandleCall(t *testing.T) {
	e := newEngine(t)
	mod, err := e.Compile(context.Background(), "ops", readWasm(t, "testdata/wat/ops.wasm"), engine.KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(context.Background())
	c, err := NewWasmFactory(mod, WasmOptions{})()
	if err != nil {
		t.Fatal(err)
	}
	w := c.(*Wasm)
	if err := w.PreStart(nil); err != nil { // no actor context: the ops make no host calls
		t.Fatal(err)
	}
	defer w.Discard()
	var _ actor.CallHandler = w

	greet := lookupOp(t, boundary.Interface{Name: "t", Ops: []boundary.Op{{Name: "greet",
		Params: []boundary.Param{param("name", boundary.String)}, Results: []boundary.Param{param("s", boundary.String)}}}}, "greet")
	args, _ := greet.EncodeArgs(nil, []any{"component"}, boundary.Limits{})
	res, err := w.HandleCall(nil, greet, args)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := greet.DecodeResults(res, boundary.Limits{}); err != nil || got[0] != "hello, component" {
		t.Fatalf("t.greet = %v, %v", got, err)
	}

	divmod := lookupOp(t, boundary.Interface{Name: "t", Ops: []boundary.Op{{Name: "divmod",
		Params:  []boundary.Param{param("a", boundary.I32), param("b", boundary.I32)},
		Results: []boundary.Param{param("q", boundary.I32), param("r", boundary.I32)}}}}, "divmod")
	_, err = w.HandleCall(nil, divmod, make([]byte, 8))
	var ce *actor.CrashError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "t.divmod") {
		t.Fatalf("a trap in the op: %v, want a *actor.CrashError naming it", err)
	}
}

// Without an actor context (a discarded instance, the load probe), the
// new imports answer ERR_STOPPING.
func TestWasmHostCallWithoutContext(t *testing.T) {
	w := &Wasm{}
	if _, st := w.Call(context.Background(), 1, []byte("calc.add"), nil, 0); st != engine.ErrStopping {
		t.Errorf("Call: %v", st)
	}
	if st := w.Progress(); st != engine.ErrStopping {
		t.Errorf("Progress: %v", st)
	}
}
