package preempt

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// allFeatures is every core feature wazero v1.12 implements.
const allFeatures = api.CoreFeaturesV2 |
	experimental.CoreFeaturesThreads |
	experimental.CoreFeaturesTailCall |
	experimental.CoreFeaturesExtendedConst |
	experimental.CoreFeaturesExceptionHandling |
	experimental.CoreFeaturesTypedFunctionReferences

// newRuntime returns a compiler runtime with every feature on and debug info
// off (as for untrusted guests). closeOnDone turns on wazero's own
// context-driven termination, used as a safety net by the differential tests
// (for both variants alike) and as the baseline in the benchmarks.
func newRuntime(ctx context.Context, closeOnDone bool) wazero.Runtime {
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(allFeatures).
		WithDebugInfoEnabled(false).
		WithCloseOnContextDone(closeOnDone)
	return wazero.NewRuntimeWithConfig(ctx, cfg)
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustInstrument(tb testing.TB, wasm []byte) []byte {
	tb.Helper()
	out, err := Instrument(wasm)
	if err != nil {
		tb.Fatalf("Instrument: %v", err)
	}
	return out
}

type startedKey struct{}

// withStarted returns a context whose env.started calls signal ch (without
// blocking), so a test knows the guest is running before it interrupts it.
func withStarted(ctx context.Context, ch chan struct{}) context.Context {
	return context.WithValue(ctx, startedKey{}, ch)
}

// instantiateEnv registers the "env" host module of the test guests.
func instantiateEnv(ctx context.Context, tb testing.TB, r wazero.Runtime) {
	tb.Helper()
	_, err := r.NewHostModuleBuilder("env").
		NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(ctx context.Context, _ []uint64) {
			if ch, ok := ctx.Value(startedKey{}).(chan struct{}); ok {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}), nil, nil).
		Export("started").
		Instantiate(ctx)
	if err != nil {
		tb.Fatal(err)
	}
}

// instantiate compiles and instantiates bin under no name, with no start
// functions beyond the module's own start section.
func instantiate(ctx context.Context, tb testing.TB, r wazero.Runtime, bin []byte) api.Module {
	tb.Helper()
	mod, err := r.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		tb.Fatal(err)
	}
	return mod
}

func moduleConfig() wazero.ModuleConfig {
	return wazero.NewModuleConfig().WithName("").WithStartFunctions()
}
