package main

// split returns the words of line: maximal runs of ASCII letters, digits and
// apostrophes. Every other byte, including each byte of a non-ASCII UTF-8
// sequence, separates words. The words alias line.
func split(line []byte) [][]byte {
	var words [][]byte
	start := -1
	for i, c := range line {
		switch {
		case isWordByte(c) && start < 0:
			start = i
		case !isWordByte(c) && start >= 0:
			words = append(words, line[start:i])
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, line[start:])
	}
	return words
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '\''
}

// lower returns a lowercased copy of the ASCII word w.
func lower(w []byte) []byte {
	out := make([]byte, len(w))
	for i, c := range w {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
