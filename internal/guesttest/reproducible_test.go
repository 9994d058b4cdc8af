package guesttest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
	f32 = api.ValueTypeF32
	f64 = api.ValueTypeF64
)

// sig is a function signature, compared by its text.
type sig struct{ params, results []api.ValueType }

func (s sig) String() string {
	var b strings.Builder
	b.WriteString("(")
	for i, t := range s.params {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(api.ValueTypeName(t))
	}
	b.WriteString(") -> (")
	for i, t := range s.results {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(api.ValueTypeName(t))
	}
	b.WriteString(")")
	return b.String()
}

func sigOf(d api.FunctionDefinition) sig { return sig{d.ParamTypes(), d.ResultTypes()} }

func ts(t ...api.ValueType) []api.ValueType { return t }

// The ABI v1 tables of docs/abi.md.
var (
	guestExports = map[string]sig{
		"wasmplane_abi_version": {nil, ts(i32)},
		"wasmplane_alloc":       {ts(i32), ts(i32)},
		"wasmplane_receive":     {ts(i64, i64, i32, i32, i32, i32, i32), ts(i32)},
	}
	hooks       = []string{"wasmplane_pre_start", "wasmplane_post_start", "wasmplane_pre_stop", "wasmplane_post_stop"}
	hookSig     = sig{nil, ts(i32)}
	hostImports = map[string]sig{
		"send":        {ts(i64, i32, i32, i32, i32), ts(i32)},
		"request":     {ts(i64, i32, i32, i32, i32, i32, i32, i32, i32), ts(i32)},
		"reply_take":  {ts(i32, i32, i32), ts(i32)},
		"reply":       {ts(i64, i32, i32), ts(i32)},
		"publish":     {ts(i32, i32, i32, i32), ts(i32)},
		"subscribe":   {ts(i32, i32), ts(i32)},
		"unsubscribe": {ts(i32, i32), ts(i32)},
		"log":         {ts(i32, i32, i32), ts(i32)},
		"self":        {nil, ts(i64)},
		"lookup":      {ts(i32, i32, i32), ts(i32)},
		"now":         {nil, ts(i64)},
		"call":        {ts(i64, i32, i32, i32, i32, i32, i32, i32, i32), ts(i32)},
		"progress":    {nil, ts(i32)},
	}
)

// sourceDirs hold the committed .wasm files, each next to its source.
var sourceDirs = []string{"testdata/c", "testdata/wat", "examples/quickstart/counter", "examples/physics/guest"}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatalf("repository root %s has no Makefile: %v", root, err)
	}
	return root
}

// pairs returns the committed .wasm paths (relative to root) and fails for
// a source without its .wasm or a .wasm without its source.
func pairs(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, dir := range sourceDirs {
		ents, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatalf("read %s: %v", dir, err)
		}
		has := map[string]bool{}
		for _, e := range ents {
			has[e.Name()] = true
		}
		for _, e := range ents {
			name := e.Name()
			ext := filepath.Ext(name)
			base := strings.TrimSuffix(name, ext)
			switch ext {
			case ".c", ".wat":
				if !has[base+".wasm"] {
					t.Errorf("%s/%s has no committed %s.wasm; run `make wasm` and commit it", dir, name, base)
				}
			case ".wasm":
				if !has[base+".c"] && !has[base+".wat"] {
					t.Errorf("%s/%s has no source (.c or .wat) next to it", dir, name)
					continue
				}
				out = append(out, filepath.Join(dir, name))
			}
		}
	}
	return out
}

// TestCommittedWasmReproducible rebuilds every committed .wasm with the
// Makefile into a temporary directory and compares the bytes.
func TestCommittedWasmReproducible(t *testing.T) {
	for _, tool := range []string{"make", "clang", "wasm-ld", "wat2wasm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH; install clang, lld and wabt (CI does) to check the committed .wasm files", tool)
		}
	}
	root := repoRoot(t)
	out := t.TempDir()
	cmd := exec.Command("make", "-C", root, "-s", "wasm", "WASM_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make wasm WASM_OUT=%s: %v\n%s", out, err, b)
	}
	versions := map[bool]string{true: toolVersion("clang"), false: "wat2wasm " + toolVersion("wat2wasm")}
	for _, rel := range pairs(t, root) {
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			committed, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			rebuilt, err := os.ReadFile(filepath.Join(out, rel))
			if err != nil {
				t.Fatalf("the Makefile did not build %s: %v; add it to the wasm target", rel, err)
			}
			if !bytes.Equal(committed, rebuilt) {
				fromC := !strings.HasPrefix(filepath.ToSlash(rel), "testdata/wat/")
				t.Errorf("%s differs from a rebuild of its source with %s (%d bytes committed, %d rebuilt): "+
					"run `make wasm` and commit the result; the committed files come from "+
					"Debian clang 14.0.6 and wabt 1.0.32, and other versions emit other bytes",
					rel, versions[fromC], len(committed), len(rebuilt))
			}
		})
	}
}

// toolVersion returns the first line of `tool --version`.
func toolVersion(tool string) string {
	b, err := exec.Command(tool, "--version").Output()
	if err != nil {
		return "unknown version"
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// want describes the exports one .wasm must have.
type want struct {
	hooks      []string       // hooks that must be exported; all others must not
	extra      map[string]sig // other function exports required
	absent     []string       // function exports that must not exist
	noMemory   bool           // "memory" must not be exported
	memPages   uint32         // if non-zero, the exact minimum memory size
	allImports bool           // imports every host function
	version    uint64         // if non-zero, what wasmplane_abi_version returns
	check      func(t *testing.T, ctx context.Context, m api.Module)
	// command marks a WASI command: it exports _start instead of the guest
	// ABI and imports only from wasi_snapshot_preview1.
	command bool
	// proxy marks a third-party module that knows nothing of wasmplane
	// (engine.LoadProxy): no guest ABI exports, no imports; extra lists
	// its function exports.
	proxy bool
	// sharedPages marks a guest that imports the app's shared memory
	// (env.memory, shared, this maximum in pages) instead of exporting
	// one, and exports __stack_pointer (docs/shm.md).
	sharedPages uint32
}

func trampolines() map[string]sig {
	m := map[string]sig{}
	for name, s := range hostImports {
		m["t_"+name] = s
	}
	return m
}

var wants = map[string]want{
	"testdata/c/participant.wasm":              {hooks: hooks},
	"testdata/c/caller.wasm":                   {extra: map[string]sig{"caller.echo": {ts(i32, i32), ts(i64)}, "caller.progress": {ts(i32), ts(i32)}}},
	"examples/quickstart/counter/counter.wasm": {},
	"testdata/wat/minimal.wasm":                {memPages: 1, version: 1},
	"testdata/wat/abicalls.wasm":               {memPages: 1, allImports: true, extra: trampolines()},
	"testdata/wat/bad_no_receive.wasm":         {absent: []string{"wasmplane_receive"}, version: 1},
	"testdata/wat/bad_receive_sig.wasm":        {extra: map[string]sig{"wasmplane_receive": {ts(i32), ts(i32)}}, version: 1},
	"testdata/wat/bad_abi_version.wasm":        {version: 2},
	"testdata/wat/bad_no_memory.wasm":          {noMemory: true, version: 1},
	"testdata/wat/bad_alloc_global.wasm":       {absent: []string{"wasmplane_alloc"}, version: 1, check: allocIsGlobal},
	"testdata/wat/iface_ok.wasm":               {memPages: 1, version: 1, extra: map[string]sig{"math.add": {ts(i32, i32), ts(i32)}}},
	"testdata/wat/iface_bad.wasm":              {memPages: 1, version: 1, absent: []string{"math.scale"}},
	"testdata/wat/upper_cmd.wasm":              {command: true, memPages: 1},
	"testdata/wat/msg_sender.wasm":             {memPages: 1},
	"testdata/wat/msg_receiver.wasm":           {memPages: 1},
	"testdata/wat/trap_start.wasm":             {hooks: []string{"wasmplane_pre_start"}, version: 1, check: preStartTraps},
	"testdata/wat/ops.wasm":                    {memPages: 1, version: 1, extra: opsExports, check: opsAnswer},
	"testdata/wat/reenter.wasm":                {memPages: 1, extra: map[string]sig{"r.inc": {ts(i32), ts(i32)}, "r.self": {ts(i32), ts(i32)}}},
	"testdata/wat/calc.wasm":                   {proxy: true, noMemory: true, extra: map[string]sig{"add": {ts(i32, i32), ts(i32)}, "mul": {ts(f64, f64), ts(f64)}, "div": {ts(i32, i32), ts(i32)}}},
	"testdata/wat/strlib.wasm":                 {proxy: true, memPages: 1, extra: map[string]sig{"cabi_realloc": {ts(i32, i32, i32, i32), ts(i32)}, "reverse": {ts(i32, i32), ts(i64)}, "allocs": {nil, ts(i32)}}},
	"testdata/wat/strlib_malloc.wasm":          {proxy: true, memPages: 1, extra: map[string]sig{"malloc": {ts(i32), ts(i32)}, "free": {ts(i32), nil}, "reverse": {ts(i32, i32), ts(i64)}, "allocs": {nil, ts(i32)}, "frees": {nil, ts(i32)}}},
	"examples/physics/guest/physics.wasm":      {sharedPages: 16},
}

// opsExports are ops.wat's typed operations, lowered by the convention of
// docs/boundary.md (internal/engine/op_test.go declares their types).
var opsExports = map[string]sig{
	"set_alloc_mode": {ts(i32), nil},
	"t.answer":       {nil, ts(i32)},
	"t.sink":         {ts(i32), nil},
	"t.add_i32":      {ts(i32, i32), ts(i32)},
	"t.add_i64":      {ts(i64, i64), ts(i64)},
	"t.mul_f32":      {ts(f32, f32), ts(f32)},
	"t.mul_f64":      {ts(f64, f64), ts(f64)},
	"t.not":          {ts(i32), ts(i32)},
	"t.divmod":       {ts(i32, i32), ts(i32, i32)},
	"t.split":        {ts(f64), ts(i64, f64, i32)},
	"t.sum":          {ts(i32, i32), ts(i32)},
	"t.greet":        {ts(i32, i32), ts(i64)},
	"t.centroid":     {ts(i32, i32), ts(i64)},
	"t.mix":          {ts(i32, i32, i32, i32, i32, f64, i32), ts(i64)},
	"t.bad_packed":   {ts(i32), ts(i64)},
	"t.bad_bool":     {nil, ts(i32)},
	"t.spin":         {nil, nil},
	"t.wrong_sig":    {ts(i64), ts(i32)},
}

func opsAnswer(t *testing.T, ctx context.Context, m api.Module) {
	if res, err := m.ExportedFunction("t.answer").Call(ctx); err != nil || res[0] != 42 {
		t.Errorf("t.answer() = %v, %v; want 42", res, err)
	}
}

func allocIsGlobal(t *testing.T, _ context.Context, m api.Module) {
	if m.ExportedGlobal("wasmplane_alloc") == nil {
		t.Error("wasmplane_alloc is not exported as a global")
	}
}

func preStartTraps(t *testing.T, ctx context.Context, m api.Module) {
	if _, err := m.ExportedFunction("wasmplane_pre_start").Call(ctx); err == nil {
		t.Error("wasmplane_pre_start returned instead of trapping")
	}
}

// TestWasmExports checks each committed .wasm against ABI v1 and its role.
func TestWasmExports(t *testing.T) {
	root := repoRoot(t)
	ctx := context.Background()
	// Threads, for guests that import a shared memory.
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	defer r.Close(ctx)

	for _, rel := range pairs(t, root) {
		if _, ok := wants[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s has no entry in wants; say what it must export", rel)
		}
	}
	for rel, w := range wants {
		t.Run(rel, func(t *testing.T) {
			bin, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
			if err != nil {
				t.Fatalf("%v (run `make wasm`)", err)
			}
			cm, err := r.CompileModule(ctx, bin)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			defer cm.Close(ctx)
			if w.command {
				checkCommand(t, cm, w)
				return
			}
			if w.proxy {
				checkProxy(t, cm, w)
				return
			}
			checkExports(t, cm, w)
			checkImports(t, cm, w.allImports)
			if w.version == 0 && w.check == nil {
				return
			}
			if len(cm.ImportedFunctions()) > 0 {
				t.Fatal("cannot instantiate a module with imports here")
			}
			m, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				t.Fatalf("instantiate: %v", err)
			}
			defer m.Close(ctx)
			if w.version != 0 {
				res, err := m.ExportedFunction("wasmplane_abi_version").Call(ctx)
				if err != nil || len(res) != 1 || uint32(res[0]) != uint32(w.version) {
					t.Errorf("wasmplane_abi_version() = %v, %v; want %d", res, err, w.version)
				}
			}
			if w.check != nil {
				w.check(t, ctx, m)
			}
		})
	}
}

func checkExports(t *testing.T, cm wazero.CompiledModule, w want) {
	t.Helper()
	fns := cm.ExportedFunctions()
	required := map[string]sig{}
	for name, s := range guestExports {
		required[name] = s
	}
	for _, name := range w.hooks {
		required[name] = hookSig
	}
	for name, s := range w.extra {
		required[name] = s
	}
	for _, name := range w.absent {
		delete(required, name)
		if _, ok := fns[name]; ok {
			t.Errorf("exports function %s; it must not", name)
		}
	}
	for name, s := range required {
		d, ok := fns[name]
		if !ok {
			t.Errorf("does not export %s %s", name, s)
			continue
		}
		if got := sigOf(d); got.String() != s.String() {
			t.Errorf("%s has signature %s; want %s", name, got, s)
		}
	}
	for _, name := range hooks {
		if _, ok := fns[name]; ok && !slices.Contains(w.hooks, name) {
			t.Errorf("exports hook %s; it must not", name)
		}
	}
	if w.sharedPages != 0 {
		checkShared(t, cm, w.sharedPages)
		return
	}
	mem, ok := cm.ExportedMemories()["memory"]
	switch {
	case w.noMemory && ok:
		t.Error("exports memory; it must not")
	case w.noMemory:
		if len(cm.ExportedMemories()) > 0 {
			t.Error("exports a memory under another name")
		}
	case !ok:
		t.Error(`does not export "memory"`)
	case w.memPages != 0 && mem.Min() != w.memPages:
		t.Errorf("memory has %d pages minimum; want %d", mem.Min(), w.memPages)
	}
}

// checkShared requires the one memory to be imported from env.memory
// with the given maximum, and __stack_pointer to be exported.
func checkShared(t *testing.T, cm wazero.CompiledModule, maxPages uint32) {
	t.Helper()
	if len(cm.ExportedMemories()) != 0 {
		t.Error("a sharing guest exports a memory; it imports the shared one")
	}
	mems := cm.ImportedMemories()
	if len(mems) != 1 {
		t.Fatalf("imports %d memories; want one (env.memory, shared)", len(mems))
	}
	mod, name, _ := mems[0].Import()
	if mx, ok := mems[0].Max(); mod != "env" || name != "memory" || !ok || mx != maxPages {
		t.Errorf("imports %s.%s with maximum %d (%v); want env.memory with maximum %d pages", mod, name, mx, ok, maxPages)
	}
	if got := sigOf(cm.ExportedFunctions()["wasmplane_receive"]); got.String() != guestExports["wasmplane_receive"].String() {
		t.Errorf("wasmplane_receive has signature %s", got)
	}
}

// checkImports requires every import to be a host function of ABI v1 with
// its exact signature, and with all, every one of them.
func checkImports(t *testing.T, cm wazero.CompiledModule, all bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, d := range cm.ImportedFunctions() {
		mod, name, _ := d.Import()
		want, ok := hostImports[name]
		if mod != "wasmplane" || !ok {
			t.Errorf("imports %s.%s, which is not a host function of ABI v1", mod, name)
			continue
		}
		if got := sigOf(d); got.String() != want.String() {
			t.Errorf("imports wasmplane.%s as %s; want %s", name, got, want)
		}
		seen[name] = true
	}
	if !all {
		return
	}
	for name := range hostImports {
		if !seen[name] {
			t.Errorf("does not import wasmplane.%s", name)
		}
	}
}

func checkCommand(t *testing.T, cm wazero.CompiledModule, w want) {
	t.Helper()
	fns := cm.ExportedFunctions()
	if d, ok := fns["_start"]; !ok || sigOf(d).String() != (sig{}).String() {
		t.Errorf("a WASI command must export _start () -> ()")
	}
	for name := range guestExports {
		if _, ok := fns[name]; ok {
			t.Errorf("a WASI command exports %s", name)
		}
	}
	for _, d := range cm.ImportedFunctions() {
		if mod, name, _ := d.Import(); mod != "wasi_snapshot_preview1" {
			t.Errorf("a WASI command imports %s.%s", mod, name)
		}
	}
	if mem, ok := cm.ExportedMemories()["memory"]; !ok || (w.memPages != 0 && mem.Min() != w.memPages) {
		t.Errorf("memory export missing or not %d pages", w.memPages)
	}
}

func checkProxy(t *testing.T, cm wazero.CompiledModule, w want) {
	t.Helper()
	fns := cm.ExportedFunctions()
	for name := range fns {
		if strings.HasPrefix(name, "wasmplane_") {
			t.Errorf("a third-party module exports %s", name)
		}
	}
	for name, s := range w.extra {
		if d, ok := fns[name]; !ok || sigOf(d).String() != s.String() {
			t.Errorf("does not export %s %s", name, s)
		}
	}
	if n := len(cm.ImportedFunctions()) + len(cm.ImportedMemories()); n != 0 {
		t.Errorf("imports %d functions or memories; a third-party module here imports nothing", n)
	}
	mem, ok := cm.ExportedMemories()["memory"]
	switch {
	case w.noMemory && len(cm.ExportedMemories()) > 0:
		t.Error("exports a memory; it must not")
	case !w.noMemory && (!ok || mem.Min() != w.memPages):
		t.Errorf("memory export missing or not %d pages", w.memPages)
	}
}
