package boundary

import (
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func physicsRegistry(t testing.TB) *Registry {
	t.Helper()
	r := NewRegistry(RegistryOptions{Logger: quietLogger()})
	body := mustType(t, "record{name: string, mass: f64, pos: list<f64>}")
	err := r.Define(Interface{Name: "physics", Ops: []Op{
		{Name: "step", Params: []Param{{"dt", F64}, {"bodies", List(body)}, {"frame", I64}}, Results: []Param{{"moved", I32}}},
		{Name: "reset", Params: []Param{{"seed", I32}, {"hard", Bool}}},
		{Name: "snapshot", Params: []Param{{"tag", String}}, Results: []Param{{"data", Bytes}, {"count", I32}}},
		{Name: "scale", Params: []Param{{"k", F32}}, Results: []Param{{"k", F32}, {"n", I64}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// call is the shape of the actor's typed call: check, then invoke.
func call(r *Registry, op string, args []any, callee func([]any)) error {
	enc, err := r.EncodeCall(nil, op, args)
	if err != nil {
		return err
	}
	dec, err := r.DecodeCall(op, enc)
	if err != nil {
		return err
	}
	callee(dec)
	return nil
}

func TestTypedCalls(t *testing.T) {
	r := physicsRegistry(t)
	body := func(mass any) map[string]any { return map[string]any{"name": "b", "mass": mass, "pos": []any{1.0}} }
	bodies := func(bad any) []any { return []any{body(1.0), body(2.0), body(3.0), body(bad)} }
	for _, tc := range []struct {
		name  string
		op    string
		args  []any
		err   string // empty: the callee runs
		param string
		path  string
	}{
		{name: "ok", op: "physics.step", args: []any{0.016, bodies(4.0), int64(9)}},
		{name: "ok scalars", op: "physics.reset", args: []any{int32(1), true}},
		{name: "ok empty list", op: "physics.step", args: []any{0.016, []any{}, int64(9)}},
		{name: "nested mismatch", op: "physics.step", args: []any{0.016, bodies("heavy"), int64(9)},
			err: `op "physics.step" param "bodies"[3].mass: expected f64, got string`, param: "bodies", path: "[3].mass"},
		{name: "string for i32", op: "physics.reset", args: []any{"one", true},
			err: `op "physics.reset" param "seed": expected i32, got string`, param: "seed"},
		{name: "i32 for bool", op: "physics.reset", args: []any{int32(1), int32(1)}, err: `param "hard": expected bool, got i32`, param: "hard"},
		{name: "f32 for f64", op: "physics.step", args: []any{float32(1), []any{}, int64(1)}, err: `param "dt": expected f64, got f32`, param: "dt"},
		{name: "i32 for i64", op: "physics.step", args: []any{1.0, []any{}, int32(1)}, err: `param "frame": expected i64, got i32`, param: "frame"},
		{name: "bytes for string", op: "physics.snapshot", args: []any{[]byte("x")}, err: `param "tag": expected string, got bytes`, param: "tag"},
		{name: "string for f32", op: "physics.scale", args: []any{"x"}, err: `param "k": expected f32, got string`, param: "k"},
		{name: "record for list", op: "physics.step", args: []any{1.0, body(1.0), int64(1)}, err: `param "bodies": expected list<`, param: "bodies"},
		{name: "too few", op: "physics.reset", args: []any{int32(1)}, err: `op "physics.reset" args: expected 2 arguments (seed: i32, hard: bool), got 1`},
		{name: "too many", op: "physics.snapshot", args: []any{"a", "b"}, err: `expected 1 argument (tag: string), got 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			invoked := false
			err := call(r, tc.op, tc.args, func([]any) { invoked = true })
			if tc.err == "" {
				if err != nil || !invoked {
					t.Fatalf("err = %v, invoked = %v", err, invoked)
				}
				return
			}
			if invoked {
				t.Fatal("the callee ran on a mismatch")
			}
			var te *TypeError
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want a *TypeError containing %q", err, tc.err)
			}
			if te.Op != tc.op || te.Param != tc.param || te.Path != tc.path {
				t.Fatalf("got %+v", te)
			}
			if err := r.CheckCall(tc.op, tc.args); err == nil || err.Error() != te.Error() {
				t.Fatalf("CheckCall = %v, want %v", err, te)
			}
		})
	}
	if err := r.CheckCall("physics.nope", nil); !errors.Is(err, ErrUnknownOp) {
		t.Fatalf("unknown op: %v", err)
	}
}

func TestDecodeCallResults(t *testing.T) {
	r := physicsRegistry(t)
	o, _ := r.Lookup("physics.snapshot")
	enc, err := o.EncodeResults(nil, []any{[]byte{1, 2}, int32(2)}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := o.DecodeResults(enc, Limits{})
	if err != nil || !reflect.DeepEqual(got, []any{[]byte{1, 2}, int32(2)}) {
		t.Fatalf("results %v, %v", got, err)
	}
	if _, err := o.DecodeResults(enc[:5], Limits{}); err == nil || !strings.Contains(err.Error(), "at least 8 bytes") {
		t.Fatalf("short results: %v", err)
	}
	if err := o.CheckResults([]any{"x", int32(1)}, Limits{}); err == nil || !strings.Contains(err.Error(), `param "data": expected bytes, got string`) {
		t.Fatalf("CheckResults: %v", err)
	}
}

func TestDefineErrors(t *testing.T) {
	r := physicsRegistry(t)
	for _, tc := range []struct {
		name string
		in   Interface
		want error
	}{
		{"duplicate interface", Interface{Name: "physics"}, ErrDuplicate},
		{"bad name", Interface{Name: "a.b"}, ErrBadType},
		{"duplicate op", Interface{Name: "x", Ops: []Op{{Name: "a"}, {Name: "a"}}}, ErrDuplicate},
		{"duplicate param", Interface{Name: "y", Ops: []Op{{Name: "a", Params: []Param{{"p", I32}, {"p", I32}}}}}, ErrBadType},
		{"empty record", Interface{Name: "z", Ops: []Op{{Name: "a", Params: []Param{{"p", Record()}}}}}, ErrBadType},
		{"nil type", Interface{Name: "w", Ops: []Op{{Name: "a", Results: []Param{{"p", nil}}}}}, ErrBadType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.Define(tc.in); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCoreSignature(t *testing.T) {
	r := physicsRegistry(t)
	for _, tc := range []struct{ op, want string }{
		{"physics.step", "(f64, i32, i32, i64) -> (i32)"},
		{"physics.reset", "(i32, i32) -> ()"},
		{"physics.snapshot", "(i32, i32) -> (i64)"},
		{"physics.scale", "(f32) -> (f32, i64)"},
	} {
		o, _ := r.Lookup(tc.op)
		ps, rs := o.CoreSignature()
		if got := sigString(coreTypes(ps), coreTypes(rs)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.op, got, tc.want)
		}
	}
}

func TestCheckModule(t *testing.T) {
	r := physicsRegistry(t)
	good := func() []FuncSig {
		return []FuncSig{
			{Name: "physics.step", Params: []ValueType{ValueF64, ValueI32, ValueI32, ValueI64}, Results: []ValueType{ValueI32}},
			{Name: "physics.reset", Params: []ValueType{ValueI32, ValueI32}},
			{Name: "physics.snapshot", Params: []ValueType{ValueI32, ValueI32}, Results: []ValueType{ValueI64}},
			{Name: "physics.scale", Params: []ValueType{ValueF32}, Results: []ValueType{ValueF32, ValueI64}},
			{Name: "memory_helper"},
		}
	}
	edit := func(f func([]FuncSig) []FuncSig) []FuncSig { return f(good()) }
	for _, tc := range []struct {
		name   string
		ifaces []string
		sigs   []FuncSig
		want   []Mismatch
	}{
		{name: "ok", ifaces: []string{"physics"}, sigs: good()},
		{name: "missing export", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { return s[1:] }),
			want: []Mismatch{{Op: "physics.step", Expected: "(f64, i32, i32, i64) -> (i32)", Actual: "no such export"}}},
		{name: "wrong param type", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[0].Params[0] = ValueF32; return s }),
			want: []Mismatch{{Op: "physics.step", Param: `param "dt"`, Expected: "f64", Actual: "f32"}}},
		{name: "composite as scalar", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[0].Params[2] = ValueI64; return s }),
			want: []Mismatch{{Op: "physics.step", Param: `param "bodies" (len)`, Expected: "i32", Actual: "i64"}}},
		{name: "too few params", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[1].Params = s[1].Params[:1]; return s }),
			want: []Mismatch{{Op: "physics.reset", Param: `param "hard"`, Expected: "i32", Actual: "nothing (the export has 1 core params)"}}},
		{name: "too many params", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[1].Params = append(s[1].Params, ValueF64); return s }),
			want: []Mismatch{{Op: "physics.reset", Param: "param #2", Expected: "nothing (the operation lowers to 2 core params)", Actual: "f64"}}},
		{name: "wrong result", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[2].Results[0] = ValueI32; return s }),
			want: []Mismatch{{Op: "physics.snapshot", Param: `result "data,count" (packed)`, Expected: "i64", Actual: "i32"}}},
		{name: "missing result", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[3].Results = s[3].Results[:1]; return s }),
			want: []Mismatch{{Op: "physics.scale", Param: `result "n"`, Expected: "i64", Actual: "nothing (the export has 1 core results)"}}},
		{name: "extra result", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[1].Results = []ValueType{ValueI32}; return s }),
			want: []Mismatch{{Op: "physics.reset", Param: "result #0", Expected: "nothing (the operation lowers to 0 core results)", Actual: "i32"}}},
		{name: "unknown interface", ifaces: []string{"render"}, sigs: good(),
			want: []Mismatch{{Op: "render.*", Expected: "a defined interface", Actual: "unknown interface"}}},
		{name: "several at once", ifaces: []string{"physics"}, sigs: edit(func(s []FuncSig) []FuncSig { s[0].Results = nil; s[3].Params[0] = ValueF64; return s }),
			want: []Mismatch{
				{Op: "physics.step", Param: `result "moved"`, Expected: "i32", Actual: "nothing (the export has 0 core results)"},
				{Op: "physics.scale", Param: `param "k"`, Expected: "f32", Actual: "f64"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := r.CheckModule("sim", tc.ifaces, tc.sigs)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var me *ModuleError
			if !errors.As(err, &me) || !errors.Is(err, ErrModule) || me.Component != "sim" {
				t.Fatalf("err = %v, want *ModuleError", err)
			}
			if !reflect.DeepEqual(me.Mismatches, tc.want) {
				t.Fatalf("mismatches:\n got %#v\nwant %#v", me.Mismatches, tc.want)
			}
		})
	}
}

func TestCheckImports(t *testing.T) {
	r := physicsRegistry(t)
	if err := r.Define(Interface{Name: "render", Ops: []Op{{Name: "draw"}}}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Declare(ComponentDecl{Name: "game", Imports: []string{"physics", "render"}}))
	must(r.Declare(ComponentDecl{Name: "sim", Exports: []string{"physics"}}))
	err := r.CheckImports()
	if !errors.Is(err, ErrNoExporter) || !strings.Contains(err.Error(), `component "game" imports interface "render"`) || strings.Contains(err.Error(), "physics") {
		t.Fatalf("err = %v", err)
	}
	must(r.Declare(ComponentDecl{Name: "gpu", Exports: []string{"render"}}))
	must(r.CheckImports())
	if err := r.Declare(ComponentDecl{Name: "x", Imports: []string{"audio"}}); !errors.Is(err, ErrUnknownOp) {
		t.Fatalf("unknown interface: %v", err)
	}
	if err := r.Declare(ComponentDecl{Name: "sim"}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	r.Undeclare("gpu")
	if err := r.CheckImports(); !errors.Is(err, ErrNoExporter) {
		t.Fatalf("after Undeclare: %v", err)
	}
}
