package guest

import (
	"errors"
	"strconv"
)

// Error is a non-OK status returned by a host call.
//
// Use errors.Is with the sentinels below to test for a status, and
// errors.As to read Code (for instance to report it to a peer).
type Error struct {
	// Op is the SDK operation that failed, such as "send" or "request";
	// empty in the sentinels.
	Op string
	// Code is the ABI status code, always negative.
	Code int32
}

// Error returns "wasmplane: <op>: <meaning> (<NAME> <code>)".
func (e *Error) Error() string {
	s := "wasmplane: "
	if e.Op != "" {
		s += e.Op + ": "
	}
	if c, ok := codes[e.Code]; ok {
		return s + c.text + " (" + c.name + " " + strconv.Itoa(int(e.Code)) + ")"
	}
	return s + "unknown status " + strconv.Itoa(int(e.Code))
}

// Is reports whether target is an *Error with the same Code and either no Op
// (a sentinel) or the same Op.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Op == "" || t.Op == e.Op)
}

// Sentinels for the ABI status codes, matched with errors.Is.
var (
	// ErrBadPointer: a buffer passed to the host is out of bounds. It means a
	// bug in the SDK or a corrupted memory, never a user error.
	ErrBadPointer = &Error{Code: -1}
	// ErrInvalidArgument: an empty or over-long kind, topic or name (kinds
	// and topics are 1–1024 bytes, names 1–256), an unknown log level, PID 0,
	// or a request to the component itself.
	ErrInvalidArgument = &Error{Code: -2}
	// ErrNotFound: no component has that name, or no request with that
	// correlation id is pending (already answered or timed out).
	ErrNotFound = &Error{Code: -3}
	// ErrDeadPID: the target is stale (it restarted) or stopped. Look its
	// name up again to reach the new incarnation.
	ErrDeadPID = &Error{Code: -4}
	// ErrMailboxFull: the target's mailbox is full and refused the message.
	ErrMailboxFull = &Error{Code: -5}
	// ErrTimeout: a request got no reply in time.
	ErrTimeout = &Error{Code: -6}
	// ErrTooLarge: the message exceeds the system's maximum message size.
	ErrTooLarge = &Error{Code: -7}
	// ErrBufferTooSmall: a reply did not fit the buffer. [Request] handles
	// it itself; it reaches callers only if the reply was lost meanwhile.
	ErrBufferTooSmall = &Error{Code: -8}
	// ErrStopping: the system is shutting down.
	ErrStopping = &Error{Code: -9}
	// ErrRemote: the request's target failed with a handler error, crashed
	// or returned without replying.
	ErrRemote = &Error{Code: -10}
	// ErrDeadlock: the request would have closed a cycle of components
	// waiting on each other; it was not sent.
	ErrDeadlock = &Error{Code: -11}
	// ErrType: a typed call's arguments do not match the operation's
	// declared parameters (the callee did not run), or its results do not
	// match the declared results.
	ErrType = &Error{Code: -12}
	// ErrContention: the callee of a typed call was busy (its yield token
	// not free) for longer than the caller's token timeout.
	ErrContention = &Error{Code: -13}
)

// ErrNotGuest is returned by every host call when the program is not built
// for GOOS=wasip1 GOARCH=wasm, for instance in unit tests run natively.
var ErrNotGuest = errors.New("wasmplane: not running as a wasmplane guest (build with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared)")

var codes = map[int32]struct{ name, text string }{
	-1:  {"ERR_BAD_POINTER", "buffer out of bounds"},
	-2:  {"ERR_INVALID_ARGUMENT", "invalid argument"},
	-3:  {"ERR_NOT_FOUND", "not found"},
	-4:  {"ERR_DEAD_PID", "dead pid"},
	-5:  {"ERR_MAILBOX_FULL", "mailbox full"},
	-6:  {"ERR_TIMEOUT", "timeout"},
	-7:  {"ERR_TOO_LARGE", "message too large"},
	-8:  {"ERR_BUFFER_TOO_SMALL", "buffer too small"},
	-9:  {"ERR_STOPPING", "system stopping"},
	-10: {"ERR_REMOTE", "remote failure"},
	-11: {"ERR_DEADLOCK", "deadlock"},
	-12: {"ERR_TYPE", "type mismatch"},
	-13: {"ERR_CONTENTION", "contention"},
}

// statusErr turns a host status into nil or an *Error for op.
func statusErr(op string, status int32) error {
	if status == 0 {
		return nil
	}
	return &Error{Op: op, Code: status}
}
