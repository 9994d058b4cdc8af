package component

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// calc.wat is a third-party module that knows nothing of wasmplane.
func loadCalc(t *testing.T) (*engine.Module, *boundary.Operation, *boundary.Operation) {
	t.Helper()
	r := boundary.NewRegistry(boundary.RegistryOptions{})
	err := r.Define(boundary.Interface{Name: "calc", Ops: []boundary.Op{
		{Name: "add", Params: []boundary.Param{param("a", boundary.I32), param("b", boundary.I32)}, Results: []boundary.Param{param("s", boundary.I32)}},
		{Name: "div", Params: []boundary.Param{param("a", boundary.I32), param("b", boundary.I32)}, Results: []boundary.Param{param("q", boundary.I32)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	add, _ := r.Lookup("calc.add")
	div, _ := r.Lookup("calc.div")
	mod, err := newEngine(t).LoadProxy(context.Background(), "calc", readWasm(t, "testdata/wat/calc.wasm"),
		map[string]string{"calc.add": "add", "calc.div": "div"}, []*boundary.Operation{add, div})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mod.Close(context.Background()) })
	return mod, add, div
}

func TestProxyHandleCall(t *testing.T) {
	mod, add, div := loadCalc(t)
	c, err := NewProxyFactory(mod, ProxyOptions{})()
	if err != nil {
		t.Fatal(err)
	}
	p := c.(*Proxy)
	var _ actor.CallHandler = p
	if err := p.PreStart(nil); err != nil { // calc writes no output: the context is not used
		t.Fatal(err)
	}
	defer p.Discard()
	args, _ := add.EncodeArgs(nil, []any{int32(40), int32(2)}, boundary.Limits{})
	res, err := p.HandleCall(nil, add, args)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := add.DecodeResults(res, boundary.Limits{}); got[0] != int32(42) {
		t.Fatalf("calc.add = %v", got)
	}
	_, err = p.HandleCall(nil, div, make([]byte, 8))
	var ce *actor.CrashError
	if !errors.As(err, &ce) {
		t.Fatalf("division by zero: %v, want a crash", err)
	}
}

// TestProxyComponent runs the proxy in an actor system: messages other
// than the health check are handler errors that say it serves typed calls
// only.
func TestProxyComponent(t *testing.T) {
	mod, _, _ := loadCalc(t)
	sys := actor.NewSystem(actor.Config{})
	defer sys.Shutdown(context.Background())
	pid, err := sys.Spawn(NewProxyFactory(mod, ProxyOptions{Deadline: time.Second}), actor.SpawnOptions{Name: "calc"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = sys.Request(ctx, pid, "add", []byte{1, 2})
	if err == nil || !strings.Contains(err.Error(), "serves typed calls only") || !strings.Contains(err.Error(), `"calc"`) {
		t.Fatalf("a plain request: %v, want the proxy's refusal", err)
	}
	if _, err := sys.Request(ctx, pid, HealthKind, nil); err != nil {
		t.Fatalf("health check: %v", err)
	}
}
