package preempt

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// fixtures are the hand-written modules in testdata, with the flag index
// Instrument must choose and how many checks it must insert (defined
// functions + loops, counted by hand from the .wat).
var fixtures = []struct {
	file    string
	flag    uint32
	checks  int
	compile bool // wazero can compile it
}{
	{"bench.wasm", 0, 5 + 3, true},
	{"tailspin.wasm", 0, 3, true},
	{"features.wasm", 2, 12 + 3, true},
	{"sections.wasm", 2, 3 + 1, true},
	{"legacy_eh.wasm", 0, 2 + 1, false},
}

func TestInstrumentFixtures(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(ctx, false)
	defer r.Close(ctx)
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			orig := readTestdata(t, fx.file)
			inst := mustInstrument(t, orig)
			if n := checkRewrite(t, orig, inst, fx.flag); n != fx.checks {
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
// every section other than global, export and code is byte-identical and in
// the same order; the flag is exported as ExportName at index flag; and each
// function body, with the check removed after its locals and after every
// loop's block type, is byte-identical to the original. It returns the
// number of checks found.
func checkRewrite(t *testing.T, orig, inst []byte, flag uint32) int {
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
			if s.id != secGlobal && s.id != secExport && s.id != secCode {
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

	// The export section names the flag.
	exp := find(inst, si, secExport)
	if exp == nil {
		t.Fatal("no export section in the output")
	}
	er := sectionReader(inst, exp)
	n, err := er.u32()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i := uint32(0); i < n; i++ {
		name, err := er.name()
		if err != nil {
			t.Fatal(err)
		}
		kind, _ := er.byte()
		idx, err := er.u32()
		if err != nil {
			t.Fatal(err)
		}
		if string(name) == ExportName {
			if kind != 0x03 || idx != flag {
				t.Fatalf("%s exports kind %d index %d, want global %d", ExportName, kind, idx, flag)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("%s not exported", ExportName)
	}

	check := appendU32([]byte{opGlobalGet}, flag)
	check = append(check, opIf, typeEmpty, opUnreachable, opEnd)

	co, ci := find(orig, so, secCode), find(inst, si, secCode)
	if co == nil {
		if ci != nil {
			t.Fatal("code section appeared")
		}
		return 0
	}
	ro, ri := sectionReader(orig, co), sectionReader(inst, ci)
	no, _ := ro.u32()
	ni, _ := ri.u32()
	if no != ni {
		t.Fatalf("function count %d became %d", no, ni)
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
		stripped, checks := stripChecks(t, bi, check)
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

// stripChecks removes the check after the locals and after each loop header,
// failing if one is missing.
func stripChecks(t *testing.T, body, check []byte) ([]byte, int) {
	t.Helper()
	r := newReader(body, 0, "code")
	groups, _ := r.u32()
	for g := uint32(0); g < groups; g++ {
		r.u32()
		if err := r.valType(); err != nil {
			t.Fatal(err)
		}
	}
	var out []byte
	expect := func() {
		if !bytes.HasPrefix(body[r.off:], check) {
			t.Fatalf("no check at body offset %d", r.off)
		}
	}
	out = append(out, body[:r.off]...)
	expect()
	r.off += len(check)
	copied := r.off
	checks := 1
	for !r.eof() {
		op, err := r.instr(^uint32(0))
		if err != nil {
			t.Fatal(err)
		}
		if op == opLoop {
			out = append(out, body[copied:r.off]...)
			expect()
			r.off += len(check)
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
		{"global out of range", withBody(0, opGlobalGet, 0, 0x1a, opEnd), ErrMalformed},
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

// An export of the global one past the end is invalid; after the rewrite it
// would name the flag, so Instrument refuses it.
func TestInstrumentRefusesExportOfMissingGlobal(t *testing.T) {
	m := append([]byte{}, header...)
	m = append(m, secExport, 5, 1, 1, 'g', 0x03, 0)
	if _, err := Instrument(m); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}
