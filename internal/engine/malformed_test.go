package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const wazeroModule = "github.com/tetratelabs/wazero"

// spectestDir finds wazero's spec-test corpus in the module cache: the
// directory of the wazero version this test binary was built with, as `go
// list` reports it (which honours replace directives), else from the build
// info and GOMODCACHE.
func spectestDir(t testing.TB) string {
	t.Helper()
	const sub = "internal/integration_test/spectest"
	var tried []string
	if goBin, err := exec.LookPath("go"); err == nil {
		cmd := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", wazeroModule)
		cmd.Dir = repoRoot(t)
		if out, err := cmd.Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); dir != "" {
				tried = append(tried, dir)
			}
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path != wazeroModule {
				continue
			}
			if d.Replace != nil {
				d = d.Replace
			}
			cache := os.Getenv("GOMODCACHE")
			if cache == "" {
				if gp := os.Getenv("GOPATH"); gp != "" {
					cache = filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
				} else if home, err := os.UserHomeDir(); err == nil {
					cache = filepath.Join(home, "go", "pkg", "mod")
				}
			}
			if filepath.IsAbs(d.Path) {
				tried = append(tried, d.Path)
			} else if cache != "" {
				tried = append(tried, filepath.Join(cache, d.Path+"@"+d.Version))
			}
		}
	}
	for _, dir := range tried {
		if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
			return filepath.Join(dir, sub)
		}
	}
	t.Fatalf("wazero's spec tests (%s) are not in the module cache (looked in %q); run `go mod download %s`", sub, tried, wazeroModule)
	return ""
}

// specCase is one assert_malformed or assert_invalid command of a wast2json
// script.
type specCase struct {
	set    string // "v1", "v2", "threads", …
	typ    string // "assert_malformed" or "assert_invalid"
	script string // the .json file's base name
	line   int    // line in the .wast source
	path   string // the binary module, "" for a text one
}

func (c specCase) name() string { return c.set + "/" + c.script + ":" + strconv.Itoa(c.line) }

// specCorpus lists every assert_malformed and assert_invalid command of every
// set under dir, text ones included (path ""), in a stable order.
func specCorpus(t testing.TB, dir string) []specCase {
	t.Helper()
	scripts, err := filepath.Glob(filepath.Join(dir, "*", "testdata", "*.json"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no wast2json scripts under %s (%v)", dir, err)
	}
	slices.Sort(scripts)
	var cases []specCase
	for _, s := range scripts {
		raw, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		var script struct {
			Commands []struct {
				Type       string `json:"type"`
				Line       int    `json:"line"`
				Filename   string `json:"filename"`
				ModuleType string `json:"module_type"`
			} `json:"commands"`
		}
		if err := json.Unmarshal(raw, &script); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		set := filepath.Base(filepath.Dir(filepath.Dir(s)))
		for _, c := range script.Commands {
			if c.Type != "assert_malformed" && c.Type != "assert_invalid" {
				continue
			}
			sc := specCase{set: set, typ: c.Type, script: filepath.Base(s), line: c.Line}
			if c.ModuleType == "binary" {
				sc.path = filepath.Join(filepath.Dir(s), c.Filename)
			}
			cases = append(cases, sc)
		}
	}
	return cases
}

// canary proves the engine still works: it compiles minimal.wasm, runs an
// instance and delivers one message.
func canary(t testing.TB, e *Engine, bin []byte) {
	t.Helper()
	ctx := context.Background()
	m, err := e.Compile(ctx, "canary", bin, KindGuest)
	if err != nil {
		t.Fatalf("canary: the engine no longer compiles minimal.wasm: %v", err)
	}
	defer m.Close(ctx)
	inst, err := m.Instantiate(ctx, InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 4})
	if err != nil {
		t.Fatalf("canary: instantiate: %v", err)
	}
	defer inst.Close(ctx)
	if st, err := inst.Deliver(1, 0, 0, "ping", []byte("still alive")); err != nil || st != 0 {
		t.Fatalf("canary: deliver: status %d, %v", st, err)
	}
}

// waitGoroutines fails the test if more goroutines than before are still
// running once the deadline passes (goroutines may take a moment to exit
// after Close, so this waits for the count rather than sleeping blindly).
func waitGoroutines(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf)
			return
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
}

// TestMalformedCorpusRejected loads every binary of wazero's spec-test
// assert_malformed and assert_invalid sets as a guest and as a command: each
// must fail with a *LoadError naming the module (errors.Is ErrLoad), never
// panic, and the engine must keep working (checked every 500 modules and at
// the end). Text modules have no binary and are counted as skipped.
func TestMalformedCorpusRejected(t *testing.T) {
	dir := spectestDir(t)
	cases := specCorpus(t, dir)
	minimal := readWasm(t, "testdata/wat/minimal.wasm")
	e := newEngine(t)
	before := runtime.NumGoroutine()
	start := time.Now()

	type tally struct {
		total, rejected, byWazero, textSkipped int
		abiOnly                                []string // rejected by the ABI check alone
	}
	type key struct{ set, typ string }
	counts := map[key]*tally{}
	var keys []key
	var loaded int
	for _, c := range cases {
		k := key{c.set, c.typ}
		tl := counts[k]
		if tl == nil {
			tl = &tally{}
			counts[k] = tl
			keys = append(keys, k)
		}
		if c.path == "" {
			tl.textSkipped++
			continue
		}
		bin, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.name(), err)
		}
		tl.total++
		ok, wazeroRejected := true, true
		for _, kind := range []Kind{KindGuest, KindCommand} {
			err, panicked := compileNoPanic(e, c.name(), bin, kind)
			var le *LoadError
			switch {
			case panicked != nil:
				t.Errorf("%s (%s): Compile panicked: %v", c.name(), kind, panicked)
				ok = false
			case err == nil:
				t.Errorf("%s (%s, %s): Compile accepted the module", c.name(), c.typ, kind)
				ok = false
			case !errors.Is(err, ErrLoad) || !errors.As(err, &le):
				t.Errorf("%s (%s): error is not a *LoadError matching ErrLoad: %v", c.name(), kind, err)
				ok = false
			case !strings.Contains(err.Error(), strconv.Quote(c.name())):
				t.Errorf("%s (%s): error does not name the module: %v", c.name(), kind, err)
				ok = false
			case !strings.Contains(err.Error(), "not a valid Wasm module"):
				wazeroRejected = false
			}
		}
		if ok {
			tl.rejected++
			if wazeroRejected {
				tl.byWazero++
			} else {
				tl.abiOnly = append(tl.abiOnly, c.name())
			}
		}
		if loaded++; loaded%500 == 0 {
			canary(t, e, minimal)
		}
	}
	canary(t, e, minimal)
	elapsed := time.Since(start)

	var total, rejected, byWazero, skipped int
	for _, k := range keys {
		tl := counts[k]
		t.Logf("%s %s: %d rejected of %d (%d by wazero's decoder/validator, %d only by the ABI check); %d text modules skipped",
			k.set, k.typ, tl.rejected, tl.total, tl.byWazero, len(tl.abiOnly), tl.textSkipped)
		if len(tl.abiOnly) > 0 {
			t.Logf("    accepted by wazero with CoreFeaturesV2, rejected by the ABI check: %s", abbreviate(tl.abiOnly, 12))
		}
		total += tl.total
		rejected += tl.rejected
		byWazero += tl.byWazero
		skipped += tl.textSkipped
	}
	t.Logf("total: %d rejected of %d binary modules (%d compiles as guest and command) in %v; %d by wazero, %d only by the ABI check; %d text modules skipped",
		rejected, total, 2*total, elapsed.Round(time.Millisecond), byWazero, rejected-byWazero, skipped)
	if total == 0 {
		t.Fatal("the corpus has no binary modules")
	}
	waitGoroutines(t, before)
}

// compileNoPanic compiles bin and closes the module if it loads; a panic is
// returned instead of crashing the test binary.
func compileNoPanic(e *Engine, name string, bin []byte, kind Kind) (err error, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprintf("%v\n%s", r, debug.Stack())
		}
	}()
	m, err := e.Compile(context.Background(), name, bin, kind)
	if m != nil {
		m.Close(context.Background())
	}
	return err, nil
}

func abbreviate(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(", … (%d more)", len(s)-n)
}

// TestSpecCorpusHasModules guards the corpus reader itself: a wazero upgrade
// that moved or renamed the files must not turn the corpus test into a
// silent no-op.
func TestSpecCorpusHasModules(t *testing.T) {
	cases := specCorpus(t, spectestDir(t))
	sets := map[string]int{}
	for _, c := range cases {
		if c.path != "" {
			sets[c.set]++
			if !strings.HasSuffix(c.path, ".wasm") {
				t.Errorf("%s: binary module %s is not a .wasm", c.name(), c.path)
			}
		}
	}
	for _, want := range []string{"v1", "v2"} {
		if sets[want] < 100 {
			t.Errorf("set %s has %d binary modules, want hundreds", want, sets[want])
		}
	}
}

// hugeVectorEnv makes the test binary a child that compiles one module with
// a huge declared vector count (see TestCompileHugeVectorCounts).
const hugeVectorEnv = "WASMPLANE_TEST_HUGE_VECTOR_SECTION"

// hugeVectorModule is a module of a few bytes whose section declares
// 2^32-1 entries and holds none. Section 0 is a "name" section whose
// function-name map declares that many names; 255 stands for one function
// body that declares 2^32-1 i32 locals; 254 for a function type with
// 1.9 billion parameters; 253 for an import section that claims 127 bytes,
// holds 58 and declares 236 million imports (found by FuzzCompile: wazero
// sizes the vector before it notices the section is cut short).
func hugeVectorModule(section byte) []byte {
	bin := []byte("\x00asm\x01\x00\x00\x00")
	count := []byte{0xff, 0xff, 0xff, 0xff, 0x0f}
	switch section {
	case 253:
		return []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01`\x00\x00\x02\x7f\xff\xff\xffpectest\x05table\x01p\x00\x01\x03\x02\t\x00\t\a\x00\x00A\xe2\x00\v\x01\x00\n\x04\x01\x02\x00\v\x00\v\x04name\x01\f\x01\x00\x01f")
	case 254:
		return []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01`\xff\xff\xff\xff\x06\x10\x00\x00\x04\x00\x00")
	}
	if section == 255 {
		bin = append(bin, 1, 4, 1, 0x60, 0, 0) // type 0: func () -> ()
		bin = append(bin, 3, 2, 1, 0)          // function 0 has type 0
		body := append(append([]byte{1}, count...), 0x7f, 0x0b)
		code := append([]byte{1, byte(len(body))}, body...)
		return append(append(bin, 10, byte(len(code))), code...)
	}
	if section == 0 {
		body := append([]byte{4, 'n', 'a', 'm', 'e', 1, byte(len(count))}, count...)
		return append(append(bin, 0, byte(len(body))), body...)
	}
	return append(append(bin, section, byte(len(count))), count...)
}

// TestCompileHugeVectorCounts loads modules that declare 2^32-1 entries in
// a section of five bytes (or 2^32-1 locals in a function body of eight). Each must fail with a load error. wazero v1.12's
// decoder sizes its slices and maps by the declared count before reading
// any entry, so without a check in the engine Compile dies with Go's
// unrecoverable "fatal error: runtime: out of memory" (or, where the
// allocation succeeds, is killed by the kernel's OOM killer). The module is
// compiled in a child process whose address space is capped 3 GiB above
// this one's, so a failure cannot take the machine or this test binary down.
func TestCompileHugeVectorCounts(t *testing.T) {
	if s := os.Getenv(hugeVectorEnv); s != "" {
		id, _ := strconv.Atoi(s)
		e := newEngine(t)
		_, err := e.Compile(context.Background(), "huge", hugeVectorModule(byte(id)), KindGuest)
		if !errors.Is(err, ErrLoad) {
			t.Fatalf("section %d: got %v, want a load error", id, err)
		}
		t.Logf("section %d: %v", id, err)
		return
	}
	vmKB := selfVMSizeKB()
	if vmKB == 0 {
		t.Skip("needs /proc/self/status and sh's ulimit -v to cap the child's memory (Linux)")
	}
	sections := []struct {
		id   byte
		name string
	}{
		{0, "name"}, {1, "type"}, {2, "import"}, {3, "function"}, {4, "table"}, {5, "memory"},
		{6, "global"}, {7, "export"}, {9, "element"}, {10, "code"}, {11, "data"}, {255, "locals"},
		{254, "type_params"}, {253, "truncated_import"},
	}
	for _, s := range sections {
		t.Run(s.name, func(t *testing.T) {
			limitKB := vmKB + 3<<20
			cmd := exec.Command("sh", "-c", `ulimit -v "$1" && shift && exec "$@"`, "sh",
				strconv.FormatUint(limitKB, 10), os.Args[0], "-test.run=^TestCompileHugeVectorCounts$", "-test.v")
			cmd.Env = append(os.Environ(), hugeVectorEnv+"="+strconv.Itoa(int(s.id)))
			out, err := cmd.CombinedOutput()
			if err == nil {
				return
			}
			what := map[byte]string{255: "function body", 254: "function type", 253: "truncated import section"}[s.id]
			if what == "" {
				what = s.name + " section"
			}
			lines := strings.SplitN(string(out), "\n", 40)
			var where []string
			for _, l := range lines {
				if strings.Contains(l, "fatal error") || strings.Contains(l, "wazero@") || strings.Contains(l, "engine.(*Engine)") {
					where = append(where, strings.TrimSpace(l))
				}
			}
			t.Errorf("ENGINE BUG (module.go Compile, before wazero's CompileModule): a %d-byte module whose %s "+
				"declares far more entries than it has bytes kills the process under a 3 GiB cap (%v):\n  %s",
				len(hugeVectorModule(s.id)), what, err, strings.Join(where, "\n  "))
		})
	}
}

// selfVMSizeKB is this process's virtual size from /proc (0 if unknown).
func selfVMSizeKB() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	if _, err := exec.LookPath("sh"); err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmSize:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// TestCompileRecoversValidatorPanic: found by FuzzCompile. A 63-byte module
// whose second function has type index 7 (one type declared) and calls it
// with return_call makes wazero v1.12's validator index out of range
// (internal/wasm/func_validation.go:702) and panic. Compile must turn that
// into a load error, not take the process down.
func TestCompileRecoversValidatorPanic(t *testing.T) {
	bin := []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01`\x00\x00\x03\x03\x02\x00\a\n\v\x02\x06\x00A\x01\x12\x01\v\x02\x00\v\x00\x1d\x04name\x01\x0f\x01\x00\farity-1-vs-0\x02\x05\x02\x00\x00\x01\x00")
	e := newEngine(t)
	for _, kind := range []Kind{KindGuest, KindCommand} {
		err, panicked := compileNoPanic(e, "validator-panic", bin, kind)
		switch {
		case panicked != nil:
			t.Errorf("ENGINE BUG (module.go Compile): wazero's CompileModule panicked and Compile did not recover it "+
				"(%s); it should return a *LoadError:\n%.600s", kind, panicked)
		case !errors.Is(err, ErrLoad):
			t.Errorf("%s: got %v, want a load error", kind, err)
		}
	}
	canary(t, e, readWasm(t, "testdata/wat/minimal.wasm"))
}
