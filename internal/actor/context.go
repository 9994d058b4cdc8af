package actor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Context is a component's handle on the system, passed to its hooks and
// handler. Messages sent through it carry the component's PID as sender.
// It is valid for the life of the process (across restarts); use it only
// from the component's own hooks and handler.
type Context struct {
	sys *System
	p   *process
	// dead is set when the instance this Context was given to was killed:
	// a goroutine that comes back from a killed call can no longer act as
	// the process.
	dead atomic.Bool
}

// errKilledInstance is what a killed instance's Context returns.
func (c *Context) errDead(op string) error {
	return fmt.Errorf("%s by component %q: %w: this instance was killed", op, c.p.name, ErrStopping)
}

// Self is the component's current PID.
func (c *Context) Self() PID { return c.p.pid() }

// Name is the component's registered name.
func (c *Context) Name() string { return c.p.name }

// System is the system the component runs in.
func (c *Context) System() *System { return c.sys }

// Config is the component's configuration from its spawn options.
func (c *Context) Config() json.RawMessage { return c.p.opts.Config }

// Logger logs with the component's name and PID.
func (c *Context) Logger() *slog.Logger {
	return c.sys.log.With(slog.String("component", c.p.name), slog.String("pid", c.Self().String()))
}

// Now is the monotonic time since the system started.
func (c *Context) Now() time.Duration { return c.sys.Since() }

// Send queues a message for to (see System.Send).
func (c *Context) Send(to PID, kind string, data []byte) error {
	if c.dead.Load() {
		return c.errDead("send")
	}
	err := c.sys.send(c.Self(), to, kind, data, 0, 0)
	if err == nil {
		c.p.stats.out.Add(1)
	}
	return err
}

// Request sends a request and waits for the reply (see System.Request).
// The component handles nothing else while it waits.
func (c *Context) Request(ctx context.Context, to PID, kind string, data []byte) ([]byte, error) {
	if c.dead.Load() {
		return nil, c.errDead("request")
	}
	c.p.stats.out.Add(1)
	return c.sys.request(ctx, c.Self(), to, kind, data)
}

// Reply answers the request m.
func (c *Context) Reply(m Message, data []byte) error {
	if c.dead.Load() {
		return c.errDead("reply")
	}
	err := c.sys.reply(m, data)
	if err == nil {
		c.p.stats.out.Add(1)
	}
	return err
}

// ReplyCorr answers the request with correlation id corr.
func (c *Context) ReplyCorr(corr uint64, data []byte) error {
	if c.dead.Load() {
		return c.errDead("reply")
	}
	err := c.sys.ReplyCorr(corr, data)
	if err == nil {
		c.p.stats.out.Add(1)
	}
	return err
}

// Publish sends a copy to every subscriber of topic.
func (c *Context) Publish(topic string, data []byte) error {
	if c.dead.Load() {
		return c.errDead("publish")
	}
	n, err := c.sys.publish(c.Self(), topic, data)
	c.p.stats.out.Add(uint64(n))
	return err
}

// Subscribe subscribes the component to topic (idempotent).
func (c *Context) Subscribe(topic string) error {
	if c.dead.Load() {
		return c.errDead("subscribe")
	}
	return c.sys.subscribe(c.p, topic)
}

// Unsubscribe removes the component's subscription to topic.
func (c *Context) Unsubscribe(topic string) error { return c.sys.Unsubscribe(c.Self(), topic) }

// Lookup resolves a registered name (see System.Lookup).
func (c *Context) Lookup(name string) (PID, error) { return c.sys.Lookup(name) }

// Link resolves an alias from the spawn options' Links to a PID.
func (c *Context) Link(alias string) (PID, error) {
	name, ok := c.p.opts.Links[alias]
	if !ok {
		return 0, fmt.Errorf("component %q: link %q: %w: not declared in its links", c.p.name, alias, ErrNotFound)
	}
	return c.sys.Lookup(name)
}

// Stop asks for the component to stop after the messages already accepted;
// it returns at once.
func (c *Context) Stop() {
	if !c.dead.Load() {
		c.p.stopReq.Store(true)
	}
}

// ShutdownSystem asks the whole system to shut down (in the background)
// and returns at once. Embedders see it on System.ShutdownRequested.
func (c *Context) ShutdownSystem() { c.sys.requestShutdown() }
