package manifest

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds how deeply objects and arrays may nest, so that a hostile
// document cannot exhaust the stack.
const maxDepth = 64

// syntaxError is malformed JSON at byte offset off.
type syntaxError struct {
	off int
	msg string
}

// scanner is a recursive-descent JSON parser that builds a tree of nodes
// recording byte offsets. It stops at the first syntax error: after one, the
// rest of the document has no reliable structure to report on.
type scanner struct {
	src   *source
	data  []byte
	pos   int
	depth int
}

// parseJSON parses src's bytes as exactly one JSON value.
func parseJSON(src *source) (*node, *syntaxError) {
	s := &scanner{src: src, data: src.data}
	if bytes.HasPrefix(s.data, bom) {
		s.pos = len(bom)
	}
	s.skipSpace()
	n, err := s.value()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos < len(s.data) {
		return nil, s.errorf("unexpected %s after the end of the document", s.describe())
	}
	return n, nil
}

func (s *scanner) errorf(format string, args ...any) *syntaxError {
	return &syntaxError{off: s.pos, msg: "syntax error: " + fmt.Sprintf(format, args...)}
}

// peek returns the next byte, or -1 at the end of the input.
func (s *scanner) peek() int {
	if s.pos >= len(s.data) {
		return -1
	}
	return int(s.data[s.pos])
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// describe names the input at the current position for an error message.
func (s *scanner) describe() string {
	if s.pos >= len(s.data) {
		return "end of input"
	}
	c := s.data[s.pos]
	switch {
	case c == '\n':
		return "newline"
	case c < 0x20 || c == 0x7f:
		return fmt.Sprintf("control character 0x%02x", c)
	case c < utf8.RuneSelf:
		return strconv.QuoteRune(rune(c))
	}
	r, size := utf8.DecodeRune(s.data[s.pos:])
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("byte 0x%02x (not UTF-8)", c)
	}
	return strconv.QuoteRune(r)
}

func (s *scanner) value() (*node, *syntaxError) {
	switch c := s.peek(); {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		off := s.pos
		str, err := s.string()
		if err != nil {
			return nil, err
		}
		return &node{kind: kindString, off: off, end: s.pos, str: str}, nil
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true", kindBool, true)
	case c == 'f':
		return s.literal("false", kindBool, false)
	case c == 'n':
		return s.literal("null", kindNull, false)
	default:
		return nil, s.errorf("unexpected %s; expected a value", s.describe())
	}
}

// enter counts one more level of nesting.
func (s *scanner) enter() *syntaxError {
	s.depth++
	if s.depth > maxDepth {
		return s.errorf("objects and arrays nest more than %d levels deep", maxDepth)
	}
	return nil
}

func (s *scanner) object() (*node, *syntaxError) {
	n := &node{kind: kindObject, off: s.pos}
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.pos++ // '{'
	s.skipSpace()
	if s.peek() == '}' {
		s.pos++
		s.depth--
		n.end = s.pos
		return n, nil
	}
	for {
		if s.peek() != '"' {
			if s.peek() == '}' {
				return nil, s.errorf("unexpected '}' after ','; expected a key (trailing commas are not allowed)")
			}
			return nil, s.errorf("unexpected %s; expected a key in double quotes", s.describe())
		}
		keyOff := s.pos
		key, err := s.string()
		if err != nil {
			return nil, err
		}
		s.skipSpace()
		if s.peek() != ':' {
			return nil, s.errorf("unexpected %s after key %q; expected ':'", s.describe(), truncate(key))
		}
		s.pos++
		s.skipSpace()
		v, err := s.value()
		if err != nil {
			return nil, err
		}
		n.fields = append(n.fields, member{key: key, keyOff: keyOff, val: v})
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipSpace()
		case '}':
			s.pos++
			s.depth--
			n.end = s.pos
			return n, nil
		default:
			return nil, s.errorf("unexpected %s after the value of %q; expected ',' or '}'", s.describe(), truncate(key))
		}
	}
}

func (s *scanner) array() (*node, *syntaxError) {
	n := &node{kind: kindArray, off: s.pos}
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.pos++ // '['
	s.skipSpace()
	if s.peek() == ']' {
		s.pos++
		s.depth--
		n.end = s.pos
		return n, nil
	}
	for {
		if s.peek() == ']' {
			return nil, s.errorf("unexpected ']' after ','; expected a value (trailing commas are not allowed)")
		}
		v, err := s.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipSpace()
		case ']':
			s.pos++
			s.depth--
			n.end = s.pos
			return n, nil
		default:
			return nil, s.errorf("unexpected %s after an array element; expected ',' or ']'", s.describe())
		}
	}
}

// string reads a string starting at its opening quote and returns its value.
// Invalid UTF-8 is an error; a lone surrogate escape becomes U+FFFD, as in
// encoding/json.
func (s *scanner) string() (string, *syntaxError) {
	open := s.pos
	s.pos++
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c == '"' {
			str := string(s.data[start:s.pos])
			s.pos++
			return str, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		s.pos++
	}
	buf := append([]byte(nil), s.data[start:s.pos]...)
	for {
		if s.pos >= len(s.data) {
			line, col := s.src.position(open)
			return "", s.errorf("unexpected end of input in the string that starts at %d:%d; expected '\"'", line, col)
		}
		switch c := s.data[s.pos]; {
		case c == '"':
			s.pos++
			return string(buf), nil
		case c == '\\':
			var err *syntaxError
			if buf, err = s.escape(buf); err != nil {
				return "", err
			}
		case c == '\n':
			return "", s.errorf("unexpected newline in a string; close the string with '\"' or write \\n")
		case c < 0x20:
			return "", s.errorf("unexpected control character 0x%02x in a string; escape it as \\u%04x", c, c)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size == 1 {
				return "", s.errorf("invalid UTF-8 byte 0x%02x in a string; the file must be UTF-8", c)
			}
			buf = append(buf, s.data[s.pos:s.pos+size]...)
			s.pos += size
		}
	}
}

// escape decodes the escape sequence at the current backslash onto buf.
func (s *scanner) escape(buf []byte) ([]byte, *syntaxError) {
	if s.pos+1 >= len(s.data) {
		s.pos = len(s.data)
		return nil, s.errorf("unexpected end of input in an escape sequence")
	}
	switch e := s.data[s.pos+1]; e {
	case '"', '\\', '/':
		buf = append(buf, e)
	case 'b':
		buf = append(buf, '\b')
	case 'f':
		buf = append(buf, '\f')
	case 'n':
		buf = append(buf, '\n')
	case 'r':
		buf = append(buf, '\r')
	case 't':
		buf = append(buf, '\t')
	case 'u':
		r, ok := hex4(s.data[s.pos+2:])
		if !ok {
			return nil, s.errorf(`invalid escape in a string; \u must be followed by 4 hex digits`)
		}
		s.pos += 6
		if utf16.IsSurrogate(r) {
			r2, ok := rune(0), false
			if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
				r2, ok = hex4(s.data[s.pos+2:])
			}
			if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
				r = dec
				s.pos += 6
			} else {
				r = utf8.RuneError
			}
		}
		return utf8.AppendRune(buf, r), nil
	default:
		s.pos++
		return nil, s.errorf(`invalid escape: %s after '\' in a string; valid escapes are \" \\ \/ \b \f \n \r \t \uXXXX`, s.describe())
	}
	s.pos += 2
	return buf, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number in JSON's grammar; its value is checked later,
// against what the field it is in can hold.
func (s *scanner) number() (*node, *syntaxError) {
	off := s.pos
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return nil, s.errorf("unexpected %s in a number; expected a digit", s.describe())
	}
	if s.peek() == '.' {
		s.pos++
		if !s.digits() {
			return nil, s.errorf("unexpected %s in a number; expected a digit after '.'", s.describe())
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if !s.digits() {
			return nil, s.errorf("unexpected %s in a number; expected a digit in the exponent", s.describe())
		}
	}
	return &node{kind: kindNumber, off: off, end: s.pos, str: string(s.data[off:s.pos])}, nil
}

// digits skips decimal digits and reports whether there was at least one.
func (s *scanner) digits() bool {
	start := s.pos
	for c := s.peek(); c >= '0' && c <= '9'; c = s.peek() {
		s.pos++
	}
	return s.pos > start
}

func (s *scanner) literal(word string, k kind, b bool) (*node, *syntaxError) {
	off := s.pos
	for i := 0; i < len(word); i++ {
		if s.peek() != int(word[i]) {
			return nil, s.errorf("unexpected %s in literal %s", s.describe(), word)
		}
		s.pos++
	}
	return &node{kind: k, off: off, end: s.pos, bool: b}, nil
}
