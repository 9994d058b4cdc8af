package wasmplane_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
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
