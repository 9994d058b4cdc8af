package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// opsIface declares the operations of testdata/wat/ops.wat.
var opsIface = map[string]string{
	"answer":     "() -> (x: i32)",
	"sink":       "(x: i32) -> ()",
	"add_i32":    "(a: i32, b: i32) -> (s: i32)",
	"add_i64":    "(a: i64, b: i64) -> (s: i64)",
	"mul_f32":    "(a: f32, b: f32) -> (p: f32)",
	"mul_f64":    "(a: f64, b: f64) -> (p: f64)",
	"not":        "(b: bool) -> (r: bool)",
	"divmod":     "(a: i32, b: i32) -> (q: i32, r: i32)",
	"split":      "(x: f64) -> (whole: i64, frac: f64, neg: bool)",
	"sum":        "(b: bytes) -> (s: i32)",
	"greet":      "(name: string) -> (s: string)",
	"centroid":   "(pts: list<record{x: f64, y: f64}>) -> (c: record{x: f64, y: f64})",
	"mix":        "(a: i32, s: string, b: bytes, f: f64, ok: bool) -> (n: i64, joined: string)",
	"bad_packed": "(mode: i32) -> (s: string)",
	"bad_bool":   "() -> (b: bool)",
	"spin":       "() -> ()",
	"wrong_sig":  "(a: i32) -> (r: i32)",
	"missing":    "(a: i32) -> (r: i32)",
}

// defineOps registers an interface from "(name: type, …) -> (…)" strings
// and returns its operations by short name.
func defineOps(t testing.TB, iface string, decls map[string]string) map[string]*boundary.Operation {
	t.Helper()
	params := func(s string) []boundary.Param {
		s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "("), ")")
		var out []boundary.Param
		depth, start := 0, 0
		for i := 0; i <= len(s); i++ {
			if i < len(s) {
				switch s[i] {
				case '<', '{':
					depth++
				case '>', '}':
					depth--
				}
				if s[i] != ',' || depth > 0 {
					continue
				}
			}
			part := strings.TrimSpace(s[start:i])
			start = i + 1
			if part == "" {
				continue
			}
			name, typ, _ := strings.Cut(part, ":")
			ty, err := boundary.ParseType(strings.TrimSpace(typ))
			if err != nil {
				t.Fatalf("%s: %v", part, err)
			}
			out = append(out, boundary.Param{Name: strings.TrimSpace(name), Type: ty})
		}
		return out
	}
	in := boundary.Interface{Name: iface}
	for name, d := range decls {
		ps, rs, _ := strings.Cut(d, "->")
		in.Ops = append(in.Ops, boundary.Op{Name: name, Params: params(ps), Results: params(rs)})
	}
	r := boundary.NewRegistry(boundary.RegistryOptions{})
	if err := r.Define(in); err != nil {
		t.Fatal(err)
	}
	ops := map[string]*boundary.Operation{}
	for name := range decls {
		ops[name], _ = r.Lookup(iface + "." + name)
	}
	return ops
}

func newOpsInstance(t testing.TB, cfg InstanceConfig) (*Instance, map[string]*boundary.Operation) {
	t.Helper()
	e := newEngine(t)
	m, err := e.Compile(context.Background(), "ops", readWasm(t, "testdata/wat/ops.wasm"), KindGuest)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	if cfg.Host == nil {
		cfg.Host = &fakeHost{}
	}
	return instantiate(t, m, cfg), defineOps(t, "t", opsIface)
}

// callOp encodes args, calls op and decodes its results.
func callOp(t testing.TB, inst *Instance, op *boundary.Operation, args ...any) ([]any, error) {
	t.Helper()
	enc, err := op.EncodeArgs(nil, args, boundary.Limits{})
	if err != nil {
		t.Fatalf("encode %s%v: %v", op.Name, args, err)
	}
	out, err := inst.CallOp(context.Background(), op, enc)
	if err != nil {
		return nil, err
	}
	res, err := op.DecodeResults(out, boundary.Limits{})
	if err != nil {
		t.Fatalf("%s returned %x, not its results: %v", op.Name, out, err)
	}
	return res, nil
}

func point(x, y float64) map[string]any { return map[string]any{"x": x, "y": y} }

func TestCallOp(t *testing.T) {
	inst, ops := newOpsInstance(t, InstanceConfig{})
	long := strings.Repeat("é", 10000) // 20,000 bytes: the buffer must grow
	for _, tc := range []struct {
		name string
		op   string
		args []any
		want []any
	}{
		{"no params", "answer", nil, []any{int32(42)}},
		{"no results", "sink", []any{int32(7)}, []any{}},
		{"i32", "add_i32", []any{int32(-5), int32(3)}, []any{int32(-2)}},
		{"i32 wraps", "add_i32", []any{int32(math.MaxInt32), int32(1)}, []any{int32(math.MinInt32)}},
		{"i64", "add_i64", []any{int64(1) << 40, int64(-1)}, []any{int64(1)<<40 - 1}},
		{"f32", "mul_f32", []any{float32(1.5), float32(-4)}, []any{float32(-6)}},
		{"f64", "mul_f64", []any{2.5, 4.0}, []any{10.0}},
		{"bool true", "not", []any{true}, []any{false}},
		{"bool false", "not", []any{false}, []any{true}},
		{"multi-value", "divmod", []any{int32(17), int32(5)}, []any{int32(3), int32(2)}},
		{"multi-value mixed", "split", []any{-2.25}, []any{int64(-2), -0.25, true}},
		{"bytes", "sum", []any{[]byte{1, 2, 3, 250}}, []any{int32(256)}},
		{"empty bytes", "sum", []any{[]byte{}}, []any{int32(0)}},
		{"string result", "greet", []any{"wasm"}, []any{"hello, wasm"}},
		{"long string", "greet", []any{long}, []any{"hello, " + long}},
		{"list of records", "centroid", []any{[]any{point(0, 0), point(4, 2), point(2, 10)}}, []any{point(2, 4)}},
		{"several buffers", "mix", []any{int32(10), "ab", []byte("cde"), 7.9, true}, []any{int64(10 + 2 + 3 + 7 + 1), "abcde"}},
		{"empty buffers", "mix", []any{int32(1), "", []byte{}, 0.0, false}, []any{int64(1), ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := callOp(t, inst, ops[tc.op], tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("%s%v = %v, want %v", tc.op, tc.args, got, tc.want)
			}
		})
	}
	if v, _ := inst.Memory().ReadUint32Le(16); v != 7 {
		t.Errorf("sink stored %d, want 7", v)
	}
	// The guest's own buffer was reused: scalars-only calls do not touch it.
	if inst.bufN != uint32(len(long)) {
		t.Errorf("inbound buffer is %d bytes, want the largest argument (%d)", inst.bufN, len(long))
	}
}

// TestCallOpHostile: a guest's bad answers, traps and wrong exports are
// errors that say what went wrong, never a host panic; the instance stays
// usable unless it trapped.
func TestCallOpHostile(t *testing.T) {
	inst, ops := newOpsInstance(t, InstanceConfig{})
	stillServes := func(t *testing.T) {
		t.Helper()
		if got, err := callOp(t, inst, ops["greet"], "again"); err != nil || got[0] != "hello, again" {
			t.Fatalf("the instance stopped serving: %v, %v", got, err)
		}
	}
	for mode, what := range []string{"wraps 2^32", "past the end", "huge length"} {
		t.Run("packed result "+what, func(t *testing.T) {
			_, err := callOp(t, inst, ops["bad_packed"], int32(mode))
			if !errors.Is(err, ErrBadResult) || !strings.Contains(err.Error(), `"t.bad_packed"`) || !strings.Contains(err.Error(), "outside memory") {
				t.Fatalf("got %v, want ErrBadResult naming the export and the memory", err)
			}
			stillServes(t)
		})
	}
	t.Run("bool not 0 or 1", func(t *testing.T) {
		_, err := callOp(t, inst, ops["bad_bool"])
		if !errors.Is(err, ErrBadResult) || !strings.Contains(err.Error(), `bool result "b"`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("wrong signature", func(t *testing.T) {
		_, err := callOp(t, inst, ops["wrong_sig"], int32(1))
		var me *boundary.ModuleError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), `param "a": expected i32, got i64`) {
			t.Fatalf("got %v, want a *boundary.ModuleError naming the param", err)
		}
	})
	t.Run("missing export", func(t *testing.T) {
		_, err := callOp(t, inst, ops["missing"], int32(1))
		if !errors.Is(err, boundary.ErrModule) || !strings.Contains(err.Error(), "no such export") {
			t.Fatalf("got %v", err)
		}
		stillServes(t)
	})
	t.Run("malformed args", func(t *testing.T) {
		for _, c := range []struct {
			op   string
			args []byte
		}{
			{"add_i32", []byte{1, 2, 3}},                               // i32 cut short
			{"sink", []byte{1, 0, 0, 0, 9}},                            // a trailing byte
			{"greet", binary.LittleEndian.AppendUint32(nil, 1000)},     // a string longer than its bytes
			{"not", []byte{2}},                                         // a bool that is neither 0 nor 1
			{"centroid", binary.LittleEndian.AppendUint32(nil, 1<<30)}, // a billion points in 4 bytes
			{"mix", []byte{1, 0, 0, 0}},                                // stops after the first param
		} {
			op := ops[c.op]
			_, err := inst.CallOp(context.Background(), op, c.args)
			var te *boundary.TypeError
			if !errors.As(err, &te) || te.Op != op.Name {
				t.Errorf("%s(% x): got %v, want a *boundary.TypeError", op.Name, c.args, err)
			}
		}
		stillServes(t)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := inst.CallOp(ctx, ops["sink"], []byte{9, 0, 0, 0}); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		if v, _ := inst.Memory().ReadUint32Le(16); v == 9 {
			t.Fatal("the op ran although its context was done")
		}
	})
	for mode, what := range map[uint64]string{1: "outside memory", 2: "returned 0"} {
		t.Run("alloc "+what, func(t *testing.T) {
			inst, ops := newOpsInstance(t, InstanceConfig{})
			inst.Function("set_alloc_mode").Call(inst.Context(), mode)
			_, err := callOp(t, inst, ops["greet"], "more than six bytes")
			if err == nil || !strings.Contains(err.Error(), ExportAlloc) || !strings.Contains(err.Error(), what) {
				t.Fatalf("got %v, want an error naming %s", err, ExportAlloc)
			}
			var te *TrapError
			if errors.As(err, &te) {
				t.Fatalf("a lying allocator is not a trap: %v", err)
			}
			inst.Function("set_alloc_mode").Call(inst.Context(), 0)
			if got, err := callOp(t, inst, ops["greet"], "y"); err != nil || got[0] != "hello, y" {
				t.Fatalf("after an honest alloc: %v, %v", got, err)
			}
		})
	}
	// Last: a trap leaves the instance unusable.
	t.Run("trap", func(t *testing.T) {
		_, err := callOp(t, inst, ops["divmod"], int32(1), int32(0))
		var te *TrapError
		if !errors.As(err, &te) || te.Export != "t.divmod" || !strings.Contains(err.Error(), "divide by zero") {
			t.Fatalf("got %v, want a *TrapError in t.divmod", err)
		}
	})
}

func TestCallOpDeadline(t *testing.T) {
	inst, ops := newOpsInstance(t, InstanceConfig{Deadline: 20 * time.Millisecond})
	if got, err := callOp(t, inst, ops["add_i32"], int32(1), int32(2)); err != nil || got[0] != int32(3) {
		t.Fatalf("a quick op under a deadline: %v %v", got, err)
	}
	_, err := callOp(t, inst, ops["spin"])
	var te *TrapError
	if !errors.As(err, &te) || !errors.Is(err, ErrDeadline) || te.Export != "t.spin" {
		t.Fatalf("got %v, want a deadline trap in t.spin", err)
	}
}

func TestCallOpInterrupt(t *testing.T) {
	inst, ops := newOpsInstance(t, InstanceConfig{})
	done := make(chan error, 1)
	go func() {
		_, err := inst.CallOp(context.Background(), ops["spin"], nil)
		done <- err
	}()
	// The flag stays set, so a kill before the guest starts stops it too.
	if !inst.Interrupt() {
		t.Fatal("not interruptible")
	}
	select {
	case err := <-done:
		var te *TrapError
		if !errors.Is(err, ErrKilled) || !errors.As(err, &te) || te.Export != "t.spin" {
			t.Fatalf("got %v, want ErrKilled in t.spin", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the killed op did not return")
	}
}

// FuzzCallOpArgs feeds arbitrary bytes as the arguments of operations with
// buffers: CallOp must refuse them or run, never panic.
func FuzzCallOpArgs(f *testing.F) {
	inst, ops := newOpsInstance(f, InstanceConfig{})
	mix, _ := ops["mix"].EncodeArgs(nil, []any{int32(1), "s", []byte("b"), 1.0, true}, boundary.Limits{})
	cen, _ := ops["centroid"].EncodeArgs(nil, []any{[]any{point(1, 2)}}, boundary.Limits{})
	f.Add(uint8(0), mix)
	f.Add(uint8(1), cen)
	f.Add(uint8(2), []byte{0xff, 0xff, 0xff, 0xff})
	names := []string{"mix", "centroid", "greet", "sum", "split"}
	f.Fuzz(func(t *testing.T, which uint8, args []byte) {
		op := ops[names[int(which)%len(names)]]
		// Every accepted encoding is one the guest handles (centroid gets
		// exactly 4 + 16 * count bytes), so nothing traps.
		if _, err := inst.CallOp(context.Background(), op, args); err != nil && !errors.Is(err, boundary.ErrType) {
			t.Fatalf("%s(% x): %v", op.Name, args, err)
		}
	})
}

func BenchmarkCallOp(b *testing.B) {
	inst, ops := newOpsInstance(b, InstanceConfig{})
	for _, bc := range []struct {
		op   string
		args []any
	}{
		{"add_i32", []any{int32(1), int32(2)}},
		{"greet", []any{"bench"}},
		{"centroid", []any{[]any{point(1, 2), point(3, 4), point(5, 6), point(7, 8)}}},
	} {
		b.Run(bc.op, func(b *testing.B) {
			op := ops[bc.op]
			args, err := op.EncodeArgs(nil, bc.args, boundary.Limits{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := inst.CallOp(context.Background(), op, args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
