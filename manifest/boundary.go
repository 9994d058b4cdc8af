package manifest

import (
	"strings"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// Conflict policies: what happens to a component's handler for an
// operation that a component of higher priority also exports.
const (
	// ConflictQueue keeps the handler, ordered by priority, to take over
	// when the winner is stopped or fails.
	ConflictQueue = "queue"
	// ConflictDrop discards the handler.
	ConflictDrop = "drop"
)

// Fallback tiers a pair may climb to (docs/boundary.md): each includes the
// ones below it.
const (
	// TierIsolate gives the caller a private instance of the callee.
	TierIsolate = "isolate"
	// TierSerialize lets one caller at a time at the callee.
	TierSerialize = "serialize"
	// TierNative routes calls to the registered Go implementation of the
	// interface.
	TierNative = "native"
)

// HostCaller is the reserved caller name of a [Pair] for calls from the
// embedding Go program.
const HostCaller = "host"

// Boundary defaults.
const (
	DefaultPriority     = int(boundary.DefaultPriority)
	DefaultOnConflict   = ConflictQueue
	DefaultTokenTimeout = boundary.DefaultTokenTimeout
	DefaultThreshold    = 3 // as boundary.TierPolicy
	DefaultWindow       = time.Second
	DefaultQuiet        = 10 * time.Second
	DefaultMaxTier      = TierNative
)

var (
	conflicts = []string{ConflictQueue, ConflictDrop}
	maxTiers  = []string{TierIsolate, TierSerialize, TierNative}

	priorityRule  = intRule{0, boundary.Levels - 1}
	thresholdRule = intRule{1, 1_000_000}
)

// Boundary holds the settings of synchronous calls between components
// (docs/boundary.md).
type Boundary struct {
	// TokenTimeout is how long a call waits for the callee's yield token
	// before it fails with a contention error (default 50ms).
	TokenTimeout time.Duration
	// Fallback is the fallback-tier policy of every pair without its own;
	// nil disables fallback for them.
	Fallback *Fallback
	// Pairs override the settings for calls from one caller to one callee;
	// each (Caller, Callee) appears at most once.
	Pairs []Pair
}

// Fallback says when a (caller, callee) pair moves between fallback
// tiers: Threshold contention errors within Window move it one tier up,
// to at most MaxTier; each Quiet period without contention moves it one
// tier down.
type Fallback struct {
	// Threshold is at least 1 (default 3).
	Threshold int
	// Window defaults to 1s, Quiet to 10s.
	Window, Quiet time.Duration
	// MaxTier is [TierIsolate], [TierSerialize] or [TierNative] (default).
	MaxTier string
}

// Pair overrides the boundary settings for calls from Caller to Callee.
type Pair struct {
	// Caller is a component of the manifest, or [HostCaller] for calls
	// from the embedding Go program.
	Caller string
	// Callee is a component of the manifest, not the caller.
	Callee string
	// TokenTimeout is the pair's token timeout; 0 means the boundary's.
	TokenTimeout time.Duration
	// Fallback is the pair's policy; nil means the boundary's. Fields a
	// manifest leaves out are taken from the boundary's fallback, else
	// from the defaults.
	Fallback *Fallback
	// Line and Column locate the pair object.
	Line, Column int
}

// TokenTimeoutFor returns the token timeout of calls from caller to
// callee: the pair's if it has one, else b.TokenTimeout, else
// [DefaultTokenTimeout].
func (b *Boundary) TokenTimeoutFor(caller, callee string) time.Duration {
	if p := b.pair(caller, callee); p != nil && p.TokenTimeout > 0 {
		return p.TokenTimeout
	}
	if b.TokenTimeout > 0 {
		return b.TokenTimeout
	}
	return DefaultTokenTimeout
}

// FallbackFor returns the fallback policy of calls from caller to callee:
// the pair's if it has one, else b.Fallback; nil means no fallback.
func (b *Boundary) FallbackFor(caller, callee string) *Fallback {
	if p := b.pair(caller, callee); p != nil && p.Fallback != nil {
		return p.Fallback
	}
	return b.Fallback
}

func (b *Boundary) pair(caller, callee string) *Pair {
	for i := range b.Pairs {
		if p := &b.Pairs[i]; p.Caller == caller && p.Callee == callee {
			return p
		}
	}
	return nil
}

// Policy returns f as the policy of the boundary package's fallback state
// machine. Zero fields stay zero: it applies the same defaults.
func (f *Fallback) Policy() boundary.TierPolicy {
	p := boundary.TierPolicy{Threshold: f.Threshold, Window: f.Window, Quiet: f.Quiet}
	switch f.MaxTier {
	case TierIsolate:
		p.MaxTier = boundary.TierIsolate
	case TierSerialize:
		p.MaxTier = boundary.TierSerialize
	case TierNative:
		p.MaxTier = boundary.TierNative
	}
	return p
}

var boundaryFields = []field[Boundary]{
	{"token_timeout", func(d *decoder, b *Boundary, v *node, p string) {
		b.TokenTimeout = d.duration(v, p, "token_timeout")
	}},
	{"fallback", func(d *decoder, b *Boundary, v *node, p string) { b.Fallback = decodeFallback(d, v, p) }},
	{"pairs", func(d *decoder, b *Boundary, v *node, p string) {
		if v.kind != kindArray {
			d.mismatch(v, p, "pairs", "an array of pair objects")
			return
		}
		b.Pairs = make([]Pair, len(v.elems))
		for i, e := range v.elems {
			ep := indexPath(p, i)
			d.src.locs[ep] = loc{-1, e.off}
			pr := &b.Pairs[i]
			pr.Line, pr.Column = d.src.position(e.off)
			decodeObject(d, e, ep, "pair", pairFields, pr)
		}
	}},
}

var pairFields = []field[Pair]{
	{"caller", func(d *decoder, pr *Pair, v *node, p string) { pr.Caller = d.str(v, p, "caller") }},
	{"callee", func(d *decoder, pr *Pair, v *node, p string) { pr.Callee = d.str(v, p, "callee") }},
	{"token_timeout", func(d *decoder, pr *Pair, v *node, p string) {
		pr.TokenTimeout = d.duration(v, p, "token_timeout")
	}},
	{"fallback", func(d *decoder, pr *Pair, v *node, p string) { pr.Fallback = decodeFallback(d, v, p) }},
}

var fallbackFields = []field[Fallback]{
	{"threshold", func(d *decoder, f *Fallback, v *node, p string) {
		f.Threshold = int(d.integer(v, p, "threshold", thresholdRule))
	}},
	{"window", func(d *decoder, f *Fallback, v *node, p string) { f.Window = d.duration(v, p, "window") }},
	{"quiet", func(d *decoder, f *Fallback, v *node, p string) { f.Quiet = d.duration(v, p, "quiet") }},
	{"max_tier", func(d *decoder, f *Fallback, v *node, p string) { f.MaxTier = d.str(v, p, "max_tier") }},
}

func decodeFallback(d *decoder, v *node, p string) *Fallback {
	f := &Fallback{}
	decodeObject(d, v, p, "fallback", fallbackFields, f)
	return f
}

// componentBoundary checks a component's priority and conflict policy.
func (v *validator) componentBoundary(c *Component, p string) {
	if c.Priority != nil {
		v.integer(p+".priority", "priority", int64(*c.Priority), priorityRule)
	}
	v.enum(p+".on_conflict", "on_conflict", c.OnConflict, conflicts)
}

// boundary checks the boundary section: durations, fallback policies, and
// pairs of known, distinct components, each pair once.
func (v *validator) boundary(b *Boundary, names componentNames) {
	v.duration("boundary.token_timeout", "token_timeout", b.TokenTimeout)
	v.fallback(b.Fallback, "boundary.fallback")
	seen := map[[2]string]string{}
	for i := range b.Pairs {
		pr := &b.Pairs[i]
		p := indexPath("boundary.pairs", i)
		callerOK := v.pairEnd(pr.Caller, p+".caller", "caller", names)
		calleeOK := v.pairEnd(pr.Callee, p+".callee", "callee", names)
		if callerOK && calleeOK {
			key := [2]string{pr.Caller, pr.Callee}
			if pr.Caller == pr.Callee {
				v.errorf(p+".callee", "callee must not be the caller; got %q for both", pr.Caller)
			} else if prev, dup := seen[key]; dup {
				v.errorf(p, "pair %s -> %s is already set at %s; merge the two", pr.Caller, pr.Callee, prev)
			} else {
				seen[key] = p
			}
		}
		v.duration(p+".token_timeout", "token_timeout", pr.TokenTimeout)
		v.fallback(pr.Fallback, p+".fallback")
	}
}

// pairEnd checks the caller or callee name of a pair and reports whether
// it names a component (or the host, for a caller).
func (v *validator) pairEnd(name, p, label string, names componentNames) bool {
	_, known := names.first[name]
	caller := label == "caller"
	switch {
	case name == "" && !v.present(p):
		hint := "; name a component of the manifest"
		if caller {
			hint += `, or "host" for the embedding Go program`
		}
		v.missing(p, hint)
		return false
	case name == HostCaller && caller:
		if known {
			v.errorf(p, `caller "host" is ambiguous: it is reserved for the embedding Go program, and components[%d] is named "host"; rename that component`, names.first[name])
			return false
		}
		return true
	case name == HostCaller && !known:
		v.errorf(p, `callee must be a component; "host" (the embedding Go program) is only a caller`)
		return false
	case known:
		return true
	case names.known:
		list := strings.Join(names.sorted, ", ")
		if caller {
			list += `; or "host" for the embedding Go program`
		}
		v.errorf(p, "%s %q is not a component of the manifest; components: %s", label, truncate(name), list)
	}
	return false
}

func (v *validator) fallback(f *Fallback, p string) {
	if f == nil {
		return
	}
	v.integer(p+".threshold", "threshold", int64(f.Threshold), thresholdRule)
	v.duration(p+".window", "window", f.Window)
	v.duration(p+".quiet", "quiet", f.Quiet)
	v.enum(p+".max_tier", "max_tier", f.MaxTier, maxTiers)
}

// boundaryDefaults fills b's zero values. A pair's fallback takes the
// fields it leaves out from the boundary's.
func boundaryDefaults(b *Boundary) {
	if b.TokenTimeout == 0 {
		b.TokenTimeout = DefaultTokenTimeout
	}
	def := Fallback{Threshold: DefaultThreshold, Window: DefaultWindow, Quiet: DefaultQuiet, MaxTier: DefaultMaxTier}
	fallbackDefaults(b.Fallback, def)
	if b.Fallback != nil {
		def = *b.Fallback
	}
	for i := range b.Pairs {
		fallbackDefaults(b.Pairs[i].Fallback, def)
	}
}

// fallbackDefaults fills f's zero fields from def.
func fallbackDefaults(f *Fallback, def Fallback) {
	if f == nil {
		return
	}
	if f.Threshold == 0 {
		f.Threshold = def.Threshold
	}
	if f.Window == 0 {
		f.Window = def.Window
	}
	if f.Quiet == 0 {
		f.Quiet = def.Quiet
	}
	if f.MaxTier == "" {
		f.MaxTier = def.MaxTier
	}
}
