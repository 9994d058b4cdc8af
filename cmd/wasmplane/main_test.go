package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// result is what one command line did.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the command line args in process.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := doMain(args, strings.NewReader(""), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// repoPath returns the absolute path of rel, relative to the repository
// root, from this file's location.
func repoPath(t *testing.T, rel string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", filepath.FromSlash(rel))
}

// isolateCaches points the compile cache (os.UserCacheDir, which is
// $XDG_CACHE_HOME on Linux) at a temp dir. The Go build cache stays where
// it is: it is the toolchain's, shared with go test itself, and a cold one
// would rebuild the standard library for wasip1.
func isolateCaches(t *testing.T) {
	t.Helper()
	if os.Getenv("GOCACHE") == "" {
		out, err := exec.Command("go", "env", "GOCACHE").Output()
		if err != nil {
			t.Fatalf("go env GOCACHE: %v", err)
		}
		t.Setenv("GOCACHE", strings.TrimSpace(string(out)))
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

// writeManifest writes a manifest (and any other files) into a temp dir
// and returns the manifest's path.
func writeManifest(t *testing.T, manifest string, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "wasmplane.json")
	if err := os.WriteFile(p, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// printOnly is a valid manifest with one Go component that never stops
// the app by itself.
const printOnly = `{"version": 1, "components": [{"name": "printer", "kind": "go", "factory": "print"}]}`

func TestVersion(t *testing.T) {
	r := cli(t, "version")
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "wasmplane ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("stdout = %q; want wasmplane <version> (...) %s", r.stdout, runtime.Version())
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"validate", "--help"}, {"build", "--help"}, {"version", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := cli(t, args...)
			if r.code != exitOK || !strings.Contains(r.stdout, "Example:") {
				t.Errorf("exit %d, stdout %q; want 0 and an example", r.code, r.stdout)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	valid := writeManifest(t, printOnly, nil)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown subcommand", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"run", "--nope", valid}, "unknown flag: --nope"},
		{"no manifest", []string{"run"}, "missing the manifest"},
		{"two manifests", []string{"validate", valid, valid}, "takes one manifest, got 2 arguments"},
		{"version takes no args", []string{"version", "x"}, `unknown command "x"`},
		{"bad log level", []string{"run", "--log-level", "loud", valid}, `log level must be debug, info, warn or error; got "loud"`},
		{"bad log format", []string{"run", "--log-format", "xml", valid}, `--log-format must be text or json; got "xml"`},
		{"negative for", []string{"run", "--for", "-1s", valid}, "--for must not be negative"},
		{"zero shutdown timeout", []string{"run", "--shutdown-timeout", "0s", valid}, "--shutdown-timeout must be greater than 0"},
		{"bad duration", []string{"run", "--for", "soon", valid}, `invalid argument "soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli(t, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d; want %d", r.code, exitUsage)
			}
			if !strings.HasPrefix(r.stderr, "wasmplane: ") || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr = %q; want wasmplane: ...%s", r.stderr, tt.want)
			}
			if strings.Count(r.stderr, "wasmplane: ") != 1 {
				t.Errorf("stderr = %q; want the error once", r.stderr)
			}
		})
	}
}
