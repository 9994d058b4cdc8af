package engine

import (
	"encoding/binary"
	"errors"
)

// exportKinds lists a module's exports by name with their kind, read from
// the binary's export section. wazero's CompiledModule lists only exported
// functions and memories; this lets a load error say "wasmplane_alloc is
// exported as a global" instead of "missing". Called on modules wazero has
// already validated, but every read is still bounds-checked.
func exportKinds(bin []byte) (map[string]string, error) {
	out := map[string]string{}
	r, end, found, err := findSection(bin, 7)
	if err != nil || !found {
		return out, err
	}
	n, ok := r.uleb()
	if !ok {
		return nil, errTruncated
	}
	for range n {
		l, ok := r.uleb()
		if !ok || uint64(r.i)+l > uint64(end) {
			return nil, errTruncated
		}
		name := string(r.b[r.i : r.i+int(l)])
		r.i += int(l)
		kind, ok := r.byte()
		if _, ok2 := r.uleb(); !ok || !ok2 {
			return nil, errTruncated
		}
		out[name] = externKind(kind)
	}
	return out, nil
}

var errTruncated = errors.New("truncated module")

// findSection finds the first section with the given id and returns a reader
// positioned at its contents and the offset where it ends.
func findSection(bin []byte, want byte) (r *reader, end int, found bool, err error) {
	if len(bin) < 8 {
		return nil, 0, false, errTruncated
	}
	r = &reader{b: bin, i: 8}
	for r.i < len(r.b) {
		id, ok := r.byte()
		size, ok2 := r.uleb()
		if !ok || !ok2 || uint64(r.i)+size > uint64(len(r.b)) {
			return nil, 0, false, errTruncated
		}
		end = r.i + int(size)
		if id == want {
			return r, end, true, nil
		}
		r.i = end
	}
	return nil, 0, false, nil
}

type importEntry struct {
	module, name, kind string
	// For a memory: its limits in pages and whether it is shared.
	shared       bool
	minPages     uint32
	maxPages     uint32
	hasMax, is64 bool
}

// imports lists a module's imports with their kind, read from the import
// section (wazero's CompiledModule exposes only imported functions and
// memories). Called on modules wazero has validated; reads are checked.
func imports(bin []byte) ([]importEntry, error) {
	r, end, found, err := findSection(bin, 2)
	if err != nil || !found {
		return nil, err
	}
	n, ok := r.uleb()
	if !ok {
		return nil, errTruncated
	}
	var out []importEntry
	for range n {
		mod, ok1 := r.name(end)
		name, ok2 := r.name(end)
		kind, ok3 := r.byte()
		if !ok1 || !ok2 || !ok3 {
			return nil, errTruncated
		}
		e := importEntry{module: mod, name: name, kind: externKind(kind)}
		if kind == 2 {
			save := r.i
			flags, ok1 := r.byte()
			lo, ok2 := r.uleb()
			var hi uint64
			ok3 := true
			if flags&1 != 0 {
				hi, ok3 = r.uleb()
			}
			if !ok1 || !ok2 || !ok3 {
				return nil, errTruncated
			}
			e.shared, e.hasMax, e.is64 = flags&2 != 0, flags&1 != 0, flags&4 != 0
			e.minPages, e.maxPages = uint32(min(lo, 1<<32-1)), uint32(min(hi, 1<<32-1))
			r.i = save
		}
		out = append(out, e)
		if !r.skipImportDesc(kind) {
			return nil, errTruncated
		}
	}
	return out, nil
}

func (r *reader) name(end int) (string, bool) {
	l, ok := r.uleb()
	if !ok || uint64(r.i)+l > uint64(end) {
		return "", false
	}
	s := string(r.b[r.i : r.i+int(l)])
	r.i += int(l)
	return s, true
}

// skipImportDesc skips an import's type: a function's type index, a
// table's element type and limits, a memory's limits, a global's type, a
// tag's attribute and type index.
func (r *reader) skipImportDesc(kind byte) bool {
	limits := func() bool {
		flags, ok := r.byte()
		if !ok {
			return false
		}
		if _, ok := r.uleb(); !ok {
			return false
		}
		if flags&1 != 0 {
			_, ok = r.uleb()
		}
		return ok
	}
	switch kind {
	case 0: // function
		_, ok := r.uleb()
		return ok
	case 1: // table
		if _, ok := r.byte(); !ok {
			return false
		}
		return limits()
	case 2: // memory
		return limits()
	case 3: // global
		_, ok1 := r.byte()
		_, ok2 := r.byte()
		return ok1 && ok2
	case 4: // tag
		_, ok1 := r.byte()
		_, ok2 := r.uleb()
		return ok1 && ok2
	}
	return false
}

func externKind(k byte) string {
	switch k {
	case 0:
		return "function"
	case 1:
		return "table"
	case 2:
		return "memory"
	case 3:
		return "global"
	case 4:
		return "tag"
	}
	return "unknown"
}

type reader struct {
	b []byte
	i int
}

func (r *reader) byte() (byte, bool) {
	if r.i >= len(r.b) {
		return 0, false
	}
	r.i++
	return r.b[r.i-1], true
}

func (r *reader) uleb() (uint64, bool) {
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		return 0, false
	}
	r.i += n
	return v, true
}
