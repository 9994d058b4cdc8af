package boundary

import (
	"context"
	"fmt"
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

	mu    sync.RWMutex
	pairs map[[2]string]time.Duration
}

// NewTokens makes a token manager.
func NewTokens(opts TokensOptions) *Tokens {
	ts := &Tokens{clock: orSystem(opts.Clock), pairs: map[[2]string]time.Duration{}}
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

// TokenOptions configure one component's token.
type TokenOptions struct {
	// BatchYield lets the holder extend its lease by reporting progress
	// (Lease.Progress): a waiter's timeout counts from the last report.
	BatchYield bool
}

// Token is one component's yield token: held by at most one call at a
// time. Waiters are served in arrival order (direct hand-off).
type Token struct {
	ts    *Tokens
	name  string
	batch bool

	mu       sync.Mutex
	held     bool
	gen      uint64 // bumped at every acquisition; makes Release idempotent
	holder   string
	op       string
	since    time.Time
	waiters  []*waiter
	progress atomic.Int64 // unix nanos of the holder's last Progress
}

type waiter struct {
	ch      chan struct{} // closed (or sent) when the token is handed over
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
	t.mu.Lock()
	if !t.held {
		l := t.grantLocked(caller, op)
		t.mu.Unlock()
		return l, nil
	}
	w := &waiter{ch: make(chan struct{}, 1), caller: caller, op: op}
	t.waiters = append(t.waiters, w)
	t.mu.Unlock()
	return t.wait(ctx, w)
}

// TryAcquire takes the token only if it is free.
func (t *Token) TryAcquire(caller, op string) (Lease, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held {
		return Lease{}, false
	}
	return t.grantLocked(caller, op), true
}

// grantLocked makes caller the holder. Lock should be held.
func (t *Token) grantLocked(caller, op string) Lease {
	t.held = true
	t.gen++
	t.holder, t.op = caller, op
	t.since = t.ts.clock.Now()
	t.progress.Store(0)
	return Lease{t: t, gen: t.gen}
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
		now := t.ts.clock.Now()
		if t.batch {
			// A holder that keeps reporting progress keeps its lease: the
			// wait restarts from its last report.
			if p := t.progress.Load(); p != 0 {
				if ext := time.Unix(0, p).Add(timeout); ext.After(now) {
					deadline = ext
					t.mu.Unlock()
					continue
				}
			}
		}
		t.removeLocked(w)
		err := &ContentionError{Caller: w.caller, Callee: t.name, Holder: t.holder, Held: now.Sub(t.since), Op: w.op, Timeout: timeout}
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

// Lock should be held.
func (t *Token) removeLocked(w *waiter) {
	for i, x := range t.waiters {
		if x == w {
			t.waiters = append(t.waiters[:i], t.waiters[i+1:]...)
			return
		}
	}
}

// Release gives the token up, handing it to the longest waiter if any.
// Releasing a lease that is no longer current does nothing.
func (l Lease) Release() {
	t := l.t
	if t == nil {
		return
	}
	t.mu.Lock()
	if !t.held || t.gen != l.gen {
		t.mu.Unlock()
		return
	}
	if len(t.waiters) == 0 {
		t.held = false
		t.holder, t.op = "", ""
		t.mu.Unlock()
		return
	}
	w := t.waiters[0]
	t.waiters = t.waiters[1:]
	w.gen = t.grantLocked(w.caller, w.op).gen
	w.granted = true
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
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held && t.gen == l.gen {
		t.progress.Store(t.ts.clock.Now().UnixNano())
	}
}

// Held reports whether the lease is still the token's current holding.
func (l Lease) Held() bool {
	if l.t == nil {
		return false
	}
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	return l.t.held && l.t.gen == l.gen
}

// Holder reports who holds the token, on behalf of which operation, and
// since when; ok is false when it is free.
func (t *Token) Holder() (caller, op string, since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.holder, t.op, t.since, t.held
}
