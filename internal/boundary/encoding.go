package boundary

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Limits bound what the encoder produces and the decoder accepts.
// The zero value of a field means its default.
type Limits struct {
	// MaxDepth is the deepest nesting of lists and records (default 32).
	MaxDepth int
	// MaxSize is the largest encoding in bytes (default 16 MiB).
	MaxSize int
}

// DefaultLimits are the limits used when none are given.
var DefaultLimits = Limits{MaxDepth: 32, MaxSize: 16 << 20}

func (l Limits) norm() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLimits.MaxSize
	}
	return l
}

// valueErr is a TypeError under construction: segs is the path, innermost
// segment first, so each level of the recursion appends its own.
type valueErr struct {
	segs     []string
	expected string
	got      string
	offset   int
}

func (e *valueErr) Error() string { return e.typeError("", "").Error() }

func (e *valueErr) at(seg string) *valueErr { e.segs = append(e.segs, seg); return e }

func (e *valueErr) typeError(op, param string) *TypeError {
	n := 0
	for _, s := range e.segs {
		n += len(s)
	}
	path := make([]byte, 0, n)
	for i := len(e.segs) - 1; i >= 0; i-- {
		path = append(path, e.segs[i]...)
	}
	return &TypeError{Op: op, Param: param, Path: string(path), Expected: e.expected, Got: e.got, Offset: e.offset}
}

func mismatch(t *Type, v any) *valueErr {
	return &valueErr{expected: t.String(), got: goTypeName(v), offset: -1}
}

func goTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case int32:
		return "i32"
	case int64:
		return "i64"
	case float32:
		return "f32"
	case float64:
		return "f64"
	case bool:
		return "bool"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case []any:
		return "list"
	case map[string]any:
		return "record"
	}
	return fmt.Sprintf("Go %T", v)
}

// Check reports whether v is a valid Go value of type t (see the table in
// docs/boundary.md), without encoding it.
func Check(t *Type, v any) error {
	if err := checkValue(t, v, 1, DefaultLimits.MaxDepth); err != nil {
		return err.typeError("", "")
	}
	return nil
}

func checkValue(t *Type, v any, depth, maxDepth int) *valueErr {
	if depth > maxDepth {
		return &valueErr{expected: fmt.Sprintf("nesting within %d levels", maxDepth), got: "deeper", offset: -1}
	}
	switch t.Kind {
	case KindI32:
		switch x := v.(type) {
		case int32:
			return nil
		case int:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return &valueErr{expected: "i32", got: "int " + strconv.Itoa(x) + " (out of range)", offset: -1}
			}
			return nil
		}
	case KindI64:
		switch v.(type) {
		case int64, int:
			return nil
		}
	case KindF32:
		if _, ok := v.(float32); ok {
			return nil
		}
	case KindF64:
		if _, ok := v.(float64); ok {
			return nil
		}
	case KindBool:
		if _, ok := v.(bool); ok {
			return nil
		}
	case KindString:
		if s, ok := v.(string); ok {
			if !utf8.ValidString(s) {
				return &valueErr{expected: "string (valid UTF-8)", got: "invalid UTF-8", offset: -1}
			}
			return nil
		}
	case KindBytes:
		if _, ok := v.([]byte); ok {
			return nil
		}
	case KindList:
		if l, ok := v.([]any); ok {
			for i, e := range l {
				if err := checkValue(t.Elem, e, depth+1, maxDepth); err != nil {
					return err.at("[" + strconv.Itoa(i) + "]")
				}
			}
			return nil
		}
	case KindRecord:
		if m, ok := v.(map[string]any); ok {
			for _, f := range t.Fields {
				fv, present := m[f.Name]
				if !present {
					return &valueErr{expected: f.Type.String(), got: "nothing (field missing)", offset: -1, segs: []string{"." + f.Name}}
				}
				if err := checkValue(f.Type, fv, depth+1, maxDepth); err != nil {
					return err.at("." + f.Name)
				}
			}
			if len(m) != len(t.Fields) {
				for k := range m {
					if t.field(k) < 0 {
						return &valueErr{expected: t.String(), got: fmt.Sprintf("unknown field %q", k), offset: -1}
					}
				}
			}
			return nil
		}
	}
	return mismatch(t, v)
}

func (t *Type) field(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Encode appends the canonical encoding of v, a value of type t, to dst.
// v is checked first; a mismatch is a *TypeError and nothing is appended.
func Encode(dst []byte, t *Type, v any) ([]byte, error) {
	if err := Check(t, v); err != nil {
		return dst, err
	}
	out := appendValue(dst, t, v)
	if len(out)-len(dst) > DefaultLimits.MaxSize {
		return dst, &TypeError{Expected: fmt.Sprintf("an encoding of at most %d bytes", DefaultLimits.MaxSize), Got: strconv.Itoa(len(out)-len(dst)) + " bytes", Offset: -1}
	}
	return out, nil
}

// appendValue encodes a value that checkValue accepted.
func appendValue(b []byte, t *Type, v any) []byte {
	switch t.Kind {
	case KindI32:
		switch x := v.(type) {
		case int32:
			return binary.LittleEndian.AppendUint32(b, uint32(x))
		case int:
			return binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
		}
	case KindI64:
		switch x := v.(type) {
		case int64:
			return binary.LittleEndian.AppendUint64(b, uint64(x))
		case int:
			return binary.LittleEndian.AppendUint64(b, uint64(x))
		}
	case KindF32:
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(v.(float32)))
	case KindF64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.(float64)))
	case KindBool:
		if v.(bool) {
			return append(b, 1)
		}
		return append(b, 0)
	case KindString:
		s := v.(string)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...)
	case KindBytes:
		s := v.([]byte)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...)
	case KindList:
		l := v.([]any)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(l)))
		for _, e := range l {
			b = appendValue(b, t.Elem, e)
		}
		return b
	case KindRecord:
		m := v.(map[string]any)
		for _, f := range t.Fields {
			b = appendValue(b, f.Type, m[f.Name])
		}
		return b
	}
	panic("boundary: appendValue on an unchecked value") // unreachable after checkValue
}

// Decode decodes exactly one value of type t from data with the default
// limits. Trailing bytes are an error.
func Decode(t *Type, data []byte) (any, error) {
	return DecodeLimits(t, data, DefaultLimits)
}

// DecodeLimits is Decode with explicit limits.
func DecodeLimits(t *Type, data []byte, lim Limits) (any, error) {
	lim = lim.norm()
	d := decoder{data: data, maxDepth: lim.MaxDepth}
	if len(data) > lim.MaxSize {
		return nil, &TypeError{Expected: fmt.Sprintf("at most %d bytes", lim.MaxSize), Got: strconv.Itoa(len(data)) + " bytes", Offset: 0}
	}
	v, err := d.value(t, 1)
	if err != nil {
		return nil, err.typeError("", "")
	}
	if d.off != len(data) {
		return nil, &TypeError{Expected: "end of input", Got: strconv.Itoa(len(data)-d.off) + " trailing bytes", Offset: d.off}
	}
	return v, nil
}

// decoder reads canonical bytes; every length is checked against what
// remains before anything is allocated.
type decoder struct {
	data     []byte
	off      int
	maxDepth int
}

func (d *decoder) short(t *Type, need int) *valueErr {
	return &valueErr{expected: fmt.Sprintf("%s (%d bytes)", t, need), got: fmt.Sprintf("%d bytes", len(d.data)-d.off), offset: d.off}
}

func (d *decoder) u32(t *Type) (uint32, *valueErr) {
	if len(d.data)-d.off < 4 {
		return 0, d.short(t, 4)
	}
	x := binary.LittleEndian.Uint32(d.data[d.off:])
	d.off += 4
	return x, nil
}

func (d *decoder) u64(t *Type) (uint64, *valueErr) {
	if len(d.data)-d.off < 8 {
		return 0, d.short(t, 8)
	}
	x := binary.LittleEndian.Uint64(d.data[d.off:])
	d.off += 8
	return x, nil
}

// span reads a u32 length and returns that many bytes.
func (d *decoder) span(t *Type) ([]byte, *valueErr) {
	start := d.off
	n, err := d.u32(t)
	if err != nil {
		return nil, err
	}
	if uint64(n) > uint64(len(d.data)-d.off) {
		return nil, &valueErr{expected: fmt.Sprintf("%s of %d bytes", t, n), got: fmt.Sprintf("%d bytes left", len(d.data)-d.off), offset: start}
	}
	b := d.data[d.off : d.off+int(n)]
	d.off += int(n)
	return b, nil
}

func (d *decoder) value(t *Type, depth int) (any, *valueErr) {
	if depth > d.maxDepth {
		return nil, &valueErr{expected: fmt.Sprintf("nesting within %d levels", d.maxDepth), got: "deeper", offset: d.off}
	}
	switch t.Kind {
	case KindI32:
		x, err := d.u32(t)
		return int32(x), err
	case KindI64:
		x, err := d.u64(t)
		return int64(x), err
	case KindF32:
		x, err := d.u32(t)
		return math.Float32frombits(x), err
	case KindF64:
		x, err := d.u64(t)
		return math.Float64frombits(x), err
	case KindBool:
		if d.off >= len(d.data) {
			return nil, d.short(t, 1)
		}
		c := d.data[d.off]
		if c > 1 {
			return nil, &valueErr{expected: "bool (0 or 1)", got: "byte " + strconv.Itoa(int(c)), offset: d.off}
		}
		d.off++
		return c == 1, nil
	case KindString:
		start := d.off
		b, err := d.span(t)
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, &valueErr{expected: "string (valid UTF-8)", got: "invalid UTF-8", offset: start}
		}
		return string(b), nil
	case KindBytes:
		b, err := d.span(t)
		if err != nil {
			return nil, err
		}
		return append(make([]byte, 0, len(b)), b...), nil
	case KindList:
		start := d.off
		n, err := d.u32(t)
		if err != nil {
			return nil, err
		}
		// Every element takes at least minSize bytes: a count the input
		// cannot hold is refused before the slice is allocated.
		if uint64(n)*uint64(t.Elem.minSize()) > uint64(len(d.data)-d.off) {
			return nil, &valueErr{expected: fmt.Sprintf("%s of %d elements", t, n), got: fmt.Sprintf("%d bytes left", len(d.data)-d.off), offset: start}
		}
		l := make([]any, n)
		for i := range l {
			v, err := d.value(t.Elem, depth+1)
			if err != nil {
				return nil, err.at("[" + strconv.Itoa(i) + "]")
			}
			l[i] = v
		}
		return l, nil
	case KindRecord:
		m := make(map[string]any, len(t.Fields))
		for _, f := range t.Fields {
			v, err := d.value(f.Type, depth+1)
			if err != nil {
				return nil, err.at("." + f.Name)
			}
			m[f.Name] = v
		}
		return m, nil
	}
	return nil, &valueErr{expected: "a valid type", got: t.String(), offset: d.off}
}
