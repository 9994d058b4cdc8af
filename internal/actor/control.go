package actor

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// supervision is the state only supervised processes carry (kept behind a
// pointer so an unsupervised process pays one word for it).
//
// Ownership: at most one goroutine owns a process (run == runOwned) and
// calls its instance. A supervised process can also be owned while
// parked: suspended, no goroutine, holding its mailbox until a control
// request hands it one. A killer takes ownership from an owner stuck in a
// call by moving cs to the next epoch; the stuck goroutine finds its epoch
// gone when (if) the call returns and exits without touching the process.
type supervision struct {
	w Watcher

	// cs is epoch<<1 | busy. Only the owner sets busy; a killer moves a
	// busy cs to the next epoch and becomes the owner.
	cs atomic.Uint64
	// kill is the control request that ordered a kill: while set, the
	// owner makes no more calls into the instance.
	kill   atomic.Pointer[ctlReq]
	incarn atomic.Uint64
	// extStop: System.Stop or Shutdown asked this process to end.
	extStop atomic.Bool

	// Owner only; read by a killer after it took ownership.
	callComp Component
	callHook string
	curMsg   *Message
	ctx      *Context // the instance's; marked dead when it is killed
	cur      *ctlReq
	saved    []byte // state for the next instance

	mu     sync.Mutex // guards ctl, parked, torn
	ctl    []*ctlReq
	hasCtl atomic.Bool
	parked bool
	torn   bool
}

type ctlOp uint8

const (
	opSuspend ctlOp = iota
	opResume
	opTerminate
)

func (o ctlOp) String() string {
	return [...]string{"suspend", "resume", "terminate"}[o]
}

// ctlReq is one control request, executed by the process's owner.
type ctlReq struct {
	op      ctlOp
	reason  string
	timeout time.Duration
	// resume
	factory Factory
	state   []byte
	keepPID bool
	swap    bool
	initial bool

	done     chan ctlResult // buffered 1
	finished atomic.Bool
	killed   atomic.Pointer[string] // hook it was killed in
}

type ctlResult struct {
	stop StopResult
	err  error
}

func (r *ctlReq) finish(p *process, res ctlResult) {
	if r.finished.Swap(true) {
		return
	}
	if h := r.killed.Load(); h != nil {
		res.stop.Killed, res.stop.Hook = true, *h
	}
	p.sv.kill.CompareAndSwap(r, nil)
	r.done <- res
}

// errKilled is what a call into a killed instance returns instead of
// running.
var errKilled = errors.New("killed")

// post queues r and makes sure a goroutine will run it. It reports false
// if the process has ended.
func (p *process) post(r *ctlReq) bool {
	sv := p.sv
	sv.mu.Lock()
	if sv.torn {
		sv.mu.Unlock()
		return false
	}
	sv.ctl = append(sv.ctl, r)
	sv.hasCtl.Store(true)
	sv.mu.Unlock()
	p.kick()
	return true
}

// kick hands a parked process a goroutine, or schedules an idle one.
func (p *process) kick() {
	if sv := p.sv; sv != nil {
		sv.mu.Lock()
		if sv.parked {
			sv.parked = false
			sv.mu.Unlock()
			go p.loop()
			return
		}
		sv.mu.Unlock()
	}
	p.schedule()
}

// park leaves a suspended process owned but without a goroutine, unless
// work for it is pending. Owner only; the caller returns if it parked.
func (p *process) park() bool {
	sv := p.sv
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if len(sv.ctl) > 0 || p.wantStop() {
		return false
	}
	sv.parked = true
	return true
}

func (p *process) wantStop() bool {
	return p.stopReq.Load() || (p.sv != nil && p.sv.extStop.Load())
}

// invoke runs one call into comp; for a supervised process it runs under
// the kill protocol. Owner only.
func (p *process) invoke(comp Component, hook string, m *Message, f func() error) error {
	sv := p.sv
	if sv == nil {
		return p.call(f)
	}
	if sv.kill.Load() != nil {
		p.noteKilled(hook)
		return errKilled
	}
	sv.callComp, sv.callHook, sv.curMsg = comp, hook, m
	v := sv.cs.Load()
	sv.cs.Store(v | 1)
	if sv.kill.Load() != nil {
		if !sv.cs.CompareAndSwap(v|1, v) {
			abandon(comp)
		}
		p.noteKilled(hook)
		return errKilled
	}
	err := p.call(f)
	if !sv.cs.CompareAndSwap(v|1, v) {
		abandon(comp)
	}
	sv.callComp, sv.curMsg = nil, nil
	return err
}

func (p *process) noteKilled(hook string) {
	if r := p.sv.kill.Load(); r != nil {
		r.killed.CompareAndSwap(nil, &hook)
	}
	if r := p.sv.cur; r != nil {
		r.killed.CompareAndSwap(nil, &hook)
	}
}

// abandon ends a goroutine whose process was taken from it while it was
// inside a call: the killer owns the process now. The instance is still
// this goroutine's to free.
func abandon(comp Component) {
	if d, ok := comp.(Discarder); ok && comp != nil {
		d.Discard()
	}
	runtime.Goexit()
}

// abort kills the instance on behalf of r: a call in progress is
// interrupted (Interrupter) and its goroutine abandoned; no further call
// is made into the instance while r is pending.
func (p *process) abort(r *ctlReq, why string) {
	sv := p.sv
	sv.kill.Store(r)
	if r.finished.Load() {
		sv.kill.CompareAndSwap(r, nil)
		return
	}
	for {
		v := sv.cs.Load()
		if v&1 == 0 {
			// Between calls: the owner sees kill at its next call.
			p.sys.events.emit(Event{Type: EventKilled, PID: p.pid(), Name: p.name, Reason: why + "; killed between calls"})
			return
		}
		if sv.cs.CompareAndSwap(v, v+1) {
			p.takeover(why)
			return
		}
	}
}

// takeover runs on the killer's goroutine, which owns the process now.
func (p *process) takeover(why string) {
	sv := p.sv
	comp, hook, m := sv.callComp, sv.callHook, sv.curMsg
	sv.callComp, sv.curMsg = nil, nil
	// The abandoned goroutine may never come back: its slot is freed
	// now, and it goes on, if it does, without one.
	p.dropSlot()
	if r := sv.kill.Load(); r != nil {
		r.killed.CompareAndSwap(nil, &hook)
	}
	if r := sv.cur; r != nil { // the request the kill cut short
		r.killed.CompareAndSwap(nil, &hook)
	}
	if sv.ctx != nil {
		sv.ctx.dead.Store(true)
		sv.ctx = nil
	}
	if i, ok := comp.(Interrupter); ok {
		i.Interrupt()
	}
	p.comp = nil
	sv.saved = nil
	p.life.Store(lifeSuspended)
	p.stats.failures.Add(1)
	reason := fmt.Sprintf("%s; killed in %s (its goroutine is abandoned)", why, hook)
	var mc *Message
	if m != nil {
		c := *m
		mc = &c
		if m.Flags&FlagRequest != 0 {
			p.sys.pending.complete(m.Corr, reply{err: &RemoteError{Target: p.pid(), Kind: m.Kind, Err: fmt.Errorf("%w: %s", errKilled, reason)}})
		}
	}
	p.sys.events.emit(Event{Type: EventKilled, PID: p.pid(), Name: p.name, Reason: reason, Message: mc})
	go p.afterKill()
}

// afterKill finishes, instance-less, the request the killed owner was
// executing, then goes on as the owner.
func (p *process) afterKill() {
	sv := p.sv
	if r := sv.cur; r != nil {
		sv.cur = nil
		switch r.op {
		case opSuspend:
			r.finish(p, ctlResult{})
		case opResume:
			r.finish(p, ctlResult{err: &HookError{Name: p.name, Hook: r.killedHook(), Err: errKilled}})
		case opTerminate:
			var batch [batchSize]Message
			p.teardown("terminated ("+r.reasonOr("terminate")+")", batch[:])
			r.finish(p, ctlResult{})
			return
		}
	}
	p.loop()
}

func (r *ctlReq) killedHook() string {
	if h := r.killed.Load(); h != nil && *h != "" {
		return *h
	}
	return "start"
}

func (r *ctlReq) reasonOr(s string) string {
	if r.reason != "" {
		return r.reason
	}
	return s
}

// control runs the pending control requests. It reports false if the
// process ended. Owner only.
func (p *process) control() bool {
	sv := p.sv
	for {
		sv.mu.Lock()
		if len(sv.ctl) == 0 {
			sv.hasCtl.Store(false)
			sv.mu.Unlock()
			return true
		}
		r := sv.ctl[0]
		sv.ctl[0] = nil
		sv.ctl = sv.ctl[1:]
		sv.mu.Unlock()
		sv.cur = r
		ended := p.exec(r)
		sv.cur = nil
		if ended {
			return false
		}
	}
}

// exec runs one request; it reports whether the process ended.
func (p *process) exec(r *ctlReq) bool {
	switch r.op {
	case opSuspend:
		res := ctlResult{}
		if p.comp != nil {
			res.stop.State = p.stopInstance(true)
			p.life.Store(lifeSuspended)
			p.sys.events.emit(Event{Type: EventSuspended, PID: p.pid(), Name: p.name, Reason: r.reasonOr("suspend")})
		}
		r.finish(p, res)
	case opResume:
		r.finish(p, ctlResult{err: p.resume(r)})
	case opTerminate:
		if p.comp != nil {
			p.stopInstance(false)
		}
		var batch [batchSize]Message
		p.teardown("terminated ("+r.reasonOr("terminate")+")", batch[:])
		r.finish(p, ctlResult{})
		return true
	}
	return false
}

// stopInstance runs the stop hooks (and SaveState between them if save)
// and drops the instance. A hook that crashes or is killed ends the hooks:
// the instance is discarded and nothing is saved. Owner only.
func (p *process) stopInstance(save bool) (state []byte) {
	comp := p.comp
	p.life.Store(lifeStopping)
	ok := true
	cx := p.cx()
	if err := p.invoke(comp, "pre_stop", nil, func() error { return comp.PreStop(cx) }); err != nil {
		ok = p.hookFailed("pre_stop", err)
	}
	if s, is := comp.(StateSaver); ok && save && is {
		cx := p.cx()
		err := p.invoke(comp, "save_state", nil, func() (err error) { state, err = s.SaveState(cx); return err })
		if err != nil {
			state = nil
			ok = p.hookFailed("save_state", err)
		}
	}
	if ok {
		cx := p.cx()
		if err := p.invoke(comp, "post_stop", nil, func() error { return comp.PostStop(cx) }); err != nil {
			ok = p.hookFailed("post_stop", err)
		}
	}
	p.comp = nil
	if ok {
		closeComp(comp)
		p.sv.saved = state
	} else {
		discardComp(comp)
		state = nil
		p.sv.saved = nil
	}
	return state
}

// hookFailed reports a stop hook's error; it says whether the instance is
// still fit to call (a plain error, not a crash or a kill).
func (p *process) hookFailed(hook string, err error) bool {
	if errors.Is(err, errKilled) {
		return false
	}
	herr := &HookError{Name: p.name, Hook: hook, Err: err}
	p.stats.failures.Add(1)
	p.sys.events.emit(Event{Type: EventFailed, PID: p.pid(), Name: p.name, Reason: herr.Error(), Err: herr})
	return !isCrash(err)
}

// resume starts a fresh instance in the suspended process. Owner only.
func (p *process) resume(r *ctlReq) error {
	sv := p.sv
	if p.comp != nil {
		return fmt.Errorf("resume %s (%s): %w", p.pid(), p.name, ErrRunning)
	}
	if !r.keepPID {
		if _, err := p.sys.table.bump(p); err != nil {
			return err
		}
	}
	f := p.factory
	if r.factory != nil {
		f = r.factory
	}
	state := r.state
	if state == nil {
		state = sv.saved
	}
	sv.saved = nil
	if err := p.startWith(f, state); err != nil {
		discardComp(p.comp)
		p.comp = nil
		sv.saved = state // not suspect: the old instance stopped cleanly
		p.life.Store(lifeSuspended)
		p.stats.failures.Add(1)
		p.sys.events.emit(Event{Type: EventFailed, PID: p.pid(), Name: p.name, Reason: err.Error(), Err: err})
		return err
	}
	p.factory = f
	sv.incarn.Add(1)
	switch {
	case r.initial:
	case r.swap:
		p.sys.events.emit(Event{Type: EventSwapped, PID: p.pid(), Name: p.name, Reason: r.reasonOr("swap")})
	case r.keepPID:
		p.sys.events.emit(Event{Type: EventResumed, PID: p.pid(), Name: p.name, Reason: r.reasonOr("resume")})
	default:
		// The supervisor reports the restart once its own books are
		// updated, so that its Tree agrees with the event.
		p.stats.restarts.Add(1)
	}
	return nil
}

func closeComp(c Component) {
	if c, ok := c.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func discardComp(c Component) {
	if d, ok := c.(Discarder); ok && c != nil {
		d.Discard()
	}
}
