// Package gobuildtest builds Go guests for tests. It is separate from gobuild
// so that non-test code does not import package testing.
package gobuildtest

import (
	"os"
	"testing"

	"github.com/wasmplane/wasmplane/internal/gobuild"
)

// Build builds the Go guest in srcDir with [gobuild.Build] and the default
// cache, so repeated test runs reuse the module, and returns its bytes. It
// stops the test on error, with the compiler's output.
func Build(tb testing.TB, srcDir string) []byte {
	tb.Helper()
	return build(tb, srcDir, false)
}

// BuildCommand builds the plain WASI program (a _start command) in srcDir.
func BuildCommand(tb testing.TB, srcDir string) []byte {
	tb.Helper()
	return build(tb, srcDir, true)
}

func build(tb testing.TB, srcDir string, command bool) []byte {
	tb.Helper()
	path, err := gobuild.Build(tb.Context(), srcDir, gobuild.Options{
		Command: command,
		Report: func(r gobuild.Report) {
			tb.Logf("gobuild %s: %s (cache hit %v)", r.SrcDir, r.Duration, r.CacheHit)
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return wasm
}
