package actor

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by the system wrap one of these with the
// context (which process, which name, why); match them with errors.Is.
var (
	// ErrDeadPID: the target PID is stale (its process restarted or stopped)
	// or was never valid. The message became a dead letter.
	ErrDeadPID = errors.New("dead pid")
	// ErrMailboxFull: the target's mailbox is full and its overflow policy
	// refused the message.
	ErrMailboxFull = errors.New("mailbox full")
	// ErrTimeout: a request got no reply in time.
	ErrTimeout = errors.New("request timed out")
	// ErrNotFound: no process is registered under the name, or no request is
	// pending under the correlation id.
	ErrNotFound = errors.New("not found")
	// ErrNameTaken: a process is already registered under the name.
	ErrNameTaken = errors.New("name already registered")
	// ErrStopping: the system or the process is shutting down.
	ErrStopping = errors.New("stopping")
	// ErrNoReply: the target handled a request without replying.
	ErrNoReply = errors.New("no reply")
	// ErrTooLarge: the message exceeds the maximum message size.
	ErrTooLarge = errors.New("message too large")
	// ErrInvalid: an argument is out of range (empty kind, zero PID, a request
	// to oneself, …).
	ErrInvalid = errors.New("invalid argument")
	// ErrTableFull: the process table has no free slot left.
	ErrTableFull = errors.New("process table full")
)

// RemoteError is the error a requester gets when the target failed to
// answer: its handler returned an error, it crashed, or it did not reply.
type RemoteError struct {
	// Target is the process that was asked.
	Target PID
	// Kind is the request's kind.
	Kind string
	// Err is what went wrong on the target's side.
	Err error
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("request %q to %s failed: %v", e.Kind, e.Target, e.Err)
}

func (e *RemoteError) Unwrap() error { return e.Err }

// CrashError marks a failure that discards the component's instance: a Go
// panic, a Wasm trap. A component's Receive or hook returning an error that
// wraps a *CrashError is treated as a crash (restart), any other error as a
// handler error (logged and counted; the instance keeps running).
type CrashError struct {
	// Reason is the panic value or the trap.
	Reason error
	// Stack is the goroutine stack of a Go panic, if any.
	Stack []byte
}

func (e *CrashError) Error() string { return "crashed: " + e.Reason.Error() }

func (e *CrashError) Unwrap() error { return e.Reason }

// HookError says which lifecycle hook of which component failed.
type HookError struct {
	Name string
	Hook string
	Err  error
}

func (e *HookError) Error() string {
	return fmt.Sprintf("component %q: %s: %v", e.Name, e.Hook, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }

func isCrash(err error) bool {
	var c *CrashError
	return errors.As(err, &c)
}
