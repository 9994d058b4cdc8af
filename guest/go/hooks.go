package guest

// The registered callbacks. The host never calls into an instance
// concurrently, so plain variables are enough.
var (
	handler                                func(Message) error
	preStart, postStart, preStop, postStop func() error
)

// Handle registers f as the component's message handler, replacing any
// earlier one. Call it from an init function: see the package
// documentation for why main is too late.
//
// A non-nil error from f is a handler error: the SDK logs it at error level,
// wasmplane_receive returns 1, an unanswered request gets an error reply, and
// the component keeps running. A panic in f is not recovered: it crashes the
// instance and the host restarts the component. Messages that arrive while no
// handler is registered are ignored.
func Handle(f func(Message) error) { handler = f }

// OnPreStart registers f to run before the component is registered as
// started. An error (or panic) fails the start.
func OnPreStart(f func() error) { preStart = f }

// OnPostStart registers f to run once the component is started; it may send.
// An error (or panic) fails the start.
func OnPostStart(f func() error) { postStart = f }

// OnPreStop registers f to run before the component stops; it may send.
// An error (or panic) fails the stop.
func OnPreStop(f func() error) { preStop = f }

// OnPostStop registers f to run after the component stopped receiving.
// An error (or panic) fails the stop.
func OnPostStop(f func() error) { postStop = f }

// runHook runs the hook registered for name, if any, and returns its status.
func runHook(name string, f func() error) int32 {
	if f == nil {
		return 0
	}
	if err := f(); err != nil {
		Log(LevelError, name+": "+err.Error())
		return 1
	}
	return 0
}
