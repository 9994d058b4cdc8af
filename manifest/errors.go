package manifest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is matched by every error that [Parse] and [Load] return for a
// manifest that is malformed or breaks a rule: errors.Is(err, ErrInvalid).
// Errors from reading the file (it does not exist, permission denied) do not
// match it.
var ErrInvalid = errors.New("invalid manifest")

// Error is one problem in a manifest.
type Error struct {
	// File is the manifest's path as given to Parse or Load; "" if none.
	File string
	// Path is the JSON path of the offending value, such as
	// components[2].mailbox.overflow; "" for the whole document.
	Path string
	// Line and Column (1-based; columns count code points) locate the
	// offending value or key, or, for a missing field, the opening brace of
	// the object that lacks it. Both are 0 when the manifest was not parsed
	// from a file (see [Manifest.Validate]).
	Line, Column int
	// Msg says what is wrong and what is expected.
	Msg string
}

// Error formats e as "file:line:col: path: msg", leaving out the parts that
// are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
		b.WriteByte(':')
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is [ErrInvalid].
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// ErrorList is every problem found in one manifest, sorted by position.
// It is the error type returned by [Parse], [Load] and [Manifest.Validate];
// use errors.As to get it, or to get its first [*Error].
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	if len(l) == 0 {
		return "no errors"
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Len returns the number of errors.
func (l ErrorList) Len() int { return len(l) }

// Is reports whether target is [ErrInvalid].
func (l ErrorList) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the errors, for errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sorted orders l by position, keeping the order of errors at the same place
// (and of errors without a position).
func (l ErrorList) sorted() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return l
}

// err returns l as an error, or nil if it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l.sorted()
}
