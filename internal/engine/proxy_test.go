package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// The third-party modules of these tests know nothing of wasmplane:
// testdata/wat/calc.wat (numbers, no memory), strlib.wat (cabi_realloc)
// and strlib_malloc.wat (malloc and free).

var calcOps = map[string]string{
	"add": "(a: i32, b: i32) -> (s: i32)",
	"mul": "(a: f64, b: f64) -> (p: f64)",
	"div": "(a: i32, b: i32) -> (q: i32)",
}

func opList(ops map[string]*boundary.Operation, names ...string) []*boundary.Operation {
	var out []*boundary.Operation
	for _, n := range names {
		out = append(out, ops[n])
	}
	return out
}

func loadProxy(t *testing.T, e *Engine, file string, exports map[string]string, ops []*boundary.Operation) *Module {
	t.Helper()
	m, err := e.LoadProxy(context.Background(), file, readWasm(t, "testdata/wat/"+file+".wasm"), exports, ops)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func TestProxyCalc(t *testing.T) {
	e := newEngine(t)
	ops := defineOps(t, "calc", calcOps)
	m := loadProxy(t, e, "calc", map[string]string{"calc.add": "add"}, // mul and div by default
		opList(ops, "add", "mul", "div"))
	if m.Kind().String() != "proxy" {
		t.Errorf("kind %v", m.Kind())
	}
	inst := instantiate(t, m, InstanceConfig{})
	if got, err := callOp(t, inst, ops["add"], int32(40), int32(2)); err != nil || got[0] != int32(42) {
		t.Fatalf("calc.add: %v %v", got, err)
	}
	if got, err := callOp(t, inst, ops["mul"], 1.5, 3.0); err != nil || got[0] != 4.5 {
		t.Fatalf("calc.mul: %v %v", got, err)
	}
	// It serves typed calls only.
	if _, err := inst.Deliver(1, 0, 0, "hello", nil); !errors.Is(err, ErrNoExport) {
		t.Fatalf("deliver to a proxy: %v", err)
	}
	other := defineOps(t, "other", map[string]string{"add": "(a: i32, b: i32) -> (s: i32)"})
	if _, err := callOp(t, inst, other["add"], int32(1), int32(2)); !errors.Is(err, ErrNoExport) || !strings.Contains(err.Error(), `"other.add"`) {
		t.Fatalf("an op the proxy was not loaded with: %v", err)
	}
	_, err := callOp(t, inst, ops["div"], int32(1), int32(0))
	var te *TrapError
	if !errors.As(err, &te) || te.Export != "div" {
		t.Fatalf("division by zero: %v, want a *TrapError in div", err)
	}
	// A preemptible proxy honours deadlines like a guest.
	if ok, why := m.Preemptible(); !ok {
		t.Errorf("not preemptible: %s", why)
	}
}

func TestProxyLoadErrors(t *testing.T) {
	e := newEngine(t)
	ops := defineOps(t, "calc", calcOps)
	bad := defineOps(t, "bad", map[string]string{
		"mul": "(a: f32, b: f32) -> (p: f32)",
		"len": "(s: string) -> (n: i32)",
	})
	for _, tc := range []struct {
		name    string
		file    string
		exports map[string]string
		ops     []*boundary.Operation
		want    []string
	}{
		{"missing export", "calc", map[string]string{"calc.add": "plus"}, opList(ops, "add"),
			[]string{`op "calc.add" (export "plus")`, "no such export"}},
		{"default export name", "calc", map[string]string{"bad.mul": "mul"}, opList(bad, "mul", "len"),
			[]string{`op "bad.len" (export "len")`, "no such export"}},
		{"signature", "calc", map[string]string{"bad.mul": "mul"}, opList(bad, "mul"),
			[]string{`op "bad.mul" (export "mul")`, `param "a": expected f32, got f64`, `result "p": expected f32, got f64`}},
		{"no memory", "calc", map[string]string{"bad.len": "add"}, opList(bad, "len"),
			[]string{"memory", `"bad.len"`, "exports none", "no allocator", "cabi_realloc", "malloc"}},
		{"unknown op in map", "calc", map[string]string{"calc.add": "add", "calc.sub": "add"}, opList(ops, "add"),
			[]string{`op "calc.sub"`, "not among the operations"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := e.LoadProxy(context.Background(), tc.file, readWasm(t, "testdata/wat/"+tc.file+".wasm"), tc.exports, tc.ops)
			if err == nil {
				m.Close(context.Background())
				t.Fatal("loaded")
			}
			if !errors.Is(err, ErrLoad) {
				t.Errorf("%v is not a load error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestProxyStrings(t *testing.T) {
	e := newEngine(t)
	ops := defineOps(t, "text", map[string]string{"reverse": "(s: string) -> (r: string)"})
	exports := map[string]string{"text.reverse": "reverse"}
	long := strings.Repeat("abcdefgh", 20000) // 160 KB: the module grows its memory
	t.Run("cabi_realloc", func(t *testing.T) {
		inst := instantiate(t, loadProxy(t, e, "strlib", exports, opList(ops, "reverse")), InstanceConfig{})
		allocs := func() uint64 {
			res, err := inst.Function("allocs").Call(inst.Context())
			if err != nil {
				t.Fatal(err)
			}
			return res[0]
		}
		for i, s := range []string{"wasm", "", long} {
			before := allocs()
			got, err := callOp(t, inst, ops["reverse"], s)
			if err != nil || got[0] != reverse(s) {
				t.Fatalf("reverse(%.20q…) = %.20q…, %v", s, got, err)
			}
			// One allocation for the argument (ownership passes to the
			// callee), one the module makes for its result.
			if n := allocs() - before; n != 2 {
				t.Errorf("call %d: %d allocations, want 2", i, n)
			}
		}
	})
	t.Run("malloc", func(t *testing.T) {
		inst := instantiate(t, loadProxy(t, e, "strlib_malloc", exports, opList(ops, "reverse")), InstanceConfig{})
		counter := func(name string) uint64 {
			res, err := inst.Function(name).Call(inst.Context())
			if err != nil {
				t.Fatal(err)
			}
			return res[0]
		}
		for _, s := range []string{"abc", "xy", long, "z"} {
			if got, err := callOp(t, inst, ops["reverse"], s); err != nil || got[0] != reverse(s) {
				t.Fatalf("reverse(%.20q…) = %.20q…, %v", s, got, err)
			}
		}
		// The host kept one buffer: malloc for "abc", then for long (after
		// freeing the first); the module's own mallocs make the rest.
		if a, f := counter("allocs"), counter("frees"); a != 4+2 || f != 1 {
			t.Errorf("%d mallocs and %d frees, want 6 and 1", a, f)
		}
	})
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
