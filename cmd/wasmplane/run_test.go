package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRunQuickstart(t *testing.T) {
	isolateCaches(t)
	r := cli(t, "run", repoPath(t, "examples/quickstart"), "--for", "60s", "--build-cache", t.TempDir())
	if r.code != exitOK {
		t.Fatalf("exit %d; want 0\nstderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(r.stdout, "\n")
	if !strings.HasPrefix(lines[0], "distinct ") {
		t.Errorf("stdout starts with %q; want the counter's report (distinct ...)\nstdout:\n%s", lines[0], r.stdout)
	}
	if !strings.Contains(r.stdout, "\nstopped: shutdown requested by a component\nCOMPONENT ") {
		t.Errorf("stdout:\n%s\nwant the stop reason, then the summary", r.stdout)
	}
	row := summaryRow(t, r.stdout, "tokenizer")
	// COMPONENT PID STATE IN OUT ERRORS FAILURES RESTARTS P50 P99
	if len(row) != 10 || row[2] != "stopped" || row[6] != "1" || row[7] != "1" {
		t.Errorf("tokenizer row = %q; want state stopped, FAILURES 1, RESTARTS 1", row)
	}
	if !strings.Contains(r.stderr, "built tokenizer -> ") {
		t.Errorf("stderr:\n%s\nwant the build logged", r.stderr)
	}
}

// summaryRow returns the fields of the summary row of component name.
func summaryRow(t *testing.T, stdout, name string) []string {
	t.Helper()
	_, table, ok := strings.Cut(stdout, "\nCOMPONENT ")
	if !ok {
		t.Fatalf("no summary in stdout:\n%s", stdout)
	}
	for line := range strings.Lines(table) {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("no row for %s in stdout:\n%s", name, stdout)
	return nil
}

func TestRun(t *testing.T) {
	valid := writeManifest(t, printOnly, nil)
	broken := writeManifest(t, `{"version": 1, "components": [{"name": "p", "kind": "go"}]}`, nil)
	unknownFactory := writeManifest(t, `{"version": 1, "components": [{"name": "p", "kind": "go", "factory": "nope"}]}`, nil)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"for elapsed", []string{valid, "--for", "1ms", "--log-format", "json"}, exitOK,
			"stopped: --for elapsed\nCOMPONENT", ""},
		{"broken manifest", []string{broken}, exitUsage,
			"", broken + `:1:31: components[0].factory: missing required field "factory" for kind go` + "; name a registered Go component factory\n1 error\n"},
		{"missing path", []string{filepath.Join(t.TempDir(), "nope.json")}, exitUsage,
			"", "does not exist: give a manifest file or a directory holding wasmplane.json"},
		{"start fails", []string{unknownFactory}, exitFailure,
			"", `wasmplane: ` + unknownFactory + `:1:31: component "p": not found: no Go factory "nope" is registered (known: lines, print)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateCaches(t)
			r := cli(t, append([]string{"run"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d; want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("stdout:\n%s\nwant %q in it", r.stdout, tt.stdout)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr:\n%s\nwant %q in it", r.stderr, tt.stderr)
			}
		})
	}
}
