package preempt

import "fmt"

// reader is a bounds-checked cursor over one region of the module. Every
// read returns an *Error instead of panicking when the bytes run out.
type reader struct {
	b       []byte
	off     int    // next byte to read, relative to b
	base    int    // offset of b[0] in the whole module, for error messages
	section string // section name for error messages
	fn      int    // defined-function index for error messages, or -1
}

func newReader(b []byte, base int, section string) *reader {
	return &reader{b: b, base: base, section: section, fn: -1}
}

func (r *reader) errorf(sentinel error, format string, args ...any) error {
	return &Error{Offset: r.base + r.off, Func: r.fn, Section: r.section, Detail: fmt.Sprintf(format, args...), Err: sentinel}
}

func (r *reader) eof() bool { return r.off >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, r.errorf(ErrMalformed, "unexpected end of input")
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) skip(n uint64) error {
	if n > uint64(len(r.b)-r.off) {
		return r.errorf(ErrMalformed, "need %d bytes, %d left", n, len(r.b)-r.off)
	}
	r.off += int(n)
	return nil
}

func (r *reader) bytes(n uint64) ([]byte, error) {
	start := r.off
	if err := r.skip(n); err != nil {
		return nil, err
	}
	return r.b[start:r.off], nil
}

// u32 decodes an unsigned LEB128 of at most 5 bytes whose value fits in 32
// bits (the unused bits of the fifth byte must be zero, as the spec says).
func (r *reader) u32() (uint32, error) {
	var v uint32
	for i := 0; i < 5; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == 4 && c&0xf0 != 0 {
			return 0, r.errorf(ErrMalformed, "u32 LEB128 overflows 32 bits")
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, r.errorf(ErrMalformed, "u32 LEB128 longer than 5 bytes")
}

// skipLEB skips one LEB128 (signed or unsigned) of at most max bytes. Only the
// length matters to the rewrite; the engine validates the value.
func (r *reader) skipLEB(max int) error {
	for i := 0; i < max; i++ {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return r.errorf(ErrMalformed, "LEB128 longer than %d bytes", max)
}

// s33 decodes a signed LEB128 of at most 5 bytes into an int64 (block types
// and heap types are s33).
func (r *reader) s33() (int64, error) {
	var v int64
	var shift uint
	for i := 0; i < 5; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
	return 0, r.errorf(ErrMalformed, "s33 LEB128 longer than 5 bytes")
}

// name skips a length-prefixed UTF-8 name and returns its bytes.
func (r *reader) name() ([]byte, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	return r.bytes(uint64(n))
}

// appendU32 appends v as a minimal unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}
