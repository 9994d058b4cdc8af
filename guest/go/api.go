package guest

import "time"

// Send queues a one-way message of the given kind for to. The host copies
// kind and data before Send returns, so both may be reused at once.
//
// # Errors
//
// [ErrDeadPID] if to is stale or stopped (look the name up again),
// [ErrMailboxFull], [ErrTooLarge], [ErrInvalidArgument] for an empty or
// over-long kind or PID 0, [ErrStopping].
func Send(to PID, kind string, data []byte) error { return sysSend(to, kind, data) }

// Request sends a request to to and blocks until its reply or the timeout.
// A timeout ≤ 0 means the system default (5 s); a timeout is rounded up to
// whole milliseconds. The returned bytes belong to the caller.
//
// While it waits the component receives nothing, and every other component
// it could call is unaffected; two components requesting each other at the
// same time both time out.
//
// # Errors
//
// Those of [Send], plus [ErrTimeout], [ErrRemote] if the target failed or
// returned without replying, and [ErrInvalidArgument] for a request to
// [Self].
func Request(to PID, kind string, data []byte, timeout time.Duration) ([]byte, error) {
	return sysRequest(to, kind, data, timeoutMS(timeout))
}

// Call makes a typed call of the operation op ("iface.op") on to and
// blocks until its result or the timeout, like [Request]. args is the
// canonical encoding of the operation's parameters and the result the
// canonical encoding of its results (docs/boundary.md: little-endian
// scalars, strings and bytes as a u32 length and the bytes, lists as a
// u32 count and the elements, records as their fields in order). The
// returned bytes belong to the caller.
//
// # Errors
//
// Those of [Request], plus [ErrType] if args do not match the operation's
// parameters (the callee did not run) or its results do not match,
// [ErrNotFound] for an operation no interface declares, [ErrContention]
// if the callee was busy for too long, and [ErrDeadlock] if the call
// would close a cycle of waiting components.
func Call(to PID, op string, args []byte, timeout time.Duration) ([]byte, error) {
	return sysCall(to, op, args, timeoutMS(timeout))
}

// Progress tells callers waiting for this component that it is making
// progress on the typed call it is serving (batch-yield mode,
// docs/boundary.md): their token timeout counts from now. It does
// nothing outside a call or for a component not declared batch-yield.
func Progress() error { return sysProgress() }

// Reply answers the request m. Only the first reply to a request counts; an
// unanswered request gets a "no reply" error when the handler returns.
//
// # Errors
//
// [ErrNotFound] if m is not a pending request: it was not a request, was
// answered already, or timed out.
func Reply(m Message, data []byte) error { return sysReply(m.Corr, data) }

// Publish delivers a copy of data to every subscriber of topic; their
// handlers see a [Message] with Published set and Kind = topic. A subscriber
// whose mailbox refuses it gets a dead letter; Publish still succeeds.
func Publish(topic string, data []byte) error { return sysPublish(topic, data) }

// Subscribe subscribes this component to topic. It is idempotent.
func Subscribe(topic string) error { return sysSubscribe(topic) }

// Unsubscribe removes the subscription to topic, if any.
func Unsubscribe(topic string) error { return sysUnsubscribe(topic) }

// Lookup resolves a registered component name to a PID. For a component with
// several instances successive lookups rotate over them. The PID goes stale
// when that component restarts: on [ErrDeadPID], look it up again.
//
// # Errors
//
// [ErrNotFound] if no component has that name.
func Lookup(name string) (PID, error) { return sysLookup(name) }

// Self returns this component's current PID, or 0 outside a guest.
func Self() PID { return sysSelf() }

// Now returns the monotonic time since the system started, or 0 outside a
// guest. Unlike time.Now it is the same clock for every component.
func Now() time.Duration { return sysNow() }

// Log logs msg through the host's slog logger, which adds the component's
// name and PID. Lines over 64 KiB are truncated by the host; a level outside
// LevelDebug…LevelError is dropped. Outside a guest it logs to slog.Default.
func Log(level Level, msg string) { sysLog(level, msg) }

// timeoutMS converts a Request timeout to the ABI's milliseconds.
func timeoutMS(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return int32(min(ms, 1<<31-1))
}
