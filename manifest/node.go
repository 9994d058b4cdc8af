package manifest

import (
	"bytes"
	"sort"
	"strconv"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is a parsed JSON value that remembers where it came from, so that
// errors found after parsing can still point at it.
type node struct {
	kind     kind
	off, end int      // byte range of the value in the source
	str      string   // a string's value, or a number's literal text
	bool     bool     // a bool's value
	elems    []*node  // an array's elements
	fields   []member // an object's members, in source order
}

// member is one key and value of an object.
type member struct {
	key    string
	keyOff int // byte offset of the key's opening quote
	val    *node
	dup    bool // the key already appeared earlier in the object
}

// describe names v's type, and its value for scalars, for "got …" in errors.
func (v *node) describe() string {
	switch v.kind {
	case kindNull:
		return "null"
	case kindBool:
		return strconv.FormatBool(v.bool)
	case kindNumber:
		return "number " + truncate(v.str)
	case kindString:
		return "string " + strconv.Quote(truncate(v.str))
	case kindArray:
		return "an array"
	default:
		return "an object"
	}
}

// truncate shortens s for an error message, on a rune boundary.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

var bom = []byte("\ufeff")

// source is a manifest being decoded: its bytes, and what the decoder learnt
// about them for the validator.
type source struct {
	file  string
	data  []byte
	lines []int // byte offsets of line starts, built on first use

	// locs holds every path the decoder saw in the document.
	locs map[string]loc
	// bad holds the paths whose value the decoder rejected; the validator
	// says nothing more about them or anything inside them.
	bad map[string]bool
}

// loc is where a value is: the byte offsets of its key (-1 for array
// elements and the root) and of the value itself.
type loc struct{ key, val int }

func newSource(file string, data []byte) *source {
	return &source{file: file, data: data, locs: make(map[string]loc), bad: make(map[string]bool)}
}

// position returns the 1-based line and column of byte offset off.
func (s *source) position(off int) (line, col int) {
	if s.lines == nil {
		s.lines = []int{0}
		for i, c := range s.data {
			if c == '\n' {
				s.lines = append(s.lines, i+1)
			}
		}
	}
	off = min(max(off, 0), len(s.data))
	i := sort.SearchInts(s.lines, off+1) - 1
	start := s.lines[i]
	if start == 0 && bytes.HasPrefix(s.data, bom) && off >= len(bom) {
		start = len(bom)
	}
	return i + 1, utf8.RuneCount(s.data[start:off]) + 1
}

// offset returns the byte offset to report for path p: its key if key is
// set and p has one, else its value; for a path the document lacks, the
// value of the nearest enclosing path it has.
func (s *source) offset(p string, key bool) int {
	for {
		if l, ok := s.locs[p]; ok {
			if key && l.key >= 0 {
				return l.key
			}
			return l.val
		}
		if p == "" {
			return 0
		}
		p = parentPath(p)
		key = false
	}
}

// suppressed reports whether p or a path enclosing it was rejected by the
// decoder.
func (s *source) suppressed(p string) bool {
	for {
		if s.bad[p] {
			return true
		}
		if p == "" {
			return false
		}
		p = parentPath(p)
	}
}
