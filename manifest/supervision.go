package manifest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Supervision strategies, restart types, backoff kinds and error policies
// (see docs/supervision.md).
const (
	StrategyOneForOne  = "one_for_one"
	StrategyOneForAll  = "one_for_all"
	StrategyRestForOne = "rest_for_one"

	RestartPermanent = "permanent"
	RestartTransient = "transient"
	RestartTemporary = "temporary"

	BackoffNone        = "none"
	BackoffFixed       = "fixed"
	BackoffExponential = "exponential"

	OnErrorIgnore  = "ignore"
	OnErrorRestart = "restart"

	// ShutdownBrutal kills a child at once, without its stop hooks.
	ShutdownBrutal = "brutal"
)

// Supervision defaults.
const (
	DefaultSupervisorName = "root"
	DefaultStrategy       = StrategyOneForOne
	DefaultIntensity      = 3
	DefaultPeriod         = 5 * time.Second
	DefaultRestart        = RestartPermanent
	DefaultShutdown       = 5 * time.Second
)

// Supervision is a supervisor: its strategy, restart limit and children.
// The manifest's top-level "supervision" is the root; components it does not
// name are children of the root too, permanent, in manifest order.
type Supervision struct {
	// Name identifies the supervisor (default "root" for the top level);
	// it follows the component name pattern and is unique in the tree.
	Name string
	// Strategy is one_for_one (default), one_for_all or rest_for_one.
	Strategy string
	// Intensity and Period: more than Intensity restarts within Period and
	// the supervisor gives up (defaults 3 and 5s). Intensity 0 allows no
	// restart; a manifest that leaves it out gets 3, a Supervision built in
	// Go must set it.
	Intensity int
	Period    time.Duration
	// Children are started in order and stopped in reverse order.
	Children []Child
	// Line and Column locate the supervisor object.
	Line, Column int
}

// Child is one child of a supervisor: a component or a nested supervisor.
type Child struct {
	// Component names a component of the manifest; exclusive with Supervisor.
	Component string
	// Supervisor is a nested supervisor; exclusive with Component.
	Supervisor *Supervision
	// Restart is permanent (default), transient or temporary.
	Restart string
	// Shutdown is how long the child's stop hooks may take before it is
	// killed (default 5s); Brutal kills it at once.
	Shutdown time.Duration
	Brutal   bool
	// Backoff delays restarts.
	Backoff Backoff
	// OnError is what a handler error does: ignore (default) or restart.
	OnError string
	// ErrorRate, if set, restarts the child after more than Max handler
	// errors within Window.
	ErrorRate *ErrorRate
	// Health, if set, checks the child every Interval; no answer within
	// Timeout restarts it.
	Health *Health
	// Line and Column locate the child object.
	Line, Column int
}

// Backoff delays a child's restarts.
type Backoff struct {
	// Kind is none (default), fixed or exponential.
	Kind string
	// Initial is the fixed delay, or the first exponential one.
	Initial time.Duration
	// Max caps exponential delays (default 30 × Initial).
	Max time.Duration
	// Jitter multiplies each delay by a factor in [1-Jitter, 1+Jitter]
	// (0 to 1, default 0).
	Jitter float64
}

// ErrorRate bounds handler errors in a sliding window.
type ErrorRate struct {
	Max    int
	Window time.Duration
}

// Health is a periodic health check.
type Health struct {
	Interval, Timeout time.Duration
}

var (
	strategies   = []string{StrategyOneForOne, StrategyOneForAll, StrategyRestForOne}
	restarts     = []string{RestartPermanent, RestartTransient, RestartTemporary}
	backoffKinds = []string{BackoffNone, BackoffFixed, BackoffExponential}
	onErrors     = []string{OnErrorIgnore, OnErrorRestart}

	intensityRule = intRule{0, 10_000}
	errorMaxRule  = intRule{1, 1_000_000}
)

// number reads a JSON number as a float64.
func (d *decoder) number(v *node, path, label string) float64 {
	if v.kind != kindNumber {
		d.mismatch(v, path, label, "a number")
		return 0
	}
	f, err := strconv.ParseFloat(v.str, 64)
	if err != nil {
		d.reject(v, path, fmt.Sprintf("%s must be a number; got %s", label, truncate(v.str)))
	}
	return f
}

func decodeSupervision(d *decoder, v *node, p string) *Supervision {
	s := &Supervision{Intensity: DefaultIntensity} // absent means 3; 0 written means 0
	s.Line, s.Column = d.src.position(v.off)
	decodeObject(d, v, p, "supervisor", supervisionFields, s)
	return s
}

var supervisionFields = []field[Supervision]{
	{"name", func(d *decoder, s *Supervision, v *node, p string) { s.Name = d.str(v, p, "name") }},
	{"strategy", func(d *decoder, s *Supervision, v *node, p string) { s.Strategy = d.str(v, p, "strategy") }},
	{"intensity", func(d *decoder, s *Supervision, v *node, p string) {
		s.Intensity = int(d.integer(v, p, "intensity", intensityRule))
	}},
	{"period", func(d *decoder, s *Supervision, v *node, p string) { s.Period = d.duration(v, p, "period") }},
	{"children", func(d *decoder, s *Supervision, v *node, p string) {
		if v.kind != kindArray {
			d.mismatch(v, p, "children", "an array of child objects")
			return
		}
		s.Children = make([]Child, len(v.elems))
		for i, e := range v.elems {
			ep := indexPath(p, i)
			d.src.locs[ep] = loc{-1, e.off}
			c := &s.Children[i]
			c.Line, c.Column = d.src.position(e.off)
			decodeObject(d, e, ep, "child", childFields, c)
		}
	}},
}

var childFields = []field[Child]{
	{"component", func(d *decoder, c *Child, v *node, p string) { c.Component = d.str(v, p, "component") }},
	{"restart", func(d *decoder, c *Child, v *node, p string) { c.Restart = d.str(v, p, "restart") }},
	{"shutdown", func(d *decoder, c *Child, v *node, p string) {
		if v.kind == kindString && v.str == ShutdownBrutal {
			c.Brutal = true
			return
		}
		if v.kind != kindString {
			d.mismatch(v, p, "shutdown", `a duration string such as "2s", or "brutal"`)
			return
		}
		c.Shutdown = d.duration(v, p, "shutdown")
	}},
	{"backoff", func(d *decoder, c *Child, v *node, p string) {
		decodeObject(d, v, p, "backoff", backoffFields, &c.Backoff)
	}},
	{"on_error", func(d *decoder, c *Child, v *node, p string) { c.OnError = d.str(v, p, "on_error") }},
	{"error_rate", func(d *decoder, c *Child, v *node, p string) {
		c.ErrorRate = &ErrorRate{}
		decodeObject(d, v, p, "error_rate", errorRateFields, c.ErrorRate)
	}},
	{"health", func(d *decoder, c *Child, v *node, p string) {
		c.Health = &Health{}
		decodeObject(d, v, p, "health", healthFields, c.Health)
	}},
}

// The "supervisor" field recurses into supervisionFields, which refers to
// childFields: it is added at init to break the initialization cycle.
func init() {
	childFields = append(childFields, field[Child]{"supervisor", func(d *decoder, c *Child, v *node, p string) {
		c.Supervisor = decodeSupervision(d, v, p)
	}})
}

var backoffFields = []field[Backoff]{
	{"kind", func(d *decoder, b *Backoff, v *node, p string) { b.Kind = d.str(v, p, "kind") }},
	{"initial", func(d *decoder, b *Backoff, v *node, p string) { b.Initial = d.duration(v, p, "initial") }},
	{"max", func(d *decoder, b *Backoff, v *node, p string) { b.Max = d.duration(v, p, "max") }},
	{"jitter", func(d *decoder, b *Backoff, v *node, p string) { b.Jitter = d.number(v, p, "jitter") }},
}

var errorRateFields = []field[ErrorRate]{
	{"max", func(d *decoder, r *ErrorRate, v *node, p string) { r.Max = int(d.integer(v, p, "max", errorMaxRule)) }},
	{"window", func(d *decoder, r *ErrorRate, v *node, p string) { r.Window = d.duration(v, p, "window") }},
}

var healthFields = []field[Health]{
	{"interval", func(d *decoder, h *Health, v *node, p string) { h.Interval = d.duration(v, p, "interval") }},
	{"timeout", func(d *decoder, h *Health, v *node, p string) { h.Timeout = d.duration(v, p, "timeout") }},
}

// supervision validates the tree and applies nothing: defaults are applied
// by SetDefaults. seen collects component names already placed.
func (v *validator) supervision(s *Supervision, p string, names componentNames, seen map[string]string, sups map[string]string) {
	if s == nil {
		return
	}
	if v.set(p+".name", s.Name == "") {
		if !validName(s.Name) {
			v.errorf(p+".name", "%s", nameMessage("supervisor name", s.Name))
		} else if prev, dup := sups[s.Name]; dup {
			v.errorf(p+".name", "supervisor name %q is already used at %s", s.Name, prev)
		} else {
			sups[s.Name] = p
		}
	}
	v.enum(p+".strategy", "strategy", s.Strategy, strategies)
	if v.present(p + ".intensity") {
		v.integer(p+".intensity", "intensity", int64(s.Intensity), intensityRule)
	}
	v.duration(p+".period", "period", s.Period)
	for i := range s.Children {
		c := &s.Children[i]
		cp := indexPath(p+".children", i)
		switch {
		case c.Component == "" && c.Supervisor == nil:
			if !v.present(cp+".component") && !v.present(cp+".supervisor") {
				v.errorf(cp, `a child needs "component" (a component name) or "supervisor" (a nested supervisor)`)
			}
		case c.Component != "" && c.Supervisor != nil:
			v.errorf(cp+".supervisor", `a child has "component" or "supervisor", not both`)
		case c.Component != "":
			if _, ok := names.first[c.Component]; !ok && names.known {
				v.errorf(cp+".component", "component %q is not in the manifest; components: %s", truncate(c.Component), strings.Join(names.sorted, ", "))
			} else if prev, dup := seen[c.Component]; dup {
				v.errorf(cp+".component", "component %q is already supervised at %s", c.Component, prev)
			} else {
				seen[c.Component] = cp
			}
		}
		v.enum(cp+".restart", "restart", c.Restart, restarts)
		if !c.Brutal {
			v.duration(cp+".shutdown", "shutdown", c.Shutdown)
		}
		v.backoff(&c.Backoff, cp+".backoff")
		v.enum(cp+".on_error", "on_error", c.OnError, onErrors)
		if c.ErrorRate != nil {
			rp := cp + ".error_rate"
			if c.ErrorRate.Max == 0 && !v.present(rp+".max") {
				v.missing(rp+".max", "; the most handler errors allowed in the window")
			} else {
				v.integer(rp+".max", "max", int64(c.ErrorRate.Max), errorMaxRule)
			}
			if c.ErrorRate.Window == 0 && !v.present(rp+".window") {
				v.missing(rp+".window", `; such as "10s"`)
			}
		}
		if c.Health != nil {
			hp := cp + ".health"
			if c.Health.Interval == 0 && !v.present(hp+".interval") {
				v.missing(hp+".interval", `; such as "1s"`)
			}
			if c.Health.Timeout == 0 && !v.present(hp+".timeout") {
				v.missing(hp+".timeout", `; such as "200ms"`)
			}
		}
		v.supervision(c.Supervisor, cp+".supervisor", names, seen, sups)
	}
}

func (v *validator) backoff(b *Backoff, p string) {
	v.enum(p+".kind", "kind", b.Kind, backoffKinds)
	switch b.Kind {
	case BackoffFixed, BackoffExponential:
		if b.Initial == 0 && !v.present(p+".initial") {
			v.missing(p+".initial", fmt.Sprintf(`; a %s backoff needs its first delay, such as "10ms"`, b.Kind))
		}
	}
	if b.Kind == BackoffExponential && b.Max != 0 && b.Initial != 0 && b.Max < b.Initial {
		v.errorf(p+".max", "max must be at least initial (%v); got %v", b.Initial, b.Max)
	}
	if b.Jitter < 0 || b.Jitter > 1 {
		v.errorf(p+".jitter", "jitter must be between 0 and 1; got %v", b.Jitter)
	}
}

// supervisionDefaults fills a tree's zero values.
func supervisionDefaults(s *Supervision, root bool) {
	if s == nil {
		return
	}
	if s.Name == "" && root {
		s.Name = DefaultSupervisorName
	}
	if s.Strategy == "" {
		s.Strategy = DefaultStrategy
	}
	if s.Period == 0 {
		s.Period = DefaultPeriod
	}
	for i := range s.Children {
		c := &s.Children[i]
		if c.Restart == "" {
			c.Restart = DefaultRestart
		}
		if c.Shutdown == 0 && !c.Brutal {
			c.Shutdown = DefaultShutdown
		}
		if c.Backoff.Kind == "" {
			c.Backoff.Kind = BackoffNone
		}
		if c.Backoff.Kind == BackoffExponential && c.Backoff.Max == 0 {
			c.Backoff.Max = 30 * c.Backoff.Initial
		}
		if c.OnError == "" {
			c.OnError = OnErrorIgnore
		}
		supervisionDefaults(c.Supervisor, false)
	}
}
