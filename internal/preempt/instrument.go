package preempt

import (
	"bytes"
	"fmt"
)

// ExportName is the export under which Instrument publishes the interrupt
// flag, a mutable i32 global that is 0 until Interrupt sets it to
// math.MaxInt32.
const ExportName = "__wasmplane_interrupt"

// SafepointInterval is the number of checks between two calls out to Go
// (the slow path), where the Go runtime can stop the goroutine for a
// garbage collection. See "Safepoints" in the package documentation.
const SafepointInterval = 4096

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secGlobal    = 6
	secExport    = 7
	secCode      = 10
	secTag       = 13
	secDataCount = 12
)

// sectionRank gives each known section id its place in the required order
// (spec 5.5.2, with the tag section of exception handling after memory).
// Zero means unknown.
var sectionRank = [14]int{
	1:  1,  // type
	2:  2,  // import
	3:  3,  // function
	4:  4,  // table
	5:  5,  // memory
	13: 6,  // tag
	6:  7,  // global
	7:  8,  // export
	8:  9,  // start
	9:  10, // element
	12: 11, // data count
	10: 12, // code
	11: 13, // data
}

var sectionName = [14]string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count", "tag"}

var header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

type section struct {
	id      byte
	start   int // offset of the id byte
	payload int // offset of the first payload byte
	end     int // offset just past the payload
}

// Instrument returns a copy of the module wasm that checks, at the entry of
// every defined function and at the header of every loop, whether it must
// stop or give the Go runtime a safepoint. At a function's entry:
//
//	global.get $budget  i32.const 1  i32.sub  local.tee $count  global.set $budget
//	local.get $count  global.get $flag  i32.le_s
//	if                          ;; every SafepointInterval checks, or interrupted
//	  i32.const SafepointInterval  local.tee $count  global.set $budget
//	  ref.null func  i32.const 0  table.grow $yield  drop   ;; a call out to Go
//	  global.get $flag
//	  if  unreachable  end
//	end
//
// and at a loop header, the same with the count kept in the local only:
//
//	local.get $count  i32.const 1  i32.sub  local.tee $count
//	global.get $flag  i32.le_s
//	if  ...  end
//
// It appends to the module two mutable i32 globals after every existing
// global, imported ones included, so no global index moves: the interrupt
// flag (0, exported as ExportName) and the budget (SafepointInterval); one
// funcref table of size 0 and maximum 0 after every existing table, the
// target of the table.grow; and to every function one i32 local after its
// existing locals, the count. Every other section is copied byte for byte;
// the table, global and export sections are created if absent.
//
// The output uses table.grow and may hold several tables: the engine must
// enable reference types (wazero's default, api.CoreFeaturesV2).
//
// # Errors
//
// An *Error wrapping ErrMalformed (bad binary), ErrUnsupported (an opcode
// or type the decoder does not know) or ErrExportExists (ExportName is
// taken, e.g. the module was instrumented already). Instrument never panics
// and never returns a partially rewritten module.
//
// # Notes
//
//   - Instrument checks structure, not types: an invalid module may come back
//     rewritten and the engine still rejects it at compile time. The
//     exceptions it catches are references to a global or table past the end
//     from code or exports, which the rewrite would otherwise turn into valid
//     references to the flag, the budget or the yield table. (An element
//     segment naming the yield table is not caught; the table can hold no
//     element, so such a segment either traps at instantiation or does
//     nothing.)
//   - Custom sections that hold code offsets (DWARF, branch hints) are copied
//     unchanged and therefore point at shifted code afterwards.
func Instrument(wasm []byte) ([]byte, error) {
	return instrument(wasm, SafepointInterval)
}

// instrument is Instrument with the budget as a parameter, for tests and
// benchmarks.
func instrument(wasm []byte, budget int32) ([]byte, error) {
	if len(wasm) < len(header) || !bytes.Equal(wasm[:4], header[:4]) {
		return nil, &Error{Func: -1, Detail: "not a WebAssembly binary (bad magic)", Err: ErrMalformed}
	}
	if !bytes.Equal(wasm[4:8], header[4:]) {
		return nil, &Error{Offset: 4, Func: -1, Detail: fmt.Sprintf("unsupported binary version % x (want 01 00 00 00; components are not supported)", wasm[4:8]), Err: ErrMalformed}
	}
	sections, err := splitSections(wasm)
	if err != nil {
		return nil, err
	}

	var typ, imp, fun, tab, glob, exp, code *section
	for i := range sections {
		s := &sections[i]
		switch s.id {
		case secType:
			typ = s
		case secImport:
			imp = s
		case secFunction:
			fun = s
		case secTable:
			tab = s
		case secGlobal:
			glob = s
		case secExport:
			exp = s
		case secCode:
			code = s
		}
	}

	// The new items' indices are the counts of their index spaces, imported
	// items first.
	var imported, defined spaces
	if imp != nil {
		if imported, err = countImports(wasm, imp); err != nil {
			return nil, err
		}
	}
	var tabRest, globRest []byte // section payloads after their counts
	if tab != nil {
		if defined.tables, tabRest, err = scanTables(wasm, tab); err != nil {
			return nil, err
		}
	}
	if glob != nil {
		if defined.globals, globRest, err = scanGlobals(wasm, glob); err != nil {
			return nil, err
		}
	}
	var idx checkIndices
	have := spaces{globals: imported.globals + defined.globals, tables: imported.tables + defined.tables}
	if have.globals < imported.globals || have.globals >= ^uint32(0)-1 {
		return nil, &Error{Func: -1, Section: "global", Detail: "too many globals", Err: ErrMalformed}
	}
	if have.tables < imported.tables || have.tables == ^uint32(0) {
		return nil, &Error{Func: -1, Section: "table", Detail: "too many tables", Err: ErrMalformed}
	}
	idx.flag, idx.budget, idx.table = have.globals, have.globals+1, have.tables
	var exports uint32
	var expRest []byte
	if exp != nil {
		if exports, expRest, err = scanExports(wasm, exp, have); err != nil {
			return nil, err
		}
	}

	var params []uint32 // per defined function
	if code != nil {
		if params, err = scanParams(wasm, typ, fun); err != nil {
			return nil, err
		}
	}
	repl := []struct {
		id      byte
		payload []byte
		done    bool
	}{
		{id: secTable}, {id: secGlobal}, {id: secExport}, {id: secCode, done: code == nil},
	}
	if code != nil {
		if repl[3].payload, err = rewriteCode(wasm, code, have, params, idx, budget); err != nil {
			return nil, err
		}
	}

	// New payloads.
	p := appendU32(nil, defined.tables+1)
	p = append(p, tabRest...)
	repl[0].payload = append(p, typeFuncRef, 0x01, 0x00, 0x00) // funcref, min 0, max 0
	p = appendU32(nil, defined.globals+2)
	p = append(p, globRest...)
	p = append(p, typeI32, 0x01, opI32Const, 0x00, opEnd) // flag: (mut i32) (i32.const 0)
	p = append(p, typeI32, 0x01, opI32Const)              // budget: (mut i32) (i32.const budget)
	repl[1].payload = append(appendS32(p, budget), opEnd)
	p = appendU32(nil, exports+1)
	p = append(p, expRest...)
	repl[2].payload = appendExport(p, ExportName, idx.flag)

	size := len(wasm) + 32
	for _, r := range repl {
		size += len(r.payload)
	}
	out := make([]byte, 0, size)
	out = append(out, header...)
	emit := func(i int) {
		out = append(out, repl[i].id)
		out = appendU32(out, uint32(len(repl[i].payload)))
		out = append(out, repl[i].payload...)
		repl[i].done = true
	}
	for _, s := range sections {
		if s.id == secCustom {
			out = append(out, wasm[s.start:s.end]...)
			continue
		}
		replaced := false
		for i := range repl {
			switch {
			case repl[i].done:
			case repl[i].id == s.id:
				emit(i)
				replaced = true
			case sectionRank[repl[i].id] < sectionRank[s.id]:
				emit(i) // a new section, in its place
			}
		}
		if !replaced {
			out = append(out, wasm[s.start:s.end]...)
		}
	}
	for i := range repl {
		if !repl[i].done {
			emit(i)
		}
	}
	return out, nil
}

func appendExport(b []byte, name string, global uint32) []byte {
	b = appendU32(b, uint32(len(name)))
	b = append(b, name...)
	b = append(b, 0x03) // global
	return appendU32(b, global)
}

// splitSections walks the section headers and checks their order.
func splitSections(wasm []byte) ([]section, error) {
	r := newReader(wasm, 0, "")
	r.off = len(header)
	var out []section
	lastRank := 0
	for !r.eof() {
		start := r.off
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		if int(id) >= len(sectionRank) || (id != secCustom && sectionRank[id] == 0) {
			r.off = start
			return nil, r.errorf(ErrMalformed, "unknown section id %d", id)
		}
		r.section = sectionName[id]
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		payload := r.off
		if err := r.skip(uint64(size)); err != nil {
			return nil, err
		}
		if id != secCustom {
			rank := sectionRank[id]
			if rank <= lastRank {
				r.off = start
				return nil, r.errorf(ErrMalformed, "section out of order or duplicated")
			}
			lastRank = rank
		}
		out = append(out, section{id: id, start: start, payload: payload, end: r.off})
		r.section = ""
	}
	return out, nil
}

func sectionReader(wasm []byte, s *section) *reader {
	return newReader(wasm[s.payload:s.end], s.payload, sectionName[s.id])
}

// countImports decodes the import section and counts the imported globals
// and tables.
func countImports(wasm []byte, s *section) (spaces, error) {
	var n spaces
	r := sectionReader(wasm, s)
	count, err := r.u32()
	if err != nil {
		return n, err
	}
	for i := uint32(0); i < count; i++ {
		if _, err := r.name(); err != nil {
			return n, err
		}
		if _, err := r.name(); err != nil {
			return n, err
		}
		kind, err := r.byte()
		if err != nil {
			return n, err
		}
		switch kind {
		case 0x00: // func: type index
			_, err = r.u32()
		case 0x01: // table: reference type, limits
			n.tables++
			if err = r.valType(); err == nil {
				err = r.limits()
			}
		case 0x02: // memory
			err = r.limits()
		case 0x03: // global: value type, mutability
			n.globals++
			if err = r.valType(); err == nil {
				_, err = r.byte()
			}
		case 0x04: // tag: attribute, type index
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			r.off--
			return n, r.errorf(ErrMalformed, "unknown import kind %#x", kind)
		}
		if err != nil {
			return n, err
		}
	}
	if !r.eof() {
		return n, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return n, nil
}

// scanTables decodes the table section and returns the count of defined
// tables and the payload after the count.
func scanTables(wasm []byte, s *section) (uint32, []byte, error) {
	r := sectionReader(wasm, s)
	n, err := r.u32()
	if err != nil {
		return 0, nil, err
	}
	rest := r.b[r.off:]
	for i := uint32(0); i < n; i++ {
		init := r.off < len(r.b) && r.b[r.off] == 0x40 // function references: 0x40 0x00 tabletype expr
		if init {
			r.off++
			if c, err := r.byte(); err != nil {
				return 0, nil, err
			} else if c != 0 {
				r.off--
				return 0, nil, r.errorf(ErrMalformed, "table %d: reserved byte %#x after 0x40, want 0", i, c)
			}
		}
		if err := r.valType(); err != nil {
			return 0, nil, err
		}
		if err := r.limits(); err != nil {
			return 0, nil, err
		}
		if init {
			if err := r.expr(allSpaces); err != nil {
				return 0, nil, err
			}
		}
	}
	if !r.eof() {
		return 0, nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return n, rest, nil
}

// scanGlobals decodes the global section and returns the count of defined
// globals and the payload after the count.
func scanGlobals(wasm []byte, s *section) (uint32, []byte, error) {
	r := sectionReader(wasm, s)
	n, err := r.u32()
	if err != nil {
		return 0, nil, err
	}
	rest := r.b[r.off:]
	for i := uint32(0); i < n; i++ {
		if err := r.valType(); err != nil {
			return 0, nil, err
		}
		if _, err := r.byte(); err != nil { // mutability
			return 0, nil, err
		}
		if err := r.expr(allSpaces); err != nil {
			return 0, nil, err
		}
	}
	if !r.eof() {
		return 0, nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return n, rest, nil
}

// scanExports decodes the export section, refuses ExportName and exports of
// globals or tables that do not exist, and returns the count and the
// payload after it.
func scanExports(wasm []byte, s *section, have spaces) (uint32, []byte, error) {
	r := sectionReader(wasm, s)
	n, err := r.u32()
	if err != nil {
		return 0, nil, err
	}
	rest := r.b[r.off:]
	for i := uint32(0); i < n; i++ {
		nameOff := r.off
		name, err := r.name()
		if err != nil {
			return 0, nil, err
		}
		if string(name) == ExportName {
			r.off = nameOff
			return 0, nil, r.errorf(ErrExportExists, "export %d is named %q; instrument the original module, once", i, ExportName)
		}
		kind, err := r.byte()
		if err != nil {
			return 0, nil, err
		}
		idx, err := r.u32()
		if err != nil {
			return 0, nil, err
		}
		if kind == 0x03 && idx >= have.globals {
			return 0, nil, r.errorf(ErrMalformed, "export %q names global %d, out of range (%d globals)", name, idx, have.globals)
		}
		if kind == 0x01 && idx >= have.tables {
			return 0, nil, r.errorf(ErrMalformed, "export %q names table %d, out of range (%d tables)", name, idx, have.tables)
		}
	}
	if !r.eof() {
		return 0, nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return n, rest, nil
}

// rewriteCode returns the new code section payload; params holds the
// parameter count of each defined function.
func rewriteCode(wasm []byte, s *section, have spaces, params []uint32, idx checkIndices, budget int32) ([]byte, error) {
	r := sectionReader(wasm, s)
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if uint64(n) != uint64(len(params)) {
		r.off = 0
		return nil, r.errorf(ErrMalformed, "%d function bodies for %d functions declared in the function section", n, len(params))
	}
	out := make([]byte, 0, (s.end-s.payload)*9/8+int(n)*64+16)
	out = append(out, r.b[:r.off]...) // the count, as encoded
	var body []byte
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		bodyOff := r.base + r.off
		raw, err := r.bytes(uint64(size))
		if err != nil {
			return nil, err
		}
		body, err = rewriteBody(body[:0], raw, bodyOff, int(i), have, params[i], idx, budget)
		if err != nil {
			return nil, err
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if !r.eof() {
		return nil, r.errorf(ErrMalformed, "%d trailing bytes after %d function bodies", len(r.b)-r.off, n)
	}
	if uint64(len(out)) > uint64(^uint32(0)) {
		return nil, r.errorf(ErrMalformed, "instrumented code section exceeds 4 GiB")
	}
	return out, nil
}

// rewriteBody appends to dst the function body raw with one i32 local
// added after its locals (the count; params is the function's parameter
// count), the entry check after the locals and the loop check after every
// loop's block type.
func rewriteBody(dst, raw []byte, base, fn int, have spaces, params uint32, idx checkIndices, budget int32) ([]byte, error) {
	r := newReader(raw, base, "code")
	r.fn = fn
	groups, err := r.u32()
	if err != nil {
		return nil, err
	}
	locals := uint64(params)
	for g := uint32(0); g < groups; g++ {
		n, err := r.u32()
		if err != nil {
			return nil, err
		}
		if err := r.valType(); err != nil {
			return nil, err
		}
		locals += uint64(n)
	}
	if groups == ^uint32(0) || locals >= uint64(^uint32(0)) {
		return nil, r.errorf(ErrMalformed, "too many locals (%d, with %d parameters)", locals, params)
	}
	entry, loop := checkCode(idx, uint32(locals), budget)
	dst = appendU32(dst, groups+1)
	dst = append(dst, r.b[lebLen(raw):r.off]...)
	dst = append(dst, 1, typeI32) // the count
	dst = append(dst, entry...)
	copied := r.off
	depth := 0
	for {
		if r.eof() {
			return nil, r.errorf(ErrMalformed, "function body has no final end")
		}
		op, err := r.instr(have)
		if err != nil {
			return nil, err
		}
		switch op {
		case opLoop:
			dst = append(dst, raw[copied:r.off]...)
			dst = append(dst, loop...)
			copied = r.off
			depth++
		case opBlock, opIf, opTry, opTryTable:
			depth++
		case opEnd, opDelegate:
			if depth == 0 {
				if op == opDelegate {
					return nil, r.errorf(ErrMalformed, "delegate outside try")
				}
				if !r.eof() {
					return nil, r.errorf(ErrMalformed, "%d bytes after the function's final end", len(raw)-r.off)
				}
				return append(dst, raw[copied:]...), nil
			}
			depth--
		}
	}
}

// lebLen returns the length of the LEB128 at the start of b (b holds a
// valid one).
func lebLen(b []byte) int {
	n := 0
	for b[n]&0x80 != 0 {
		n++
	}
	return n + 1
}

// scanParams returns the parameter count of every defined function, from
// the type and function sections.
func scanParams(wasm []byte, typ, fun *section) ([]uint32, error) {
	var types []uint32
	if typ != nil {
		r := sectionReader(wasm, typ)
		n, err := r.u32()
		if err != nil {
			return nil, err
		}
		for i := uint32(0); i < n; i++ {
			form, err := r.byte()
			if err != nil {
				return nil, err
			}
			if form != 0x60 {
				r.off--
				return nil, r.errorf(ErrUnsupported, "type %d: form %#x is not a function type (GC types are not supported)", i, form)
			}
			var params uint32
			for k := 0; k < 2; k++ { // parameters, results
				m, err := r.u32()
				if err != nil {
					return nil, err
				}
				for v := uint32(0); v < m; v++ {
					if err := r.valType(); err != nil {
						return nil, err
					}
				}
				if k == 0 {
					params = m
				}
			}
			types = append(types, params)
		}
		if !r.eof() {
			return nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
		}
	}
	var params []uint32
	if fun != nil {
		r := sectionReader(wasm, fun)
		n, err := r.u32()
		if err != nil {
			return nil, err
		}
		for i := uint32(0); i < n; i++ {
			start := r.off
			t, err := r.u32()
			if err != nil {
				return nil, err
			}
			if t >= uint32(len(types)) {
				r.off = start
				return nil, r.errorf(ErrMalformed, "function %d has type %d, out of range (%d types)", i, t, len(types))
			}
			params = append(params, types[t])
		}
		if !r.eof() {
			return nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
		}
	}
	return params, nil
}
