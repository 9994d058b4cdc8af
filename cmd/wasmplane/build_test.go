package main

import (
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	isolateCaches(t)
	quickstart := repoPath(t, "examples/quickstart")
	cache := t.TempDir()
	for _, want := range []string{"built", "reused"} {
		t.Run(want, func(t *testing.T) {
			r := cli(t, "build", quickstart, "--build-cache", cache)
			if r.code != exitOK {
				t.Fatalf("exit %d; want 0\nstderr:\n%s", r.code, r.stderr)
			}
			if !strings.HasPrefix(r.stdout, "tokenizer: "+cache) || !strings.HasSuffix(r.stdout, ".wasm ("+want+")\n") {
				t.Errorf("stdout = %q; want tokenizer: %s/<hash>.wasm (%s)", r.stdout, cache, want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	broken := writeManifest(t, `{"version": 1, "components": [{"name": "g", "kind": "wasm", "source": "g"}]}`, map[string][]byte{
		"g/go.mod":  []byte("module g\n\ngo 1.26\n"),
		"g/main.go": []byte("package main\n\nfunc main() { undefinedThing() }\n"),
	})
	tests := []struct {
		name   string
		path   string
		code   int
		stderr []string
	}{
		{"compile error", broken, exitFailure, []string{
			"wasmplane: " + broken + `:1:31: components[0].source: component "g": build Go guest g: `,
			"main.go:3:15: undefined: undefinedThing",
		}},
		{"nothing to build", writeManifest(t, printOnly, nil), exitOK, []string{"nothing to build: no component of "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateCaches(t)
			r := cli(t, "build", tt.path, "--build-cache", t.TempDir())
			if r.code != tt.code {
				t.Errorf("exit %d; want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr:\n%s\nwant %q in it", r.stderr, want)
				}
			}
		})
	}
}
