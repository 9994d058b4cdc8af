package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	abs, err := filepath.Abs("testdata/full")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path, file string }{
		{"dir", "testdata/full", filepath.Join("testdata", "full", "wasmplane.json")},
		{"file", "testdata/full/wasmplane.json", "testdata/full/wasmplane.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if m.File != tt.file || m.Dir != abs {
				t.Errorf("File, Dir = %q, %q; want %q, %q", m.File, m.Dir, tt.file, abs)
			}
			if got, want := m.Resolve(m.Components[1].Module), filepath.Join(abs, "counter", "counter.wasm"); got != want {
				t.Errorf("Resolve(module) = %q, want %q", got, want)
			}
			if len(m.Components) != 4 || m.Components[0].Mailbox.Capacity != 64 {
				t.Errorf("unexpected manifest: %+v", m)
			}
		})
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"src", "mod.wasm"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := `{
  "version": 1,
  "components": [
    {"name": "a", "kind": "wasm", "module": "missing.wasm"},
    {"name": "b", "kind": "wasm", "module": "mod.wasm"},
    {"name": "c", "kind": "wasm", "source": "nosrc"},
    {"name": "d", "kind": "wasm", "source": "file"},
    {"name": "e", "kind": "wasi-command", "source": "src", "preopens": [{"host": "nodata", "guest": "/d"}]},
    {"name": "f", "kind": "wasm", "module": "src", "instances": 0}
  ]
}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load: %v", err)
	}
	want := []struct {
		path      string
		line, col int
		msg       string
	}{
		{"components[0].module", 4, 45, `module "missing.wasm" does not exist (resolved to ` + filepath.Join(dir, "missing.wasm") + ")"},
		{"components[1].module", 5, 45, `module "mod.wasm" is a directory, not a .wasm file (resolved to ` + filepath.Join(dir, "mod.wasm") + ")"},
		{"components[2].source", 6, 45, `source "nosrc" does not exist (resolved to ` + filepath.Join(dir, "nosrc") + ")"},
		{"components[3].source", 7, 45, `source "file" is not a directory (resolved to ` + filepath.Join(dir, "file") + ")"},
		{"components[4].preopens[0].host", 8, 82, `preopen host "nodata" does not exist (resolved to ` + filepath.Join(dir, "nodata") + ")"},
		{"components[5].module", 9, 45, `module "src" is a directory, not a .wasm file`},
		{"components[5].instances", 9, 65, "instances must be between 1 and 1024; got 0"},
	}
	if len(list) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, w := range want[:min(len(want), len(list))] {
		e := list[i]
		if e.File != filepath.Join(dir, FileName) || e.Path != w.path || e.Line != w.line || e.Column != w.col || !strings.HasPrefix(e.Msg, w.msg) {
			t.Errorf("error %d:\n got %v\nwant %d:%d: %s: %s", i, e, w.line, w.col, w.path, w.msg)
		}
	}
}

func TestLoadUnreadable(t *testing.T) {
	for _, path := range []string{"testdata/nonexistent.json", t.TempDir()} {
		_, err := Load(path)
		if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalid) {
			t.Errorf("Load(%q) = %v; want a not-exist error", path, err)
		}
	}
}
