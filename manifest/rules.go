package manifest

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The rules below are shared by the decoder, which checks the values it
// reads, and by the validator, which checks manifests built in Go, so that
// both say the same thing.

// intRule is an inclusive range for an integer field.
type intRule struct{ min, max int64 }

var (
	versionRule     = intRule{Version, Version}
	messageSizeRule = intRule{1, math.MaxUint32} // a length crosses the ABI as a u32
	instancesRule   = intRule{1, 1024}
	memoryPagesRule = intRule{1, 65536} // 4 GiB, all a 32-bit memory can have
	capacityRule    = intRule{1, 1 << 20}
)

func (r intRule) contains(n int64) bool { return n >= r.min && n <= r.max }

// message says that label's value got is out of r.
func (r intRule) message(label, got string) string {
	if r.min == r.max {
		return fmt.Sprintf("%s must be %d; got %s", label, r.min, got)
	}
	return fmt.Sprintf("%s must be between %d and %d; got %s", label, r.min, r.max, got)
}

var (
	kinds     = []string{KindWasm, KindGo, KindWASICommand}
	overflows = []string{OverflowBlock, OverflowDrop, OverflowFail}
	logLevels = []string{"debug", "info", "warn", "error"}
)

// enumMessage says that label's value got is not one of values.
func enumMessage(label string, values []string, got string) string {
	return fmt.Sprintf("%s must be one of %s; got %q", label, strings.Join(values, ", "), truncate(got))
}

func isOneOf(s string, values []string) bool { return slices.Contains(values, s) }

// Limits on strings.
const (
	maxNameLen  = 64   // component and app names
	maxTopicLen = 1024 // a topic, as in the ABI
	maxAliasLen = 256  // a link alias is looked up as a name; names are 1–256 bytes in the ABI
)

// validName reports whether s matches ^[A-Za-z][A-Za-z0-9_.-]{0,63}$.
func validName(s string) bool {
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func nameMessage(label, got string) string {
	return fmt.Sprintf("%s must start with a letter and have only letters, digits, '_', '.' and '-', at most %d in all; got %q",
		label, maxNameLen, truncate(got))
}

// suggest returns the option closest to s if it is close enough to be a
// likely typo, else "".
func suggest(s string, options []string) string {
	best, bestDist := "", 3
	if len(s) <= 3 {
		bestDist = 2
	}
	for _, o := range options {
		if d := editDistance(strings.ToLower(s), o); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt // not a typo; and keep the cost bounded
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
