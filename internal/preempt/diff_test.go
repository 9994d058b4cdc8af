package preempt

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// outcome is everything observable about running a module: instantiation
// (start function), each export call in order, and the final memory and
// globals. The differential tests require it to be identical for the
// original and the instrumented module.
type outcome struct {
	Instantiate string
	Calls       []callOutcome
	MemSize     uint32
	MemHash     [32]byte
	Globals     []string
	Log         []string // calls to recording host imports, if any
	TimedOut    bool     // a call hit the safety-net timeout; later state not compared
}

type callOutcome struct {
	Name    string
	Results []string
	Trap    string // first line of the error: the trap's class
}

func (o *outcome) String() string { return fmt.Sprintf("%+v", *o) }

// trapClass keeps the first line of a wazero error ("wasm error: integer
// divide by zero"), dropping the stack trace.
func trapClass(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// valueString renders a value so that references compare by null-ness only
// (they are addresses, different in every instance) and 32-bit values by
// their low 32 bits only: wazero leaves the upper half of an i32 or f32
// stack slot passed to a host function unspecified (api.DecodeI32 drops
// it), and what it holds depends on register allocation.
func valueString(t api.ValueType, lo, hi uint64) string {
	switch t {
	case api.ValueTypeExternref, 0x70: // externref, funcref
		return fmt.Sprintf("ref(null=%v)", lo == 0)
	case valueTypeV128:
		return fmt.Sprintf("v128(%#x,%#x)", lo, hi)
	case api.ValueTypeI32, api.ValueTypeF32:
		lo = uint64(uint32(lo))
	}
	return fmt.Sprintf("%s(%#x)", api.ValueTypeName(t), lo)
}

// runOutcome instantiates compiled (its imports must already be
// instantiated), optionally calls before ahead of every export (binaryen's
// hang limit reset), calls each exported function in export order with zero
// arguments under a timeout, and records the outcome. The flag and budget
// globals, if present, are left out of Globals.
func runOutcome(ctx context.Context, r wazero.Runtime, compiled wazero.CompiledModule, exports []string, before string, timeout time.Duration) *outcome {
	o := &outcome{}
	mod, err := r.InstantiateModule(ctx, compiled, moduleConfig())
	if err != nil {
		o.Instantiate = trapClass(err)
		return o
	}
	defer mod.Close(ctx)
	defs := compiled.ExportedFunctions()
	for _, name := range exports {
		def, ok := defs[name]
		if !ok || name == before {
			continue
		}
		if before != "" {
			if f := mod.ExportedFunction(before); f != nil {
				if _, err := f.Call(ctx); err != nil {
					o.Calls = append(o.Calls, callOutcome{Name: before, Trap: trapClass(err)})
				}
			}
		}
		args := make([]uint64, slots(def.ParamTypes()))
		cctx, cancel := context.WithTimeout(ctx, timeout)
		res, err := mod.ExportedFunction(name).Call(cctx, args...)
		cancel()
		if errors.Is(cctx.Err(), context.DeadlineExceeded) && err != nil {
			o.TimedOut = true
			return o
		}
		c := callOutcome{Name: name, Trap: trapClass(err)}
		if err == nil {
			i := 0
			for _, t := range def.ResultTypes() {
				var hi uint64
				if t == valueTypeV128 {
					hi = res[i+1]
				}
				c.Results = append(c.Results, valueString(t, res[i], hi))
				i += slots([]api.ValueType{t})
			}
		}
		o.Calls = append(o.Calls, c)
	}
	if mem := mod.Memory(); mem != nil && !reflect.ValueOf(mem).IsNil() { // a module without memory returns a typed nil
		o.MemSize = mem.Size()
		b, _ := mem.Read(0, mem.Size())
		o.MemHash = sha256.Sum256(b)
	}
	if im, ok := mod.(experimental.InternalModule); ok {
		n := im.NumGlobal()
		if flagOf(mod) != nil {
			n -= 2 // the flag and the budget are the last globals
		}
		for i := 0; i < n; i++ {
			g := im.Global(i)
			o.Globals = append(o.Globals, valueString(g.Type(), g.Get(), 0))
		}
	}
	return o
}

func slots(ts []api.ValueType) int {
	n := 0
	for _, t := range ts {
		n++
		if t == valueTypeV128 {
			n++
		}
	}
	return n
}

// equalOutcomes compares like with like: if either run timed out, only the
// calls both completed are compared.
func equalOutcomes(a, b *outcome) bool {
	if a.TimedOut || b.TimedOut {
		n := min(len(a.Calls), len(b.Calls))
		return a.Instantiate == b.Instantiate && reflect.DeepEqual(a.Calls[:n], b.Calls[:n])
	}
	return reflect.DeepEqual(a, b)
}

// exportedFuncs lists the exported function names in export-section order.
func exportedFuncs(wasm []byte) []string {
	ss, err := splitSections(wasm)
	if err != nil {
		return nil
	}
	var names []string
	for i := range ss {
		if ss[i].id != secExport {
			continue
		}
		r := sectionReader(wasm, &ss[i])
		n, _ := r.u32()
		for j := uint32(0); j < n; j++ {
			name, err := r.name()
			if err != nil {
				return names
			}
			kind, _ := r.byte()
			r.u32()
			if kind == 0 {
				names = append(names, string(name))
			}
		}
	}
	return names
}

// stubModules builds, for each module name wasm imports from, a Wasm module
// that exports trivial stand-ins: functions returning zeros, and tables,
// memories and globals of the imported types (globals zero or null). It
// fails for imports it cannot satisfy (tags, non-nullable references,
// conflicting imports of one name).
func stubModules(wasm []byte) (map[string][]byte, error) {
	ss, err := splitSections(wasm)
	if err != nil {
		return nil, err
	}
	var types [][]byte   // raw function types
	var results [][]byte // raw result types, one entry per type, concatenated valtypes
	type stub struct {
		funcs, tables, mems, globals [][]byte
		funcResults                  [][]byte
		exports                      []byte
		nexports                     uint32
		seen                         map[string]string
	}
	stubs := map[string]*stub{}
	var order []string
	for i := range ss {
		s := &ss[i]
		r := sectionReader(wasm, s)
		switch s.id {
		case 1:
			n, err := r.u32()
			if err != nil {
				return nil, err
			}
			for j := uint32(0); j < n; j++ {
				start := r.off
				form, err := r.byte()
				if err != nil {
					return nil, err
				}
				if form != 0x60 {
					types, results = append(types, nil), append(results, nil)
					return nil, fmt.Errorf("type %d: non-function type %#x", j, form)
				}
				var res []byte
				for k := 0; k < 2; k++ {
					m, err := r.u32()
					if err != nil {
						return nil, err
					}
					for v := uint32(0); v < m; v++ {
						vs := r.off
						if err := r.valType(); err != nil {
							return nil, err
						}
						if k == 1 {
							res = append(res, r.b[vs:r.off]...)
						}
					}
				}
				types = append(types, r.b[start:r.off])
				results = append(results, res)
			}
		case 2:
			n, err := r.u32()
			if err != nil {
				return nil, err
			}
			for j := uint32(0); j < n; j++ {
				mod, err := r.name()
				if err != nil {
					return nil, err
				}
				field, err := r.name()
				if err != nil {
					return nil, err
				}
				kind, err := r.byte()
				if err != nil {
					return nil, err
				}
				ds := r.off
				switch kind {
				case 0:
					_, err = r.u32()
				case 1:
					if err = r.valType(); err == nil {
						err = r.limits()
					}
				case 2:
					err = r.limits()
				case 3:
					if err = r.valType(); err == nil {
						_, err = r.byte()
					}
				default:
					return nil, fmt.Errorf("import %s.%s: kind %d not stubbed", mod, field, kind)
				}
				if err != nil {
					return nil, err
				}
				desc := r.b[ds:r.off]
				st := stubs[string(mod)]
				if st == nil {
					st = &stub{seen: map[string]string{}}
					stubs[string(mod)] = st
					order = append(order, string(mod))
				}
				key := string(append([]byte{kind}, desc...))
				if prev, ok := st.seen[string(field)]; ok {
					if prev != key {
						return nil, fmt.Errorf("import %s.%s: imported twice with different types", mod, field)
					}
					continue
				}
				st.seen[string(field)] = key
				var idx int
				switch kind {
				case 0:
					dr := newReader(desc, 0, "")
					ti, _ := dr.u32()
					if int(ti) >= len(types) {
						return nil, fmt.Errorf("import %s.%s: bad type %d", mod, field, ti)
					}
					idx = len(st.funcs)
					st.funcs = append(st.funcs, types[ti])
					st.funcResults = append(st.funcResults, results[ti])
				case 1:
					idx = len(st.tables)
					st.tables = append(st.tables, desc)
				case 2:
					idx = len(st.mems)
					st.mems = append(st.mems, desc)
				case 3:
					z, err := zeroConst(desc[:len(desc)-1])
					if err != nil {
						return nil, err
					}
					idx = len(st.globals)
					st.globals = append(st.globals, append(append(append([]byte{}, desc...), z...), opEnd))
				}
				st.exports = appendU32(st.exports, uint32(len(field)))
				st.exports = append(st.exports, field...)
				st.exports = append(st.exports, kind)
				st.exports = appendU32(st.exports, uint32(idx))
				st.nexports++
			}
		}
	}
	out := map[string][]byte{}
	for _, name := range order {
		st := stubs[name]
		m := append([]byte{}, header...)
		vec := func(id byte, items [][]byte, prefix func(i int) []byte) {
			if len(items) == 0 {
				return
			}
			p := appendU32(nil, uint32(len(items)))
			for i, it := range items {
				if prefix != nil {
					p = append(p, prefix(i)...)
				}
				p = append(p, it...)
			}
			m = append(m, id)
			m = appendU32(m, uint32(len(p)))
			m = append(m, p...)
		}
		vec(1, st.funcs, nil)
		fidx := make([][]byte, len(st.funcs))
		for i := range fidx {
			fidx[i] = appendU32(nil, uint32(i))
		}
		vec(3, fidx, nil)
		vec(4, st.tables, nil)
		vec(5, st.mems, nil)
		vec(6, st.globals, nil)
		exp := appendU32(nil, st.nexports)
		exp = append(exp, st.exports...)
		m = append(m, secExport)
		m = appendU32(m, uint32(len(exp)))
		m = append(m, exp...)
		bodies := make([][]byte, len(st.funcs))
		for i, res := range st.funcResults {
			body := []byte{0}
			rr := newReader(res, 0, "")
			for !rr.eof() {
				vs := rr.off
				if err := rr.valType(); err != nil {
					return nil, err
				}
				z, err := zeroConst(res[vs:rr.off])
				if err != nil {
					return nil, err
				}
				body = append(body, z...)
			}
			body = append(body, opEnd)
			bodies[i] = append(appendU32(nil, uint32(len(body))), body...)
		}
		vec(10, bodies, nil)
		out[name] = m
	}
	return out, nil
}

// zeroConst returns the instruction pushing the zero (or null) of a value type.
func zeroConst(vt []byte) ([]byte, error) {
	switch vt[0] {
	case 0x7f:
		return []byte{0x41, 0}, nil
	case 0x7e:
		return []byte{0x42, 0}, nil
	case 0x7d:
		return []byte{0x43, 0, 0, 0, 0}, nil
	case 0x7c:
		return []byte{0x44, 0, 0, 0, 0, 0, 0, 0, 0}, nil
	case 0x7b:
		return append([]byte{prefixSIMD, 0x0c}, make([]byte, 16)...), nil
	case 0x70, 0x6f, 0x69:
		return []byte{0xd0, vt[0]}, nil
	case typeRefNull:
		return append([]byte{0xd0}, vt[1:]...), nil
	}
	return nil, fmt.Errorf("no zero value for type %#x", vt[0])
}

// valueTypeV128 is wazero's value type for v128 (not exported by api).
const valueTypeV128 api.ValueType = 0x7b
