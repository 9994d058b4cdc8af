package boundary

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Tier is how a (caller, callee) pair is routed after repeated contention.
type Tier uint8

// The tiers, in escalation order.
const (
	// TierNormal: the shared callee instance, token as usual.
	TierNormal Tier = iota
	// TierIsolate: the caller gets a private instance of the callee.
	TierIsolate
	// TierSerialize: one accessor at a time to the callee.
	TierSerialize
	// TierNative: calls route to the Go implementation of the interface.
	TierNative
)

var tierNames = [...]string{"normal", "isolate", "serialize", "native"}

func (t Tier) String() string {
	if int(t) < len(tierNames) {
		return tierNames[t]
	}
	return fmt.Sprintf("tier(%d)", uint8(t))
}

// Pair is a caller and a callee.
type Pair struct {
	Caller, Callee string
}

// TierPolicy says when a pair moves. The zero value of a field means its
// default.
type TierPolicy struct {
	// Threshold contention errors within Window move the pair up one tier
	// (default 3).
	Threshold int
	// Window is the span the contention errors are counted in (default 1 s).
	Window time.Duration
	// Quiet is how long without contention moves the pair down one tier
	// (default 10 s); each further quiet period moves it one more.
	Quiet time.Duration
	// MaxTier caps the climb (default TierNative; use TierSerialize when no
	// native implementation is registered).
	MaxTier Tier
}

func (p TierPolicy) norm() TierPolicy {
	if p.Threshold <= 0 {
		p.Threshold = 3
	}
	if p.Window <= 0 {
		p.Window = time.Second
	}
	if p.Quiet <= 0 {
		p.Quiet = 10 * time.Second
	}
	if p.MaxTier == TierNormal || p.MaxTier > TierNative {
		p.MaxTier = TierNative
	}
	return p
}

// TierEvent is one transition of a pair.
type TierEvent struct {
	// Seq orders all events of a Tiers, from 1.
	Seq      uint64
	Pair     Pair
	From, To Tier
	// Reason says why, e.g. "3 contention errors within 1s".
	Reason string
	// At is when the transition took effect (for a step down, when the
	// quiet period ended, even if it was noticed later).
	At time.Time
}

func (e TierEvent) String() string {
	return fmt.Sprintf("#%d %s->%s: %s -> %s (%s)", e.Seq, e.Pair.Caller, e.Pair.Callee, e.From, e.To, e.Reason)
}

// TiersOptions configure a Tiers. The zero value is the default.
type TiersOptions struct {
	// Policy is the policy of pairs without their own (SetPolicy).
	Policy TierPolicy
	// Clock is the time source (default the system clock).
	Clock Clock
	// MaxEvents is how many transitions Events keeps: the newest, older
	// ones are dropped (default DefaultMaxEvents).
	MaxEvents int
}

// Tiers is the fallback state machine of every pair. It decides; the
// actor acts on Tier's answer. Step-downs are computed when the pair is
// next looked at, stamped with the time they took effect.
type Tiers struct {
	clock    Clock
	elevated atomic.Int64 // pairs above TierNormal: Tier's lock-free fast path

	mu       sync.Mutex
	def      TierPolicy
	policies map[Pair]TierPolicy
	pairs    map[Pair]*pairState
	events   eventLog[TierEvent]
	seq      uint64
}

type pairState struct {
	tier       Tier
	hits       []time.Time // contention times within the window, oldest first
	lastChange time.Time
	lastHit    time.Time
}

// NewTiers makes the state machine.
func NewTiers(opts TiersOptions) *Tiers {
	return &Tiers{
		clock:    orSystem(opts.Clock),
		def:      opts.Policy.norm(),
		policies: map[Pair]TierPolicy{},
		pairs:    map[Pair]*pairState{},
		events:   newEventLog[TierEvent](opts.MaxEvents),
	}
}

// SetPolicy sets a pair's own policy.
func (t *Tiers) SetPolicy(p Pair, pol TierPolicy) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.policies[p] = pol.norm()
}

// policy is the pair's policy. Lock should be held.
func (t *Tiers) policy(p Pair) TierPolicy {
	if pol, ok := t.policies[p]; ok {
		return pol
	}
	return t.def
}

// Contention records a contention error of the pair now and returns the
// pair's tier afterwards.
func (t *Tiers) Contention(p Pair) Tier {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	pol := t.policy(p)
	s := t.pairs[p]
	if s == nil {
		s = &pairState{}
		t.pairs[p] = s
	}
	t.settle(p, s, pol, now)
	s.lastHit = now
	cut := now.Add(-pol.Window)
	i := 0
	for i < len(s.hits) && !s.hits[i].After(cut) {
		i++
	}
	s.hits = append(s.hits[:0], s.hits[i:]...)
	s.hits = append(s.hits, now)
	if len(s.hits) >= pol.Threshold && s.tier < pol.MaxTier {
		t.move(p, s, s.tier+1, fmt.Sprintf("%d contention errors within %v", len(s.hits), pol.Window), now)
		s.hits = s.hits[:0]
	}
	return s.tier
}

// Tier is the pair's current tier. It takes no lock while no pair is
// above TierNormal.
func (t *Tiers) Tier(p Pair) Tier {
	if t.elevated.Load() == 0 {
		return TierNormal
	}
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.pairs[p]
	if s == nil {
		return TierNormal
	}
	t.settle(p, s, t.policy(p), now)
	return s.tier
}

// Events returns the last transitions, oldest first: at most
// TiersOptions.MaxEvents of them. Seq keeps counting across the dropped
// ones, so a gap before the first says how many were lost.
func (t *Tiers) Events() []TierEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.events.all()
}

// settle applies the step-downs due by now, one tier per quiet period.
// Lock should be held.
func (t *Tiers) settle(p Pair, s *pairState, pol TierPolicy, now time.Time) {
	for s.tier > TierNormal {
		base := s.lastChange
		if s.lastHit.After(base) {
			base = s.lastHit
		}
		at := base.Add(pol.Quiet)
		if at.After(now) {
			return
		}
		t.move(p, s, s.tier-1, fmt.Sprintf("no contention for %v", pol.Quiet), at)
	}
}

// move records a transition. Lock should be held.
func (t *Tiers) move(p Pair, s *pairState, to Tier, reason string, at time.Time) {
	from := s.tier
	if from == TierNormal && to != TierNormal {
		t.elevated.Add(1)
	} else if from != TierNormal && to == TierNormal {
		t.elevated.Add(-1)
	}
	s.tier = to
	s.lastChange = at
	t.seq++
	t.events.push(TierEvent{Seq: t.seq, Pair: p, From: from, To: to, Reason: reason, At: at})
}
