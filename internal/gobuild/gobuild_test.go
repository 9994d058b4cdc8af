package gobuild

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// writeModule writes a standalone module with the given files into a new
// temporary directory and returns it.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["go.mod"]; !ok {
		files["go.mod"] = "module example.com/guest\n\ngo 1.26\n"
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const okMain = "package main\n\n//go:wasmexport answer\nfunc answer() int32 { return 42 }\n\nfunc main() {}\n"

// build runs Build and returns its path and report.
func build(t *testing.T, src, cache string) (string, Report) {
	t.Helper()
	var rep Report
	n := 0
	path, err := Build(t.Context(), src, Options{CacheDir: cache, Report: func(r Report) { rep = r; n++ }})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || rep.Path != path {
		t.Fatalf("Report called %d times with %+v; want once with Path %s", n, rep, path)
	}
	return path, rep
}

func TestBuildCaches(t *testing.T) {
	src := writeModule(t, map[string]string{"main.go": okMain})
	cache := t.TempDir()

	path, first := build(t, src, cache)
	if first.CacheHit {
		t.Fatal("first build reported a cache hit")
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) {
		t.Fatalf("%s is not a wasm module", path)
	}
	t.Logf("cold build: %v", first.Duration)

	path2, second := build(t, src, cache)
	if !second.CacheHit || path2 != path || second.Key != first.Key {
		t.Fatalf("second build = %+v; want a cache hit at %s", second, path)
	}
	t.Logf("cached build: %v", second.Duration)

	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(okMain+"\nvar _ = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, third := build(t, src, cache)
	if third.CacheHit || third.Key == first.Key {
		t.Fatalf("after editing main.go: %+v; want a fresh build with a new key", third)
	}
}

func TestInputHash(t *testing.T) {
	base := map[string]string{
		"main.go":        okMain,
		"go.mod":         "module example.com/guest\n\ngo 1.26\n",
		"util/util.go":   "package util\n",
		"README.md":      "readme",
		"testdata/x.txt": "data",
	}
	tests := []struct {
		name    string
		file    string // file to write ("" for none)
		body    string
		flags   []string
		version string
		changes bool
	}{
		{name: "unchanged", changes: false},
		{name: "edit main.go", file: "main.go", body: okMain + "// edit\n", changes: true},
		{name: "edit nested .go", file: "util/util.go", body: "package util // edit\n", changes: true},
		{name: "add .go", file: "extra.go", body: "package main\n", changes: true},
		{name: "edit go.mod", file: "go.mod", body: "module example.com/guest\n\ngo 1.25\n", changes: true},
		{name: "add go.sum", file: "go.sum", body: "x v1 h1:y\n", changes: true},
		{name: "edit README.md", file: "README.md", body: "new readme", changes: false},
		{name: "add data file", file: "testdata/y.txt", body: "more", changes: false},
		{name: "flags", flags: []string{"-ldflags=-s"}, changes: true},
		{name: "go version", version: "go1.99", changes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			dir := writeModule(t, files)
			before, err := inputHash(dir, "go1.26", fixedFlags)
			if err != nil {
				t.Fatal(err)
			}
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(tt.file)), []byte(tt.body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			version := "go1.26"
			if tt.version != "" {
				version = tt.version
			}
			after, err := inputHash(dir, version, append(fixedFlags[:len(fixedFlags):len(fixedFlags)], tt.flags...))
			if err != nil {
				t.Fatal(err)
			}
			if got := before != after; got != tt.changes {
				t.Errorf("hash changed = %v, want %v", got, tt.changes)
			}
		})
	}
}

func TestInputHashEnclosingModule(t *testing.T) {
	// A guest in a subdirectory of a module depends on the module's go.mod
	// and, in the wasmplane module, on the SDK's sources.
	root := writeModule(t, map[string]string{
		"go.mod":              "module " + sdkModule + " // the SDK's module\n\ngo 1.26\n",
		"guest/go/sdk.go":     "package guest\n",
		"guest/go/sdk_test.x": "not go",
		"cmd/x/main.go":       okMain,
	})
	src := filepath.Join(root, "cmd", "x")
	hash := func() string {
		t.Helper()
		h, err := inputHash(src, "go1.26", fixedFlags)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h0 := hash()
	edit := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("guest/go/sdk_test.x", "still not go")
	if hash() != h0 {
		t.Error("a non-Go file in the SDK changed the hash")
	}
	edit("guest/go/sdk_test.go", "package guest // test\n")
	if hash() != h0 {
		t.Error("a test file in the SDK changed the hash")
	}
	edit("guest/go/sdk.go", "package guest // edit\n")
	h1 := hash()
	if h1 == h0 {
		t.Error("editing the SDK did not change the hash")
	}
	edit("go.sum", "x v1 h1:y\n")
	if hash() == h1 {
		t.Error("adding the enclosing module's go.sum did not change the hash")
	}
}

func TestBuildCompileError(t *testing.T) {
	src := writeModule(t, map[string]string{
		"main.go": "package main\n\nfunc main() {\n\tvar x int = \"not an int\"\n\t_ = x\n}\n",
	})
	_, err := Build(t.Context(), src, Options{CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("Build succeeded; want a compile error")
	}
	for _, want := range []string{"main.go:4", src} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.go")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	src := writeModule(t, map[string]string{"main.go": okMain})
	tests := []struct {
		name string
		src  string
		opts Options
		want string
	}{
		{"missing dir", filepath.Join(t.TempDir(), "nope"), Options{}, "source dir"},
		{"not a dir", file, Options{}, "not a directory"},
		{"no go command", src, Options{GoCmd: filepath.Join(t.TempDir(), "no-go")}, "set Options.GoCmd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.CacheDir = t.TempDir()
			_, err := Build(t.Context(), tt.src, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestBuildConcurrent builds the same source from several goroutines into
// one cache: every build must succeed and see a complete module.
func TestBuildConcurrent(t *testing.T) {
	src := writeModule(t, map[string]string{"main.go": okMain})
	cache := t.TempDir()
	const n = 4
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			paths[i], errs[i] = Build(t.Context(), src, Options{CacheDir: cache})
			if errs[i] == nil {
				var b []byte
				b, errs[i] = os.ReadFile(paths[i])
				if errs[i] == nil && !bytes.HasPrefix(b, []byte("\x00asm")) {
					t.Errorf("build %d: incomplete module", i)
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("build %d: %v", i, errs[i])
		}
		if paths[i] != paths[0] {
			t.Errorf("build %d: path %s, want %s", i, paths[i], paths[0])
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(cache, "build-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary build dirs left in the cache: %v", leftovers)
	}
}
