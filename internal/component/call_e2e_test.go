package component

import (
	"context"
	"encoding/binary"
	"log/slog"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// callerRequest builds the data of caller.c's "call" message.
func callerRequest(to actor.PID, op string, args []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(to))
	b = binary.LittleEndian.AppendUint32(b, 2000) // timeout_ms
	b = binary.LittleEndian.AppendUint32(b, 4096) // out_cap
	b = binary.LittleEndian.AppendUint32(b, uint32(len(op)))
	b = append(b, op...)
	return append(b, args...)
}

// TestTypedCallsThroughTheSystem: Go calls a Wasm guest's operation, and a
// Wasm guest (caller.c) calls it through the `call` import; errors reach
// the guest as the ABI's statuses.
func TestTypedCallsThroughTheSystem(t *testing.T) {
	e := newEngine(t)
	compile := func(name, file string) *engine.Module {
		m, err := e.Compile(context.Background(), name, readWasm(t, file), engine.KindGuest)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close(context.Background()) })
		return m
	}
	reg := boundary.NewRegistry(boundary.RegistryOptions{})
	err := reg.Define(boundary.Interface{Name: "t", Ops: []boundary.Op{
		{Name: "greet", Params: []boundary.Param{param("name", boundary.String)}, Results: []boundary.Param{param("s", boundary.String)}},
		{Name: "divmod", Params: []boundary.Param{param("a", boundary.I32), param("b", boundary.I32)},
			Results: []boundary.Param{param("q", boundary.I32), param("r", boundary.I32)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sys := actor.NewSystem(actor.Config{Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	defer sys.Shutdown(context.Background())
	events, stopEvents := sys.Events(64)
	defer stopEvents()
	ops, err := sys.Spawn(NewWasmFactory(compile("ops", "testdata/wat/ops.wasm"), WasmOptions{}), actor.SpawnOptions{Name: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	caller, err := sys.Spawn(NewWasmFactory(compile("caller", "testdata/c/caller.wasm"), WasmOptions{}), actor.SpawnOptions{Name: "caller"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Go -> Wasm.
	res, err := sys.Call(ctx, ops, "t.divmod", int32(17), int32(5))
	if err != nil || res[0] != int32(3) || res[1] != int32(2) {
		t.Fatalf("t.divmod(17, 5) from Go = %v, %v", res, err)
	}

	// Wasm -> Wasm, through the call import.
	greet, _ := reg.Lookup("t.greet")
	args, _ := greet.EncodeArgs(nil, []any{"caller"}, boundary.Limits{})
	wantResult, _ := greet.EncodeResults(nil, []any{"hello, caller"}, boundary.Limits{})
	for _, tc := range []struct {
		name   string
		op     string
		args   []byte
		status engine.Status
		result []byte
	}{
		{"ok", "t.greet", args, engine.OK, wantResult},
		{"args do not match", "t.greet", []byte{9, 0, 0, 0, 'x'}, engine.ErrType, nil},
		{"unknown op", "t.nope", args, engine.ErrNotFound, nil},
		{"callee traps", "t.divmod", make([]byte, 8), engine.ErrRemote, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := sys.Request(ctx, caller, "call", callerRequest(ops, tc.op, tc.args))
			if err != nil {
				t.Fatal(err)
			}
			if len(reply) < 8 {
				t.Fatalf("reply % x", reply)
			}
			st := engine.Status(int32(binary.LittleEndian.Uint32(reply)))
			if st != tc.status || string(reply[8:]) != string(tc.result) {
				t.Fatalf("status %v, result %q; want %v, %q", st, reply[8:], tc.status, tc.result)
			}
		})
	}

	// The trap crashed the callee; it was restarted and serves again.
wait:
	for {
		select {
		case ev := <-events:
			if ev.Type == actor.EventRestarted && ev.PID == ops {
				ops = ev.NewPID
				break wait
			}
		case <-ctx.Done():
			t.Fatal("no restart of the crashed callee")
		}
	}
	if res, err := sys.Call(ctx, ops, "t.divmod", int32(9), int32(4)); err != nil || res[0] != int32(2) || res[1] != int32(1) {
		t.Fatalf("t.divmod(9, 4) after the restart = %v, %v", res, err)
	}
}
