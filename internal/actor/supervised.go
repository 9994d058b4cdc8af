package actor

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ExitReason classifies how a supervised process's instance ended.
type ExitReason uint8

const (
	// ExitNormal: the component stopped itself (Context.Stop); its stop
	// hooks ran.
	ExitNormal ExitReason = iota
	// ExitShutdown: something outside its supervisor stopped it
	// (System.Stop, the system shutting down).
	ExitShutdown
	// ExitAbnormal: a crash (panic, trap), or a handler error its
	// supervisor treats as one.
	ExitAbnormal
)

func (r ExitReason) String() string {
	switch r {
	case ExitNormal:
		return "normal"
	case ExitShutdown:
		return "shutdown"
	case ExitAbnormal:
		return "abnormal"
	}
	return fmt.Sprintf("exit(%d)", uint8(r))
}

// Exit tells a supervisor that a supervised process's instance ended
// without the supervisor asking for it.
type Exit struct {
	// PID is the process's PID when its instance ended.
	PID PID
	// Name is its registered name.
	Name string
	// Reason says how it ended.
	Reason ExitReason
	// Err is the crash or error behind an abnormal exit.
	Err error
	// Incarnation is the count of instances started so far (the instance
	// that ended); a supervisor ignores exits of incarnations it has
	// already replaced.
	Incarnation uint64
	// Final is set when the process is gone (torn down: unregistered,
	// mailbox dead-lettered). Otherwise it is suspended: it keeps its
	// mailbox, name and slot and waits for Handle.Resume or
	// Handle.Terminate.
	Final bool
}

// Watcher is a supervised process's supervisor, as the process sees it.
// Both methods are called on the process's own goroutine and must not
// block: post the work elsewhere.
type Watcher interface {
	// Exited reports an exit the supervisor did not ask for. It is not
	// called for Suspend, Resume or Terminate requests, which report
	// through their own results.
	Exited(Exit)
	// HandlerFailed is told about each handler error (an error returned by
	// Receive that is not a crash) and says whether to treat it as a crash.
	HandlerFailed(pid PID, err error) (crash bool)
}

// Handle is a supervisor's grip on a supervised process. It stays valid
// across restarts in place; after Terminate, or a final exit, its requests
// fail with ErrDeadPID.
type Handle struct{ p *process }

// PID is the process's current PID.
func (h *Handle) PID() PID { return h.p.pid() }

// Name is the process's registered name.
func (h *Handle) Name() string { return h.p.name }

// Incarnation counts the instances started so far (1 after the spawn).
func (h *Handle) Incarnation() uint64 { return h.p.sv.incarn.Load() }

// State is the process's lifecycle state: starting, running, suspended,
// stopping, stopped or failed.
func (h *Handle) State() string { return lifeNames[h.p.life.Load()] }

// Done is closed when the process is gone.
func (h *Handle) Done() <-chan struct{} { return h.p.doneChan() }

// StopOptions bound how a supervised instance is stopped.
type StopOptions struct {
	// Timeout bounds the stop hooks (and a handler running when the request
	// arrived); past it the instance is killed. 0 waits without a bound.
	Timeout time.Duration
	// Brutal kills the instance at once: no hooks, no state saved.
	Brutal bool
	// Reason is reported in events ("" for the operation's name).
	Reason string
}

// StopResult says how an instance was stopped.
type StopResult struct {
	// State is what the instance's StateSaver returned (nil if none, or
	// killed, or crashed).
	State []byte
	// Killed is set when the instance was killed rather than stopped.
	Killed bool
	// Hook is the hook or handler it was killed in ("" if between calls).
	Hook string
}

// ResumeOptions configure the start of a fresh instance in place.
type ResumeOptions struct {
	// Delay waits before starting (backoff). The mailbox keeps accepting.
	Delay time.Duration
	// Timeout bounds the start hooks; past it the instance is killed and
	// the start fails. 0 waits without a bound.
	Timeout time.Duration
	// Factory replaces the process's factory when the start succeeds (nil:
	// keep it).
	Factory Factory
	// KeepPID keeps the PID generation (a swap, not a failure): senders
	// keep their PIDs. Otherwise the generation is bumped, as after a
	// crash, and the caller reports the restart (EventRestarted).
	KeepPID bool
	// State is handed to the instance's RestoreState (nil: the state the
	// last graceful suspend saved, if any).
	State []byte
	// Reason is reported in the restart event.
	Reason string
}

// ErrRunning: a resume found the process already running an instance.
var ErrRunning = errors.New("already running")

// SpawnSupervised starts a process watched by w. Unlike Spawn, the start
// runs on the process's own goroutine and is bounded by startTimeout (0:
// no bound), so a start that hangs is killed; a failed start leaves
// nothing registered. Crashes, self-stops and external stops are reported
// to w instead of the system's default restart.
func (s *System) SpawnSupervised(ctx context.Context, f Factory, opts SpawnOptions, w Watcher, startTimeout time.Duration) (*Handle, error) {
	if w == nil {
		return nil, fmt.Errorf("spawn %q: %w: nil watcher", opts.Name, ErrInvalid)
	}
	p, err := s.newProcess(f, opts)
	if err != nil {
		return nil, err
	}
	p.sv = &supervision{w: w}
	p.sv.parked = true // the start request hands it a goroutine
	p.life.Store(lifeSuspended)
	if err := s.admit(p); err != nil {
		return nil, err
	}
	h := &Handle{p}
	err = h.do(ctx, &ctlReq{op: opResume, initial: true, keepPID: true}, startTimeout, false).err
	if err != nil {
		h.do(context.Background(), &ctlReq{op: opTerminate, reason: "start failed"}, 0, true)
		s.events.emit(Event{Type: EventFailed, PID: p.pid(), Name: p.name, Reason: err.Error(), Err: err})
		return nil, fmt.Errorf("spawn: %w", err)
	}
	s.started(p)
	return h, nil
}

// Suspend stops the running instance (PreStop, SaveState if the component
// is a StateSaver, PostStop) and keeps the process: its mailbox accepts and
// holds messages until Resume. A suspended process answers at once.
func (h *Handle) Suspend(ctx context.Context, o StopOptions) (StopResult, error) {
	r := h.do(ctx, &ctlReq{op: opSuspend, reason: o.Reason}, o.Timeout, o.Brutal)
	return r.stop, r.err
}

// Resume starts a fresh instance in the suspended process, then delivers
// what its mailbox holds. A failed start leaves it suspended and returns
// the hook's error.
func (h *Handle) Resume(ctx context.Context, o ResumeOptions) error {
	if o.Delay > 0 {
		t := time.NewTimer(o.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("resume %s (%s): %w", h.PID(), h.p.name, ctx.Err())
		}
	}
	r := &ctlReq{op: opResume, factory: o.Factory, keepPID: o.KeepPID, state: o.State, reason: o.Reason}
	return h.do(ctx, r, o.Timeout, false).err
}

// Terminate stops the instance, if any, and ends the process:
// unregistered, its mailbox dead-lettered, its slot released.
func (h *Handle) Terminate(ctx context.Context, o StopOptions) (StopResult, error) {
	r := h.do(ctx, &ctlReq{op: opTerminate, reason: o.Reason}, o.Timeout, o.Brutal)
	return r.stop, r.err
}

// Swap replaces the instance with one from f, handing state across:
// suspend (saving state), then resume with f keeping the PID. Messages
// arriving meanwhile are kept. If the new instance fails to start, the
// process stays suspended with its old factory and saved state, and the
// error is returned.
func (h *Handle) Swap(ctx context.Context, f Factory, stop StopOptions, startTimeout time.Duration) error {
	if f == nil {
		return fmt.Errorf("swap %s (%s): %w: nil factory", h.PID(), h.p.name, ErrInvalid)
	}
	if _, err := h.Suspend(ctx, stop); err != nil {
		return err
	}
	r := &ctlReq{op: opResume, factory: f, keepPID: true, swap: true, reason: stop.Reason}
	return h.do(ctx, r, startTimeout, false).err
}

// do posts r and waits for its result, killing the instance after timeout
// (at once if brutal).
func (h *Handle) do(ctx context.Context, r *ctlReq, timeout time.Duration, brutal bool) ctlResult {
	p := h.p
	r.done = make(chan ctlResult, 1)
	r.timeout = timeout
	if brutal {
		// Before the owner can see r: no hook of it may start.
		p.sv.kill.Store(r)
	}
	if !p.post(r) {
		p.sv.kill.CompareAndSwap(r, nil)
		return ctlResult{err: fmt.Errorf("%s %s (%s): %w: the process ended", r.op, p.pid(), p.name, ErrDeadPID)}
	}
	if brutal {
		p.abort(r, "brutal kill")
	}
	var expire <-chan time.Time
	if timeout > 0 && !brutal {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	select {
	case res := <-r.done:
		return res
	case <-expire:
		p.abort(r, fmt.Sprintf("%s timed out after %v", r.op, timeout))
	case <-ctx.Done():
		return ctlResult{err: fmt.Errorf("%s %s (%s): %w", r.op, p.pid(), p.name, ctx.Err())}
	}
	select {
	case res := <-r.done:
		return res
	case <-ctx.Done():
		return ctlResult{err: fmt.Errorf("%s %s (%s): killed, then: %w", r.op, p.pid(), p.name, ctx.Err())}
	}
}
