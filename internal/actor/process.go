package actor

import (
	"fmt"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Run states: whether some goroutine owns the process (handling messages,
// starting, restarting). Only the owner calls the component.
const (
	runIdle int32 = iota
	runOwned
)

// Lifecycle states.
const (
	lifeStarting int32 = iota
	lifeRunning
	lifeSuspended // supervised: no instance, the mailbox holds messages
	lifeStopping
	lifeStopped
	lifeFailed
)

var lifeNames = [...]string{"starting", "running", "suspended", "stopping", "stopped", "failed"}

// process is one component's place in the system. It survives restarts:
// the PID generation, the instance and the Context change, the mailbox,
// subscriptions and counters stay.
type process struct {
	sys *System
	id  atomic.Uint64 // current PID
	// node is the process in the system's wait-for graph, made on its
	// first synchronous request so idle processes carry none.
	node    atomic.Pointer[boundary.Node]
	name    string
	factory Factory
	opts    *SpawnOptions
	comp    Component // touched only by the owner
	ctx     Context
	mb      mailbox
	run     atomic.Int32
	life    atomic.Int32
	stopReq atomic.Bool
	seq     uint64 // start order, for shutdown
	stats   counters
	tick    uint32       // owner only: messages handled, for sampling latency
	sv      *supervision // nil unless supervised

	// prio is the priority level (a boundary.Priority). slotHeld: the
	// process holds a run slot (sched.go); slotWait is its waiter parked
	// for one, guarded by scheduler.mu.
	prio     atomic.Uint32
	slotHeld atomic.Bool
	slotWait *waiter

	// token is the process's yield token, made on its first typed call.
	token atomic.Pointer[boundary.Token]
	// reentry carries calls from its callees to a reentrant process
	// blocked in a request; nil unless SpawnOptions.Reentrant.
	reentry chan *Message
	// lease is the token lease of the typed call being handled (owner
	// only), for Context.Progress.
	lease boundary.Lease

	mu     sync.Mutex // guards topics, done, cause
	topics []string
	done   chan struct{} // closed when stopped or failed
	cause  error         // why it failed
}

func (p *process) pid() PID { return PID(p.id.Load()) }

// waitNode returns the process's node in the wait-for graph.
func (p *process) waitNode() *boundary.Node {
	if n := p.node.Load(); n != nil {
		return n
	}
	n := p.sys.graph.Node(p.id.Load(), p.label(), p.opts.Reentrant)
	if !p.node.CompareAndSwap(nil, n) {
		return p.node.Load()
	}
	return n
}

// yieldToken returns the process's yield token.
func (p *process) yieldToken() *boundary.Token {
	if t := p.token.Load(); t != nil {
		return t
	}
	t := p.sys.tokens.Token(p.label(), boundary.TokenOptions{BatchYield: p.opts.BatchYield})
	if !p.token.CompareAndSwap(nil, t) {
		return p.token.Load()
	}
	return t
}

// label names the process in errors and the boundary: its name, or its
// PID when it has none.
func (p *process) label() string {
	if p.name != "" {
		return p.name
	}
	return p.pid().String()
}

// reenter hands m to the process's pending request (see exchange).
func (p *process) reenter(m *Message) error {
	select {
	case p.reentry <- m:
		return nil
	default:
		return p.sys.deadLetter(p.pid(), p.name, m, "reentrant queue full", ErrMailboxFull)
	}
}

// cx is the Context handed to the instance. Owner only.
func (p *process) cx() *Context {
	if p.sv != nil && p.sv.ctx != nil {
		return p.sv.ctx
	}
	return &p.ctx
}

// enqueue queues m and schedules the process. It returns the error the
// sender sees; dead letters are reported here.
func (p *process) enqueue(m *Message) error {
	if p.stopReq.Load() {
		return p.sys.deadLetter(p.pid(), p.name, m, "addressee is stopping", ErrStopping)
	}
	switch p.mb.push(m) {
	case pushClosed:
		return p.sys.deadLetter(p.pid(), p.name, m, "addressee stopped", ErrDeadPID)
	case pushFull:
		if err := p.overflow(m); err != nil {
			return err
		}
	}
	p.schedule()
	return nil
}

// overflow applies the mailbox policy to m, which did not fit.
func (p *process) overflow(m *Message) error {
	cfg := &p.mb.cfg
	switch cfg.Overflow {
	case OverflowDrop:
		p.stats.dead.Add(1)
		_ = p.sys.deadLetter(p.pid(), p.name, m, "mailbox full (drop)", ErrMailboxFull)
		return nil
	case OverflowFail:
		p.stats.dead.Add(1)
		return p.sys.deadLetter(p.pid(), p.name, m, "mailbox full (fail)", ErrMailboxFull)
	}
	room := p.mb.roomChan()
	timer := time.NewTimer(cfg.BlockTimeout)
	defer timer.Stop()
	// The sender waits for this process to drain: it must not hold a
	// run slot meanwhile.
	defer p.sys.suspendSlot(m.Sender)()
	done := p.doneChan()
	for {
		switch p.mb.push(m) {
		case pushed:
			if p.mb.len() < cfg.Capacity { // pass the wake-up on to the next waiter
				select {
				case room <- struct{}{}:
				default:
				}
			}
			return nil
		case pushClosed:
			return p.sys.deadLetter(p.pid(), p.name, m, "addressee stopped", ErrDeadPID)
		}
		select {
		case <-room:
		case <-done:
			return p.sys.deadLetter(p.pid(), p.name, m, "addressee stopped while the sender waited", ErrStopping)
		case <-timer.C:
			p.stats.dead.Add(1)
			return p.sys.deadLetter(p.pid(), p.name, m,
				fmt.Sprintf("mailbox full (block %v)", cfg.BlockTimeout), ErrMailboxFull)
		}
	}
}

func (p *process) doneChan() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.done = make(chan struct{})
	}
	return p.done
}

// schedule starts a goroutine to drain the mailbox unless one owns the
// process already.
func (p *process) schedule() {
	if p.run.Load() == runIdle && p.run.CompareAndSwap(runIdle, runOwned) {
		go p.loop()
	}
}

// release gives up ownership, and takes it back if work arrived meanwhile.
// It reports whether the caller still owns the process.
func (p *process) release() bool {
	p.run.Store(runIdle)
	if p.mb.len() == 0 && !p.wantStop() && (p.sv == nil || !p.sv.hasCtl.Load()) {
		return false
	}
	return p.run.CompareAndSwap(runIdle, runOwned)
}

// batchSize messages are popped per lock. The batch lives on the stack of
// a freshly started goroutine: at 8 × 64 B it fits the initial 2 KiB stack
// with the handler's frames, where 16 forced a stack copy per wake-up.
const batchSize = 8

func (p *process) loop() {
	var batch [batchSize]Message
	sc := p.sys.sched
	max := batchSize
	if p.sv != nil {
		// One at a time: a killed owner must not take popped messages
		// with it.
		max = 1
	}
	for {
		if p.sv != nil && p.sv.hasCtl.Load() {
			if !p.control() {
				return
			}
			continue
		}
		if p.life.Load() >= lifeStopped {
			return
		}
		if p.comp == nil { // supervised and suspended: hold the mailbox
			if p.wantStop() {
				p.finishStop(batch[:])
				return
			}
			if sc != nil {
				p.dropSlot()
			}
			if p.park() {
				return
			}
			continue
		}
		n := p.mb.popBatch(batch[:max])
		p.stats.in.Add(uint64(n))
		for i := 0; i < n; i++ {
			if p.life.Load() >= lifeStopped {
				p.sys.deadLetter(p.pid(), p.name, &batch[i], "addressee failed", ErrDeadPID)
			} else {
				if sc != nil {
					p.takeSlot(sc)
				}
				p.handle(&batch[i])
			}
			batch[i] = Message{}
		}
		if n > 0 {
			if sc != nil {
				p.endBatch(sc)
			}
			continue
		}
		if sc != nil {
			p.dropSlot() // before lingering: an idle process holds none
		}
		if p.life.Load() >= lifeStopped {
			return // terminal: stays owned, so nothing schedules it again
		}
		if p.wantStop() {
			if p.finishStop(batch[:]) {
				return
			}
			continue
		}
		if p.linger() {
			continue
		}
		if !p.release() {
			return
		}
	}
}

// lingerRounds is how many times a drained process yields, watching for
// new work, before it gives up its goroutine. Back-to-back traffic (a
// request right after a reply) then finds the goroutine still there instead
// of paying for a new one; an idle process still ends up with none.
const lingerRounds = 3

func (p *process) linger() bool {
	for range lingerRounds {
		runtime.Gosched()
		if p.mb.len() > 0 || p.wantStop() || (p.sv != nil && p.sv.hasCtl.Load()) {
			return true
		}
	}
	return false
}

// sampleEvery: handle time is measured for one message in this many (the
// first included). Reading the clock twice per message cost more than the
// rest of the delivery; uniform sampling keeps the quantiles unbiased.
const sampleEvery = 8

// handle runs the component on one message. Owner only.
func (p *process) handle(m *Message) {
	p.tick++
	if p.tick%sampleEvery != 1 {
		p.deliver(m)
		return
	}
	start := p.sys.Since() // monotonic only: one clock read, not two
	p.deliver(m)
	p.stats.observe(p.sys.Since() - start)
}

func (p *process) deliver(m *Message) {
	comp := p.comp
	cx := p.cx()
	f := func() error { return comp.Receive(cx, *m) }
	if m.Flags&FlagCall != 0 {
		f = func() error { return p.serveCall(comp, cx, m) }
	}
	err := p.invoke(comp, "receive", m, f)
	if err == errKilled {
		// A kill is pending and the handler was not called: the message
		// goes back to the head of the mailbox for the next instance.
		p.mb.requeue(m)
		p.stats.in.Add(^uint64(0))
		runtime.Gosched() // the killer is about to post its request
		return
	}
	if m.Flags&FlagRequest != 0 && p.sys.pending.has(m.Corr) {
		cause := ErrNoReply
		if err != nil {
			cause = err
		}
		p.sys.pending.complete(m.Corr, reply{err: &RemoteError{Target: p.pid(), Kind: m.Kind, Err: cause}})
	}
	if err == nil {
		return
	}
	if isCrash(err) {
		p.crashed(err, m)
		return
	}
	p.stats.errors.Add(1)
	mc := *m // events outlive the batch slot m points into
	p.sys.events.emit(Event{Type: EventHandlerError, PID: p.pid(), Name: p.name, Reason: err.Error(), Err: err, Message: &mc})
	if p.sv != nil && p.sv.w.HandlerFailed(p.pid(), err) {
		p.crashed(fmt.Errorf("handler error: %w", err), m)
	}
}

// call runs f, turning a panic into a *CrashError.
func (p *process) call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			reason, ok := r.(error)
			if !ok {
				reason = fmt.Errorf("panic: %v", r)
			} else {
				reason = fmt.Errorf("panic: %w", reason)
			}
			err = &CrashError{Reason: reason, Stack: debug.Stack()}
		}
	}()
	return f()
}

// crashed discards the instance and asks the supervisor what to do.
// Owner only.
func (p *process) crashed(err error, m *Message) {
	p.stats.failures.Add(1)
	old := p.pid()
	mc := *m // events outlive the batch slot m points into
	p.sys.events.emit(Event{Type: EventFailed, PID: old, Name: p.name, Reason: err.Error(), Err: err, Message: &mc})
	p.discard()
	if sv := p.sv; sv != nil {
		// Supervised: stay suspended, holding the mailbox, and let the
		// supervisor decide.
		sv.saved = nil
		p.life.Store(lifeSuspended)
		sv.w.Exited(Exit{PID: old, Name: p.name, Reason: ExitAbnormal, Err: err, Incarnation: sv.incarn.Load()})
		return
	}
	if p.sys.cfg.Supervisor.Crashed(old, p.name, err) == Stop || p.stopReq.Load() {
		p.fail(err)
		return
	}
	pid, terr := p.sys.table.bump(p)
	if terr != nil {
		p.fail(terr)
		return
	}
	if serr := p.startWith(p.factory, nil); serr != nil {
		p.discard()
		p.fail(fmt.Errorf("restart after %v: %w", err, serr))
		return
	}
	p.stats.restarts.Add(1)
	p.sys.events.emit(Event{Type: EventRestarted, PID: old, NewPID: pid, Name: p.name, Reason: err.Error(), Err: err})
}

func (p *process) discard() {
	if d, ok := p.comp.(Discarder); ok && p.comp != nil {
		d.Discard()
	}
	p.comp = nil
}

// startWith makes a fresh instance with f and runs PreStart,
// RestoreState (if state is non-nil and the component restores state) and
// PostStart. Owner only.
func (p *process) startWith(f Factory, state []byte) error {
	p.life.Store(lifeStarting)
	var comp Component
	if p.sv != nil {
		// A fresh Context per instance: a killed instance's goroutine
		// keeps its own, which is dead.
		p.sv.ctx = &Context{sys: p.sys, p: p}
	}
	if err := p.invoke(nil, "instantiate", nil, func() (err error) { comp, err = f(); return err }); err != nil {
		return &HookError{Name: p.name, Hook: "instantiate", Err: err}
	}
	if comp == nil {
		return &HookError{Name: p.name, Hook: "instantiate", Err: fmt.Errorf("%w: factory returned a nil component", ErrInvalid)}
	}
	p.comp = comp
	cx := p.cx()
	if err := p.invoke(comp, "pre_start", nil, func() error { return comp.PreStart(cx) }); err != nil {
		return &HookError{Name: p.name, Hook: "pre_start", Err: err}
	}
	if r, ok := comp.(StateRestorer); ok && state != nil {
		if err := p.invoke(comp, "restore_state", nil, func() error { return r.RestoreState(cx, state) }); err != nil {
			return &HookError{Name: p.name, Hook: "restore_state", Err: err}
		}
	}
	p.life.Store(lifeRunning)
	if err := p.invoke(comp, "post_start", nil, func() error { return comp.PostStart(cx) }); err != nil {
		return &HookError{Name: p.name, Hook: "post_start", Err: err}
	}
	return nil
}

// fail ends a process that cannot go on. Owner only.
func (p *process) fail(cause error) {
	p.mu.Lock()
	p.cause = cause
	p.mu.Unlock()
	p.life.Store(lifeFailed)
	p.stopReq.Store(true)
	var batch [batchSize]Message
	p.teardown("failed: "+cause.Error(), batch[:])
}

// finishStop runs the stop hooks after the mailbox drained. It reports
// whether the process ended: a supervised process that stopped itself
// stays, suspended, for its supervisor to restart or remove. Owner only.
func (p *process) finishStop(batch []Message) bool {
	if sv := p.sv; sv != nil {
		if p.comp != nil && !sv.extStop.Load() && !p.sys.stopping.Load() {
			pid := p.pid()
			p.stopInstance(true)
			p.life.Store(lifeSuspended)
			p.stopReq.Store(false)
			sv.w.Exited(Exit{PID: pid, Name: p.name, Reason: ExitNormal, Incarnation: sv.incarn.Load()})
			return false
		}
		reason := ExitShutdown
		if !sv.extStop.Load() {
			reason = ExitNormal
		}
		if p.comp != nil {
			p.stopInstance(false)
		}
		p.life.Store(lifeStopped)
		pid, incarn := p.pid(), sv.incarn.Load()
		p.teardown("stopped", batch)
		sv.w.Exited(Exit{PID: pid, Name: p.name, Reason: reason, Incarnation: incarn, Final: true})
		return true
	}
	p.life.Store(lifeStopping)
	var errs []error
	if err := p.call(func() error { return p.comp.PreStop(&p.ctx) }); err != nil {
		errs = append(errs, &HookError{Name: p.name, Hook: "pre_stop", Err: err})
	}
	if err := p.call(func() error { return p.comp.PostStop(&p.ctx) }); err != nil {
		errs = append(errs, &HookError{Name: p.name, Hook: "post_stop", Err: err})
	}
	if c, ok := p.comp.(interface{ Close() error }); ok {
		_ = c.Close()
	}
	for _, err := range errs {
		p.stats.failures.Add(1)
		p.sys.events.emit(Event{Type: EventFailed, PID: p.pid(), Name: p.name, Reason: err.Error(), Err: err})
	}
	p.life.Store(lifeStopped)
	p.teardown("stopped", batch)
	return true
}

// teardown unregisters the process, dead-letters what is left in its
// mailbox and wakes those waiting for it. Owner only; a second call does
// nothing.
func (p *process) teardown(reason string, batch []Message) {
	p.dropSlot()
	var pending []*ctlReq
	if sv := p.sv; sv != nil {
		sv.mu.Lock()
		if sv.torn {
			sv.mu.Unlock()
			return
		}
		sv.torn = true
		pending, sv.ctl = sv.ctl, nil
		sv.hasCtl.Store(false)
		sv.mu.Unlock()
		if p.life.Load() < lifeStopped {
			p.life.Store(lifeStopped)
		}
	}
	s := p.sys
	s.unregister(p)
	p.mb.close()
	for n := p.mb.popBatch(batch); n > 0; n = p.mb.popBatch(batch) {
		for i := 0; i < n; i++ {
			s.deadLetter(p.pid(), p.name, &batch[i], "addressee "+reason, ErrDeadPID)
			batch[i] = Message{}
		}
	}
	s.table.release(p)
	s.events.emit(Event{Type: EventStopped, PID: p.pid(), Name: p.name, Reason: reason})
	close(p.doneChan())
	for _, r := range pending {
		r.finish(p, ctlResult{err: fmt.Errorf("%s %s (%s): %w: the process ended (%s)", r.op, p.pid(), p.name, ErrDeadPID, reason)})
	}
}

func (p *process) snapshot() Stats {
	st := Stats{
		PID: p.pid(), Name: p.name,
		In: p.stats.in.Load(), Out: p.stats.out.Load(),
		Errors: p.stats.errors.Load(), Failures: p.stats.failures.Load(),
		Restarts: p.stats.restarts.Load(), DeadLetters: p.stats.dead.Load(),
		Queued: p.mb.len(), State: lifeNames[p.life.Load()],
	}
	if h := p.stats.hist.Load(); h != nil {
		st.P50, st.P99 = h.quantile(0.50), h.quantile(0.99)
	}
	return st
}
