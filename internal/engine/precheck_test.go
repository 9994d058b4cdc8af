package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func uleb(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// module assembles a binary from (id, payload) sections.
func module(sections ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		b = append(b, s[0])
		b = append(b, uleb(uint64(len(s)-1))...)
		b = append(b, s[1:]...)
	}
	return b
}

func section(id byte, parts ...[]byte) []byte {
	s := []byte{id}
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

// TestPrecheckRejectsHugeCounts: modules of a few bytes that declare
// billions of entries must be rejected before wazero allocates for them
// (each of these made wazero try to allocate gigabytes).
func TestPrecheckRejectsHugeCounts(t *testing.T) {
	const huge = 1 << 34
	for _, tc := range []struct {
		name string
		bin  []byte
		want string
	}{
		{"globals", module(section(6, uleb(huge), []byte{0x7f, 0x00, 0x41, 0x00, 0x0b})), "declares"},
		{"types params", module(section(1, uleb(1), []byte{0x60}, uleb(huge), []byte{0x7f})), "value types"},
		{"import name", module(section(2, uleb(1), uleb(huge), []byte("env"))), "import module name"},
		{"export name", module(section(7, uleb(1), uleb(huge), []byte("x"))), "export name"},
		{"data segment", module(section(11, uleb(1), uleb(0), []byte{0x41, 0x00, 0x0b}, uleb(huge), []byte("abc"))), "data segment"},
		{"locals", module(section(10, uleb(1), uleb(6), uleb(1), uleb(MaxLocals+1), []byte{0x7f, 0x0b})), "locals"},
		{"name map", module(section(0, uleb(4), []byte("name"), []byte{1}, uleb(6), uleb(huge), []byte{0, 1, 'a'})), "names"},
		{"element entries", module(section(9, uleb(1), uleb(0), []byte{0x41, 0x00, 0x0b}, uleb(huge), []byte{0})), "element entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := precheck(tc.bin)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("precheck: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	e := newEngine(t)
	_, err := e.Compile(context.Background(), "bomb", module(section(6, uleb(huge), []byte{0x7f, 0x00})), KindGuest)
	if !errors.Is(err, ErrLoad) {
		t.Fatalf("compile: %v", err)
	}
}

// TestPrecheckAcceptsRealModules: every committed module passes.
func TestPrecheckAcceptsRealModules(t *testing.T) {
	for _, f := range []string{"testdata/c/participant.wasm", "testdata/wat/abicalls.wasm", "testdata/wat/minimal.wasm",
		"testdata/wat/upper_cmd.wasm", "examples/quickstart/counter/counter.wasm"} {
		if err := precheck(readWasm(t, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
