package preempt

// Type encodings (spec "Types" section, with the reference-types,
// function-references, exception-handling and GC abbreviations).
const (
	typeEmpty    = 0x40 // empty block type
	typeRefNull  = 0x63 // (ref null ht)
	typeRef      = 0x64 // (ref ht)
	typeI32      = 0x7f
	typeFuncRef  = 0x70
	typeExternRf = 0x6f
)

// isShortValType reports whether c is a value type encoded in one byte:
// numbers, v128, and the abbreviated reference types.
func isShortValType(c byte) bool {
	switch c {
	case 0x7f, 0x7e, 0x7d, 0x7c, // i32 i64 f32 f64
		0x7b,             // v128
		0x70, 0x6f, 0x69, // funcref externref exnref
		0x6e, 0x6d, 0x6c, 0x6b, 0x6a, // anyref eqref i31ref structref arrayref (GC)
		0x71, 0x72, 0x73, 0x74: // nullref nullexternref nullfuncref nullexnref
		return true
	}
	return false
}

// valType skips one value type.
func (r *reader) valType() error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	if isShortValType(c) {
		return nil
	}
	if c == typeRefNull || c == typeRef {
		_, err := r.heapType()
		return err
	}
	r.off--
	return r.errorf(ErrUnsupported, "unknown value type %#x", c)
}

// heapType skips a heap type: an abstract type (a negative s33, one byte) or
// a type index (a non-negative s33).
func (r *reader) heapType() (int64, error) {
	return r.s33()
}

// blockType skips a block type: empty, one value type, or a type index
// encoded as a non-negative s33 (multi-value blocks).
func (r *reader) blockType() error {
	if r.off >= len(r.b) {
		return r.errorf(ErrMalformed, "unexpected end of input in block type")
	}
	c := r.b[r.off]
	switch {
	case c == typeEmpty:
		r.off++
		return nil
	case isShortValType(c) || c == typeRefNull || c == typeRef:
		return r.valType()
	}
	start := r.off
	idx, err := r.s33()
	if err != nil {
		return err
	}
	if idx < 0 {
		r.off = start
		return r.errorf(ErrUnsupported, "unknown block type %#x", c)
	}
	return nil
}

// limits skips table or memory limits. Flag bit 0: max present; bit 1:
// shared (threads); bit 2: 64-bit (memory64/table64), whose bounds are u64.
func (r *reader) limits() error {
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if flags > 7 {
		r.off--
		return r.errorf(ErrMalformed, "unknown limits flags %#x", flags)
	}
	n := 1
	if flags&1 != 0 {
		n = 2
	}
	max := 5
	if flags&4 != 0 {
		max = 10
	}
	for i := 0; i < n; i++ {
		if err := r.skipLEB(max); err != nil {
			return err
		}
	}
	return nil
}
