package wasmplane_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/builtin"
	"github.com/wasmplane/wasmplane/manifest"
)

const mathInterface = `"interfaces": [{"name": "math", "operations": [
    {"name": "add", "params": [{"name": "a", "type": "i32"}, {"name": "b", "type": "i32"}], "results": [{"name": "sum", "type": "i32"}]},
    {"name": "scale", "params": [{"name": "x", "type": "f64"}, {"name": "k", "type": "f64"}], "results": [{"name": "y", "type": "f64"}]},
    {"name": "neg", "params": [{"name": "x", "type": "i64"}], "results": [{"name": "y", "type": "i64"}]},
    {"name": "flag", "params": [{"name": "b", "type": "bool"}], "results": [{"name": "r", "type": "bool"}]}]}]`

// TestInterfacesCheckedAtLoad: a guest declaring an interface must export
// every operation with the right core signature; each way of getting it
// wrong is reported before anything starts, naming the operation and what
// was expected and found.
func TestInterfacesCheckedAtLoad(t *testing.T) {
	start := func(t *testing.T, module, extra string) (*wasmplane.App, error) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "g.wasm"), readFile(t, "testdata/wat/"+module), 0o644)
		os.WriteFile(filepath.Join(dir, "wasmplane.json"), []byte(`{"version": 1,
  `+mathInterface+`,
  "components": [{"name": "calc", "kind": "wasm", "module": "g.wasm", "exports": ["math"]}`+extra+`]}`), 0o644)
		m, err := manifest.Load(dir)
		if err != nil {
			return nil, err
		}
		m.System.CacheDir = t.TempDir()
		return wasmplane.StartApp(context.Background(), m, wasmplane.AppOptions{
			Factories: builtin.Factories(dir, &syncBuffer{}), Logger: slog.New(slog.DiscardHandler),
		})
	}
	t.Run("matching module starts", func(t *testing.T) {
		app, err := start(t, "iface_ok.wasm", `, {"name": "user", "kind": "go", "factory": "print", "imports": ["math"]}`)
		if err != nil {
			t.Fatal(err)
		}
		app.Close(context.Background())
	})
	t.Run("every mismatch reported", func(t *testing.T) {
		_, err := start(t, "iface_bad.wasm", "")
		if err == nil {
			t.Fatal("a module that does not implement its interface started")
		}
		for _, want := range []string{`component "calc"`, "math.add", "math.scale", "math.neg", "math.flag", "i64", "i32"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %q:\n%v", want, err)
			}
		}
	})
	t.Run("import without exporter", func(t *testing.T) {
		_, err := start(t, "iface_ok.wasm", `, {"name": "user", "kind": "go", "factory": "print", "imports": ["physics"]}`)
		var list manifest.ErrorList
		if !errors.As(err, &list) || !strings.Contains(err.Error(), `interface "physics" is not declared`) {
			t.Fatalf("got %v", err)
		}
	})
}
