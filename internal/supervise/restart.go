package supervise

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

// onExit handles an exit a child process reported. Queue only.
func (n *node) onExit(c *child, x actor.Exit) {
	n.mu.Lock()
	current := c.h != nil && slices.Contains(n.children, c) && x.Incarnation == c.incarn && c.state == stateRunning
	if current && x.Final {
		c.h = nil
	}
	st := n.state
	n.mu.Unlock()
	if !current {
		return // an instance already replaced, or a child already handled
	}
	if st != nodeRunning || n.sys.IsStopping() {
		if !x.Final {
			n.terminate(c, "supervisor stopping")
		}
		return
	}
	var cause error
	switch x.Reason {
	case actor.ExitAbnormal:
		cause = fmt.Errorf("component %q: %w", c.spec.Name, x.Err)
	case actor.ExitNormal:
		cause = fmt.Errorf("component %q: exited normally", c.spec.Name)
	default:
		cause = fmt.Errorf("component %q: shut down", c.spec.Name)
	}
	n.handleExit(c, x.Reason, cause)
}

// onSubExit handles a nested supervisor giving up. Queue only.
func (n *node) onSubExit(c *child, cause error) {
	n.mu.Lock()
	current := slices.Contains(n.children, c) && c.state == stateRunning
	st := n.state
	n.mu.Unlock()
	if !current || st != nodeRunning || n.sys.IsStopping() {
		return
	}
	n.handleExit(c, actor.ExitAbnormal, cause)
}

func restarts(r Restart, reason actor.ExitReason) bool {
	switch r {
	case Permanent:
		return true
	case Transient:
		return reason == actor.ExitAbnormal
	}
	return false
}

// handleExit applies the restart type, the intensity and the strategy to
// an exit of c, whose instance is gone (its process suspended or ended).
// Queue only.
func (n *node) handleExit(c *child, reason actor.ExitReason, cause error) {
	if !restarts(c.spec.Restart, reason) {
		n.terminate(c, reason.String()+" exit")
		if c.spec.Restart == Temporary || n.spec.Strategy == SimpleOneForOne {
			n.remove(c)
		}
		return
	}
	now := n.spec.Clock()
	n.mu.Lock()
	n.restarts = append(n.restarts, now)
	n.restarts = slices.DeleteFunc(n.restarts, func(t time.Time) bool { return now.Sub(t) >= n.spec.Period })
	count := len(n.restarts)
	if now.Sub(c.startedAt) >= c.spec.Backoff.resetAfter(n.spec.Period) {
		c.consec = 0
	}
	c.consec++
	delay := c.spec.Backoff.delay(c.consec, n.spec.Rand)
	c.history = append(c.history, Restarted{Time: now, Reason: cause.Error(), Delay: delay})
	if len(c.history) > historyLen {
		c.history = slices.Delete(c.history, 0, len(c.history)-historyLen)
	}
	c.state = stateRestarting
	c.gen++
	n.mu.Unlock()
	if count > n.spec.Intensity {
		n.giveUp(&GiveUpError{Supervisor: n.spec.Name, Restarts: count, Period: n.spec.Period, Err: cause})
		return
	}
	group := n.group(c)
	for _, g := range slices.Backward(group) {
		if g != c {
			n.suspendForRestart(g, fmt.Sprintf("restart of %q", c.spec.Name))
		}
	}
	n.mu.Lock()
	epoch := n.epoch
	n.mu.Unlock()
	if delay <= 0 {
		n.restartGroup(c, group, epoch)
		return
	}
	time.AfterFunc(delay, func() { n.post(func() { n.restartGroup(c, group, epoch) }) })
}

// group is the children that restart with c, in start order.
func (n *node) group(c *child) []*child {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.spec.Strategy {
	case OneForAll:
		return slices.Clone(n.children)
	case RestForOne:
		i := slices.Index(n.children, c)
		return slices.Clone(n.children[i:])
	}
	return []*child{c}
}

// restartGroup starts the group in order. A start that fails is another
// exit of that child: it goes through handleExit again (counting against
// the intensity), and the rest of the group waits for that round. Queue
// only.
func (n *node) restartGroup(c *child, group []*child, epoch int) {
	n.mu.Lock()
	if n.epoch != epoch || n.state != nodeRunning {
		n.mu.Unlock()
		return
	}
	n.mu.Unlock()
	for _, g := range group {
		n.mu.Lock()
		skip := g.state != stateRestarting || !slices.Contains(n.children, g)
		n.mu.Unlock()
		if skip {
			continue
		}
		if err := n.startChild(g, true); err != nil {
			n.mu.Lock()
			g.state = stateRunning // so that handleExit treats it as current
			n.mu.Unlock()
			n.handleExit(g, actor.ExitAbnormal, fmt.Errorf("component %q: restart failed: %w", g.spec.Name, err))
			return
		}
	}
}

// giveUp stops every child in reverse start order and fails to the
// parent; a root fails the system. Queue only.
func (n *node) giveUp(cause *GiveUpError) {
	n.stopAll(nodeFailed, cause, "supervisor gave up")
	n.sys.Emit(actor.Event{Type: actor.EventGaveUp, Name: n.spec.Name, Reason: cause.Error(), Err: cause})
	if p := n.parent; p != nil {
		p.post(func() { p.onSubExit(n.self, cause) })
		return
	}
	n.sys.Fail(cause)
}

// startDynamic adds a child to a running supervisor. Queue only.
func (n *node) startDynamic(cs ChildSpec) (actor.PID, error) {
	n.mu.Lock()
	st := n.state
	if n.spec.Strategy == SimpleOneForOne {
		t := *n.spec.Template
		n.dynSeq++
		if cs.Name == "" {
			base := t.Name
			if base == "" {
				base = n.spec.Name
			}
			cs.Name = fmt.Sprintf("%s-%d", base, n.dynSeq)
		}
		t.Name = cs.Name
		if cs.Spawn.Config != nil {
			t.Spawn.Config = cs.Spawn.Config
		}
		cs = t
	}
	taken := false
	for _, c := range n.children {
		taken = taken || c.spec.Name == cs.Name
	}
	n.mu.Unlock()
	if st != nodeRunning {
		return 0, fmt.Errorf("%s: start child %q: %w", n.where(), cs.Name, ErrNotRunning)
	}
	if taken {
		return 0, fmt.Errorf("%s: start child %q: %w: a child has that name", n.where(), cs.Name, actor.ErrNameTaken)
	}
	c, err := n.newChild(cs)
	if err != nil {
		return 0, err
	}
	if err := n.startChild(c, false); err != nil {
		return 0, fmt.Errorf("%s: start child %q: %w", n.where(), cs.Name, err)
	}
	n.mu.Lock()
	n.children = append(n.children, c)
	n.mu.Unlock()
	if c.h != nil {
		return c.h.PID(), nil
	}
	return 0, nil
}

// terminateChild stops and removes the named child. Queue only.
func (n *node) terminateChild(name string) error {
	c := n.find(name)
	if c == nil {
		return fmt.Errorf("%s: terminate child %q: %w", n.where(), name, actor.ErrNotFound)
	}
	n.terminate(c, "terminated by its supervisor")
	n.remove(c)
	return nil
}

// swap replaces the named child's factory, handing state across. Queue
// only.
func (n *node) swap(ctx context.Context, name string, f actor.Factory) error {
	c := n.find(name)
	if c == nil || c.sub != nil {
		return fmt.Errorf("%s: swap %q: %w: no such component", n.where(), name, actor.ErrNotFound)
	}
	n.mu.Lock()
	h, state := c.h, c.state
	n.mu.Unlock()
	if h == nil || state != stateRunning {
		// Not running: the next (re)start uses f.
		n.mu.Lock()
		c.factory = f
		n.mu.Unlock()
		return nil
	}
	err := h.Swap(ctx, f, actor.StopOptions{Timeout: c.spec.Shutdown, Reason: "swap"}, c.spec.StartTimeout)
	n.mu.Lock()
	if err == nil {
		c.factory = f
		c.incarn = h.Incarnation()
		c.gen++
		if c.spec.Health.Interval > 0 {
			n.scheduleHealth(c, c.gen)
		}
	}
	n.mu.Unlock()
	if err != nil {
		if h.State() == "suspended" {
			// The new version did not start: restart the old one.
			n.handleExit(c, actor.ExitAbnormal, fmt.Errorf("component %q: swap failed: %w", name, err))
		}
		return fmt.Errorf("%s: swap %q: %w", n.where(), name, err)
	}
	return nil
}
