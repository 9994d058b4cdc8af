package engine

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"
)

// TestCallImport drives the call and progress imports through the
// abicalls trampolines (the bad pointers are in
// TestHostFunctionsRejectBadPointers and TestHostileBadPointers).
func TestCallImport(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "abicalls", readWasm(t, "testdata/wat/abicalls.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	h := &fakeHost{reply: []byte("result bytes")}
	inst := instantiate(t, m, InstanceConfig{Host: h})
	mem := inst.Memory()
	mem.Write(0, []byte("calc.add"))
	mem.Write(16, []byte{1, 0, 0, 0, 2, 0, 0, 0})
	const out, outLen = 256, 128
	call := func(opLen, outCap uint64) Status {
		t.Helper()
		res, err := inst.Function("t_call").Call(inst.Context(), 7, 0, opLen, 16, 8, 100, out, outCap, outLen)
		if err != nil {
			t.Fatalf("trap: %v", err)
		}
		return Status(int32(res[0]))
	}

	if st := call(8, 64); st != OK {
		t.Fatalf("call: %v", st)
	}
	if n, _ := mem.ReadUint32Le(outLen); n != 12 {
		t.Fatalf("length written: %d", n)
	}
	if b, _ := mem.Read(out, 12); string(b) != "result bytes" {
		t.Fatalf("result %q", b)
	}
	if got := h.get(); !slices.Equal(got, []string{"call calc.add \x01\x00\x00\x00\x02\x00\x00\x00"}) {
		t.Fatalf("host saw %q", got)
	}

	// A result larger than out_cap is held for reply_take, as for request.
	if st := call(8, 4); st != ErrBufferTooSmall {
		t.Fatalf("small buffer: %v", st)
	}
	res, _ := inst.Function("t_reply_take").Call(inst.Context(), out, 64, outLen)
	if st := Status(int32(res[0])); st != OK {
		t.Fatalf("reply_take: %v", st)
	}
	if b, _ := mem.Read(out, 12); string(b) != "result bytes" {
		t.Fatalf("taken result %q", b)
	}

	// An empty operation name never reaches the host.
	before := len(h.get())
	if st := call(0, 64); st != ErrInvalidArg {
		t.Fatalf("empty op: %v", st)
	}
	if len(h.get()) != before {
		t.Fatal("the host was called with an empty op")
	}

	res, _ = inst.Function("t_progress").Call(inst.Context())
	if st := Status(int32(res[0])); st != OK || h.get()[len(h.get())-1] != "progress" {
		t.Fatalf("progress: %v, host saw %q", st, h.get())
	}

	// Without a host (the load probe), both say ERR_STOPPING.
	bare := instantiate(t, m, InstanceConfig{})
	res, _ = bare.Function("t_progress").Call(bare.Context())
	if st := Status(int32(res[0])); st != ErrStopping {
		t.Fatalf("progress without a host: %v", st)
	}
	res, _ = bare.Function("t_call").Call(bare.Context(), 7, 0, 8, 16, 8, 100, out, 64, outLen)
	if st := Status(int32(res[0])); st != ErrStopping {
		t.Fatalf("call without a host: %v", st)
	}
}

// callerMessage builds the data of caller.c's "call" message.
func callerMessage(to uint64, timeoutMS int32, outCap uint32, op string, args []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, to)
	b = binary.LittleEndian.AppendUint32(b, uint32(timeoutMS))
	b = binary.LittleEndian.AppendUint32(b, outCap)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(op)))
	b = append(b, op...)
	return append(b, args...)
}

// TestCallerGuest runs testdata/c/caller.wasm against the fake host: the
// call goes out through the import with the message's op and args, and
// the answer carries the status and the result, also when the result
// only fits after reply_take.
func TestCallerGuest(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "caller", readWasm(t, "testdata/c/caller.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	result := []byte("the canonical result bytes")
	h := &fakeHost{reply: result}
	inst := instantiate(t, m, InstanceConfig{Host: h})
	args := []byte{1, 0, 0, 0, 2, 0, 0, 0}
	for _, tc := range []struct {
		name   string
		outCap uint32
		take   bool
	}{{"fits", 64, false}, {"reply_take", 4, true}} {
		t.Run(tc.name, func(t *testing.T) {
			h.mu.Lock()
			h.calls = nil
			h.mu.Unlock()
			st, err := inst.Deliver(9, 5, 1, "call", callerMessage(3, 100, tc.outCap, "calc.add", args))
			if err != nil || st != 0 {
				t.Fatalf("deliver: %d %v", st, err)
			}
			status := OK
			if tc.take {
				status = ErrBufferTooSmall
			}
			want := binary.LittleEndian.AppendUint32(nil, uint32(status))
			want = binary.LittleEndian.AppendUint32(want, 0)
			want = append(want, result...)
			got := h.get()
			if len(got) != 2 || got[0] != "call calc.add "+string(args) || got[1] != "reply "+string(want) {
				t.Fatalf("host saw %q; want the call, then the reply % x", got, want)
			}
		})
	}

	// It serves typed calls too.
	ops := defineOps(t, "caller", map[string]string{"echo": "(s: string) -> (s: string)", "progress": "(n: i32) -> (status: i32)"})
	if got, err := callOp(t, inst, ops["echo"], "round trip"); err != nil || got[0] != "round trip" {
		t.Fatalf("caller.echo: %v %v", got, err)
	}
	h.mu.Lock()
	h.calls = nil
	h.mu.Unlock()
	if got, err := callOp(t, inst, ops["progress"], int32(3)); err != nil || got[0] != int32(OK) {
		t.Fatalf("caller.progress: %v %v", got, err)
	}
	if got := h.get(); !slices.Equal(got, []string{"progress", "progress", "progress"}) {
		t.Fatalf("host saw %q", got)
	}
}
