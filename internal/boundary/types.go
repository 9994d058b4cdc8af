package boundary

import (
	"fmt"
	"strings"
)

// Kind is the kind of a value type.
type Kind uint8

// The value kinds. The zero Kind is invalid.
const (
	KindInvalid Kind = iota
	KindI32
	KindI64
	KindF32
	KindF64
	KindBool
	KindString
	KindBytes
	KindList
	KindRecord
)

var kindNames = [...]string{"invalid", "i32", "i64", "f32", "f64", "bool", "string", "bytes", "list", "record"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Scalar reports whether values of the kind map to one core Wasm value.
func (k Kind) Scalar() bool { return k >= KindI32 && k <= KindBool }

// Type is a value type. Types are immutable once built; share them freely.
type Type struct {
	// Kind is what the type is.
	Kind Kind
	// Elem is the element type of a list.
	Elem *Type
	// Fields are a record's fields, in declaration (and encoding) order.
	Fields []Field
}

// Field is one named field of a record.
type Field struct {
	Name string
	Type *Type
}

// The scalar, string and bytes types.
var (
	I32    = &Type{Kind: KindI32}
	I64    = &Type{Kind: KindI64}
	F32    = &Type{Kind: KindF32}
	F64    = &Type{Kind: KindF64}
	Bool   = &Type{Kind: KindBool}
	String = &Type{Kind: KindString}
	Bytes  = &Type{Kind: KindBytes}
)

// List is the type list<elem>.
func List(elem *Type) *Type { return &Type{Kind: KindList, Elem: elem} }

// Record is the type record{fields…}.
func Record(fields ...Field) *Type { return &Type{Kind: KindRecord, Fields: fields} }

// String prints the type in the syntax ParseType reads.
func (t *Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t *Type) write(b *strings.Builder) {
	if t == nil {
		b.WriteString("<nil>")
		return
	}
	switch t.Kind {
	case KindList:
		b.WriteString("list<")
		t.Elem.write(b)
		b.WriteByte('>')
	case KindRecord:
		b.WriteString("record{")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Name)
			b.WriteString(": ")
			f.Type.write(b)
		}
		b.WriteByte('}')
	default:
		b.WriteString(t.Kind.String())
	}
}

// Validate checks that the type is well formed: known kinds, a list has an
// element type, a record has at least one field, field names are non-empty
// identifiers and unique, and nesting stays within maxDepth.
func (t *Type) Validate(maxDepth int) error { return t.validate(maxDepth, 1) }

func (t *Type) validate(maxDepth, depth int) error {
	if t == nil {
		return fmt.Errorf("%w: missing type", ErrBadType)
	}
	if depth > maxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrBadType, maxDepth)
	}
	switch t.Kind {
	case KindI32, KindI64, KindF32, KindF64, KindBool, KindString, KindBytes:
		return nil
	case KindList:
		return t.Elem.validate(maxDepth, depth+1)
	case KindRecord:
		if len(t.Fields) == 0 {
			return fmt.Errorf("%w: a record needs at least one field", ErrBadType)
		}
		seen := make(map[string]bool, len(t.Fields))
		for _, f := range t.Fields {
			if !isIdent(f.Name) {
				return fmt.Errorf("%w: bad field name %q", ErrBadType, f.Name)
			}
			if seen[f.Name] {
				return fmt.Errorf("%w: duplicate field %q", ErrBadType, f.Name)
			}
			seen[f.Name] = true
			if err := f.Type.validate(maxDepth, depth+1); err != nil {
				return fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: unknown kind %v", ErrBadType, t.Kind)
}

// minSize is the smallest encoding of a value of the type; at least 1 for
// every valid type, which is what bounds a decoded count by the input.
func (t *Type) minSize() int {
	switch t.Kind {
	case KindI32, KindF32, KindString, KindBytes, KindList:
		return 4
	case KindI64, KindF64:
		return 8
	case KindBool:
		return 1
	case KindRecord:
		n := 0
		for _, f := range t.Fields {
			n += f.Type.minSize()
		}
		return n
	}
	return 1
}

func isIdent(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// ParseType reads a type: i32, i64, f32, f64, bool, string, bytes,
// list<T> or record{name: T, …}. Whitespace between tokens is ignored.
// The result is validated with the default depth limit.
func ParseType(s string) (*Type, error) {
	p := typeParser{s: s}
	t, err := p.parse(1)
	if err == nil {
		p.skip()
		if p.i != len(p.s) {
			err = p.errf("unexpected %q after the type", p.s[p.i:])
		}
	}
	if err != nil {
		return nil, err
	}
	if err := t.Validate(DefaultLimits.MaxDepth); err != nil {
		return nil, fmt.Errorf("type %q: %w", s, err)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: type %q at offset %d: %s", ErrBadType, p.s, p.i, fmt.Sprintf(format, args...))
}

func (p *typeParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *typeParser) word() string {
	p.skip()
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			j++
			continue
		}
		break
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

func (p *typeParser) expect(c byte) error {
	p.skip()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return p.errf("expected %q", c)
	}
	p.i++
	return nil
}

func (p *typeParser) parse(depth int) (*Type, error) {
	if depth > DefaultLimits.MaxDepth {
		return nil, p.errf("nested deeper than %d", DefaultLimits.MaxDepth)
	}
	w := p.word()
	switch w {
	case "i32":
		return I32, nil
	case "i64":
		return I64, nil
	case "f32":
		return F32, nil
	case "f64":
		return F64, nil
	case "bool":
		return Bool, nil
	case "string":
		return String, nil
	case "bytes":
		return Bytes, nil
	case "list":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		e, err := p.parse(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect('>'); err != nil {
			return nil, err
		}
		return List(e), nil
	case "record":
		if err := p.expect('{'); err != nil {
			return nil, err
		}
		var fs []Field
		for {
			name := p.word()
			if name == "" {
				return nil, p.errf("expected a field name")
			}
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			ft, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			fs = append(fs, Field{Name: name, Type: ft})
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if err := p.expect('}'); err != nil {
				return nil, err
			}
			return Record(fs...), nil
		}
	case "":
		return nil, p.errf("expected a type")
	}
	return nil, p.errf("unknown type %q", w)
}
