package engine

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// maxSpecSeeds caps the spec-test modules added as fuzz seeds: enough to
// cover every section kind and feature, few enough that the baseline
// coverage run at fuzz start takes seconds.
const maxSpecSeeds = 3000

// fuzzInputDeadline turns an input that never finishes into a crash the
// fuzzer records. Compile runs guest code (the start function,
// _initialize, wasmplane_abi_version on the probe instance) and the engine
// cannot interrupt it yet, so a fuzzed module that loops there would
// otherwise stall its worker silently.
const fuzzInputDeadline = 30 * time.Second

// FuzzCompile loads arbitrary bytes as a guest module: Compile must never
// panic, whatever the bytes. A module that loads is instantiated under a
// 16-page memory limit and, if it is one of the repository's own modules,
// gets one message.
//
// Deliver runs only for the repository seeds because the engine cannot
// interrupt a guest yet (preemption arrives separately): a mutated module
// whose wasmplane_receive or wasmplane_alloc loops forever would hang the
// fuzz worker with nothing to report. Once Deliver honours a deadline, it
// should run for every module that loads.
func FuzzCompile(f *testing.F) {
	repo := repoSeeds(f)
	deliverable := map[[32]byte]bool{}
	for _, b := range repo {
		f.Add(b)
		deliverable[sha256.Sum256(b)] = true
	}
	spec := specSeeds(f, fuzzing())
	for _, b := range spec {
		f.Add(b)
	}
	f.Logf("seeds: %d repository modules, %d spec-test modules", len(repo), len(spec))

	e, err := New(context.Background(), Config{NoCache: true}) // one per worker process
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close(context.Background()) })

	f.Fuzz(func(t *testing.T, bin []byte) {
		watchdog := time.AfterFunc(fuzzInputDeadline, func() {
			panic(fmt.Sprintf("FuzzCompile: one input ran for %v (%d bytes, sha256 %x): guest code without preemption",
				fuzzInputDeadline, len(bin), sha256.Sum256(bin)))
		})
		defer watchdog.Stop()
		ctx := context.Background()
		m, err := e.Compile(ctx, "fuzz", bin, KindGuest)
		if err != nil {
			return
		}
		defer m.Close(ctx)
		inst, err := m.Instantiate(ctx, InstanceConfig{Host: &fakeHost{reply: []byte("fuzz reply")}, MemoryLimitPages: 16})
		if err != nil {
			return
		}
		defer inst.Close(ctx)
		if deliverable[sha256.Sum256(bin)] {
			inst.Deliver(1, 0, 0, "fuzz", []byte("hello")) // traps and errors are fine
		}
	})
}

// fuzzing reports whether this run is `go test -fuzz`: the spec seeds only
// pay off as starting points for mutation, and TestMalformedCorpusRejected
// already loads every rejected one in a plain `go test`.
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

// repoSeeds are the repository's own modules: the guests and commands
// under testdata/wat, testdata/c and testdata/hostile.
func repoSeeds(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, pat := range []string{"testdata/wat/*.wasm", "testdata/c/*.wasm", "testdata/hostile/*.wasm"} {
		files, _ := filepath.Glob(filepath.Join(repoRoot(t), pat))
		slices.Sort(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatal("no repository .wasm seeds found")
	}
	return out
}

// specSeeds are wazero's spec-test modules, valid and not, deduplicated and
// thinned evenly to maxSpecSeeds. Without all, only a few dozen are kept,
// so a plain `go test` stays quick.
func specSeeds(t testing.TB, all bool) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(spectestDir(t), "*", "testdata", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	limit := maxSpecSeeds
	if !all {
		limit = 40
	}
	seen := map[[32]byte]bool{}
	var uniq [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if h := sha256.Sum256(b); !seen[h] {
			seen[h] = true
			uniq = append(uniq, b)
		}
	}
	if len(uniq) <= limit {
		return uniq
	}
	out := make([][]byte, 0, limit)
	for i := range limit {
		out = append(out, uniq[i*len(uniq)/limit])
	}
	return out
}
