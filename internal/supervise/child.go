package supervise

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

// Child states as Tree shows them.
const (
	stateRunning    = "running"
	stateRestarting = "restarting"
	stateSuspended  = "suspended"
	stateStopped    = "stopped"
	stateFailed     = "failed"
)

// historyLen is how many restarts a child's history keeps.
const historyLen = 16

// child is one entry of a node. Fields are written under the node's mu by
// its queue goroutine.
type child struct {
	spec    ChildSpec
	factory actor.Factory // current (a swap replaces it)
	sub     *node
	watch   *watch

	h         *actor.Handle // nil when no process exists
	incarn    uint64
	state     string
	restarts  int
	history   []Restarted
	consec    int // consecutive restarts, for backoff
	startedAt time.Time
	gen       int // bumped on every (re)start and removal: stale timers do nothing
}

// Restarted is one entry of a child's restart history.
type Restarted struct {
	Time   time.Time
	Reason string
	Delay  time.Duration
}

// watch is the actor.Watcher of one child process.
type watch struct {
	n *node
	c *child

	mu   sync.Mutex // guards errs
	errs []time.Time
}

func (w *watch) Exited(x actor.Exit) {
	w.n.post(func() { w.n.onExit(w.c, x) })
}

func (w *watch) HandlerFailed(_ actor.PID, err error) bool {
	spec := &w.c.spec
	if spec.OnError == ErrorRestart {
		return true
	}
	r := spec.ErrorRate
	if r.Max <= 0 || r.Window <= 0 {
		return false
	}
	now := w.n.spec.Clock()
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := w.errs[:0]
	for _, t := range w.errs {
		if now.Sub(t) < r.Window {
			keep = append(keep, t)
		}
	}
	w.errs = append(keep, now)
	if len(w.errs) > r.Max {
		w.errs = w.errs[:0]
		return true
	}
	return false
}

// startChild starts c: a new process, a resumed one, or a nested
// supervisor's children. Queue only.
func (n *node) startChild(c *child, restart bool) error {
	ctx := context.Background()
	var err error
	var oldPID actor.PID
	switch {
	case c.sub != nil:
		err = c.sub.call(ctx, c.sub.startAll)
	default:
		n.mu.Lock()
		h, f := c.h, c.factory
		n.mu.Unlock()
		if h != nil {
			oldPID = h.PID()
			select {
			case <-h.Done(): // the process ended: spawn a new one
				h = nil
			default:
			}
		}
		if h == nil {
			opts := c.spec.Spawn
			opts.Name = c.spec.Name
			h, err = n.sys.SpawnSupervised(ctx, f, opts, c.watch, c.spec.StartTimeout)
		} else {
			err = h.Resume(ctx, actor.ResumeOptions{Timeout: c.spec.StartTimeout, Factory: f, Reason: fmt.Sprintf("restart by %s", n.where())})
		}
		n.mu.Lock()
		c.h = h
		n.mu.Unlock()
	}
	n.mu.Lock()
	c.gen++
	if err != nil {
		c.state = stateFailed
		n.mu.Unlock()
		return err
	}
	c.state = stateRunning
	c.startedAt = n.spec.Clock()
	var ev actor.Event
	if c.h != nil {
		c.incarn = c.h.Incarnation()
		ev = actor.Event{Type: actor.EventRestarted, PID: oldPID, NewPID: c.h.PID(), Name: c.spec.Name}
	}
	if restart {
		c.restarts++
		if k := len(c.history); k > 0 {
			ev.Reason = c.history[k-1].Reason
		}
	}
	if c.spec.Health.Interval > 0 && c.h != nil {
		n.scheduleHealth(c, c.gen)
	}
	n.mu.Unlock()
	if restart && ev.Type != 0 {
		n.sys.Emit(ev)
	}
	return nil
}

// suspendForRestart stops c so that it can be restarted with its
// siblings; a temporary child is terminated and removed instead. Queue
// only.
func (n *node) suspendForRestart(c *child, reason string) {
	if c.spec.Restart == Temporary {
		n.terminate(c, reason)
		n.remove(c)
		return
	}
	if c.sub != nil {
		c.sub.call(context.Background(), func() error {
			c.sub.stopAll(nodeStopped, nil, reason)
			return nil
		})
	} else if h := n.handle(c); h != nil {
		_, err := h.Suspend(context.Background(), actor.StopOptions{Timeout: c.spec.Shutdown, Brutal: c.spec.Brutal, Reason: reason})
		if errors.Is(err, actor.ErrDeadPID) {
			n.mu.Lock()
			c.h = nil
			n.mu.Unlock()
		}
	}
	n.mu.Lock()
	c.gen++
	c.state = stateRestarting
	n.mu.Unlock()
}

// terminate ends c's process (or nested supervisor) for good. Queue only.
func (n *node) terminate(c *child, reason string) {
	if c.sub != nil {
		c.sub.call(context.Background(), func() error {
			c.sub.stopAll(nodeStopped, nil, reason)
			return nil
		})
	} else if h := n.handle(c); h != nil {
		_, _ = h.Terminate(context.Background(), actor.StopOptions{Timeout: c.spec.Shutdown, Brutal: c.spec.Brutal, Reason: reason})
	}
	n.mu.Lock()
	c.h = nil
	c.gen++
	c.state = stateStopped
	n.mu.Unlock()
}

func (n *node) handle(c *child) *actor.Handle {
	n.mu.Lock()
	defer n.mu.Unlock()
	return c.h
}

// scheduleHealth arms the next health check of c. Lock should be held.
func (n *node) scheduleHealth(c *child, gen int) {
	h := c.h
	hs := c.spec.Health
	time.AfterFunc(hs.Interval, func() {
		n.mu.Lock()
		ok := c.gen == gen && c.state == stateRunning
		n.mu.Unlock()
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), hs.Timeout)
		_, err := n.sys.Request(ctx, h.PID(), HealthKind, nil)
		cancel()
		switch {
		case err == nil || errors.Is(err, actor.ErrNoReply):
			n.mu.Lock()
			if c.gen == gen && c.state == stateRunning {
				n.scheduleHealth(c, gen)
			}
			n.mu.Unlock()
		case errors.Is(err, actor.ErrTimeout):
			n.post(func() {
				n.unhealthy(c, gen, true, fmt.Errorf("component %q: health check: no answer within %v", c.spec.Name, hs.Timeout))
			})
		case errors.Is(err, actor.ErrDeadPID), errors.Is(err, actor.ErrStopping):
			// restarting or stopping: the next start arms a new check
		default:
			n.post(func() {
				n.unhealthy(c, gen, false, fmt.Errorf("component %q: health check: %w", c.spec.Name, err))
			})
		}
	})
}

// unhealthy stops c (killing it if it did not answer) and handles that as
// an abnormal exit. Queue only.
func (n *node) unhealthy(c *child, gen int, kill bool, cause error) {
	n.mu.Lock()
	ok := c.gen == gen && c.state == stateRunning && n.state == nodeRunning
	h := c.h
	n.mu.Unlock()
	if !ok || h == nil {
		return
	}
	if _, err := h.Suspend(context.Background(), actor.StopOptions{Brutal: kill, Timeout: c.spec.Shutdown, Reason: cause.Error()}); err != nil {
		return // it ended meanwhile; its exit is on the queue
	}
	n.mu.Lock()
	c.gen++
	n.mu.Unlock()
	n.handleExit(c, actor.ExitAbnormal, cause)
}
