package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func readWasm(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(context.Background(), Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	return e
}

// fakeHost records what guests ask of the host.
type fakeHost struct {
	mu    sync.Mutex
	calls []string
	reply []byte
}

func (h *fakeHost) rec(s string) {
	h.mu.Lock()
	h.calls = append(h.calls, s)
	h.mu.Unlock()
}

func (h *fakeHost) Send(to uint64, kind, data []byte) Status {
	h.rec("send " + string(kind) + " " + string(data))
	return OK
}
func (h *fakeHost) Request(_ context.Context, to uint64, kind, data []byte, _ time.Duration) ([]byte, Status) {
	h.rec("request " + string(kind) + " " + string(data))
	return h.reply, OK
}
func (h *fakeHost) Reply(corr uint64, data []byte) Status {
	h.rec("reply " + string(data))
	return OK
}
func (h *fakeHost) Publish(topic, data []byte) Status {
	h.rec("publish " + string(topic) + " " + string(data))
	return OK
}
func (h *fakeHost) Subscribe(topic []byte) Status   { h.rec("subscribe " + string(topic)); return OK }
func (h *fakeHost) Unsubscribe(topic []byte) Status { h.rec("unsubscribe " + string(topic)); return OK }
func (h *fakeHost) Log(level int32, msg []byte)     { h.rec("log " + string(msg)) }
func (h *fakeHost) Self() uint64                    { return 42 }
func (h *fakeHost) Lookup(name []byte) (uint64, Status) {
	h.rec("lookup " + string(name))
	return 7, OK
}
func (h *fakeHost) Now() int64 { return 1 }
func (h *fakeHost) Call(_ context.Context, to uint64, op, args []byte, _ time.Duration) ([]byte, Status) {
	h.rec("call " + string(op) + " " + string(args))
	return h.reply, OK
}
func (h *fakeHost) Progress() Status { h.rec("progress"); return OK }

func (h *fakeHost) get() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

func TestLoadCheck(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		file string
		kind Kind
		want []string // substrings of the error; nil means it loads
	}{
		{"testdata/wat/minimal.wasm", KindGuest, nil},
		{"testdata/c/participant.wasm", KindGuest, nil},
		{"testdata/wat/abicalls.wasm", KindGuest, nil},
		{"testdata/wat/upper_cmd.wasm", KindCommand, nil},
		{"testdata/wat/bad_no_receive.wasm", KindGuest, []string{"wasmplane_receive", "missing", "func (i64, i64, i32, i32, i32, i32, i32) -> (i32)", "no export of that name"}},
		{"testdata/wat/bad_receive_sig.wasm", KindGuest, []string{"wasmplane_receive", "wrong signature", "got func (i32) -> (i32)"}},
		{"testdata/wat/bad_abi_version.wasm", KindGuest, []string{"wasmplane_abi_version", "unsupported ABI version", "expected 1, got 2"}},
		{"testdata/wat/bad_no_memory.wasm", KindGuest, []string{"export memory", "missing"}},
		{"testdata/wat/bad_alloc_global.wasm", KindGuest, []string{"wasmplane_alloc", "a global export of that name"}},
		{"testdata/wat/minimal.wasm", KindCommand, []string{"_start", "missing"}},
		{"testdata/wat/upper_cmd.wasm", KindGuest, []string{"wasmplane_abi_version", "missing"}},
	} {
		t.Run(filepath.Base(tc.file)+"/"+tc.kind.String(), func(t *testing.T) {
			_, err := e.Compile(context.Background(), filepath.Base(tc.file), readWasm(t, tc.file), tc.kind)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrLoad) {
				t.Fatalf("got %v, want a load error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("garbage", func(t *testing.T) {
		_, err := e.Compile(context.Background(), "junk", []byte("\x00asm\x01\x00\x00\x00\xff\xff"), KindGuest)
		if !errors.Is(err, ErrLoad) || !strings.Contains(err.Error(), `"junk"`) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestHostFunctionsRejectBadPointers calls every host import through the
// abicalls trampolines with buffers that are out of bounds or overflow
// 2^32: each must return ERR_BAD_POINTER and never reach the host.
func TestHostFunctionsRejectBadPointers(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "abicalls", readWasm(t, "testdata/wat/abicalls.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{reply: []byte("r")}
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	size := uint64(inst.Memory().Size())
	bad := []struct {
		name     string
		ptr, len uint64
	}{
		{"past end", size - 2, 4},
		{"at end", size, 1},
		{"overflow", 0xFFFFFFF0, 0x20},
		{"huge len", 16, 0xFFFFFFFF},
	}
	// For each import: its arguments, with the index pairs that are buffers.
	type slot struct{ ptr, len int }
	calls := []struct {
		name string
		args []uint64
		bufs []slot
	}{
		{"send", []uint64{1, 0, 1, 0, 1}, []slot{{1, 2}, {3, 4}}},
		{"request", []uint64{1, 0, 1, 0, 1, 100, 64, 8, 128}, []slot{{1, 2}, {3, 4}, {6, 7}, {8, -1}}},
		{"reply_take", []uint64{64, 8, 128}, []slot{{0, 1}, {2, -1}}},
		{"reply", []uint64{5, 0, 1}, []slot{{1, 2}}},
		{"publish", []uint64{0, 1, 0, 1}, []slot{{0, 1}, {2, 3}}},
		{"subscribe", []uint64{0, 1}, []slot{{0, 1}}},
		{"unsubscribe", []uint64{0, 1}, []slot{{0, 1}}},
		{"log", []uint64{1, 0, 1}, []slot{{1, 2}}},
		{"lookup", []uint64{0, 1, 128}, []slot{{0, 1}, {2, -1}}},
		{"call", []uint64{1, 0, 1, 0, 1, 100, 64, 8, 128}, []slot{{1, 2}, {3, 4}, {6, 7}, {8, -1}}},
	}
	covered := map[string]bool{"self": true, "now": true, "progress": true} // no pointers
	for _, c := range calls {
		covered[c.name] = true
		fn := inst.Function("t_" + c.name)
		if fn == nil {
			t.Fatalf("abicalls has no t_%s", c.name)
		}
		for bi, b := range c.bufs {
			for _, bp := range bad {
				if b.len < 0 && bp.name == "huge len" {
					continue // a fixed-size out-param has no length to vary
				}
				t.Run(c.name+"/arg"+itoa(b.ptr)+"/"+bp.name, func(t *testing.T) {
					args := append([]uint64(nil), c.args...)
					args[b.ptr] = bp.ptr
					if b.len >= 0 {
						args[b.len] = bp.len
					}
					before := len(h.get())
					res, err := fn.Call(inst.Context(), args...)
					if err != nil {
						t.Fatalf("trap: %v", err)
					}
					if st := Status(int32(res[0])); st != ErrBadPointer {
						t.Fatalf("buffer %d: got %v, want ERR_BAD_POINTER", bi, st)
					}
					if got := h.get(); len(got) != before {
						t.Fatalf("the host was called despite a bad pointer: %v", got[before:])
					}
				})
			}
		}
	}
	for _, name := range HostFunctions() {
		if !covered[name] {
			t.Errorf("host function %s has no bad-pointer case", name)
		}
	}
	// And valid calls do reach the host.
	res, err := inst.Function("t_send").Call(inst.Context(), 1, 0, 0, 0, 0)
	if err != nil || Status(int32(res[0])) != OK {
		t.Fatalf("valid empty send: %v %v", res, err)
	}
	res, _ = inst.Function("t_log").Call(inst.Context(), 9, 0, 0)
	if Status(int32(res[0])) != ErrInvalidArg {
		t.Fatalf("log level 9: %v", Status(int32(res[0])))
	}
	res, _ = inst.Function("t_self").Call(inst.Context())
	if res[0] != 42 {
		t.Fatalf("self: %d", res[0])
	}
	res, _ = inst.Function("t_reply_take").Call(inst.Context(), 64, 8, 128)
	if Status(int32(res[0])) != ErrNotFound {
		t.Fatalf("reply_take with nothing held: %v", Status(int32(res[0])))
	}
}

func TestRequestReplyTooSmallIsHeld(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "abicalls", readWasm(t, "testdata/wat/abicalls.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{reply: []byte("a long reply")}
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	res, err := inst.Function("t_request").Call(inst.Context(), 1, 0, 1, 0, 0, 100, 256, 4, 128)
	if err != nil || Status(int32(res[0])) != ErrBufferTooSmall {
		t.Fatalf("small buffer: %v %v", res, err)
	}
	mem := inst.Memory()
	if n, _ := mem.ReadUint32Le(128); n != 12 {
		t.Fatalf("length written: %d", n)
	}
	res, _ = inst.Function("t_reply_take").Call(inst.Context(), 256, 64, 128)
	if Status(int32(res[0])) != OK {
		t.Fatalf("reply_take: %v", Status(int32(res[0])))
	}
	if b, _ := mem.Read(256, 12); string(b) != "a long reply" {
		t.Fatalf("reply bytes %q", b)
	}
	res, _ = inst.Function("t_reply_take").Call(inst.Context(), 256, 64, 128)
	if Status(int32(res[0])) != ErrNotFound {
		t.Fatal("the held reply was not released")
	}
}

func TestDeliverToCParticipant(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "participant", readWasm(t, "testdata/c/participant.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{}
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	for hk := range numHooks {
		if hk == HookPreStop {
			break
		}
		if err := inst.Hook(hk); err != nil {
			t.Fatal(err)
		}
	}
	big := bytes.Repeat([]byte("x"), 100_000) // forces wasmplane_alloc to grow
	for _, d := range [][]byte{[]byte("hi"), big} {
		st, err := inst.Deliver(3, 9, 1, "echo", d)
		if err != nil || st != 0 {
			t.Fatalf("echo: %d %v", st, err)
		}
	}
	if st, err := inst.Deliver(3, 0, 0, "fail", nil); err != nil || st == 0 {
		t.Fatalf("fail: status %d err %v, want non-zero status", st, err)
	}
	_, err = inst.Deliver(3, 0, 0, "trap", nil)
	var te *TrapError
	if !errors.As(err, &te) || te.Export != ExportReceive {
		t.Fatalf("trap: %v", err)
	}
	calls := h.get()
	want := []string{"log c:pre_start", "log c:post_start", "reply c:hi", "reply c:" + string(big)}
	if len(calls) < len(want) {
		t.Fatalf("calls %v", calls)
	}
	for i, w := range want {
		if calls[i] != w {
			t.Fatalf("call %d: got %.40q want %.40q", i, calls[i], w)
		}
	}
}

func TestMemoryLimit(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "participant", readWasm(t, "testdata/c/participant.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Instantiate(context.Background(), InstanceConfig{MemoryLimitPages: m.MinPages() - 1}); !errors.Is(err, ErrLoad) || !strings.Contains(err.Error(), "memory limit") {
		t.Fatalf("limit below the declared minimum: %v", err)
	}
	// One page above the minimum (the guest's scratch space), a message
	// needing a bigger buffer is refused by alloc (memory.grow returns -1),
	// not a crash.
	inst, err := m.Instantiate(context.Background(), InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: m.MinPages() + 1})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	_, err = inst.Deliver(1, 1, 1, "echo", make([]byte, 200_000))
	var te *TrapError
	if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "returned 0") {
		t.Fatalf("oversized delivery under a memory limit: %v", err)
	}
	if st, err := inst.Deliver(1, 1, 1, "echo", []byte("still fine")); err != nil || st != 0 {
		t.Fatalf("the instance must keep serving: %d %v", st, err)
	}
}

func TestCommandRun(t *testing.T) {
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "upper", readWasm(t, "testdata/wat/upper_cmd.wasm"), KindCommand)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(context.Background(), RunConfig{Stdin: []byte("hello, wasi")})
	if err != nil || string(out) != "HELLO, WASI" {
		t.Fatalf("run: %q %v", out, err)
	}
	var stderr bytes.Buffer
	_, err = m.Run(context.Background(), RunConfig{Stdin: []byte("fail now"), Stderr: &stderr})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 || !strings.Contains(stderr.String(), "asked to fail") {
		t.Fatalf("exit: %v, stderr %q", err, stderr.String())
	}
	if _, err := m.Run(context.Background(), RunConfig{Stdin: []byte("0123456789"), MaxStdout: 4}); !errors.Is(err, ErrStdoutTooLarge) {
		t.Fatalf("stdout limit: %v", err)
	}
}

func TestCompileCacheIsFileBacked(t *testing.T) {
	dir := t.TempDir()
	e, err := New(context.Background(), Config{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Compile(context.Background(), "p", readWasm(t, "testdata/c/participant.wasm"), KindGuest); err != nil {
		t.Fatal(err)
	}
	e.Close(context.Background())
	var files int
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("nothing was written to the compile cache")
	}
}

func TestExportKindsTruncated(t *testing.T) {
	bin := readWasm(t, "testdata/wat/minimal.wasm")
	for n := 0; n < len(bin); n++ {
		exportKinds(bin[:n]) // must not panic on any prefix
	}
	k, err := exportKinds(bin)
	if err != nil || k["wasmplane_receive"] != "function" || k["memory"] != "memory" {
		t.Fatalf("%v %v", k, err)
	}
}
