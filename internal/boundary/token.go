package boundary

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTokenTimeout is how long a call waits for a callee's token unless
// a pair override or a run-time default says otherwise.
const DefaultTokenTimeout = 50 * time.Millisecond

// TokensOptions configure a Tokens. The zero value is the default.
type TokensOptions struct {
	// Timeout is the default acquire timeout (default 50 ms).
	Timeout time.Duration
	// Clock is the time source (default the system clock).
	Clock Clock
}

// Tokens makes the yield tokens of a system and holds their timeouts: a
// default and per-(caller, callee) overrides, both changeable at run time.
type Tokens struct {
	clock Clock
	def   atomic.Int64
	// Token times are kept as nanoseconds after base: for the system
	// clock that is one monotonic clock read (time.Since), about half the
	// cost of time.Now, which reads the wall clock too.
	base time.Time
	sys  bool

	mu    sync.RWMutex
	pairs map[[2]string]time.Duration
}

// NewTokens makes a token manager.
func NewTokens(opts TokensOptions) *Tokens {
	ts := &Tokens{clock: orSystem(opts.Clock), pairs: map[[2]string]time.Duration{}}
	ts.sys = ts.clock == SystemClock
	ts.base = ts.clock.Now()
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTokenTimeout
	}
	ts.def.Store(int64(opts.Timeout))
	return ts
}

// SetDefaultTimeout changes the timeout of pairs without an override.
// It applies to acquires that start waiting afterwards.
func (ts *Tokens) SetDefaultTimeout(d time.Duration) {
	if d > 0 {
		ts.def.Store(int64(d))
	}
}

// SetTimeout overrides the timeout for calls from caller to callee; d <= 0
// removes the override.
func (ts *Tokens) SetTimeout(caller, callee string, d time.Duration) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if d <= 0 {
		delete(ts.pairs, [2]string{caller, callee})
		return
	}
	ts.pairs[[2]string{caller, callee}] = d
}

// Timeout is the timeout for calls from caller to callee.
func (ts *Tokens) Timeout(caller, callee string) time.Duration {
	ts.mu.RLock()
	d, ok := ts.pairs[[2]string{caller, callee}]
	ts.mu.RUnlock()
	if ok {
		return d
	}
	return time.Duration(ts.def.Load())
}

// now is the clock's time in nanoseconds after base.
func (ts *Tokens) now() int64 {
	if ts.sys {
		return int64(time.Since(ts.base))
	}
	return int64(ts.clock.Now().Sub(ts.base))
}

// at converts a time from now back to a time.Time.
func (ts *Tokens) at(ns int64) time.Time { return ts.base.Add(time.Duration(ns)) }

// TokenOptions configure one component's token.
type TokenOptions struct {
	// BatchYield lets the holder extend its lease by reporting progress
	// (Lease.Progress): a waiter's timeout counts from the last report.
	BatchYield bool
}

// Token is one component's yield token: held by at most one call at a
// time. Waiters are served in arrival order (direct hand-off).
//
// The uncontended path is lock-free: a CAS on state takes the token and
// another gives it back. The first caller that finds it held sets
// tokSlow; from then on, until the queue is empty again, every
// acquisition and release goes through mu, which keeps the FIFO
// hand-off of the mutex design.
type Token struct {
	ts    *Tokens
	name  string
	batch bool

	state atomic.Uint64 // gen<<tokGenShift | tokPub | tokSlow | tokHeld
	// The holder's identity and acquisition time (ns after ts.base),
	// written by whoever grants the token while tokPub is set; readers
	// wait for tokPub to clear and check state did not change.
	who   atomic.Pointer[holding]
	since atomic.Int64
	// progress is the holder's last Progress report (batch yield): µs
	// after since <<progressShift | progressValid | the lease
	// generation's low bits, so that a report landing after its lease
	// ended is recognised and ignored.
	progress atomic.Uint64
	// ids are recent holder identities, reused so that the fast path
	// does not allocate. Only the publisher touches them: publishers
	// follow one another through state, which orders their accesses.
	ids  [4]*holding
	next int

	mu      sync.Mutex // the slow path: the waiter queue
	waiters []*waiter
}

const (
	tokHeld     = 1 << 0 // a lease is current
	tokSlow     = 1 << 1 // callers wait: acquire and release go through mu
	tokPub      = 1 << 2 // the new holder's who and since are being written
	tokGenShift = 3

	progressGen   = 1<<24 - 1
	progressValid = 1 << 24
	progressShift = 25
)

// holding is a holder's identity, immutable.
type holding struct{ caller, op string }

type waiter struct {
	ch      chan struct{} // receives once when the token is handed over
	granted bool          // under Token.mu
	gen     uint64        // the lease generation handed over, under Token.mu
	caller  string
	op      string
}

// Token makes the token of the component name.
func (ts *Tokens) Token(name string, opts TokenOptions) *Token {
	return &Token{ts: ts, name: name, batch: opts.BatchYield}
}

// Name is the component the token belongs to.
func (t *Token) Name() string { return t.name }

// Lease is a held token. The zero Lease holds nothing. Release and
// Progress are safe to call more than once and from any goroutine.
type Lease struct {
	t   *Token
	gen uint64
}

// Acquire takes the token for a call of op by caller, waiting up to the
// pair's timeout. On timeout it returns a *ContentionError naming who held
// the token and for how long; if ctx ends first, ctx's error wrapped.
func (t *Token) Acquire(ctx context.Context, caller, op string) (Lease, error) {
	if l, ok := t.tryFast(caller, op); ok {
		return l, nil
	}
	return t.acquireSlow(ctx, caller, op)
}

// TryAcquire takes the token only if it is free.
func (t *Token) TryAcquire(caller, op string) (Lease, bool) {
	if l, ok := t.tryFast(caller, op); ok {
		return l, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.takeFreeLocked(caller, op)
}

// tryFast takes the token if it is free and nobody waits.
func (t *Token) tryFast(caller, op string) (Lease, bool) {
	for {
		s := t.state.Load()
		if s&(tokHeld|tokSlow) != 0 {
			return Lease{}, false
		}
		now := t.ts.now()
		gen := s>>tokGenShift + 1
		if t.state.CompareAndSwap(s, gen<<tokGenShift|tokHeld|tokPub) {
			t.publish(caller, op, now)
			t.state.And(^uint64(tokPub))
			return Lease{t: t, gen: gen}, true
		}
	}
}

// takeFreeLocked takes the token if it is not held. A release with
// waiters hands the token over, so a free token has none to pass.
// Lock should be held.
func (t *Token) takeFreeLocked(caller, op string) (Lease, bool) {
	for {
		s := t.state.Load()
		if s&tokHeld != 0 {
			return Lease{}, false
		}
		now := t.ts.now()
		gen := s>>tokGenShift + 1
		if t.state.CompareAndSwap(s, gen<<tokGenShift|tokHeld|tokPub|s&tokSlow) {
			t.publish(caller, op, now)
			t.state.And(^uint64(tokPub))
			return Lease{t: t, gen: gen}, true
		}
	}
}

// publish records the new holder. Only the granter calls it, with tokPub
// set.
func (t *Token) publish(caller, op string, now int64) {
	if h := t.who.Load(); h == nil || h.caller != caller || h.op != op {
		t.who.Store(t.identity(caller, op))
	}
	t.since.Store(now)
}

// identity returns a record of (caller, op), reusing a recent one.
func (t *Token) identity(caller, op string) *holding {
	for _, h := range t.ids {
		if h != nil && h.caller == caller && h.op == op {
			return h
		}
	}
	h := &holding{caller: caller, op: op}
	t.ids[t.next%len(t.ids)] = h
	t.next++
	return h
}

// current reads the state with the holder's identity and acquisition time
// as one consistent view.
func (t *Token) current() (s uint64, h *holding, since int64) {
	for {
		s = t.state.Load()
		if s&tokPub != 0 {
			runtime.Gosched() // the granter is between two stores
			continue
		}
		h, since = t.who.Load(), t.since.Load()
		if t.state.Load() == s {
			return s, h, since
		}
	}
}

func (t *Token) acquireSlow(ctx context.Context, caller, op string) (Lease, error) {
	t.mu.Lock()
	for {
		if l, ok := t.takeFreeLocked(caller, op); ok {
			t.mu.Unlock()
			return l, nil
		}
		// Held: make its release come through mu, then queue.
		s := t.state.Load()
		if s&tokHeld != 0 && (s&tokSlow != 0 || t.state.CompareAndSwap(s, s|tokSlow)) {
			break
		}
	}
	w := &waiter{ch: make(chan struct{}, 1), caller: caller, op: op}
	t.waiters = append(t.waiters, w)
	t.mu.Unlock()
	return t.wait(ctx, w)
}

func (t *Token) wait(ctx context.Context, w *waiter) (Lease, error) {
	timeout := t.ts.Timeout(w.caller, t.name)
	start := t.ts.clock.Now()
	deadline := start.Add(timeout)
	for {
		tm := t.ts.clock.NewTimer(deadline.Sub(t.ts.clock.Now()))
		select {
		case <-w.ch:
			tm.Stop()
			return t.granted(w), nil
		case <-ctx.Done():
			tm.Stop()
			if l, ok := t.withdraw(w); ok {
				return l, nil
			}
			return Lease{}, fmt.Errorf("call %q from %q to %q: waiting for the token: %w", w.op, w.caller, t.name, ctx.Err())
		case <-tm.C():
		}
		t.mu.Lock()
		if w.granted {
			t.mu.Unlock()
			<-w.ch
			return t.granted(w), nil
		}
		s, h, since := t.current()
		now := t.ts.now()
		if t.batch {
			// A holder that keeps reporting progress keeps its lease: the
			// wait restarts from its last report.
			if p := t.progress.Load(); p != 0 && p&progressGen == s>>tokGenShift&progressGen {
				if ext := t.ts.at(since + int64(p>>progressShift)*1000).Add(timeout); ext.After(t.ts.at(now)) {
					deadline = ext
					t.mu.Unlock()
					continue
				}
			}
		}
		t.removeLocked(w)
		holder := ""
		if s&tokHeld != 0 && h != nil {
			holder = h.caller
		}
		err := &ContentionError{Caller: w.caller, Callee: t.name, Holder: holder, Held: time.Duration(now - since), Op: w.op, Timeout: timeout}
		t.mu.Unlock()
		return Lease{}, err
	}
}

// granted returns the lease handed over to a waiter.
func (t *Token) granted(w *waiter) Lease {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Lease{t: t, gen: w.gen}
}

// withdraw removes a waiter that gave up; if the token was handed to it
// meanwhile, it keeps it.
func (t *Token) withdraw(w *waiter) (Lease, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w.granted {
		<-w.ch
		return Lease{t: t, gen: w.gen}, true
	}
	t.removeLocked(w)
	return Lease{}, false
}

// removeLocked takes w out of the queue; the last one out turns the slow
// mode off, so the holder's release and the next acquire are lock-free
// again. Lock should be held.
func (t *Token) removeLocked(w *waiter) {
	for i, x := range t.waiters {
		if x == w {
			t.waiters = append(t.waiters[:i], t.waiters[i+1:]...)
			break
		}
	}
	if len(t.waiters) == 0 {
		t.state.And(^uint64(tokSlow))
	}
}

// Release gives the token up, handing it to the longest waiter if any.
// Releasing a lease that is no longer current does nothing.
func (l Lease) Release() {
	t := l.t
	if t == nil {
		return
	}
	for {
		s := t.state.Load()
		if s>>tokGenShift != l.gen || s&tokHeld == 0 {
			return
		}
		if s&tokSlow != 0 {
			t.releaseSlow(l.gen)
			return
		}
		if t.state.CompareAndSwap(s, s&^tokHeld) {
			return
		}
	}
}

// releaseSlow releases lease gen with callers waiting: the longest waiter
// gets the token.
func (t *Token) releaseSlow(gen uint64) {
	t.mu.Lock()
	s := t.state.Load()
	if s>>tokGenShift != gen || s&tokHeld == 0 {
		t.mu.Unlock()
		return
	}
	// Nobody else changes state now: it is held (no fast acquire), slow
	// (no fast release) or we hold mu (no waiter clears tokSlow).
	if len(t.waiters) == 0 {
		t.state.Store(s &^ (tokHeld | tokSlow))
		t.mu.Unlock()
		return
	}
	w := t.waiters[0]
	t.waiters = t.waiters[1:]
	next := (gen+1)<<tokGenShift | tokHeld
	if len(t.waiters) > 0 {
		next |= tokSlow
	}
	now := t.ts.now()
	t.state.Store(next | tokPub)
	t.publish(w.caller, w.op, now)
	t.state.Store(next)
	w.gen, w.granted = gen+1, true
	t.mu.Unlock()
	w.ch <- struct{}{}
}

// Progress reports that the holder is making progress; for a token in
// batch-yield mode it extends the lease by one timeout from now. It does
// nothing for a lease that is no longer current.
func (l Lease) Progress() {
	t := l.t
	if t == nil || !t.batch {
		return
	}
	s, _, since := t.current()
	if s&tokHeld == 0 || s>>tokGenShift != l.gen {
		return
	}
	us := min(max(t.ts.now()-since, 0)/1000, 1<<(64-progressShift)-1)
	// A report that lands after the lease ended carries its generation,
	// which waiters compare with the current one.
	t.progress.Store(uint64(us)<<progressShift | progressValid | l.gen&progressGen)
}

// Held reports whether the lease is still the token's current holding.
func (l Lease) Held() bool {
	if l.t == nil {
		return false
	}
	s := l.t.state.Load()
	return s&tokHeld != 0 && s>>tokGenShift == l.gen
}

// Holder reports who holds the token, on behalf of which operation, and
// since when; ok is false when it is free.
func (t *Token) Holder() (caller, op string, since time.Time, ok bool) {
	s, h, ns := t.current()
	if s&tokHeld == 0 || h == nil {
		return "", "", time.Time{}, false
	}
	return h.caller, h.op, t.ts.at(ns), true
}
