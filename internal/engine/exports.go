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
	if len(bin) < 8 {
		return nil, errTruncated
	}
	out := map[string]string{}
	r := reader{b: bin, i: 8}
	for r.i < len(r.b) {
		id, ok := r.byte()
		size, ok2 := r.uleb()
		if !ok || !ok2 || uint64(r.i)+size > uint64(len(r.b)) {
			return nil, errTruncated
		}
		end := r.i + int(size)
		if id != 7 {
			r.i = end
			continue
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
	return out, nil
}

var errTruncated = errors.New("truncated module")

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
