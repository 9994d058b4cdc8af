package wasmplane_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/manifest"
)

// TestAppBoundaryFromManifest: the manifest's boundary section and the
// components' priorities reach the running system: token timeouts per
// pair, the higher-priority exporter handles the interface, and a queued
// one takes over when it stops.
func TestAppBoundaryFromManifest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "wasmplane.json"), []byte(`{"version": 1,
  "interfaces": [{"name": "kv", "operations": [
    {"name": "get", "params": [{"name": "key", "type": "string"}], "results": [{"name": "value", "type": "string"}]}]}],
  "boundary": {"token_timeout": "20ms", "pairs": [{"caller": "host", "callee": "main", "token_timeout": "7ms"}]},
  "components": [
    {"name": "backup", "kind": "go", "factory": "store", "exports": ["kv"], "priority": 2},
    {"name": "main", "kind": "go", "factory": "store", "exports": ["kv"], "priority": 6},
    {"name": "spare", "kind": "go", "factory": "store", "exports": ["kv"], "priority": 1, "on_conflict": "drop"}]}`), 0o644)
	m, err := manifest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.System.CacheDir = t.TempDir()
	var n int
	app, err := wasmplane.StartApp(context.Background(), m, wasmplane.AppOptions{
		Factories: map[string]wasmplane.Factory{"store": func() (wasmplane.Component, error) {
			n++
			return &store{tag: []string{"backup", "main", "spare"}[(n-1)%3]}, nil
		}},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.Background())
	sys := app.System()
	if d := sys.TokenTimeout(wasmplane.HostName, "main"); d != 7*time.Millisecond {
		t.Errorf("host->main token timeout %v, want 7ms", d)
	}
	if d := sys.TokenTimeout(wasmplane.HostName, "backup"); d != 20*time.Millisecond {
		t.Errorf("host->backup token timeout %v, want the default 20ms", d)
	}
	if c, _ := sys.ActiveHandler("kv.get"); c != "main" {
		t.Fatalf("kv.get handled by %q, want main (priority 6)", c)
	}
	res, err := sys.Invoke(context.Background(), "kv.get", "k")
	if err != nil || res[0] != "main:k" {
		t.Fatalf("invoke: %v, %v", res, err)
	}
	// A permanent child would be restarted after a stop: terminate it.
	if err := app.Root().TerminateChild(context.Background(), "main"); err != nil {
		t.Fatal(err)
	}
	if c, _ := sys.ActiveHandler("kv.get"); c != "backup" {
		t.Fatalf("after main stopped kv.get is handled by %q, want backup (queued; spare was dropped)", c)
	}
}

// TestAppTypedCallsIntoWasm: typed calls reach a guest's "iface.op"
// exports and an unmodified module through a manifest proxy; a wrong
// argument type never reaches either; a proxy whose module lacks an
// operation's export fails the load naming it.
func TestAppTypedCallsIntoWasm(t *testing.T) {
	start := func(t *testing.T, proxy string) (*wasmplane.App, error) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "g.wasm"), readFile(t, "testdata/wat/iface_ok.wasm"), 0o644)
		os.WriteFile(filepath.Join(dir, "calc.wasm"), readFile(t, "testdata/wat/calc.wasm"), 0o644)
		os.WriteFile(filepath.Join(dir, "wasmplane.json"), []byte(`{"version": 1,
  `+mathInterface[:len(mathInterface)-1]+`,
    {"name": "arith", "operations": [
      {"name": "add", "params": [{"name": "a", "type": "i32"}, {"name": "b", "type": "i32"}], "results": [{"name": "sum", "type": "i32"}]},
      {"name": "scale", "params": [{"name": "x", "type": "f64"}, {"name": "k", "type": "f64"}], "results": [{"name": "y", "type": "f64"}]}]}],
  "components": [{"name": "guest", "kind": "wasm", "module": "g.wasm", "exports": ["math"]},
    {"name": "third", "kind": "wasm", "module": "calc.wasm", "proxy": `+proxy+`}]}`), 0o644)
		m, err := manifest.Load(dir)
		if err != nil {
			return nil, err
		}
		m.System.CacheDir = t.TempDir()
		return wasmplane.StartApp(context.Background(), m, wasmplane.AppOptions{Logger: slog.New(slog.DiscardHandler)})
	}
	t.Run("calls", func(t *testing.T) {
		app, err := start(t, `{"interface": "arith", "exports": {"scale": "mul"}}`)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close(context.Background())
		sys := app.System()
		ctx := context.Background()
		guest, third := app.PIDs("guest")[0], app.PIDs("third")[0]
		for _, tc := range []struct {
			to   wasmplane.PID
			op   string
			args []any
			want any
		}{
			{guest, "math.add", []any{int32(40), int32(2)}, int32(42)},
			{guest, "math.scale", []any{1.5, 4.0}, 6.0},
			{guest, "math.neg", []any{int64(7)}, int64(-7)},
			{guest, "math.flag", []any{false}, true},
			{third, "arith.add", []any{int32(2), int32(3)}, int32(5)},
			{third, "arith.scale", []any{2.5, 2.0}, 5.0},
		} {
			res, err := sys.Call(ctx, tc.to, tc.op, tc.args...)
			if err != nil || len(res) != 1 || res[0] != tc.want {
				t.Errorf("%s%v = %v, %v; want %v", tc.op, tc.args, res, err, tc.want)
			}
		}
		for _, to := range []wasmplane.PID{guest, third} {
			op := "math.add"
			if to == third {
				op = "arith.add"
			}
			_, err := sys.Call(ctx, to, op, "forty", int32(2))
			var te *wasmplane.TypeError
			if !errors.As(err, &te) || te.Param != "a" || te.Expected != "i32" || te.Got != "string" {
				t.Errorf("%s with a string: %v, want a TypeError on param a", op, err)
			}
		}
		for _, st := range sys.Stats() {
			if st.Errors != 0 || st.Failures != 0 {
				t.Errorf("%s: %d errors, %d failures: a mismatched call reached it", st.Name, st.Errors, st.Failures)
			}
		}
	})
	t.Run("proxy without the export", func(t *testing.T) {
		_, err := start(t, `{"interface": "arith", "exports": {"scale": "pow"}}`)
		if err == nil || !strings.Contains(err.Error(), "arith.scale") || !strings.Contains(err.Error(), "pow") {
			t.Fatalf("err = %v, want a load error naming arith.scale and pow", err)
		}
	})
}

// TestAppPriorities: the manifest's priorities reach the scheduler and can
// be changed at run time.
func TestAppPriorities(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "wasmplane.json"), []byte(`{"version": 1, "system": {"priorities": true},
  "components": [{"name": "hi", "kind": "go", "factory": "store", "priority": 7},
    {"name": "lo", "kind": "go", "factory": "store"}]}`), 0o644)
	m, err := manifest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.System.CacheDir = t.TempDir()
	app, err := wasmplane.StartApp(context.Background(), m, wasmplane.AppOptions{
		Factories: map[string]wasmplane.Factory{"store": func() (wasmplane.Component, error) { return &store{}, nil }},
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.Background())
	sys := app.System()
	hi, lo := app.PIDs("hi")[0], app.PIDs("lo")[0]
	if p, err := sys.Priority(hi); err != nil || p != 7 {
		t.Fatalf("hi priority %d, %v; want 7", p, err)
	}
	if p, _ := sys.Priority(lo); p != wasmplane.DefaultPriority {
		t.Fatalf("lo priority %d, want the default %d", p, wasmplane.DefaultPriority)
	}
	if err := sys.SetPriority(lo, 6); err != nil {
		t.Fatal(err)
	}
	if p, _ := sys.Priority(lo); p != 6 {
		t.Fatalf("lo priority after SetPriority %d, want 6", p)
	}
	if err := sys.SetPriority(lo, 8); err == nil {
		t.Fatal("priority 8 accepted")
	}
}
