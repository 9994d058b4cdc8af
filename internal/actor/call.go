package actor

import (
	"context"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// FlagCall marks a typed call: Kind is the operation ("iface.op"), Data
// the canonical encoding of its arguments (docs/boundary.md), already
// checked against the operation's declared types.
const FlagCall Flags = 1 << 2

// CallHandler is implemented by components that serve typed operations
// on canonical bytes (Wasm guests: the adapter lowers the arguments onto
// the export named op.Name and lifts its results). args has been checked
// against op's parameters; the returned bytes are checked against op's
// results by the caller before anyone sees them.
type CallHandler interface {
	HandleCall(ctx *Context, op *boundary.Operation, args []byte) ([]byte, error)
}

// OperationHandler is implemented by Go components that serve typed
// operations with Go values (the table in docs/boundary.md). The results
// are checked against the operation's declared results; a mismatch is a
// *boundary.TypeError returned to the caller.
type OperationHandler interface {
	HandleOperation(ctx *Context, op string, args []any) ([]any, error)
}

// IsCall reports whether the message is a typed call.
func (m *Message) IsCall() bool { return m.Flags&FlagCall != 0 }

// Call makes a typed call of op on to, with Go values, from the host.
func (s *System) Call(ctx context.Context, to PID, op string, args ...any) ([]any, error) {
	return s.call(ctx, 0, to, op, args)
}

// Call makes a typed call of op on to, with Go values (see System.Call).
// The component handles nothing else while it waits, except calls from
// its callees when it is declared reentrant.
func (c *Context) Call(ctx context.Context, to PID, op string, args ...any) ([]any, error) {
	if c.dead.Load() {
		return nil, c.errDead("call")
	}
	c.p.stats.out.Add(1)
	return c.sys.call(ctx, c.Self(), to, op, args)
}

// CallBytes makes a typed call of op on to with its arguments already in
// the canonical encoding (a guest's call). The bytes are checked against
// the operation's parameters before the callee runs; the result is the
// canonical encoding of the results, checked against the declared types.
func (c *Context) CallBytes(ctx context.Context, to PID, op string, args []byte) ([]byte, error) {
	if c.dead.Load() {
		return nil, c.errDead("call")
	}
	c.p.stats.out.Add(1)
	return c.sys.callBytes(ctx, c.Self(), to, op, args)
}

// Progress reports that the component, in batch-yield mode, is making
// progress on the typed call it is handling: a caller waiting for its
// token then waits one more token timeout from now instead of failing
// with a *boundary.ContentionError. It does nothing outside a call or
// for a component not declared batch-yield.
func (c *Context) Progress() { c.p.lease.Progress() }
