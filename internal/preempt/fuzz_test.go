package preempt

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzInstrument: Instrument never panics, and when it succeeds on a module
// wazero compiles, wazero compiles the output too.
//
//	go test -run '^$' -fuzz FuzzInstrument ./internal/preempt/
func FuzzInstrument(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.wasm"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := Instrument(wasm)
		if err != nil {
			return
		}
		cm, err := r.CompileModule(ctx, wasm)
		if err != nil {
			return
		}
		cm.Close(ctx)
		cm, err = r.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("input compiles, instrumented output does not: %v", err)
		}
		cm.Close(ctx)
	})
}
