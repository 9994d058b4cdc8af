package preempt

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// fixtures are the hand-written modules in testdata, with the flag and
// yield-table indices Instrument must choose and how many checks it must
// insert (defined functions + loops, counted by hand from the .wat).
var fixtures = []struct {
	file    string
	flag    uint32 // the budget is flag+1
	table   uint32
	checks  int
	compile bool // wazero can compile it
}{
	{"bench.wasm", 0, 0, 5 + 3, true},
	{"tailspin.wasm", 0, 0, 3, true},
	{"features.wasm", 2, 1, 12 + 3, true},
	{"sections.wasm", 2, 0, 3 + 1, true},
	{"legacy_eh.wasm", 0, 0, 2 + 1, false},
}

func TestInstrumentFixtures(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			orig := readTestdata(t, fx.file)
			inst := mustInstrument(t, orig)
			idx := checkIndices{flag: fx.flag, budget: fx.flag + 1, table: fx.table}
			if n := checkRewrite(t, orig, inst, idx); n != fx.checks {
				t.Errorf("inserted %d checks, want %d", n, fx.checks)
			}
			if !fx.compile {
				return
			}
			if _, err := r.CompileModule(ctx, orig); err != nil {
				t.Fatalf("original does not compile: %v", err)
			}
			if _, err := r.CompileModule(ctx, inst); err != nil {
				t.Fatalf("instrumented module does not compile: %v", err)
			}
		})
	}
}

// checkRewrite verifies that inst is orig with exactly the promised edits:
// every section other than table, global, export and code is byte-identical
// and in the same order; the table, global and export sections are the
// original ones with the new items appended (the yield table at idx.table,
// the flag and the budget, the flag exported as ExportName); and each
// function body, with the count local and the checks removed after its
// locals and after every loop's block type, is byte-identical to the
// original. It returns the number of checks found.
func checkRewrite(t *testing.T, orig, inst []byte, idx checkIndices) int {
	t.Helper()
	so, err := splitSections(orig)
	if err != nil {
		t.Fatal(err)
	}
	si, err := splitSections(inst)
	if err != nil {
		t.Fatalf("output does not split into sections: %v", err)
	}
	keep := func(wasm []byte, ss []section) [][]byte {
		var out [][]byte
		for _, s := range ss {
			if s.id != secTable && s.id != secGlobal && s.id != secExport && s.id != secCode {
				out = append(out, wasm[s.start:s.end])
			}
		}
		return out
	}
	ko, ki := keep(orig, so), keep(inst, si)
	if len(ko) != len(ki) {
		t.Fatalf("%d untouched sections became %d", len(ko), len(ki))
	}
	for i := range ko {
		if !bytes.Equal(ko[i], ki[i]) {
			t.Fatalf("section %d (id %d) changed", i, ko[i][0])
		}
	}

	find := func(wasm []byte, ss []section, id byte) *section {
		for i := range ss {
			if ss[i].id == id {
				return &ss[i]
			}
		}
		return nil
	}

	// The table, global and export sections: the original payload after the
	// count, then the appended items.
	appended := func(id byte, count uint32, items []byte) {
		t.Helper()
		var wantN uint32
		var rest []byte
		if s := find(orig, so, id); s != nil {
			r := sectionReader(orig, s)
			wantN, _ = r.u32()
			rest = r.b[r.off:]
		}
		s := find(inst, si, id)
		if s == nil {
			t.Fatalf("no %s section in the output", sectionName[id])
		}
		r := sectionReader(inst, s)
		n, err := r.u32()
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]byte{}, rest...), items...)
		if n != wantN+count || !bytes.Equal(r.b[r.off:], want) {
			t.Fatalf("%s section: %d items % x, want %d items % x", sectionName[id], n, r.b[r.off:], wantN+count, want)
		}
	}
	appended(secTable, 1, []byte{typeFuncRef, 0x01, 0x00, 0x00})
	globals := []byte{typeI32, 0x01, opI32Const, 0x00, opEnd, typeI32, 0x01, opI32Const}
	appended(secGlobal, 2, append(appendS32(globals, SafepointInterval), opEnd))
	appended(secExport, 1, appendExport(nil, ExportName, idx.flag))

	co, ci := find(orig, so, secCode), find(inst, si, secCode)
	if co == nil {
		if ci != nil {
			t.Fatal("code section appeared")
		}
		return 0
	}
	params, err := scanParams(orig, find(orig, so, secType), find(orig, so, secFunction))
	if err != nil {
		t.Fatal(err)
	}
	ro, ri := sectionReader(orig, co), sectionReader(inst, ci)
	no, _ := ro.u32()
	ni, _ := ri.u32()
	if no != ni || int(no) != len(params) {
		t.Fatalf("function count %d became %d (%d declared)", no, ni, len(params))
	}
	total := 0
	for f := uint32(0); f < no; f++ {
		so, _ := ro.u32()
		bo, err := ro.bytes(uint64(so))
		if err != nil {
			t.Fatal(err)
		}
		sz, _ := ri.u32()
		bi, err := ri.bytes(uint64(sz))
		if err != nil {
			t.Fatalf("function %d: body size wrong: %v", f, err)
		}
		stripped, checks := stripChecks(t, bi, params[f], idx)
		if !bytes.Equal(stripped, bo) {
			t.Fatalf("function %d: body differs beyond the inserted checks", f)
		}
		total += checks
	}
	if !ri.eof() {
		t.Fatal("trailing bytes in the output code section")
	}
	return total
}

// stripChecks removes the count local (the last local group, one i32) and
// the checks after the locals and after each loop header, failing if one is
// missing.
func stripChecks(t *testing.T, body []byte, params uint32, idx checkIndices) ([]byte, int) {
	t.Helper()
	r := newReader(body, 0, "code")
	groups, _ := r.u32()
	if groups == 0 {
		t.Fatal("no local group for the count")
	}
	counter := params
	groupsStart := r.off
	var lastGroup int
	for g := uint32(0); g < groups; g++ {
		lastGroup = r.off
		n, _ := r.u32()
		if err := r.valType(); err != nil {
			t.Fatal(err)
		}
		if g < groups-1 {
			counter += n
		} else if !bytes.Equal(body[lastGroup:r.off], []byte{1, typeI32}) {
			t.Fatalf("last local group is % x, want the count (01 %02x)", body[lastGroup:r.off], typeI32)
		}
	}
	entry, loop := checkCode(idx, counter, SafepointInterval)
	out := appendU32(nil, groups-1)
	out = append(out, body[groupsStart:lastGroup]...)
	expect := func(check []byte) {
		t.Helper()
		if !bytes.HasPrefix(body[r.off:], check) {
			t.Fatalf("no check at body offset %d", r.off)
		}
		r.off += len(check)
	}
	expect(entry)
	copied := r.off
	checks := 1
	for !r.eof() {
		op, err := r.instr(allSpaces)
		if err != nil {
			t.Fatal(err)
		}
		if op == opLoop {
			out = append(out, body[copied:r.off]...)
			expect(loop)
			copied = r.off
			checks++
		}
	}
	return append(out, body[copied:]...), checks
}

func TestInstrumentErrors(t *testing.T) {
	bench := readTestdata(t, "bench.wasm")
	inst := mustInstrument(t, bench)

	// A module with one function whose body is given.
	withBody := func(body ...byte) []byte {
		m := append([]byte{}, header...)
		m = append(m, 1, 4, 1, 0x60, 0, 0) // type section: one func type () -> ()
		m = append(m, 3, 2, 1, 0)          // function section: one function of type 0
		payload := appendU32([]byte{1}, uint32(len(body)))
		payload = append(payload, body...)
		m = append(m, secCode)
		m = appendU32(m, uint32(len(payload)))
		return append(m, payload...)
	}
	if _, err := Instrument(withBody(0, opEnd)); err != nil {
		t.Fatalf("the minimal body must pass: %v", err)
	}

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"bad magic", []byte("\x00wasm\x01\x00\x00\x00"), ErrMalformed},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), ErrMalformed},
		{"already instrumented", inst, ErrExportExists},
		{"unknown section", append(append([]byte{}, header...), 14, 0), ErrMalformed},
		{"sections out of order", append(append([]byte{}, header...), 3, 1, 0, 1, 1, 0), ErrMalformed},
		{"duplicate section", append(append([]byte{}, header...), 1, 1, 0, 1, 1, 0), ErrMalformed},
		{"section past the end", append(append([]byte{}, header...), 1, 5, 0), ErrMalformed},
		{"unknown opcode", withBody(0, 0xff, opEnd), ErrUnsupported},
		{"gc prefix", withBody(0, prefixGC, 0, opEnd), ErrUnsupported},
		{"unknown 0xfc", withBody(0, prefixMisc, 0x7f, opEnd), ErrUnsupported},
		{"unknown 0xfd", withBody(0, prefixSIMD, 0x9a, 0x01, opEnd), ErrUnsupported},
		{"unknown 0xfe", withBody(0, prefixAtomic, 0x05, opEnd), ErrUnsupported},
		{"bad fence", withBody(0, prefixAtomic, 0x03, 0x01, opEnd), ErrMalformed},
		{"unknown value type", withBody(1, 1, 0x55, opEnd), ErrUnsupported},
		{"negative block type", withBody(0, opBlock, 0x7f&0x3f|0x80, 0x7f, opEnd, opEnd), ErrUnsupported},
		{"global out of range", withBody(0, opGlobalGet, 0, opDrop, opEnd), ErrMalformed},
		{"table.get out of range", withBody(0, opI32Const, 0, 0x25, 0, opDrop, opEnd), ErrMalformed},
		{"table.size out of range", withBody(0, prefixMisc, 0x10, 0, opDrop, opEnd), ErrMalformed},
		{"call_indirect out of range", withBody(0, opI32Const, 0, 0x11, 0, 0, opEnd), ErrMalformed},
		{"table.copy out of range", withBody(0, opI32Const, 0, opI32Const, 0, opI32Const, 0, prefixMisc, 0x0e, 0, 0, opEnd), ErrMalformed},
		{"no final end", withBody(0, 0x01), ErrMalformed},
		{"bytes after end", withBody(0, opEnd, 0x01), ErrMalformed},
		{"unclosed block", withBody(0, opBlock, typeEmpty, opEnd), ErrMalformed},
		{"truncated br_table", withBody(0, 0x0e, 0x05, 0, 0), ErrMalformed},
		{"overlong u32", withBody(0, 0x20, 0x80, 0x80, 0x80, 0x80, 0x10, opEnd), ErrMalformed},
		{"truncated v128.const", withBody(0, prefixSIMD, 0x0c, 1, 2, 3), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Instrument(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if out != nil {
				t.Fatal("output returned with an error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T is not an *Error", err)
			}
			t.Log(err)
		})
	}
}

// Every truncation of a valid module is an error, never a panic; the only
// prefixes that may pass are those ending on a section boundary.
func TestInstrumentTruncated(t *testing.T) {
	for _, fx := range fixtures {
		orig := readTestdata(t, fx.file)
		ss, _ := splitSections(orig)
		boundary := map[int]bool{len(header): true}
		for _, s := range ss {
			boundary[s.end] = true
		}
		for n := 0; n < len(orig); n++ {
			_, err := Instrument(orig[:n])
			if err == nil && !boundary[n] {
				t.Fatalf("%s: prefix of %d bytes accepted", fx.file, n)
			}
		}
	}
}

func TestInstrumentTwiceRefused(t *testing.T) {
	inst := mustInstrument(t, readTestdata(t, "features.wasm"))
	if _, err := Instrument(inst); !errors.Is(err, ErrExportExists) {
		t.Fatalf("second Instrument: %v, want ErrExportExists", err)
	}
}

// An export of the global or table one past the end is invalid; after the
// rewrite it would name the flag or the yield table, so Instrument refuses
// it.
func TestInstrumentRefusesExportOfMissing(t *testing.T) {
	for _, kind := range []byte{0x01, 0x03} { // table, global
		m := append([]byte{}, header...)
		m = append(m, secExport, 5, 1, 1, 'x', kind, 0)
		if _, err := Instrument(m); !errors.Is(err, ErrMalformed) {
			t.Fatalf("kind %d: err = %v, want ErrMalformed", kind, err)
		}
	}
}
