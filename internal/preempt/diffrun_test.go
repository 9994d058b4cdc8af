package preempt

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// diffStats counts what a differential run compared.
type diffStats struct {
	files, invalid, instrumentErr, skippedImports, compared, calls, timeouts int
	reasons                                                                  map[string]int
}

func (s *diffStats) String() string {
	return fmt.Sprintf("%d files: %d compared (%d calls), %d rejected by wazero (not valid for it), %d skipped for imports, %d with a safety-net timeout, %d Instrument errors",
		s.files, s.compared, s.calls, s.invalid, s.skippedImports, s.timeouts, s.instrumentErr)
}

// diffModule compares the original and instrumented module. It returns an
// error only for a real difference (or an instrumented module that fails to
// compile while the original compiles).
func diffModule(ctx context.Context, r wazero.Runtime, orig []byte, before string, st *diffStats, hostImports func(context.Context, wazero.Runtime, wazero.CompiledModule, *[]string) error) error {
	st.files++
	cOrig, err := r.CompileModule(ctx, orig)
	if err != nil {
		st.invalid++
		return nil
	}
	defer cOrig.Close(ctx)
	inst, err := Instrument(orig)
	if err != nil {
		st.instrumentErr++
		return fmt.Errorf("Instrument failed on a module wazero compiles: %w", err)
	}
	cInst, err := r.CompileModule(ctx, inst)
	if err != nil {
		return fmt.Errorf("instrumented module does not compile: %w", err)
	}
	defer cInst.Close(ctx)

	var stubs map[string][]byte
	if hostImports == nil {
		if stubs, err = stubModules(orig); err != nil {
			st.skippedImports++
			st.reasons[err.Error()]++
			return nil
		}
	}
	exports := exportedFuncs(orig)
	run := func(c wazero.CompiledModule) (*outcome, error) {
		var mods []api.Module
		defer func() {
			for _, m := range mods {
				m.Close(ctx)
			}
		}()
		var log []string
		if hostImports != nil {
			if err := hostImports(ctx, r, c, &log); err != nil {
				return nil, err
			}
			defer r.Module("fuzzing-support").Close(ctx)
		}
		names := make([]string, 0, len(stubs))
		for n := range stubs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			m, err := r.InstantiateWithConfig(ctx, stubs[n], wazero.NewModuleConfig().WithName(n).WithStartFunctions())
			if err != nil {
				return nil, fmt.Errorf("stub %q: %w", n, err)
			}
			mods = append(mods, m)
		}
		o := runOutcome(ctx, r, c, exports, before, 2*time.Second)
		o.Log = log
		return o, nil
	}
	a, err := run(cOrig)
	if err != nil {
		st.skippedImports++
		st.reasons[err.Error()]++
		return nil
	}
	b, err := run(cInst)
	if err != nil {
		return fmt.Errorf("instrumented run: %w", err)
	}
	st.compared++
	st.calls += len(a.Calls)
	if a.TimedOut || b.TimedOut {
		st.timeouts++
	}
	if !equalOutcomes(a, b) {
		return fmt.Errorf("outcomes differ:\noriginal:     %v\ninstrumented: %v", a, b)
	}
	return nil
}

// TestDifferentialSpec runs every module of wazero's spec-test corpus in the
// module cache, original and instrumented, and requires identical outcomes.
func TestDifferentialSpec(t *testing.T) {
	dir := filepath.Join(os.Getenv("HOME"), "go/pkg/mod/github.com/tetratelabs/wazero@v1.12.0/internal/integration_test/spectest")
	if gomod := os.Getenv("GOMODCACHE"); gomod != "" {
		dir = filepath.Join(gomod, "github.com/tetratelabs/wazero@v1.12.0/internal/integration_test/spectest")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "testdata", "*.wasm"))
	if len(files) == 0 {
		t.Skipf("no spec-test modules under %s (run go mod download)", dir)
	}
	if stride := 1; testing.Short() || raceEnabled {
		stride = 5
		var some []string
		for i := 0; i < len(files); i += stride {
			some = append(some, files[i])
		}
		t.Logf("-short or -race: every %dth of %d files", stride, len(files))
		files = some
	}
	ctx := context.Background()
	r := newRuntime(ctx, true)
	defer r.Close(ctx)
	st := &diffStats{reasons: map[string]int{}}
	failures := 0
	for _, f := range files {
		wasm, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := diffModule(ctx, r, wasm, "", st, nil); err != nil {
			t.Errorf("%s: %v", f, err)
			if failures++; failures > 10 {
				t.Fatal("too many failures")
			}
		}
	}
	t.Logf("spec corpus: %v", st)
	for reason, n := range st.reasons {
		t.Logf("  skipped %d× : %s", n, reason)
	}
}

// TestDifferentialTTF generates modules with binaryen's wasm-opt -ttf from
// random seed files and requires identical outcomes. Each module carries
// binaryen's hang limit (reset through hangLimitInitializer before every
// call, as binaryen's own fuzz-exec does); wazero's context timeout is the
// safety net for both variants alike.
//
// PREEMPT_TTF_N sets the number of modules per feature set (default 100),
// PREEMPT_TTF_SEED the random seed (default: the time, logged).
func TestDifferentialTTF(t *testing.T) {
	wasmOpt, err := exec.LookPath("wasm-opt")
	if err != nil {
		t.Skip("wasm-opt not found: apt-get install -y binaryen to run the fuzzed differential test")
	}
	n := 100
	if v, err := strconv.Atoi(os.Getenv("PREEMPT_TTF_N")); err == nil {
		n = v
	}
	if testing.Short() {
		n = 5
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("PREEMPT_TTF_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("PREEMPT_TTF_SEED=%d PREEMPT_TTF_N=%d", seed, n)
	rng := rand.New(rand.NewPCG(seed, seed))
	featureSets := map[string][]string{
		"mvp": nil,
		"v2+tail": {"--enable-sign-ext", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
			"--enable-bulk-memory", "--enable-multivalue", "--enable-reference-types", "--enable-simd", "--enable-tail-call"},
		"threads": {"--enable-threads", "--enable-sign-ext", "--enable-bulk-memory", "--enable-mutable-globals"},
	}
	ctx := context.Background()
	r := newRuntime(ctx, true)
	defer r.Close(ctx)
	tmp := t.TempDir()
	total := &diffStats{reasons: map[string]int{}}
	names := []string{"mvp", "threads", "v2+tail"}
	for _, fs := range names {
		st := &diffStats{reasons: map[string]int{}}
		for i := 0; i < n; i++ {
			seedFile := filepath.Join(tmp, "seed")
			buf := make([]byte, 1024+rng.IntN(8192))
			for j := range buf {
				buf[j] = byte(rng.Uint32())
			}
			if err := os.WriteFile(seedFile, buf, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(tmp, fmt.Sprintf("%s-%d.wasm", fs, i))
			args := append([]string{"-ttf", seedFile, "-o", out}, featureSets[fs]...)
			if msg, err := exec.Command(wasmOpt, args...).CombinedOutput(); err != nil {
				t.Fatalf("wasm-opt %v: %v\n%s", args, err, msg)
			}
			wasm, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := diffModule(ctx, r, wasm, "hangLimitInitializer", st, recordingImports); err != nil {
				keep := filepath.Join(os.TempDir(), filepath.Base(out))
				os.WriteFile(keep, wasm, 0o600)
				t.Errorf("%s (kept at %s): %v", fs, keep, err)
			}
		}
		t.Logf("ttf %s: %v", fs, st)
		total.files += st.files
		total.compared += st.compared
		total.calls += st.calls
		total.invalid += st.invalid
		total.timeouts += st.timeouts
		total.skippedImports += st.skippedImports
	}
	t.Logf("ttf total: %v", total)
}

// recordingImports provides binaryen's fuzzing-support imports as host
// functions that log their arguments (compared between the two runs) and
// return zeros.
func recordingImports(ctx context.Context, r wazero.Runtime, c wazero.CompiledModule, log *[]string) error {
	b := r.NewHostModuleBuilder("fuzzing-support")
	for _, def := range c.ImportedFunctions() {
		mod, name, _ := def.Import()
		if mod != "fuzzing-support" {
			return fmt.Errorf("import from %q", mod)
		}
		params, results := def.ParamTypes(), def.ResultTypes()
		b = b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(_ context.Context, stack []uint64) {
			var s bytes.Buffer
			s.WriteString(name)
			for i, p := range params {
				s.WriteString(" " + valueString(p, stack[i], 0))
			}
			*log = append(*log, s.String())
			for i := range results {
				stack[i] = 0
			}
		}), params, results).Export(name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// The hand-written fixtures, differentially.
func TestDifferentialFixtures(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, true)
	defer r.Close(ctx)
	st := &diffStats{reasons: map[string]int{}}
	for _, f := range []string{"features.wasm", "sections.wasm"} {
		if err := diffModule(ctx, r, readTestdata(t, f), "", st, nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if st.compared != 2 {
		t.Fatalf("compared %d modules, want 2: %v %v", st.compared, st, st.reasons)
	}
	t.Logf("fixtures: %v", st)
}
