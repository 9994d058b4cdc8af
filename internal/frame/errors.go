package frame

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) and say which field was wrong and what it must be.
var (
	// ErrInvalidConfig: a Config field is out of range (Hz not a positive
	// finite number, a negative Budget or History, an empty or duplicate
	// phase name).
	ErrInvalidConfig = errors.New("frame: invalid config")
	// ErrRunning: Run was called while another Run on the same Clock is
	// still going. One Clock has one schedule; start a second Clock for a
	// second rate.
	ErrRunning = errors.New("frame: clock already running")
)
