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
	"github.com/wasmplane/wasmplane/builtin"
	"github.com/wasmplane/wasmplane/manifest"
)

func startApp(t *testing.T, dir, json string) *wasmplane.App {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "wasmplane.json"), []byte(json), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.System.CacheDir = t.TempDir()
	app, err := wasmplane.StartApp(context.Background(), m, wasmplane.AppOptions{
		Factories: builtin.Factories(dir, &syncBuffer{}), Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// TestAppReloadSwapsChangedModule: Reload swaps a component whose module
// file changed, keeping its PID; unchanged components are left alone.
func TestAppReloadSwapsChangedModule(t *testing.T) {
	dir := t.TempDir()
	write := func(name, from string) {
		if err := os.WriteFile(filepath.Join(dir, name), readFile(t, from), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.wasm", "testdata/c/participant.wasm")
	write("b.wasm", "testdata/c/participant.wasm")
	app := startApp(t, dir, `{"version": 1, "components": [
  {"name": "a", "kind": "wasm", "module": "a.wasm"},
  {"name": "b", "kind": "wasm", "module": "b.wasm"}]}`)
	ctx := context.Background()
	defer app.Close(ctx)
	sys := app.System()
	before, _ := sys.Lookup("a")
	if r, err := sys.Request(ctx, before, "echo", []byte("x")); err != nil || string(r) != "c:x" {
		t.Fatalf("before: %q %v", r, err)
	}
	write("a.wasm", "testdata/wat/minimal.wasm") // a new version that never replies
	swapped, err := app.Reload(ctx)
	if err != nil || len(swapped) != 1 || swapped[0] != "a" {
		t.Fatalf("reload: %v %v", swapped, err)
	}
	after, _ := sys.Lookup("a")
	if after != before {
		t.Fatalf("swap changed the PID: %s -> %s", before, after)
	}
	if _, err := sys.Request(ctx, after, "echo", []byte("x")); !errors.Is(err, wasmplane.ErrNoReply) {
		t.Fatalf("the new version is not running: %v", err)
	}
	b, _ := sys.Lookup("b")
	if r, err := sys.Request(ctx, b, "echo", []byte("y")); err != nil || string(r) != "c:y" {
		t.Fatalf("an unchanged component was disturbed: %q %v", r, err)
	}
	if swapped, err := app.Reload(ctx); err != nil || len(swapped) != 0 {
		t.Fatalf("a second reload swapped %v: %v", swapped, err)
	}
}

// TestAppSupervisionFromManifest: one_for_all from the manifest restarts
// both children when one crashes; intensity 0 at the root gives up at the
// first crash and the app stops with the cause.
func TestAppSupervisionFromManifest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.wasm"), readFile(t, "testdata/c/participant.wasm"), 0o644)
	ctx := context.Background()

	t.Run("one_for_all", func(t *testing.T) {
		app := startApp(t, dir, `{"version": 1, "components": [
  {"name": "x", "kind": "wasm", "module": "p.wasm"},
  {"name": "y", "kind": "wasm", "module": "p.wasm"}],
  "supervision": {"strategy": "one_for_all", "intensity": 5, "period": "10s",
    "children": [{"component": "x"}, {"component": "y"}]}}`)
		defer app.Close(ctx)
		sys := app.System()
		events, cancel := sys.Events(256)
		defer cancel()
		y0, _ := sys.Lookup("y")
		x0, _ := sys.Lookup("x")
		if err := sys.Send(x0, "trap", nil); err != nil {
			t.Fatal(err)
		}
		restarted := map[string]bool{}
		deadline := time.After(10 * time.Second)
		for !restarted["x"] || !restarted["y"] {
			select {
			case e := <-events:
				if e.Type == wasmplane.EventRestarted {
					restarted[e.Name] = true
				}
			case <-deadline:
				t.Fatalf("restarted: %v", restarted)
			}
		}
		y1, _ := sys.Lookup("y")
		if y1 == y0 {
			t.Fatal("the sibling was not restarted (same PID)")
		}
		if r, err := sys.Request(ctx, y1, "echo", []byte("z")); err != nil || string(r) != "c:z" {
			t.Fatalf("after the group restart: %q %v", r, err)
		}
		if tree := app.Root().Tree(); len(tree.Children) != 2 {
			t.Fatalf("tree: %+v", tree)
		}
	})
	t.Run("root gives up", func(t *testing.T) {
		app := startApp(t, dir, `{"version": 1, "components": [{"name": "x", "kind": "wasm", "module": "p.wasm"}],
  "supervision": {"intensity": 0}}`)
		sys := app.System()
		x, _ := sys.Lookup("x")
		if err := sys.Send(x, "trap", nil); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := app.Wait(wctx); err != nil {
			t.Fatalf("the app did not stop after the root gave up: %v", err)
		}
		err := app.Close(ctx)
		if !errors.Is(err, wasmplane.ErrGaveUp) || !strings.Contains(err.Error(), `"x"`) {
			t.Fatalf("close: %v, want the cause chain naming x", err)
		}
		if n := strings.Count(err.Error(), "gave up after"); n != 1 {
			t.Fatalf("close reports the cause %d times:\n%v", n, err)
		}
	})
}
