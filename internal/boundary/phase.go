package boundary

import (
	"fmt"
	"sync"
)

// DefaultMaxDeferred is how much work a resource queues while its phases
// run, unless PhasesOptions say otherwise.
const DefaultMaxDeferred = 4096

// PhasesOptions configure a Phases. The zero value is the default.
type PhasesOptions struct {
	// MaxPending bounds each resource's queue of deferred work; Defer
	// fails with ErrDeferFull beyond it (default DefaultMaxDeferred).
	MaxPending int
}

// Phases holds the named resources whose commit phases hold back writes:
// a reader brackets its phase (a frame's commit of a shared buffer, say)
// with Resource.Begin and its end, and a writer that must not land in the
// middle of one passes its write to Resource.Defer, which runs it once no
// phase is in progress — the equivalent of an after-frame hook.
type Phases struct {
	max int

	mu  sync.Mutex
	res map[string]*Resource
}

// NewPhases makes an empty set of resources.
func NewPhases(opts PhasesOptions) *Phases {
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxDeferred
	}
	return &Phases{max: opts.MaxPending, res: map[string]*Resource{}}
}

// Resource returns the resource called name, made on first use. Every
// caller naming the same resource gets the same one.
func (p *Phases) Resource(name string) *Resource {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.res[name]
	if r == nil {
		r = &Resource{name: name, max: p.max}
		r.cond.L = &r.mu
		p.res[name] = r
	}
	return r
}

// Resource is one named resource. Its phases may overlap (several readers,
// or one nested in another): a phase is in progress from the first Begin
// until the last of the overlapping ends. Deferred work runs one function
// at a time, in the order of the Defer calls, never while a phase is in
// progress: a Begin that comes while deferred work runs waits for the
// function running to return, and the rest of the queue then waits for
// that phase to end.
//
// # Caveats
//
// A deferred function must not begin a phase of its own resource: it
// would wait for itself. It may call Defer (the work is queued behind the
// rest) and use other resources.
type Resource struct {
	name string
	max  int

	mu      sync.Mutex
	cond    sync.Cond // on mu: Begin waits on it while deferred work runs
	active  int       // phases in progress
	waiting int       // Begin calls waiting for the running function
	running bool      // a deferred function is running (then active == 0)
	queue   ring[func()]
}

// Name is the resource's name.
func (r *Resource) Name() string { return r.name }

// Begin starts a phase and returns the function that ends it; ending a
// phase more than once does nothing. When the last phase in progress
// ends, the queued work runs on the goroutine that ended it, before end
// returns, outside any lock.
func (r *Resource) Begin() (end func()) {
	r.mu.Lock()
	for r.running {
		r.waiting++
		r.cond.Wait()
		r.waiting--
	}
	r.active++
	r.mu.Unlock()
	ended := false
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if ended {
			return
		}
		ended = true
		r.active--
		r.drainLocked()
	}
}

// Defer runs fn once no phase of the resource is in progress: at once, on
// the caller's goroutine, if none is and no earlier work is waiting;
// otherwise it queues fn behind that work, to run when the phase ends.
//
// # Errors
//
// ErrDeferFull (wrapped) when MaxPending functions are queued already;
// fn was not queued and will not run.
func (r *Resource) Defer(fn func()) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queue.len() >= r.max {
		return fmt.Errorf("resource %q: %w: %d functions wait for its phase to end; retry after it or raise PhasesOptions.MaxPending", r.name, ErrDeferFull, r.max)
	}
	r.queue.push(fn)
	r.drainLocked()
	return nil
}

// Pending is the number of deferred functions waiting to run.
func (r *Resource) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queue.len()
}

// drainLocked runs the queued functions, in order, while no phase is in
// progress or waiting to begin and no other goroutine is running one.
// Lock should be held; it is held again on return, also if a function
// panics (the rest stay queued).
func (r *Resource) drainLocked() {
	for r.active == 0 && r.waiting == 0 && !r.running && r.queue.len() > 0 {
		r.runLocked(r.queue.pop())
	}
}

// runLocked runs fn with the lock released. Lock should be held.
func (r *Resource) runLocked(fn func()) {
	r.running = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		if r.waiting > 0 {
			r.cond.Broadcast()
		}
	}()
	fn()
}
