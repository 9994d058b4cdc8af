package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	badModule, err := os.ReadFile(repoPath(t, "testdata/wat/bad_no_receive.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	broken := writeManifest(t, `{
  "version": 2,
  "components": [
    {"name": "a", "kind": "wasm", "module": "missing.wasm"},
    {"name": "b", "kind": "go", "factory": "print", "instances": 0},
    {"name": "c", "kind": "go", "factory": "print", "mailbox": {"overflow": "dropp"}}
  ]
}`, nil)
	badABI := writeManifest(t, `{
  "version": 1,
  "components": [
    {"name": "bad", "kind": "wasm", "module": "bad_no_receive.wasm"}
  ]
}`, map[string][]byte{"bad_no_receive.wasm": badModule})
	valid := writeManifest(t, printOnly, nil)
	quickstart := repoPath(t, "examples/quickstart")

	tests := []struct {
		name       string
		path       string
		code       int
		stdout     []string
		stderr     []string // each must appear, in this order
		stderrNone bool
	}{
		{name: "valid", path: valid, code: exitOK, stdout: []string{"ok: " + valid + ": 1 component\n"}, stderrNone: true},
		{name: "quickstart", path: quickstart, code: exitOK,
			stdout: []string{"ok: " + filepath.Join(quickstart, "wasmplane.json") + ": 4 components\n"}, stderrNone: true},
		{name: "every error", path: broken, code: exitUsage, stderr: []string{
			broken + ":2:14: version: version must be 1; got 2\n",
			broken + `:4:45: components[0].module: module "missing.wasm" does not exist`,
			broken + ":5:66: components[1].instances: instances must be between 1 and 1024; got 0\n",
			broken + `:6:77: components[2].mailbox.overflow: overflow must be one of block, drop, fail; got "dropp"` + "\n",
			"4 errors\n",
		}},
		{name: "load check", path: badABI, code: exitUsage, stderr: []string{
			badABI + `:4:5: components[0].module: component "bad": module "bad_no_receive.wasm": export wasmplane_receive: missing required function export`,
			"1 error\n",
		}},
		{name: "missing path", path: filepath.Join(t.TempDir(), "nope"), code: exitUsage,
			stderr: []string{"does not exist: give a manifest file or a directory holding wasmplane.json"}},
		{name: "dir without manifest", path: t.TempDir(), code: exitUsage, stderr: []string{"holds no wasmplane.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateCaches(t)
			r := cli(t, "validate", tt.path)
			if r.code != tt.code {
				t.Errorf("exit %d; want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout = %q; want %q in it", r.stdout, want)
				}
			}
			rest := r.stderr
			for _, want := range tt.stderr {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stderr:\n%s\nwant, after what came before:\n%s", r.stderr, want)
				}
				rest = rest[i+len(want):]
			}
			if tt.stderrNone && r.stderr != "" {
				t.Errorf("stderr = %q; want none", r.stderr)
			}
		})
	}
}
