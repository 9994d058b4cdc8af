package engine

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// reentrantHost answers the guest's `call` by calling into the same
// instance again, from inside the import, as a reentrant callee would be
// called while it waits (docs/boundary.md, "Reentrancy").
type reentrantHost struct {
	fakeHost
	inst *Instance
	ops  map[string]*boundary.Operation
	// nest runs inside the first Call; later Calls answer "second".
	nest      func() ([]byte, error)
	calls     int
	deadlines []bool // whether each Call's wait context had a deadline
	err       error
}

func (h *reentrantHost) Call(ctx context.Context, _ uint64, op, args []byte, _ time.Duration) ([]byte, Status) {
	h.calls++
	_, dl := ctx.Deadline()
	h.deadlines = append(h.deadlines, dl)
	if string(op) == "r.self" {
		res, err := h.inst.CallOp(context.Background(), h.ops["self"], args)
		if err != nil {
			h.err = err
			return nil, ErrRemote
		}
		return res, OK
	}
	if h.calls == 1 && h.nest != nil {
		res, err := h.nest()
		if err != nil {
			h.err = err
			return nil, ErrRemote
		}
		return res, OK
	}
	return []byte("second"), OK
}

func newReentrant(t *testing.T, deadline time.Duration) (*Instance, *reentrantHost) {
	t.Helper()
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "reenter", readWasm(t, "testdata/wat/reenter.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	h := &reentrantHost{ops: defineOps(t, "r", map[string]string{
		"inc":  "(x: i32) -> (y: i32)",
		"self": "(n: i32) -> (sum: i32)",
	})}
	h.inst = instantiate(t, m, InstanceConfig{Host: h, Deadline: deadline})
	return h.inst, h
}

func u32At(t *testing.T, inst *Instance, off uint32) uint32 {
	t.Helper()
	v, ok := inst.Memory().ReadUint32Le(off)
	if !ok {
		t.Fatalf("read at %d", off)
	}
	return v
}

// TestReentrantCallOp: an operation called while the instance is blocked
// in `call` runs and answers; the blocked call then gets its (held)
// answer, and the running call's deadline is restored for its next wait.
func TestReentrantCallOp(t *testing.T) {
	inst, h := newReentrant(t, 5*time.Second)
	h.nest = func() ([]byte, error) {
		return inst.CallOp(context.Background(), h.ops["inc"], binary.LittleEndian.AppendUint32(nil, 99))
	}
	if st, err := inst.Deliver(1, 0, 0, "outer", []byte("AAAA")); err != nil || st != 0 {
		t.Fatalf("deliver: %d %v", st, err)
	}
	if h.err != nil {
		t.Fatal(h.err)
	}
	if st := Status(int32(u32At(t, inst, 8))); st != ErrBufferTooSmall {
		t.Errorf("call #1 with out_cap 0: %v, want ERR_BUFFER_TOO_SMALL", st)
	}
	if st := Status(int32(u32At(t, inst, 16))); st != OK {
		t.Errorf("reply_take after the nested call: %v; the held answer was lost", st)
	}
	if got := u32At(t, inst, 256); got != 100 {
		t.Errorf("taken answer %d, want the nested r.inc(99) = 100", got)
	}
	if st := Status(int32(u32At(t, inst, 12))); st != OK {
		t.Errorf("call #2: %v", st)
	}
	if b, _ := inst.Memory().Read(288, 6); string(b) != "second" {
		t.Errorf("call #2 answer %q", b)
	}
	if u32At(t, inst, 4) != 1 {
		t.Error("the message data changed under the outer call, though the nested op had no buffer arguments")
	}
	if len(h.deadlines) != 2 || !h.deadlines[0] || !h.deadlines[1] {
		t.Errorf("wait contexts had deadlines %v; the nested call must restore the outer call's", h.deadlines)
	}
	// The instance still serves normally.
	if got, err := callOp(t, inst, h.ops["inc"], int32(1)); err != nil || got[0] != int32(2) {
		t.Fatalf("after reentry: %v %v", got, err)
	}
}

// TestReentrantSameExport re-enters the export that is blocked: r.self(n)
// calls r.self(n-1) through the host, five levels deep. Each level must
// run on its own call engine.
func TestReentrantSameExport(t *testing.T) {
	inst, h := newReentrant(t, 5*time.Second)
	got, err := callOp(t, inst, h.ops["self"], int32(5))
	if err != nil || h.err != nil {
		t.Fatalf("r.self(5): %v, nested: %v", err, h.err)
	}
	if got[0] != int32(5+4+3+2+1) {
		t.Fatalf("r.self(5) = %v, want 15", got[0])
	}
}

// TestReentrantDelivery: a message delivered while the instance is
// blocked in `call` runs, but it is written into the same wasmplane_alloc
// region as the message being handled, which the guest still reads
// afterwards: the ABI gives the host one region per instance (the caveat
// in docs/abi.md, "Typed operations").
func TestReentrantDelivery(t *testing.T) {
	inst, h := newReentrant(t, 0)
	h.nest = func() ([]byte, error) {
		st, err := inst.Deliver(2, 0, 0, "inner", []byte("ZZZZ"))
		return binary.LittleEndian.AppendUint32(nil, uint32(st)), err
	}
	if st, err := inst.Deliver(1, 0, 0, "outer", []byte("AAAA")); err != nil || st != 0 {
		t.Fatalf("deliver: %d %v", st, err)
	}
	if h.err != nil {
		t.Fatal(h.err)
	}
	if n := u32At(t, inst, 0); n != 2 {
		t.Fatalf("%d receives ran, want 2 (the outer and the nested one)", n)
	}
	if u32At(t, inst, 4) != 0 {
		t.Fatal("the outer message survived the nested delivery; update docs/abi.md's caveat")
	}
}
