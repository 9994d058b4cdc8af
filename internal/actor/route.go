package actor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// HostName is how the embedding program is named as a caller: in token
// pair overrides, fallback pairs and contention errors.
const HostName = "host"

// reentryQueue bounds the calls queued to a reentrant process's pending
// request.
const reentryQueue = 64

// maxReroutes bounds how often one call moves to a higher fallback tier.
const maxReroutes = 3

// NativeFunc is a Go implementation of an interface's operations: the
// native fallback tier routes calls to it (on the caller's goroutine).
// args match the operation's parameters; the results are checked against
// its declared results.
type NativeFunc func(ctx context.Context, op string, args []any) ([]any, error)

// callRoutes holds the state of typed-call routing: native
// implementations, fallback policies, and the private instances of the
// isolate tier.
type callRoutes struct {
	on       atomic.Bool // some fallback policy is set: the fast path's only check
	mu       sync.Mutex
	natives  map[string]NativeFunc // interface → implementation
	fallback map[boundary.Pair]bool
	fbAll    bool                              // a default policy covers every pair
	private  map[boundary.Pair]*privateProcess // isolate tier
}

type privateProcess struct {
	once sync.Once
	p    *process
	err  error
}

// tokenCall is what exchange needs to take the callee's yield token.
type tokenCall struct {
	s         *System
	token     *boundary.Token
	caller    string
	op        string
	pair      boundary.Pair
	serialize bool // tier 2: wait in line; long waits count as contention
}

func (tc *tokenCall) acquire(ctx context.Context) (boundary.Lease, error) {
	for {
		l, err := tc.token.Acquire(ctx, tc.caller, tc.op)
		var ce *boundary.ContentionError
		if err == nil || !tc.serialize || !errors.As(err, &ce) {
			return l, err
		}
		// Serialized: the caller keeps its place in line, but the wait
		// is still contention; enough of it moves the pair on (native).
		if tc.s.tiers.Contention(tc.pair) > boundary.TierSerialize {
			return l, err
		}
	}
}

// Registry is the interface registry typed calls are checked against.
func (s *System) Registry() *boundary.Registry { return s.reg }

// Tokens holds the yield tokens' timeouts (default and per pair).
func (s *System) Tokens() *boundary.Tokens { return s.tokens }

// Tiers is the fallback-tier state machine of every (caller, callee) pair.
func (s *System) Tiers() *boundary.Tiers { return s.tiers }

// RegisterNative registers the Go implementation of iface, used by the
// native fallback tier. A nil fn removes it.
func (s *System) RegisterNative(iface string, fn NativeFunc) {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	if s.calls.natives == nil {
		s.calls.natives = map[string]NativeFunc{}
	}
	if fn == nil {
		delete(s.calls.natives, iface)
		return
	}
	s.calls.natives[iface] = fn
}

// SetFallback enables fallback tiers for calls from caller to callee
// (component names; HostName for the embedding program) with policy pol.
// An empty caller and callee set the default policy of every pair.
func (s *System) SetFallback(caller, callee string, pol boundary.TierPolicy) {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.on.Store(true)
	if caller == "" && callee == "" {
		s.calls.fbAll = true
		s.tiers.SetDefaultPolicy(pol)
		return
	}
	if s.calls.fallback == nil {
		s.calls.fallback = map[boundary.Pair]bool{}
	}
	p := boundary.Pair{Caller: caller, Callee: callee}
	s.calls.fallback[p] = true
	s.tiers.SetPolicy(p, pol)
}

func (s *System) fallbackOn(p boundary.Pair) bool {
	if !s.calls.on.Load() {
		return false
	}
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return s.calls.fbAll || s.calls.fallback[p]
}

func (s *System) native(iface string) NativeFunc {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return s.calls.natives[iface]
}

// operation resolves op for a call to to.
func (s *System) operation(op string, to PID) (*boundary.Operation, error) {
	o, ok := s.reg.Lookup(op)
	if !ok {
		return nil, fmt.Errorf("call %q to %s: %w: %w: no registered interface declares it", op, to, boundary.ErrUnknownOp, ErrNotFound)
	}
	return o, nil
}

func (s *System) call(ctx context.Context, from, to PID, op string, args []any) ([]any, error) {
	o, err := s.operation(op, to)
	if err != nil {
		return nil, err
	}
	lim := s.reg.Limits()
	data, err := o.EncodeArgs(nil, args, lim)
	if err != nil {
		return nil, err // a *boundary.TypeError: nothing was sent
	}
	out, err := s.dispatch(ctx, from, to, o, data)
	if err != nil {
		return nil, err
	}
	return o.DecodeResults(out, lim)
}

func (s *System) callBytes(ctx context.Context, from, to PID, op string, args []byte) ([]byte, error) {
	o, err := s.operation(op, to)
	if err != nil {
		return nil, err
	}
	lim := s.reg.Limits()
	if _, err := o.DecodeArgs(args, lim); err != nil {
		return nil, err
	}
	out, err := s.dispatch(ctx, from, to, o, args)
	if err != nil {
		return nil, err
	}
	if _, err := o.DecodeResults(out, lim); err != nil {
		return nil, err
	}
	return out, nil
}

// dispatch routes a checked call by its pair's fallback tier and runs it.
func (s *System) dispatch(ctx context.Context, from, to PID, o *boundary.Operation, args []byte) ([]byte, error) {
	callee := s.table.get(to)
	if callee == nil {
		return nil, fmt.Errorf("call %q to %s: %w: %s", o.Name, to, ErrDeadPID, s.staleReason(to))
	}
	caller := HostName
	if from != 0 {
		if p := s.table.get(from); p != nil {
			caller = p.label()
		}
	}
	pair := boundary.Pair{Caller: caller, Callee: callee.label()}
	tiered := s.fallbackOn(pair)
	for hop := 0; ; hop++ {
		tier := boundary.TierNormal
		if tiered {
			tier = s.tiers.Tier(pair)
		}
		if tiered && tier != boundary.TierIsolate {
			s.releasePrivate(pair)
		}
		target := callee
		switch tier {
		case boundary.TierNative:
			if fn := s.native(o.Iface); fn != nil {
				return s.callNative(ctx, fn, o, args)
			}
			tier = boundary.TierSerialize // nothing to route to: stay in line
		case boundary.TierIsolate:
			if p, err := s.privateInstance(pair, callee); err == nil {
				target = p
			} else {
				s.log.Warn("fallback: no private instance; using the shared one", "pair", pair.Caller+"->"+pair.Callee, "err", err)
			}
		}
		tc := &tokenCall{s: s, token: target.yieldToken(), caller: caller, op: o.Name, pair: pair,
			serialize: tier == boundary.TierSerialize}
		out, err := s.exchange(ctx, from, target.pid(), o.Name, args, FlagCall, tc)
		var ce *boundary.ContentionError
		if err != nil && tiered && errors.As(err, &ce) {
			// Contention moves the pair on; the call follows its new
			// route instead of failing.
			now := s.tiers.Tier(pair)
			if !tc.serialize { // a serialized wait reported its own
				now = s.tiers.Contention(pair)
			}
			if now > tier && hop < maxReroutes {
				continue
			}
		}
		return out, err
	}
}

func (s *System) callNative(ctx context.Context, fn NativeFunc, o *boundary.Operation, args []byte) (out []byte, err error) {
	lim := s.reg.Limits()
	vals, err := o.DecodeArgs(args, lim)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("call %q: native implementation panicked: %v", o.Name, r)
		}
	}()
	res, err := fn(ctx, o.Name, vals)
	if err != nil {
		return nil, fmt.Errorf("call %q: native implementation: %w", o.Name, err)
	}
	return o.EncodeResults(nil, res, lim)
}

// privateInstance is the isolate tier's instance of callee for pair,
// spawned on first use from callee's factory, unnamed.
func (s *System) privateInstance(pair boundary.Pair, callee *process) (*process, error) {
	s.calls.mu.Lock()
	if s.calls.private == nil {
		s.calls.private = map[boundary.Pair]*privateProcess{}
	}
	pp := s.calls.private[pair]
	if pp == nil {
		pp = &privateProcess{}
		s.calls.private[pair] = pp
	}
	s.calls.mu.Unlock()
	pp.once.Do(func() {
		o := *callee.opts
		o.Name, o.Group, o.Subscriptions = "", false, nil
		pid, err := s.Spawn(callee.factory, o)
		if err != nil {
			pp.err = fmt.Errorf("private instance of %q for %q: %w", pair.Callee, pair.Caller, err)
			return
		}
		pp.p = s.table.get(pid)
		if pp.p == nil {
			pp.err = fmt.Errorf("private instance of %q for %q: %w", pair.Callee, pair.Caller, ErrDeadPID)
		}
	})
	if pp.err == nil && pp.p.life.Load() >= lifeStopping {
		s.dropPrivate(pair, pp)
		return nil, fmt.Errorf("private instance of %q for %q: %w", pair.Callee, pair.Caller, ErrStopping)
	}
	return pp.p, pp.err
}

// releasePrivate stops pair's private instance, if it has one: the pair
// left the isolate tier.
func (s *System) releasePrivate(pair boundary.Pair) {
	s.calls.mu.Lock()
	pp := s.calls.private[pair]
	s.calls.mu.Unlock()
	if pp != nil {
		pp.once.Do(func() {}) // a spawn in progress finishes first
		s.dropPrivate(pair, pp)
	}
}

// dropPrivate forgets pair's private instance and stops it.
func (s *System) dropPrivate(pair boundary.Pair, pp *privateProcess) {
	s.calls.mu.Lock()
	if s.calls.private[pair] == pp {
		delete(s.calls.private, pair)
	}
	s.calls.mu.Unlock()
	if pp.p != nil {
		go s.stopProcess(context.Background(), pp.p)
	}
}

// serveCall runs a typed call on comp and replies. Owner only.
func (p *process) serveCall(comp Component, cx *Context, m *Message) error {
	o, ok := p.sys.reg.Lookup(m.Kind)
	if !ok {
		return fmt.Errorf("call %q: %w: the operation is no longer registered", m.Kind, ErrNotFound)
	}
	p.lease = p.sys.pending.lease(m.Corr)
	defer func() { p.lease = boundary.Lease{} }()
	var (
		out []byte
		err error
	)
	switch h := comp.(type) {
	case CallHandler:
		out, err = h.HandleCall(cx, o, m.Data)
	case OperationHandler:
		lim := p.sys.reg.Limits()
		var args []any
		if args, err = o.DecodeArgs(m.Data, lim); err == nil {
			var res []any
			if res, err = h.HandleOperation(cx, m.Kind, args); err == nil {
				out, err = o.EncodeResults(nil, res, lim)
			}
		}
	default:
		err = fmt.Errorf("component %q does not serve typed operations (a Go component implements HandleOperation; a Wasm guest exports %q)", p.label(), m.Kind)
	}
	if err != nil {
		return err
	}
	return p.sys.ReplyCorr(m.Corr, out)
}
