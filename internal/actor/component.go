package actor

// Component is the contract every component meets, Go or Wasm: lifecycle
// hooks and a message handler. The system calls them one at a time, never
// concurrently, in this order: PreStart, PostStart, Receive (per message),
// PreStop, PostStop.
//
// # Errors
//
// An error returned from Receive is a handler error: logged, counted, and
// answered to an unanswered request; the component keeps running. A panic,
// or an error wrapping *CrashError (a Wasm trap), is a crash: the instance
// is discarded and the component restarted with a fresh one from its
// Factory. An error from PreStart or PostStart fails the start.
type Component interface {
	PreStart(ctx *Context) error
	PostStart(ctx *Context) error
	Receive(ctx *Context, msg Message) error
	PreStop(ctx *Context) error
	PostStop(ctx *Context) error
}

// Discarder is implemented by components that hold resources outside the Go
// heap (a Wasm instance). Discard is called when the instance is dropped
// without its stop hooks: after a crash, or a failed start.
type Discarder interface {
	Discard()
}

// Factory makes a fresh instance of a component, at spawn and at every
// restart.
type Factory func() (Component, error)

// Hooks provides no-op lifecycle hooks; embed it and write only Receive.
type Hooks struct{}

func (Hooks) PreStart(*Context) error  { return nil }
func (Hooks) PostStart(*Context) error { return nil }
func (Hooks) PreStop(*Context) error   { return nil }
func (Hooks) PostStop(*Context) error  { return nil }

// ReceiveFunc adapts a function to a Component with no-op hooks.
type ReceiveFunc func(ctx *Context, msg Message) error

func (ReceiveFunc) PreStart(*Context) error               { return nil }
func (ReceiveFunc) PostStart(*Context) error              { return nil }
func (f ReceiveFunc) Receive(c *Context, m Message) error { return f(c, m) }
func (ReceiveFunc) PreStop(*Context) error                { return nil }
func (ReceiveFunc) PostStop(*Context) error               { return nil }

// Directive is a supervisor's answer to a crash.
type Directive uint8

const (
	// Restart the process with a fresh instance (a new PID generation).
	Restart Directive = iota
	// Stop the process for good; it is marked failed.
	Stop
)

// Supervisor decides what happens when a process crashes. It is the seam
// for supervision trees; the default restarts once per crash (a crash of
// the fresh instance during its start stops the process).
type Supervisor interface {
	Crashed(pid PID, name string, reason error) Directive
}

type restartOnce struct{}

func (restartOnce) Crashed(PID, string, error) Directive { return Restart }

// Interrupter is implemented by components whose running call can be
// aborted from another goroutine (a Wasm guest: the host sets its
// interrupt flag and the guest traps at its next check). When a
// supervised instance is killed, Interrupt is called while the call may
// still be running; the call should then return soon. The instance is
// never called again.
type Interrupter interface {
	Interrupt()
}

// StateSaver is implemented by components that hand state to their next
// instance. SaveState runs after PreStop when the instance is stopped
// gracefully for a restart in place or a swap (never after a crash); the
// bytes are given to the next instance's RestoreState.
type StateSaver interface {
	SaveState(ctx *Context) ([]byte, error)
}

// StateRestorer receives the state the previous instance saved. It runs
// after PreStart and before PostStart, only when there is state.
type StateRestorer interface {
	RestoreState(ctx *Context, state []byte) error
}
