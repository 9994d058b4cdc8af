package wasmplane_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/builtin"
	"github.com/wasmplane/wasmplane/manifest"
)

// syncBuffer is a bytes.Buffer safe for the print component's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestQuickstartApp(t *testing.T) {
	m, err := manifest.Load("examples/quickstart")
	if err != nil {
		t.Fatal(err)
	}
	m.System.CacheDir = t.TempDir()
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	app, err := wasmplane.StartApp(ctx, m, wasmplane.AppOptions{
		Factories: builtin.Factories(m.Dir, out),
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Wait(ctx); err != nil {
		t.Fatalf("the printer never asked for shutdown: %v", err)
	}
	if err := app.Close(ctx); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	// "the" is the most frequent word of input.txt; the POISON line's words
	// are not counted because the message that crashed was not redelivered.
	if !strings.HasPrefix(report, "distinct ") || !strings.Contains(report, " the\n") || strings.Contains(report, "poison") {
		t.Fatalf("report:\n%s", report)
	}
	stats := map[string]wasmplane.Stats{}
	for _, s := range app.System().Stats() {
		stats[s.Name] = s
	}
	if tok := stats["tokenizer"]; tok.Restarts != 1 || tok.Failures != 1 || tok.State != "stopped" {
		t.Fatalf("tokenizer: %+v", tok)
	}
	if p := stats["printer"]; p.In != 1 {
		t.Fatalf("printer: %+v", p)
	}
	lines, _ := os.ReadFile("examples/quickstart/input.txt")
	if want := uint64(bytes.Count(lines, []byte("\n")) + 1); stats["tokenizer"].In != want {
		t.Fatalf("tokenizer handled %d messages, want every line plus eof (%d)", stats["tokenizer"].In, want)
	}
}

func TestStartAppErrorsNameTheComponent(t *testing.T) {
	dir := t.TempDir()
	bad, _ := os.ReadFile("testdata/wat/bad_no_receive.wasm")
	os.WriteFile(filepath.Join(dir, "bad.wasm"), bad, 0o644)
	for _, tc := range []struct {
		name, json string
		want       []string
	}{
		{"unknown factory", `{"version": 1, "components": [
  {"name": "a", "kind": "go", "factory": "nope"}]}`, []string{`component "a"`, `no Go factory "nope"`, "wasmplane.json:2:3", "lines, print"}},
		{"bad module", `{"version": 1, "components": [
  {"name": "ok", "kind": "go", "factory": "print"},
  {"name": "b", "kind": "wasm", "module": "bad.wasm"}]}`, []string{`component "b"`, "wasmplane_receive", "wasmplane.json:3:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "wasmplane.json")
			os.WriteFile(path, []byte(tc.json), 0o644)
			m, err := manifest.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			m.System.CacheDir = t.TempDir()
			_, err = wasmplane.StartApp(context.Background(), m, wasmplane.AppOptions{
				Factories: builtin.Factories(dir, &syncBuffer{}), Logger: slog.New(slog.DiscardHandler),
			})
			if err == nil {
				t.Fatal("started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
			if tc.name == "bad module" && !errors.Is(err, wasmplane.ErrLoad) {
				t.Errorf("not a load error: %v", err)
			}
		})
	}
}
