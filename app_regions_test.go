package wasmplane_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/builtin"
	"github.com/wasmplane/wasmplane/manifest"
)

// TestStartAppWithRegions: a manifest's regions become the app's shared
// memory; guests that do not import it keep working (they reach regions
// through the copying imports) and the host gets zero-copy views.
func TestStartAppWithRegions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.wasm"), readFile(t, "testdata/c/participant.wasm"), 0o644)
	os.WriteFile(filepath.Join(dir, "wasmplane.json"), []byte(`{
  "version": 1,
  "components": [
    {"name": "guest", "kind": "wasm", "module": "p.wasm"},
    {"name": "printer", "kind": "go", "factory": "print"}
  ],
  "regions": [
    {"name": "frames", "kind": "triple_buffer", "size": 64, "writers": ["guest"], "readers": ["printer"]}
  ]
}`), 0o644)
	m, err := manifest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.System.CacheDir = t.TempDir()
	ctx := context.Background()
	app, err := wasmplane.StartApp(ctx, m, wasmplane.AppOptions{
		Factories: builtin.Factories(dir, &syncBuffer{}), Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	pid, _ := app.System().Lookup("guest")
	if r, err := app.System().Request(ctx, pid, "echo", []byte("x")); err != nil || string(r) != "c:x" {
		t.Fatalf("guest beside a shared memory: %q %v", r, err)
	}
	sm := app.SharedMemory()
	if sm == nil {
		t.Fatal("no shared memory for a manifest with regions")
	}
	tb, err := sm.TripleBuffer("frames")
	if err != nil {
		t.Fatal(err)
	}
	back, err := tb.Back()
	if err != nil {
		t.Fatal(err)
	}
	copy(back, "frame one")
	if _, err := tb.Publish(len("frame one")); err != nil {
		t.Fatal(err)
	}
	f, err := tb.Acquire()
	if err != nil || string(f.Data) != "frame one" {
		t.Fatalf("acquire: %+v %v", f, err)
	}
}
