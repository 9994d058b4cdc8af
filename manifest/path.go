package manifest

import "strconv"

// Paths name a value the way a reader would write it:
// components[2].mailbox.overflow. Keys that are not identifiers are quoted:
// components[0].env["MY VAR"].

// fieldPath returns the path of key in the object at parent.
func fieldPath(parent, key string) string {
	if !isIdent(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// indexPath returns the path of element i of the array at parent.
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// parentPath returns the path of the object or array that holds p; "" for
// a top-level field and for the root itself.
func parentPath(p string) string {
	last := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '.':
			last = i
		case '[':
			last = i
			if i+1 < len(p) && p[i+1] == '"' {
				// Skip the quoted key; strconv.Quote escapes any '"' in it.
				for i += 2; i < len(p) && p[i] != '"'; i++ {
					if p[i] == '\\' {
						i++
					}
				}
			}
		}
	}
	return p[:last]
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}
