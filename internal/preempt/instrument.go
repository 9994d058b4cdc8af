package preempt

import (
	"bytes"
	"fmt"
)

// ExportName is the export under which Instrument publishes the interrupt
// flag, a mutable i32 global that is 0 until Interrupt sets it to 1.
const ExportName = "__wasmplane_interrupt"

// Section ids.
const (
	secCustom    = 0
	secImport    = 2
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

// Instrument returns a copy of the module wasm that checks an interrupt flag
// at the entry of every defined function and at the header of every loop:
//
//	global.get $flag
//	if            ;; empty block type
//	  unreachable
//	end
//
// The flag is a new mutable i32 global (initially 0) appended after every
// existing global, imported ones included, so no global index moves, and
// exported as ExportName. Every other section is copied byte for byte; the
// global and export sections are created if absent.
//
// # Errors
//
// An *Error wrapping ErrMalformed (bad binary), ErrUnsupported (an opcode
// or type the decoder does not know) or ErrExportExists (ExportName is taken,
// e.g. the module was instrumented already). Instrument never panics and
// never returns a partially rewritten module.
//
// # Notes
//
//   - Instrument checks structure, not types: an invalid module may come back
//     rewritten and the engine still rejects it at compile time. The one
//     exception it catches is a reference to a global past the end, which the
//     rewrite would otherwise turn into a valid reference to the flag.
//   - Custom sections that hold code offsets (DWARF, branch hints) are copied
//     unchanged and therefore point at shifted code afterwards.
func Instrument(wasm []byte) ([]byte, error) {
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

	var imp, glob, exp, code *section
	for i := range sections {
		s := &sections[i]
		switch s.id {
		case secImport:
			imp = s
		case secGlobal:
			glob = s
		case secExport:
			exp = s
		case secCode:
			code = s
		}
	}

	// The flag's index is the number of globals, imported ones first.
	var importedGlobals, definedGlobals uint32
	if imp != nil {
		if importedGlobals, err = countImportedGlobals(wasm, imp); err != nil {
			return nil, err
		}
	}
	var globRest []byte // global section payload after its count
	if glob != nil {
		if definedGlobals, globRest, err = scanGlobals(wasm, glob); err != nil {
			return nil, err
		}
	}
	flag := importedGlobals + definedGlobals
	if flag < importedGlobals || flag == ^uint32(0) {
		return nil, &Error{Func: -1, Section: "global", Detail: "too many globals", Err: ErrMalformed}
	}
	var exports uint32
	var expRest []byte
	if exp != nil {
		if exports, expRest, err = scanExports(wasm, exp, flag); err != nil {
			return nil, err
		}
	}

	check := appendU32([]byte{opGlobalGet}, flag)
	check = append(check, opIf, typeEmpty, opUnreachable, opEnd)

	var newCode []byte
	if code != nil {
		if newCode, err = rewriteCode(wasm, code, flag, check); err != nil {
			return nil, err
		}
	}

	// New payloads.
	globPayload := appendU32(nil, definedGlobals+1)
	globPayload = append(globPayload, globRest...)
	globPayload = append(globPayload, typeI32, 0x01, 0x41, 0x00, opEnd) // (mut i32) (i32.const 0)
	expPayload := appendU32(nil, exports+1)
	expPayload = append(expPayload, expRest...)
	expPayload = appendU32(expPayload, uint32(len(ExportName)))
	expPayload = append(expPayload, ExportName...)
	expPayload = append(expPayload, 0x03) // global
	expPayload = appendU32(expPayload, flag)

	out := make([]byte, 0, len(wasm)+len(newCode)-sectionLen(code)+len(globPayload)+len(expPayload)+16)
	out = append(out, header...)
	globDone, expDone := false, false
	emit := func(id byte, payload []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	for _, s := range sections {
		if s.id != secCustom {
			rank := sectionRank[s.id]
			if !globDone && rank > sectionRank[secGlobal] {
				emit(secGlobal, globPayload)
				globDone = true
			}
			if !expDone && rank > sectionRank[secExport] {
				emit(secExport, expPayload)
				expDone = true
			}
		}
		switch s.id {
		case secGlobal:
			emit(secGlobal, globPayload)
			globDone = true
		case secExport:
			emit(secExport, expPayload)
			expDone = true
		case secCode:
			emit(secCode, newCode)
		default:
			out = append(out, wasm[s.start:s.end]...)
		}
	}
	if !globDone {
		emit(secGlobal, globPayload)
	}
	if !expDone {
		emit(secExport, expPayload)
	}
	return out, nil
}

func sectionLen(s *section) int {
	if s == nil {
		return 0
	}
	return s.end - s.payload
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

// countImportedGlobals decodes the import section.
func countImportedGlobals(wasm []byte, s *section) (uint32, error) {
	r := sectionReader(wasm, s)
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	var globals uint32
	for i := uint32(0); i < n; i++ {
		if _, err := r.name(); err != nil {
			return 0, err
		}
		if _, err := r.name(); err != nil {
			return 0, err
		}
		kind, err := r.byte()
		if err != nil {
			return 0, err
		}
		switch kind {
		case 0x00: // func: type index
			_, err = r.u32()
		case 0x01: // table: reference type, limits
			if err = r.valType(); err == nil {
				err = r.limits()
			}
		case 0x02: // memory
			err = r.limits()
		case 0x03: // global: value type, mutability
			globals++
			if err = r.valType(); err == nil {
				_, err = r.byte()
			}
		case 0x04: // tag: attribute, type index
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			r.off--
			return 0, r.errorf(ErrMalformed, "unknown import kind %#x", kind)
		}
		if err != nil {
			return 0, err
		}
	}
	if !r.eof() {
		return 0, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return globals, nil
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
		if err := r.expr(^uint32(0)); err != nil {
			return 0, nil, err
		}
	}
	if !r.eof() {
		return 0, nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return n, rest, nil
}

// scanExports decodes the export section, refuses ExportName and exports of
// globals that do not exist, and returns the count and the payload after it.
func scanExports(wasm []byte, s *section, globals uint32) (uint32, []byte, error) {
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
		if kind == 0x03 && idx >= globals {
			return 0, nil, r.errorf(ErrMalformed, "export %q names global %d, out of range (%d globals)", name, idx, globals)
		}
	}
	if !r.eof() {
		return 0, nil, r.errorf(ErrMalformed, "%d trailing bytes", len(r.b)-r.off)
	}
	return n, rest, nil
}

// rewriteCode returns the new code section payload.
func rewriteCode(wasm []byte, s *section, flag uint32, check []byte) ([]byte, error) {
	r := sectionReader(wasm, s)
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, (s.end-s.payload)*9/8+int(n)*len(check)+16)
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
		body, err = rewriteBody(body[:0], raw, bodyOff, int(i), flag, check)
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

// rewriteBody appends to dst the function body raw with check inserted after
// the locals and after every loop's block type.
func rewriteBody(dst, raw []byte, base, fn int, flag uint32, check []byte) ([]byte, error) {
	r := newReader(raw, base, "code")
	r.fn = fn
	groups, err := r.u32()
	if err != nil {
		return nil, err
	}
	for g := uint32(0); g < groups; g++ {
		if _, err := r.u32(); err != nil {
			return nil, err
		}
		if err := r.valType(); err != nil {
			return nil, err
		}
	}
	dst = append(dst, raw[:r.off]...)
	dst = append(dst, check...)
	copied := r.off
	depth := 0
	for {
		if r.eof() {
			return nil, r.errorf(ErrMalformed, "function body has no final end")
		}
		op, err := r.instr(flag)
		if err != nil {
			return nil, err
		}
		switch op {
		case opLoop:
			dst = append(dst, raw[copied:r.off]...)
			dst = append(dst, check...)
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
