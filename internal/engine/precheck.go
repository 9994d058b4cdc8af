package engine

import (
	"fmt"
)

// MaxLocals bounds the locals one function may declare (V8 and wasmtime
// use the same limit).
const MaxLocals = 50_000

// precheck walks a module's structure before wazero decodes it and rejects
// any declared count or length that exceeds the bytes that could hold it.
// wazero's decoder allocates from declared counts (section vectors, names,
// locals, data segments, the name section), so a few kilobytes claiming
// billions of entries would otherwise allocate gigabytes, and the Go
// runtime cannot recover from running out of memory: one hostile module
// would kill the host. Structure that is merely wrong is left to wazero's
// decoder, which reports it.
func precheck(bin []byte) error {
	if len(bin) < 8 {
		return nil // wazero reports it
	}
	r := reader{b: bin, i: 8}
	for r.i < len(r.b) {
		id, ok := r.byte()
		size, ok2 := r.uleb()
		if !ok || !ok2 || uint64(r.i)+size > uint64(len(r.b)) {
			// wazero decodes such a section from the bytes after it anyway,
			// allocating from whatever counts it finds there.
			return fmt.Errorf("section %d at offset %d is truncated: it claims %d bytes, %d remain", id, r.i, size, len(r.b)-r.i)
		}
		sec := reader{b: bin[:r.i+int(size)], i: r.i}
		r.i += int(size)
		if err := checkSection(id, &sec); err != nil {
			return fmt.Errorf("section %d at offset %d: %w", id, sec.i, err)
		}
	}
	return nil
}

// count reads a vector length and checks that many entries of at least min
// bytes each fit in what is left.
func (r *reader) count(what string, min int) (uint64, error) {
	n, ok := r.uleb()
	if !ok {
		return 0, errStop
	}
	if left := uint64(len(r.b) - r.i); n*uint64(min) > left || n > left {
		return 0, fmt.Errorf("declares %d %s in %d bytes", n, what, left)
	}
	return n, nil
}

// bytes skips a length-prefixed byte string (a name, a data segment).
func (r *reader) bytes(what string) error {
	n, ok := r.uleb()
	if !ok {
		return errStop
	}
	if left := uint64(len(r.b) - r.i); n > left {
		return fmt.Errorf("%s of %d bytes in %d", what, n, left)
	}
	r.i += int(n)
	return nil
}

// errStop: the walk cannot follow the section's structure (a vector
// running past the section's end, an unknown encoding). wazero would decode
// such bytes past the section's end, so it is rejected too.
var errStop = fmt.Errorf("malformed or truncated entry")

func checkSection(id byte, r *reader) error { return walkSection(id, r) }

func walkSection(id byte, r *reader) error {
	switch id {
	case 0: // custom: a name, then for "name" the name maps
		n, ok := r.uleb()
		if !ok || uint64(r.i)+n > uint64(len(r.b)) {
			return fmt.Errorf("custom section name of %d bytes", n)
		}
		name := string(r.b[r.i : r.i+int(n)])
		r.i += int(n)
		if name == "name" {
			return walkNames(r)
		}
		return nil
	case 1: // types: 0x60 params results
		n, err := r.count("types", 3)
		if err != nil {
			return err
		}
		for range n {
			if b, ok := r.byte(); !ok || b != 0x60 {
				return errStop
			}
			for range 2 {
				k, err := r.count("value types", 1)
				if err != nil {
					return err
				}
				r.i += int(k)
			}
		}
	case 2: // imports: module name, field name, descriptor
		n, err := r.count("imports", 3)
		if err != nil {
			return err
		}
		for range n {
			if err := r.bytes("import module name"); err != nil {
				return err
			}
			if err := r.bytes("import name"); err != nil {
				return err
			}
			kind, ok := r.byte()
			if !ok || !r.skipImportDesc(kind) {
				return errStop
			}
		}
	case 3, 4, 5, 6, 13: // functions, tables, memories, globals, tags
		_, err := r.count("entries", 1)
		return err
	case 7: // exports: name, kind, index
		n, err := r.count("exports", 3)
		if err != nil {
			return err
		}
		for range n {
			if err := r.bytes("export name"); err != nil {
				return err
			}
			if _, ok := r.byte(); !ok {
				return errStop
			}
			if _, ok := r.uleb(); !ok {
				return errStop
			}
		}
	case 9: // elements
		n, err := r.count("element segments", 2)
		if err != nil {
			return err
		}
		for range n {
			if err := walkElement(r); err != nil {
				return err
			}
		}
	case 10: // code: size, locals, body
		n, err := r.count("function bodies", 2)
		if err != nil {
			return err
		}
		for range n {
			size, ok := r.uleb()
			if !ok || uint64(r.i)+size > uint64(len(r.b)) {
				return errStop
			}
			body := reader{b: r.b[:r.i+int(size)], i: r.i}
			r.i += int(size)
			groups, err := body.count("local declarations", 2)
			if err != nil {
				return err
			}
			var total uint64
			for range groups {
				k, ok := body.uleb()
				if !ok {
					return errStop
				}
				if total += k; total > MaxLocals {
					return fmt.Errorf("a function declares more than %d locals", MaxLocals)
				}
				body.i++ // value type
			}
		}
	case 11: // data: mode, [memory index], [offset expression], bytes
		n, err := r.count("data segments", 2)
		if err != nil {
			return err
		}
		for range n {
			mode, ok := r.uleb()
			if !ok {
				return errStop
			}
			switch mode {
			case 0:
				if !r.skipConstExpr() {
					return errStop
				}
			case 1:
			case 2:
				if _, ok := r.uleb(); !ok || !r.skipConstExpr() {
					return errStop
				}
			default:
				return errStop
			}
			if err := r.bytes("data segment"); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkElement checks one element segment's vectors (encodings 0–7).
func walkElement(r *reader) error {
	flags, ok := r.uleb()
	if !ok || flags > 7 {
		return errStop
	}
	if flags&1 == 0 { // active: [table index], offset expression
		if flags&2 != 0 {
			if _, ok := r.uleb(); !ok {
				return errStop
			}
		}
		if !r.skipConstExpr() {
			return errStop
		}
	}
	if flags&3 != 0 { // element kind or reference type
		if _, ok := r.byte(); !ok {
			return errStop
		}
	}
	n, err := r.count("element entries", 1)
	if err != nil {
		return err
	}
	for range n {
		if flags&4 != 0 {
			if !r.skipConstExpr() {
				return errStop
			}
		} else if _, ok := r.uleb(); !ok {
			return errStop
		}
	}
	return nil
}

// skipConstExpr skips a constant expression up to its end opcode. Anything
// beyond the constant-expression opcodes stops the walk (wazero rejects it).
func (r *reader) skipConstExpr() bool {
	for {
		op, ok := r.byte()
		if !ok {
			return false
		}
		switch op {
		case 0x0B:
			return true
		case 0x41, 0x42, 0x23, 0xD2: // i32/i64.const, global.get, ref.func
			if _, ok := r.sleb(); !ok {
				return false
			}
		case 0x43:
			r.i += 4
		case 0x44:
			r.i += 8
		case 0xD0: // ref.null t
			r.i++
		case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E: // extended constants
		case 0xFD: // v128.const
			if sub, ok := r.uleb(); !ok || sub != 12 {
				return false
			}
			r.i += 16
		default:
			return false
		}
		if r.i > len(r.b) {
			return false
		}
	}
}

// walkNames checks the name section's subsections: module name (0),
// function names (1: a name map), local names (2: an indirect name map).
func walkNames(r *reader) error {
	for r.i < len(r.b) {
		sub, ok := r.byte()
		size, ok2 := r.uleb()
		if !ok || !ok2 || uint64(r.i)+size > uint64(len(r.b)) {
			return errStop
		}
		s := reader{b: r.b[:r.i+int(size)], i: r.i}
		r.i += int(size)
		switch sub {
		case 1:
			if err := s.nameMap(); err != nil {
				return err
			}
		case 2:
			n, err := s.count("functions with local names", 2)
			if err != nil {
				return err
			}
			for range n {
				if _, ok := s.uleb(); !ok {
					return errStop
				}
				if err := s.nameMap(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (r *reader) nameMap() error {
	n, err := r.count("names", 2)
	if err != nil {
		return err
	}
	for range n {
		if _, ok := r.uleb(); !ok {
			return errStop
		}
		if err := r.bytes("name"); err != nil {
			return err
		}
	}
	return nil
}

// sleb skips a signed LEB128 (up to 10 bytes).
func (r *reader) sleb() (int64, bool) {
	var v int64
	var shift uint
	for i := 0; i < 10; i++ {
		b, ok := r.byte()
		if !ok {
			return 0, false
		}
		v |= int64(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v, true
		}
	}
	return 0, false
}
