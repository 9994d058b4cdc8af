package guest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// fakeHost implements the "wasmplane" imports just enough to drive one guest
// instance from a test: it records what the guest does and answers requests
// with a function of the test's choosing.
type fakeHost struct {
	self    uint64
	names   map[string]uint64
	dead    map[uint64]bool
	request func(to uint64, kind string, data []byte) ([]byte, int32)

	sent      []sent
	requests  []sent
	published []sent // to is 0
	replies   map[uint64][]byte
	subs      []string
	logs      []logLine

	held []byte // reply waiting for reply_take

	mod      api.Module
	stderr   bytes.Buffer
	inboxPtr uint32
	inboxCap uint32
}

type sent struct {
	to         uint64
	kind, data string
}

type logLine struct {
	level int32
	msg   string
}

const (
	errBadPointer     = -1
	errNotFound       = -3
	errDeadPID        = -4
	errBufferTooSmall = -8
)

// compilationCache makes each guest compile once per test binary, not once
// per test.
var compilationCache = wazero.NewCompilationCache()

// startGuest instantiates wasm with a fresh fake host and calls _initialize.
func startGuest(t *testing.T, wasm []byte, h *fakeHost) *fakeHost {
	t.Helper()
	ctx := t.Context()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(compilationCache))
	t.Cleanup(func() { r.Close(context.Background()) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	if _, err := h.hostModule(r).Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	if h.replies == nil {
		h.replies = map[uint64][]byte{}
	}
	// Compiled explicitly and never closed, so that compilationCache keeps
	// the code for the next test (InstantiateWithConfig would drop it).
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	cfg := wazero.NewModuleConfig().WithStartFunctions().WithStderr(&h.stderr)
	mod, err := r.InstantiateModule(ctx, cm, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.mod = mod
	if _, err := mod.ExportedFunction("_initialize").Call(ctx); err != nil {
		t.Fatalf("_initialize: %v\n%s", err, h.stderr.String())
	}
	return h
}

// call calls a guest export that returns an i32 status.
func (h *fakeHost) call(t *testing.T, name string, args ...uint64) (int32, error) {
	t.Helper()
	res, err := h.mod.ExportedFunction(name).Call(t.Context(), args...)
	if err != nil {
		return 0, err
	}
	return int32(res[0]), nil
}

// deliver passes one message the way the ABI describes: kind and data in the
// wasmplane_alloc buffer, which is reused while it is big enough.
func (h *fakeHost) deliver(t *testing.T, sender, corr uint64, flags uint32, kind string, data []byte) (int32, error) {
	t.Helper()
	n := uint32(len(kind) + len(data))
	if n > h.inboxCap {
		ptr, err := h.call(t, "wasmplane_alloc", uint64(n))
		if err != nil || ptr == 0 {
			t.Fatalf("wasmplane_alloc(%d) = %d, %v", n, ptr, err)
		}
		h.inboxPtr, h.inboxCap = uint32(ptr), n
	}
	mem := h.mod.Memory()
	kp, dp := h.inboxPtr, h.inboxPtr+uint32(len(kind))
	if !mem.WriteString(kp, kind) || !mem.Write(dp, data) {
		t.Fatal("inbox out of bounds")
	}
	return h.call(t, "wasmplane_receive", sender, corr, uint64(flags),
		uint64(kp), uint64(len(kind)), uint64(dp), uint64(len(data)))
}

func (h *fakeHost) hostModule(r wazero.Runtime) wazero.HostModuleBuilder {
	read := func(m api.Module, ptr, n uint32) (string, bool) {
		b, ok := m.Memory().Read(ptr, n)
		return string(b), ok
	}
	// out writes reply into (outPtr, outCap) and its length at outLenPtr.
	out := func(m api.Module, reply []byte, outPtr, outCap, outLenPtr uint32) int32 {
		if !m.Memory().WriteUint32Le(outLenPtr, uint32(len(reply))) {
			return errBadPointer
		}
		if uint32(len(reply)) > outCap {
			h.held = reply
			return errBufferTooSmall
		}
		if !m.Memory().Write(outPtr, reply) {
			return errBadPointer
		}
		h.held = nil
		return 0
	}
	b := r.NewHostModuleBuilder("wasmplane")
	fn := func(name string, f any) { b.NewFunctionBuilder().WithFunc(f).Export(name) }
	fn("send", func(_ context.Context, m api.Module, to uint64, kp, kl, dp, dl uint32) int32 {
		kind, ok1 := read(m, kp, kl)
		data, ok2 := read(m, dp, dl)
		if !ok1 || !ok2 {
			return errBadPointer
		}
		if h.dead[to] {
			return errDeadPID
		}
		h.sent = append(h.sent, sent{to, kind, data})
		return 0
	})
	fn("request", func(_ context.Context, m api.Module, to uint64, kp, kl, dp, dl uint32, timeout int32, op, oc, olp uint32) int32 {
		kind, ok1 := read(m, kp, kl)
		data, ok2 := read(m, dp, dl)
		if !ok1 || !ok2 {
			return errBadPointer
		}
		h.requests = append(h.requests, sent{to, kind, data})
		h.held = nil
		reply, st := h.request(to, kind, []byte(data))
		if st != 0 {
			return st
		}
		return out(m, reply, op, oc, olp)
	})
	fn("reply_take", func(_ context.Context, m api.Module, op, oc, olp uint32) int32 {
		if h.held == nil {
			return errNotFound
		}
		return out(m, h.held, op, oc, olp)
	})
	fn("reply", func(_ context.Context, m api.Module, corr uint64, dp, dl uint32) int32 {
		data, ok := read(m, dp, dl)
		if !ok {
			return errBadPointer
		}
		if _, done := h.replies[corr]; done || corr == 0 {
			return errNotFound
		}
		h.replies[corr] = []byte(data)
		return 0
	})
	fn("publish", func(_ context.Context, m api.Module, tp, tl, dp, dl uint32) int32 {
		topic, ok1 := read(m, tp, tl)
		data, ok2 := read(m, dp, dl)
		if !ok1 || !ok2 {
			return errBadPointer
		}
		h.published = append(h.published, sent{0, topic, data})
		return 0
	})
	fn("subscribe", func(_ context.Context, m api.Module, tp, tl uint32) int32 {
		topic, ok := read(m, tp, tl)
		if !ok {
			return errBadPointer
		}
		h.subs = append(h.subs, topic)
		return 0
	})
	fn("unsubscribe", func(_ context.Context, m api.Module, tp, tl uint32) int32 { return 0 })
	fn("log", func(_ context.Context, m api.Module, level int32, mp, ml uint32) int32 {
		msg, ok := read(m, mp, ml)
		if !ok {
			return errBadPointer
		}
		h.logs = append(h.logs, logLine{level, msg})
		return 0
	})
	fn("self", func(context.Context) uint64 { return h.self })
	fn("lookup", func(_ context.Context, m api.Module, np, nl, op uint32) int32 {
		name, ok := read(m, np, nl)
		if !ok {
			return errBadPointer
		}
		pid, found := h.names[name]
		if !found {
			return errNotFound
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], pid)
		if !m.Memory().Write(op, b[:]) {
			return errBadPointer
		}
		return 0
	})
	fn("now", func(context.Context) uint64 { return 12345 })
	return b
}
