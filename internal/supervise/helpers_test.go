package supervise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

func newSystem(t testing.TB) *actor.System {
	t.Helper()
	s := actor.NewSystem(actor.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// journal records hook calls in order and wakes waiters on each line.
type journal struct {
	mu    sync.Mutex
	lines []string
	wake  chan struct{}
}

func newJournal() *journal { return &journal{wake: make(chan struct{})} }

func (j *journal) add(s string) {
	j.mu.Lock()
	j.lines = append(j.lines, s)
	close(j.wake)
	j.wake = make(chan struct{})
	j.mu.Unlock()
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.lines)
}

// waitCount waits until line was recorded n times.
func (j *journal) waitCount(t testing.TB, line string, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		j.mu.Lock()
		c := 0
		for _, l := range j.lines {
			if l == line {
				c++
			}
		}
		wake := j.wake
		j.mu.Unlock()
		if c >= n {
			return
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("timed out waiting for %q ×%d; journal: %v", line, n, j.get())
		}
	}
}

func (j *journal) since(i int) []string { return j.get()[i:] }

// rec is a component that journals its hooks and acts on message kinds:
// crash (panic), stop (Context.Stop), err (handler error), hang (blocks).
type rec struct {
	j       *journal
	tag     string
	preStop func() // runs in PreStop
	n       int
}

func (r *rec) PreStart(*actor.Context) error  { r.j.add(r.tag + ":pre_start"); return nil }
func (r *rec) PostStart(*actor.Context) error { r.j.add(r.tag + ":post_start"); return nil }
func (r *rec) PreStop(*actor.Context) error {
	r.j.add(r.tag + ":pre_stop")
	if r.preStop != nil {
		r.preStop()
	}
	return nil
}
func (r *rec) PostStop(*actor.Context) error { r.j.add(r.tag + ":post_stop"); return nil }
func (r *rec) Receive(c *actor.Context, m actor.Message) error {
	r.n++
	switch m.Kind {
	case "crash":
		panic("boom")
	case "stop":
		c.Stop()
	case "err":
		return errors.New("bad input")
	case "count":
		return c.Reply(m, fmt.Append(nil, r.n))
	}
	return nil
}

func recFactory(j *journal, tag string) actor.Factory {
	return func() (actor.Component, error) { return &rec{j: j, tag: tag}, nil }
}

// barrier waits until everything posted to the supervisor so far ran.
func barrier(t testing.TB, s *Supervisor) {
	t.Helper()
	if err := s.n.call(ctxT(t), func() error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func childOf(t testing.TB, n Node, name string) Child {
	t.Helper()
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no child %q in %+v", name, n)
	return Child{}
}

func hasChild(n Node, name string) bool {
	return slices.ContainsFunc(n.Children, func(c Child) bool { return c.Name == name })
}

// fakeClock is a settable clock for the intensity window.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// watcher wakes tests after every supervisor action in a tree.
type watcher struct {
	mu   sync.Mutex
	wake chan struct{}
}

func newWatcher() *watcher { return &watcher{wake: make(chan struct{})} }

func (w *watcher) notify() {
	w.mu.Lock()
	close(w.wake)
	w.wake = make(chan struct{})
	w.mu.Unlock()
}

func (w *watcher) ch() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wake
}

// start starts a supervisor whose actions wake w.
func start(t testing.TB, sys *actor.System, spec Spec) (*Supervisor, *watcher) {
	t.Helper()
	w := newWatcher()
	spec.notify = w.notify
	sup, err := Start(sys, spec)
	if err != nil {
		t.Fatal(err)
	}
	return sup, w
}

// until waits, action by action, for cond to hold on the tree.
func (w *watcher) until(t testing.TB, sup *Supervisor, what string, cond func(Node) bool) Node {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		wake := w.ch()
		if tr := sup.Tree(); cond(tr) {
			return tr
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; tree %+v", what, sup.Tree())
		}
	}
}
