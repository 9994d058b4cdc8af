package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
)

func TestSplitName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want key
		ok   bool
	}{
		{"Send/wasmplane-2", key{"Send", "wasmplane", ""}, true},
		{"BenchmarkSend/wasmplane-2", key{"Send", "wasmplane", ""}, true},
		{"Lookup/hollywood/n=1000000/hot-2", key{"Lookup", "hollywood", "n=1000000/hot"}, true},
		{"GoToGuest/wazero-call", key{"GoToGuest", "wazero-call", ""}, true},
		{"Send-2", key{}, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := splitName(benchfmt.Name(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Errorf("splitName(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "performance.md")
	now := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	if err := generate("testdata/sample.txt", out, "../../go.mod", runInfo{count: "3"}, now); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		// Send: median of 48, 50, 52 ns; 2× Hollywood's inverse; target 40 ns not met.
		"| Send, one sender → one actor | 50.0 ns | 100 ns | – | – | 25.0 ns | 1.05 µs (routing, per message) | ≤ 40 ns | **not met** | 0.50× (Hollywood) | 2.00× |",
		// Ping-pong is a rate: higher is better, the target is met.
		"| System throughput: 4 ping-pong pairs | 50.0 M msg/s | 11.0 M msg/s |",
		"| ≥ 40 M msg/s | met |",
		"| Registry lookup, 10 entries, hot | 15.0 ns |",
		"| Idle Go component: memory | 500 B |",
		"| 10 | 100 ns | 10.0 M msg/s | 150 ns | 6.67 M msg/s | 1.00 µs | 500 ns | 0.67× | 2.00× |",
		"logical CPUs (nproc)",
		"median of 3 runs",
		analysisStub,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
	for _, svg := range []string{"perf-components.svg", "perf-payload.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, svg))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "<svg ") || !strings.Contains(string(b), "<polyline") {
			t.Errorf("%s is not a plot:\n%.300s", svg, b)
		}
	}
}

// TestAnalysisKept: what the lead writes between the analysis markers
// survives a regeneration.
func TestAnalysisKept(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "performance.md")
	written := "Send is slower than the floor because of X, measured in Y."
	old := "# Performance\n\nold tables\n\n## Analysis\n\n" + analysisBegin + "\n" + written + "\n" + analysisEnd + "\n"
	if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := generate("testdata/sample.txt", out, "../../go.mod", runInfo{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if doc := string(b); !strings.Contains(doc, written) || strings.Contains(doc, "old tables") || strings.Contains(doc, analysisStub) {
		t.Errorf("analysis not kept, or old content left:\n%s", doc)
	}
}

func TestEmptyInput(t *testing.T) {
	in := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(in, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := generate(in, filepath.Join(t.TempDir(), "p.md"), "../../go.mod", runInfo{}, time.Now()); err == nil {
		t.Error("no error for an input without results")
	}
}
