package preempt

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed is returned (wrapped in an *Error) when the input is not a
	// well-formed WebAssembly binary: a truncated section, a bad LEB128, a
	// section out of order, or a reference to a global that does not exist.
	// Instrument never guesses: the caller must reject the module.
	ErrMalformed = errors.New("malformed module")

	// ErrUnsupported is returned (wrapped in an *Error) for an opcode or a
	// type encoding the decoder does not know (for example the GC proposal's
	// 0xFB prefix). Skipping its immediates would be a guess, so the module is
	// refused rather than rewritten into something broken.
	ErrUnsupported = errors.New("unsupported instruction")

	// ErrExportExists is returned when the module already exports
	// ExportName, which happens when it was instrumented before (instrument
	// the original bytes once) or when a guest claims the name on purpose.
	ErrExportExists = errors.New("module already exports " + ExportName)
)

// Error locates a failure in the input binary.
//
// Errors.Is(err, ErrMalformed), ErrUnsupported or ErrExportExists tells the
// class; Offset and Func say where.
type Error struct {
	// Offset is the byte offset in the input binary where decoding failed.
	Offset int
	// Func is the index of the defined function (0 = first code-section
	// entry) whose body failed to decode, or -1 outside the code section.
	Func int
	// Section names the section being decoded ("code", "import", ...).
	Section string
	// Detail says what was wrong.
	Detail string
	// Err is the sentinel: ErrMalformed, ErrUnsupported or ErrExportExists.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	where := fmt.Sprintf("offset %#x", e.Offset)
	if e.Section != "" {
		where = e.Section + " section, " + where
	}
	if e.Func >= 0 {
		where = fmt.Sprintf("%s, defined function %d", where, e.Func)
	}
	return fmt.Sprintf("preempt: %v: %s (%s)", e.Err, e.Detail, where)
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }
