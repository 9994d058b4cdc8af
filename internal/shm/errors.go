package shm

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) and add where: the region, the field, the offset.
var (
	// ErrInvalidLayout: a region declaration or the layout config is invalid.
	ErrInvalidLayout = errors.New("shm: invalid layout")
	// ErrOutOfBounds: an offset/length lies outside the memory or region,
	// or offset+length overflows.
	ErrOutOfBounds = errors.New("shm: out of bounds")
	// ErrMisaligned: an offset is not aligned as the access requires.
	ErrMisaligned = errors.New("shm: misaligned")
	// ErrCorrupt: a word in shared memory holds a value the protocol never
	// writes (a guest scribbled on metadata). The host refuses to use it.
	ErrCorrupt = errors.New("shm: corrupt shared state")
	// ErrFull: a ring has no free slot (TryPush) or none freed before the
	// deadline (Push).
	ErrFull = errors.New("shm: ring full")
	// ErrEmpty: a ring has no entry (TryPop) or none arrived before the
	// deadline (Pop).
	ErrEmpty = errors.New("shm: ring empty")
	// ErrTimeout: a lock or a free RCU version was not obtained before the
	// deadline.
	ErrTimeout = errors.New("shm: timed out")
	// ErrStaleHandle: a handle's generation does not match its slot (the
	// slot was freed or reused), or its index is out of range.
	ErrStaleHandle = errors.New("shm: stale handle")
	// ErrNoSlot: a slot table has no free slot.
	ErrNoSlot = errors.New("shm: no free slot")
	// ErrWrongKind: a region was opened as a primitive of another kind.
	ErrWrongKind = errors.New("shm: wrong region kind")
	// ErrNotFound: no region has the name.
	ErrNotFound = errors.New("shm: no such region")
	// ErrTooLarge: a payload is larger than the slot/frame it goes into.
	ErrTooLarge = errors.New("shm: payload larger than slot")
)

// RegionError is an error about one region (or the layout config when
// Region is empty) and one field of its declaration.
type RegionError struct {
	Region string // region name; "" for the layout config
	Field  string // declaration field, e.g. "Writers"
	Msg    string // what is wrong and what to do
	Err    error  // sentinel, e.g. ErrInvalidLayout
}

func (e *RegionError) Error() string {
	where := "layout"
	if e.Region != "" {
		where = fmt.Sprintf("region %q", e.Region)
	}
	if e.Field != "" {
		where += " " + e.Field
	}
	return fmt.Sprintf("%v: %s: %s", e.Err, where, e.Msg)
}

func (e *RegionError) Unwrap() error { return e.Err }

func regionErr(region, field string, sentinel error, format string, args ...any) error {
	return &RegionError{Region: region, Field: field, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
