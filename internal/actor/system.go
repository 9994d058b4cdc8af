package actor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a System. The zero value means the defaults.
type Config struct {
	// Node is this node's id in PIDs (0 on a single-process system).
	Node uint16
	// Logger receives events and component logs (default slog.Default()).
	Logger *slog.Logger
	// MaxMessageSize bounds a message's payload in bytes (default 1 MiB).
	MaxMessageSize int
	// RequestTimeout applies to requests whose context has no deadline
	// (default 5 s).
	RequestTimeout time.Duration
	// Supervisor decides restarts after a crash (default: restart once per
	// crash).
	Supervisor Supervisor
	// Registry holds the interfaces typed calls are checked against
	// (default: an empty one; define interfaces on System.Registry).
	Registry *boundary.Registry
	// TokenTimeout is how long a typed call waits for the callee's yield
	// token before a *boundary.ContentionError (default 50 ms).
	TokenTimeout time.Duration
	// Clock drives token timeouts and fallback tiers (default: the system
	// clock; tests inject a manual one).
	Clock boundary.Clock
	// Scheduler bounds how many processes handle messages at once so that
	// priorities decide who runs when the cores are saturated (default:
	// off).
	Scheduler SchedulerConfig
}

// DefaultMaxMessageSize is the message size limit when none is configured.
const DefaultMaxMessageSize = 1 << 20

// DefaultRequestTimeout applies to requests without a deadline.
const DefaultRequestTimeout = 5 * time.Second

// SpawnOptions configure one process.
type SpawnOptions struct {
	// Name registers the process under a name ("" for none).
	Name string
	// Group lets several processes share Name: lookups rotate over them.
	// Without it a taken name is ErrNameTaken.
	Group bool
	// Mailbox bounds the mailbox.
	Mailbox MailboxConfig
	// Config is component configuration, handed over as Context.Config.
	Config json.RawMessage
	// Links maps aliases to component names, resolved by Context.Link.
	Links map[string]string
	// Subscriptions are topics subscribed before PreStart.
	Subscriptions []string
	// MaxMessageSize bounds payloads sent to this process, below the
	// system's limit (0: the system's).
	MaxMessageSize int
	// Reentrant lets the process, while it waits on a request or call,
	// serve requests and calls from the processes it waits on (directly
	// or through a chain): A→B→A completes instead of being a deadlock.
	Reentrant bool
	// BatchYield lets the process keep its yield token past the token
	// timeout while it reports progress (Context.Progress).
	BatchYield bool
	// Priority is the process's priority level, 0 (lowest) to 7
	// (highest), if PrioritySet; otherwise boundary.DefaultPriority (3).
	// The flag is there because a zero Priority cannot tell "lowest" from
	// "not set". It counts only with Config.Scheduler enabled;
	// System.SetPriority changes it later.
	Priority boundary.Priority
	// PrioritySet says that Priority is set.
	PrioritySet bool
}

// System is a set of processes that message each other: the PID table, the
// name registry, topics and outstanding requests.
type System struct {
	// graph is the wait-for graph of synchronous requests between
	// processes (deadlock detection).
	graph  *boundary.Graph
	reg    *boundary.Registry
	tokens *boundary.Tokens
	tiers  *boundary.Tiers
	calls  callRoutes
	phases *boundary.Phases
	// noBoundary turns the wait-for graph and yield tokens off, only so
	// benchmarks can measure what they cost.
	noBoundary bool
	cfg        Config
	log        *slog.Logger
	table      table
	names      sync.Map // string → *nameEntry
	topics     sync.Map // string → *topicEntry
	pending    pending
	events     events
	start      time.Time

	mu       sync.Mutex // guards order, seq, stoppers
	order    []*process // started processes, in start order
	seq      uint64
	stoppers []*stopper
	cause    atomic.Pointer[error]
	stopping atomic.Bool
	stopped  chan struct{}
	stopOnce sync.Once

	shutdownReq  chan struct{}
	shutdownOnce sync.Once

	// sched hands out run slots by priority; nil when Config.Scheduler is
	// off, which is the only check the message loop makes.
	sched *scheduler
}

type nameEntry struct {
	procs atomic.Pointer[[]*process]
	next  atomic.Uint32
}

type topicEntry struct {
	mu   sync.Mutex
	subs atomic.Pointer[[]*process]
}

// NewSystem makes an empty system.
func NewSystem(cfg Config) *System {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Supervisor == nil {
		cfg.Supervisor = restartOnce{}
	}
	if cfg.Scheduler.Enabled {
		if cfg.Scheduler.Slots <= 0 {
			cfg.Scheduler.Slots = runtime.GOMAXPROCS(0)
		}
		if cfg.Scheduler.StarveLimit <= 0 {
			cfg.Scheduler.StarveLimit = DefaultStarveLimit
		}
	}
	s := &System{cfg: cfg, log: cfg.Logger, start: time.Now(), stopped: make(chan struct{}), shutdownReq: make(chan struct{}),
		graph: boundary.NewGraph()}
	s.reg = cfg.Registry
	if s.reg == nil {
		s.reg = boundary.NewRegistry(boundary.RegistryOptions{})
	}
	s.tokens = boundary.NewTokens(boundary.TokensOptions{Timeout: cfg.TokenTimeout, Clock: cfg.Clock})
	s.tiers = boundary.NewTiers(boundary.TiersOptions{Clock: cfg.Clock})
	s.phases = boundary.NewPhases(boundary.PhasesOptions{})
	s.phases = boundary.NewPhases(boundary.PhasesOptions{})
	if cfg.Scheduler.Enabled {
		s.sched = newScheduler(cfg.Scheduler)
	}
	s.table.node = cfg.Node
	s.events.log = cfg.Logger
	return s
}

// Config returns the configuration in force (defaults filled in).
func (s *System) Config() Config { return s.cfg }

// Logger is the system's logger.
func (s *System) Logger() *slog.Logger { return s.log }

// Since is the monotonic time since the system started.
func (s *System) Since() time.Duration { return time.Since(s.start) }

// Spawn starts a process: it makes an instance with f, registers the name,
// runs PreStart and PostStart, then delivers messages. It returns once the
// process is started; a failed start returns the hook's error and leaves
// nothing registered.
func (s *System) Spawn(f Factory, opts SpawnOptions) (PID, error) {
	p, err := s.newProcess(f, opts)
	if err != nil {
		return 0, err
	}
	if err := s.admit(p); err != nil {
		return 0, err
	}
	pid := p.pid()
	if err := p.startWith(f, nil); err != nil {
		p.discard()
		p.mb.close()
		s.unregister(p)
		s.table.release(p)
		p.life.Store(lifeFailed)
		s.events.emit(Event{Type: EventFailed, PID: pid, Name: opts.Name, Reason: err.Error(), Err: err})
		return 0, fmt.Errorf("spawn: %w", err)
	}
	s.started(p)
	if p.release() {
		go p.loop()
	}
	return p.pid(), nil
}

// newProcess makes an owned process, nothing registered yet.
func (s *System) newProcess(f Factory, opts SpawnOptions) (*process, error) {
	if s.stopping.Load() {
		return nil, fmt.Errorf("spawn %q: %w", opts.Name, ErrStopping)
	}
	if f == nil {
		return nil, fmt.Errorf("spawn %q: %w: nil factory", opts.Name, ErrInvalid)
	}
	level, err := spawnPriority(&opts)
	if err != nil {
		return nil, err
	}
	o := opts
	o.Mailbox = o.Mailbox.withDefaults()
	p := &process{sys: s, name: o.Name, factory: f, opts: &o}
	p.prio.Store(uint32(level))
	p.mb.cfg = o.Mailbox
	p.ctx = Context{sys: s, p: p}
	if o.Reentrant {
		p.reentry = make(chan *Message, reentryQueue)
	}
	p.run.Store(runOwned) // nothing is delivered before PostStart returns
	return p, nil
}

// admit gives p a PID, its name and its subscriptions.
func (s *System) admit(p *process) error {
	o := p.opts
	pid, err := s.table.alloc(p)
	if err != nil {
		return fmt.Errorf("spawn %q: %w", o.Name, err)
	}
	if o.Name != "" {
		if err := s.register(o.Name, p, o.Group); err != nil {
			s.table.release(p)
			return fmt.Errorf("spawn: %w", err)
		}
	}
	for _, t := range o.Subscriptions {
		if err := s.subscribe(p, t); err != nil {
			s.unregister(p)
			s.table.release(p)
			return fmt.Errorf("spawn %q: %w", o.Name, err)
		}
	}
	s.events.emit(Event{Type: EventSpawned, PID: pid, Name: o.Name})
	return nil
}

// started records p in start order.
func (s *System) started(p *process) {
	s.mu.Lock()
	s.seq++
	p.seq = s.seq
	s.order = append(s.order, p)
	s.mu.Unlock()
	s.events.emit(Event{Type: EventStarted, PID: p.pid(), Name: p.name})
}

func (s *System) register(name string, p *process, group bool) error {
	e := &nameEntry{}
	one := []*process{p}
	e.procs.Store(&one)
	actual, loaded := s.names.LoadOrStore(name, e)
	if !loaded {
		return nil
	}
	if !group {
		return fmt.Errorf("%w: %q", ErrNameTaken, name)
	}
	e = actual.(*nameEntry)
	for {
		old := e.procs.Load()
		next := append(slices.Clip(*old), p)
		if e.procs.CompareAndSwap(old, &next) {
			return nil
		}
	}
}

// unregister removes p's name and subscriptions.
func (s *System) unregister(p *process) {
	if p.name != "" {
		if v, ok := s.names.Load(p.name); ok {
			e := v.(*nameEntry)
			for {
				old := e.procs.Load()
				next := slices.DeleteFunc(slices.Clone(*old), func(x *process) bool { return x == p })
				if len(next) == 0 {
					if e.procs.CompareAndSwap(old, &next) {
						s.names.CompareAndDelete(p.name, e)
						break
					}
					continue
				}
				if e.procs.CompareAndSwap(old, &next) {
					break
				}
			}
		}
	}
	p.mu.Lock()
	topics := p.topics
	p.topics = nil
	p.mu.Unlock()
	for _, t := range topics {
		s.unsubscribe(p, t)
	}
}

// Lookup resolves a name to the current PID of the process registered
// under it; for a group, successive lookups rotate over its members.
func (s *System) Lookup(name string) (PID, error) {
	v, ok := s.names.Load(name)
	if !ok {
		return 0, fmt.Errorf("lookup %q: %w", name, ErrNotFound)
	}
	e := v.(*nameEntry)
	procs := *e.procs.Load()
	switch len(procs) {
	case 0:
		return 0, fmt.Errorf("lookup %q: %w", name, ErrNotFound)
	case 1:
		return procs[0].pid(), nil
	}
	i := e.next.Add(1)
	return procs[int(i)%len(procs)].pid(), nil
}

// Send queues a message for to. The sender is not waited for.
//
// # Errors
//
// ErrDeadPID (stale or unknown PID), ErrMailboxFull (policy block or fail),
// ErrTooLarge, ErrInvalid (empty kind), ErrStopping (the target is
// stopping). Every refused message is also a dead-letter event.
func (s *System) Send(to PID, kind string, data []byte) error {
	return s.send(0, to, kind, data, 0, 0)
}

func (s *System) send(from, to PID, kind string, data []byte, flags Flags, corr uint64) error {
	m := Message{Sender: from, Kind: kind, Corr: corr, Flags: flags, Data: data}
	if err := s.check(to, &m); err != nil {
		return err
	}
	p := s.table.get(to)
	if p == nil {
		return s.deadLetter(to, "", &m, s.staleReason(to), ErrDeadPID)
	}
	if limit := p.opts.MaxMessageSize; limit > 0 && len(data) > limit {
		return fmt.Errorf("send %q to %s (%s): %w: %d bytes, its limit is %d", kind, to, p.name, ErrTooLarge, len(data), limit)
	}
	return p.enqueue(&m)
}

func (s *System) check(to PID, m *Message) error {
	if len(m.Kind) == 0 || len(m.Kind) > 1024 {
		return fmt.Errorf("send to %s: %w: kind must be 1 to 1024 bytes, got %d", to, ErrInvalid, len(m.Kind))
	}
	if len(m.Data) > s.cfg.MaxMessageSize {
		return fmt.Errorf("send %q to %s: %w: %d bytes, the limit is %d", m.Kind, to, ErrTooLarge, len(m.Data), s.cfg.MaxMessageSize)
	}
	return nil
}

func (s *System) staleReason(pid PID) string {
	switch {
	case pid == 0:
		return "zero pid"
	case pid.Node() != s.cfg.Node:
		return fmt.Sprintf("unknown node %d", pid.Node())
	}
	return "stale pid: the process stopped or restarted"
}

// deadLetter reports an undelivered message and returns the error its
// sender sees.
func (s *System) deadLetter(to PID, name string, m *Message, reason string, cause error) error {
	mc := *m
	s.events.emit(Event{Type: EventDeadLetter, PID: to, Name: name, Reason: reason, Message: &mc})
	if m.Flags&FlagRequest != 0 {
		s.pending.complete(m.Corr, reply{err: &RemoteError{Target: to, Kind: m.Kind, Err: fmt.Errorf("%w: %s", cause, reason)}})
	}
	return fmt.Errorf("message %q to %s: %w: %s", m.Kind, to, cause, reason)
}

// Request sends a request and waits for the reply, until ctx is done or,
// when ctx has no deadline, the system's request timeout.
func (s *System) Request(ctx context.Context, to PID, kind string, data []byte) ([]byte, error) {
	return s.request(ctx, 0, to, kind, data)
}

func (s *System) request(ctx context.Context, from, to PID, kind string, data []byte) ([]byte, error) {
	return s.exchange(ctx, from, to, kind, data, FlagRequest, nil)
}

// exchange sends a request (or, with tc, a typed call) and waits for its
// reply. For a typed call it also takes the callee's yield token, after
// the wait-for edge: a cycle is reported at once, never as a token
// timeout.
func (s *System) exchange(ctx context.Context, from, to PID, kind string, data []byte, flags Flags, tc *tokenCall) ([]byte, error) {
	if from != 0 && from == to {
		return nil, fmt.Errorf("request %q: %w: a process cannot wait for its own reply", kind, ErrInvalid)
	}
	corr, c := s.pending.add(to, kind)
	// A process waiting on another adds an edge to the wait-for graph; an
	// edge that closes a cycle fails at once, naming the cycle, instead of
	// every member waiting out its timeout. The edge lives in the pooled
	// call record.
	var caller, callee *process
	if from != 0 {
		caller, callee = s.table.get(from), s.table.get(to)
		if caller != nil && callee != nil && !s.noBoundary {
			if err := s.graph.WaitInto(&c.wait, caller.waitNode(), callee.waitNode(), kind); err != nil {
				s.pending.take(corr)
				release(c)
				return nil, fmt.Errorf("request %q to %s: %w", kind, to, err)
			}
			c.edge = &c.wait
		}
	}
	// The caller gives up its run slot (priority scheduling) while it
	// waits for the token and the reply: a blocked caller must not keep
	// a ready process from running.
	resume := s.suspendSlot(from)
	defer func() {
		c.lease.Release()
		if c.edge != nil {
			c.edge.Done() // before the record is reused, and before waiting for a slot
		}
		release(c)
		resume()
	}()
	reentrant := c.edge != nil && c.edge.Reentrant()
	if tc != nil && !reentrant && !s.noBoundary {
		l, err := tc.acquire(ctx)
		if err != nil {
			s.pending.take(corr)
			return nil, err
		}
		c.lease = l
	}
	var err error
	if reentrant {
		// The callee is blocked in a request of its own, in this cycle,
		// and declared reentrant: it serves the call from that wait.
		err = callee.reenter(&Message{Sender: from, Kind: kind, Corr: corr, Flags: flags | FlagRequest, Data: data})
	} else {
		err = s.send(from, to, kind, data, flags|FlagRequest, corr)
	}
	if err != nil {
		if s.pending.take(corr) == nil {
			<-c.ch // a dead letter answered it already
		}
		return nil, err
	}
	var timeout <-chan time.Time
	if _, ok := ctx.Deadline(); !ok {
		timeout = c.arm(s.cfg.RequestTimeout)
	}
	var reentry chan *Message
	if caller != nil {
		reentry = caller.reentry
	}
	var r reply
wait:
	for {
		select {
		case r = <-c.ch:
			break wait
		case m := <-reentry:
			caller.handle(m)
		case <-ctx.Done():
			r = s.abandon(corr, c, fmt.Errorf("request %q to %s: %w: %w", kind, to, ErrTimeout, ctx.Err()))
			break wait
		case <-timeout:
			r = s.abandon(corr, c, fmt.Errorf("request %q to %s: %w after %v", kind, to, ErrTimeout, s.cfg.RequestTimeout))
			break wait
		}
	}
	return r.data, r.err
}

// abandon withdraws a request; if its reply raced in, that reply wins.
func (s *System) abandon(corr uint64, c *call, err error) reply {
	if s.pending.take(corr) != nil {
		return reply{err: err}
	}
	return <-c.ch
}

// Reply answers the request m.
func (s *System) Reply(m Message, data []byte) error {
	return s.reply(m, data)
}

func (s *System) reply(m Message, data []byte) error {
	if m.Flags&FlagRequest == 0 {
		return fmt.Errorf("reply to %q: %w: the message is not a request", m.Kind, ErrInvalid)
	}
	return s.ReplyCorr(m.Corr, data)
}

// ReplyCorr answers the request with correlation id corr.
func (s *System) ReplyCorr(corr uint64, data []byte) error {
	if len(data) > s.cfg.MaxMessageSize {
		s.pending.complete(corr, reply{err: fmt.Errorf("%w: reply of %d bytes, the limit is %d", ErrTooLarge, len(data), s.cfg.MaxMessageSize)})
		return fmt.Errorf("reply: %w: %d bytes, the limit is %d", ErrTooLarge, len(data), s.cfg.MaxMessageSize)
	}
	if !s.pending.complete(corr, reply{data: data}) {
		return fmt.Errorf("reply to request %d: %w: it was answered already, timed out, or never existed", corr, ErrNotFound)
	}
	return nil
}

// Publish delivers a copy of the message to every subscriber of topic and
// returns how many accepted it. Subscribers whose mailboxes refuse it get
// dead letters; Publish itself does not fail for them.
func (s *System) Publish(topic string, data []byte) (int, error) {
	return s.publish(0, topic, data)
}

func (s *System) publish(from PID, topic string, data []byte) (int, error) {
	m := Message{Sender: from, Kind: topic, Flags: FlagPublished, Data: data}
	if err := s.check(0, &m); err != nil {
		return 0, err
	}
	v, ok := s.topics.Load(topic)
	if !ok {
		return 0, nil
	}
	n := 0
	for _, p := range *v.(*topicEntry).subs.Load() {
		mc := m
		if p.enqueue(&mc) == nil {
			n++
		}
	}
	return n, nil
}

// Subscribe subscribes pid to topic (idempotent).
func (s *System) Subscribe(pid PID, topic string) error {
	p := s.table.get(pid)
	if p == nil {
		return fmt.Errorf("subscribe %s to %q: %w", pid, topic, ErrDeadPID)
	}
	return s.subscribe(p, topic)
}

func (s *System) subscribe(p *process, topic string) error {
	if len(topic) == 0 || len(topic) > 1024 {
		return fmt.Errorf("subscribe to %q: %w: a topic is 1 to 1024 bytes", topic, ErrInvalid)
	}
	v, _ := s.topics.LoadOrStore(topic, newTopic())
	t := v.(*topicEntry)
	t.mu.Lock()
	defer t.mu.Unlock()
	subs := *t.subs.Load()
	if slices.Contains(subs, p) {
		return nil
	}
	next := append(slices.Clip(subs), p)
	t.subs.Store(&next)
	p.mu.Lock()
	p.topics = append(p.topics, topic)
	p.mu.Unlock()
	return nil
}

func newTopic() *topicEntry {
	t := &topicEntry{}
	var none []*process
	t.subs.Store(&none)
	return t
}

// Unsubscribe removes pid's subscription to topic, if any.
func (s *System) Unsubscribe(pid PID, topic string) error {
	p := s.table.get(pid)
	if p == nil {
		return fmt.Errorf("unsubscribe %s from %q: %w", pid, topic, ErrDeadPID)
	}
	s.unsubscribe(p, topic)
	p.mu.Lock()
	p.topics = slices.DeleteFunc(p.topics, func(t string) bool { return t == topic })
	p.mu.Unlock()
	return nil
}

func (s *System) unsubscribe(p *process, topic string) {
	v, ok := s.topics.Load(topic)
	if !ok {
		return
	}
	t := v.(*topicEntry)
	t.mu.Lock()
	next := slices.DeleteFunc(slices.Clone(*t.subs.Load()), func(x *process) bool { return x == p })
	t.subs.Store(&next)
	t.mu.Unlock()
}

// Stop stops pid gracefully: new messages are refused, the ones already
// accepted are handled, then PreStop and PostStop run. It waits until the
// process stopped or ctx is done. A process stopping itself must use
// Context.Stop, which does not wait.
func (s *System) Stop(ctx context.Context, pid PID) error {
	p := s.table.get(pid)
	if p == nil {
		return fmt.Errorf("stop %s: %w", pid, ErrDeadPID)
	}
	return s.stopProcess(ctx, p)
}

func (s *System) stopProcess(ctx context.Context, p *process) error {
	done := p.doneChan()
	if p.sv != nil {
		p.sv.extStop.Store(true)
	}
	p.stopReq.Store(true)
	p.kick()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop %s (%s): %w", p.pid(), p.name, ctx.Err())
	}
}

// Shutdown stops every process in reverse start order, each gracefully,
// and refuses new spawns. The functions registered with OnShutdown run
// first (supervision trees stop their children top-down), in reverse
// order of registration. It returns when all stopped or ctx is done.
//
// # Errors
//
// If the system is shutting down because of Fail, the error wraps that
// cause (with its whole chain), joined with any error stopping
// processes.
func (s *System) Shutdown(ctx context.Context) error {
	s.stopping.Store(true)
	defer s.stopOnce.Do(func() { close(s.stopped) })
	var errs []error
	s.mu.Lock()
	stoppers := slices.Clone(s.stoppers)
	s.mu.Unlock()
	for i := len(stoppers) - 1; i >= 0; i-- {
		if stoppers[i].f == nil {
			continue
		}
		if err := stoppers[i].f(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for ctx.Err() == nil {
		s.mu.Lock()
		procs := slices.DeleteFunc(slices.Clone(s.order), func(p *process) bool { return p.life.Load() >= lifeStopped })
		s.mu.Unlock()
		if len(procs) == 0 {
			break
		}
		slices.SortFunc(procs, func(a, b *process) int { return int(b.seq) - int(a.seq) })
		for _, p := range procs {
			if err := s.stopProcess(ctx, p); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	if cause := s.Cause(); cause != nil {
		errs = append([]error{fmt.Errorf("system shut down after a failure: %w", cause)}, errs...)
	}
	return errors.Join(errs...)
}

type stopper struct {
	f func(context.Context) error
}

// OnShutdown registers f to run at the start of Shutdown, before the
// remaining processes are stopped in reverse start order. remove
// unregisters it.
func (s *System) OnShutdown(f func(context.Context) error) (remove func()) {
	st := &stopper{f: f}
	s.mu.Lock()
	s.stoppers = append(s.stoppers, st)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.stoppers = slices.DeleteFunc(s.stoppers, func(x *stopper) bool { return x == st })
		s.mu.Unlock()
	}
}

// Fail shuts the system down because of cause (a root supervisor gave
// up): ShutdownRequested closes, Shutdown starts in the background, and
// every Shutdown call returns an error wrapping cause. The first cause
// wins.
func (s *System) Fail(cause error) {
	if cause == nil {
		return
	}
	if !s.cause.CompareAndSwap(nil, &cause) {
		return
	}
	s.requestShutdown()
	go s.Shutdown(context.Background())
}

// Cause is the error passed to Fail, or nil.
func (s *System) Cause() error {
	if c := s.cause.Load(); c != nil {
		return *c
	}
	return nil
}

// IsStopping reports whether Shutdown has begun.
func (s *System) IsStopping() bool { return s.stopping.Load() }

// Emit reports an event (a supervisor's) to the log and subscribers.
func (s *System) Emit(e Event) { s.events.emit(e) }

// Stopping is closed once Shutdown has finished.
func (s *System) Stopping() <-chan struct{} { return s.stopped }

// Stats returns a snapshot of every started process, in start order.
func (s *System) Stats() []Stats {
	s.mu.Lock()
	procs := slices.Clone(s.order)
	s.mu.Unlock()
	out := make([]Stats, len(procs))
	for i, p := range procs {
		out[i] = p.snapshot()
	}
	return out
}

// StatsOf returns the snapshot of one process, stopped ones included while
// the caller holds their PID's process alive.
func (s *System) StatsOf(pid PID) (Stats, bool) {
	p := s.table.get(pid)
	if p == nil {
		return Stats{}, false
	}
	return p.snapshot(), true
}

// Events subscribes to events with a channel of the given buffer; events
// a slow reader cannot take are dropped. Call cancel to unsubscribe (it
// closes the channel).
func (s *System) Events(buffer int) (<-chan Event, func()) {
	sub, cancel := s.events.subscribe(buffer)
	return sub.ch, cancel
}

// Live is the number of processes in the table.
func (s *System) Live() int { return int(s.table.live.Load()) }

// requestShutdown records that a component asked for the system to stop.
func (s *System) requestShutdown() {
	s.shutdownOnce.Do(func() { close(s.shutdownReq) })
}

// ShutdownRequested is closed when a component asked the system to shut
// down (Context.ShutdownSystem). The embedder decides when to call
// Shutdown.
func (s *System) ShutdownRequested() <-chan struct{} { return s.shutdownReq }
