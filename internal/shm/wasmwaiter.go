package shm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// WasmWaiter is a Waiter that shares the wait queues of guests on one
// wazero shared memory, so the host and guests wake one another.
//
// wazero keeps memory.atomic.wait32/notify queues inside its (internal)
// memory instance and exports no host API for them. WasmWaiter therefore
// instantiates a helper module of about 100 bytes that imports the same shared
// memory and exports two functions running the instructions themselves:
// wait32(addr, expected, timeout_ns) and notify(addr, count)
// (testdata/waiter.wat; the bytes are built by waiterModule). A host call
// costs one Go→wasm call on top of wazero's own wait/notify.
//
// WasmWaiter is safe for concurrent use.
type WasmWaiter struct {
	mod          api.Module
	waits, notes sync.Pool // *call
}

type call struct {
	fn    api.Function
	stack []uint64
}

// NewWasmWaiter instantiates the helper in rt, importing the shared memory
// exported as importName by the module instantiated as importModule. rt
// must have experimental.CoreFeaturesThreads enabled and should use the
// compiler (see doc.go, # Caveats). Close the returned waiter (or rt) to
// release the helper.
func NewWasmWaiter(ctx context.Context, rt wazero.Runtime, importModule, importName string) (*WasmWaiter, error) {
	cm, err := rt.CompileModule(ctx, waiterModule(importModule, importName))
	if err != nil {
		return nil, fmt.Errorf("shm: compile the wait/notify helper (is experimental.CoreFeaturesThreads enabled?): %w", err)
	}
	mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("shm: instantiate the wait/notify helper importing %s.%s (a shared memory): %w", importModule, importName, err)
	}
	w := &WasmWaiter{mod: mod}
	w.waits.New = func() any { return &call{fn: mod.ExportedFunction("wait32"), stack: make([]uint64, 3)} }
	w.notes.New = func() any { return &call{fn: mod.ExportedFunction("notify"), stack: make([]uint64, 2)} }
	return w, nil
}

// Memory returns the shared memory. Memory().Read(0, Memory().Size()) is
// the view to pass to Open.
func (w *WasmWaiter) Memory() api.Memory { return w.mod.Memory() }

// Close releases the helper module.
func (w *WasmWaiter) Close(ctx context.Context) error { return w.mod.Close(ctx) }

// Wait32 implements Waiter with memory.atomic.wait32.
func (w *WasmWaiter) Wait32(off, expected uint32, timeout time.Duration) WaitResult {
	c := w.waits.Get().(*call)
	t := int64(-1)
	if timeout >= 0 {
		t = int64(timeout)
	}
	c.stack[0], c.stack[1], c.stack[2] = uint64(off), uint64(expected), uint64(t)
	err := c.fn.CallWithStack(context.Background(), c.stack)
	r := WaitResult(c.stack[0])
	w.waits.Put(c)
	if err != nil {
		// Only a trap (unaligned or out-of-bounds off) gets here; the
		// primitives pass descriptor words only.
		panic(fmt.Sprintf("shm: wait32 at %d: %v", off, err))
	}
	return r
}

// Notify implements Waiter with memory.atomic.notify.
func (w *WasmWaiter) Notify(off, count uint32) uint32 {
	c := w.notes.Get().(*call)
	c.stack[0], c.stack[1] = uint64(off), uint64(count)
	err := c.fn.CallWithStack(context.Background(), c.stack)
	n := uint32(c.stack[0])
	w.notes.Put(c)
	if err != nil {
		panic(fmt.Sprintf("shm: notify at %d: %v", off, err))
	}
	return n
}

// waiterModule encodes testdata/waiter.wat with the import names given:
//
//	(module
//	  (import "<mod>" "<name>" (memory 0 65536 shared))
//	  (func (export "wait32") (param i32 i32 i64) (result i32)
//	    local.get 0 local.get 1 local.get 2 memory.atomic.wait32)
//	  (func (export "notify") (param i32 i32) (result i32)
//	    local.get 0 local.get 1 memory.atomic.notify))
//
// The import accepts any shared memory: its minimum is 0 and its maximum
// the wasm32 limit.
func waiterModule(module, name string) []byte {
	str := func(s string) []byte { return append(uleb(uint64(len(s))), s...) }
	section := func(id byte, body ...[]byte) []byte {
		var b []byte
		for _, p := range body {
			b = append(b, p...)
		}
		return append(append([]byte{id}, uleb(uint64(len(b)))...), b...)
	}
	const i32, i64 = 0x7f, 0x7e
	types := []byte{2, 0x60, 3, i32, i32, i64, 1, i32, 0x60, 2, i32, i32, 1, i32}
	imp := append([]byte{1}, str(module)...)
	imp = append(imp, str(name)...)
	imp = append(imp, 0x02, 0x03, 0x00) // memory, limits: shared+max, min 0
	imp = append(imp, uleb(65536)...)
	funcs := []byte{2, 0, 1}
	exp := append([]byte{2}, str("wait32")...)
	exp = append(exp, 0x00, 0)
	exp = append(exp, str("notify")...)
	exp = append(exp, 0x00, 1)
	wait := []byte{0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfe, 0x01, 2, 0, 0x0b} // no locals; memarg align 2 offset 0
	note := []byte{0, 0x20, 0, 0x20, 1, 0xfe, 0x00, 2, 0, 0x0b}
	code := []byte{2}
	code = append(append(code, uleb(uint64(len(wait)))...), wait...)
	code = append(append(code, uleb(uint64(len(note)))...), note...)
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(m, section(1, types)...)
	m = append(m, section(2, imp)...)
	m = append(m, section(3, funcs)...)
	m = append(m, section(7, exp)...)
	m = append(m, section(10, code)...)
	return m
}

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}
