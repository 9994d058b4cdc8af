package actor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// exits is a Watcher that records exits on a channel.
type exits struct {
	ch      chan Exit
	onError func(error) bool
}

func newExits() *exits { return &exits{ch: make(chan Exit, 64)} }

func (e *exits) Exited(x Exit) { e.ch <- x }
func (e *exits) HandlerFailed(_ PID, err error) bool {
	return e.onError != nil && e.onError(err)
}

func (e *exits) wait(t *testing.T) Exit {
	t.Helper()
	select {
	case x := <-e.ch:
		return x
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for an exit")
	}
	return Exit{}
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// stateful counts messages and hands its count across instances.
type stateful struct {
	Hooks
	j       *journal
	tag     string
	n       int
	got     chan string
	block   chan struct{} // PreStop blocks on it when set
	entered chan struct{}
}

func (c *stateful) Receive(_ *Context, m Message) error {
	c.n++
	if m.Kind == "crash" {
		panic("boom")
	}
	if m.Kind == "hang" {
		c.entered <- struct{}{}
		<-c.block
	}
	if c.got != nil {
		c.got <- fmt.Sprintf("%s:%s:%d", c.tag, m.Kind, c.n)
	}
	return nil
}
func (c *stateful) PreStart(*Context) error { c.j.add(c.tag + ":pre_start"); return nil }
func (c *stateful) PreStop(*Context) error {
	c.j.add(c.tag + ":pre_stop")
	if c.block != nil && c.entered == nil {
		<-c.block
	}
	return nil
}
func (c *stateful) SaveState(*Context) ([]byte, error) {
	c.j.add(c.tag + ":save")
	return []byte(fmt.Sprint(c.n)), nil
}
func (c *stateful) RestoreState(_ *Context, b []byte) error {
	c.j.add(c.tag + ":restore:" + string(b))
	_, err := fmt.Sscan(string(b), &c.n)
	return err
}

func TestSuspendHoldsMessagesResumeDelivers(t *testing.T) {
	s := quietSystem(t, Config{})
	j := &journal{}
	got := make(chan string, 16)
	w := newExits()
	h, err := s.SpawnSupervised(ctx5(t), func() (Component, error) { return &stateful{j: j, tag: "a", got: got}, nil }, SpawnOptions{Name: "a"}, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	pid := h.PID()
	if err := s.Send(pid, "m1", nil); err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != "a:m1:1" {
		t.Fatal(g)
	}
	res, err := h.Suspend(ctx5(t), StopOptions{Timeout: time.Second})
	if err != nil || string(res.State) != "1" || res.Killed {
		t.Fatalf("suspend: %+v %v", res, err)
	}
	if h.State() != "suspended" {
		t.Fatalf("state %s", h.State())
	}
	for i := range 5 {
		if err := s.Send(pid, fmt.Sprint("q", i), nil); err != nil {
			t.Fatalf("send while suspended: %v", err)
		}
	}
	select {
	case g := <-got:
		t.Fatalf("delivered while suspended: %s", g)
	default:
	}
	if err := h.Resume(ctx5(t), ResumeOptions{KeepPID: true}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if g, want := <-got, fmt.Sprintf("a:q%d:%d", i, i+2); g != want {
			t.Fatalf("got %s, want %s (state carried over)", g, want)
		}
	}
	if h.PID() != pid {
		t.Fatalf("KeepPID changed the PID: %s → %s", pid, h.PID())
	}
	want := []string{"a:pre_start", "a:pre_stop", "a:save", "a:pre_start", "a:restore:1"}
	if g := j.get(); !slices.Equal(g, want) {
		t.Fatalf("hooks %v, want %v", g, want)
	}
	if _, err := h.Suspend(ctx5(t), StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := h.Resume(ctx5(t), ResumeOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.PID() == pid || h.PID().Index() != pid.Index() {
		t.Fatalf("restart in place: %s → %s", pid, h.PID())
	}
	if err := s.Send(pid, "stale", nil); !errors.Is(err, ErrDeadPID) {
		t.Fatalf("old PID after restart: %v", err)
	}
}

func TestSupervisedExits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		act    func(*System, *Handle) error
		reason ExitReason
		final  bool
	}{
		{"crash", func(s *System, h *Handle) error { return s.Send(h.PID(), "crash", nil) }, ExitAbnormal, false},
		{"self_stop", func(s *System, h *Handle) error { return s.Send(h.PID(), "stop", nil) }, ExitNormal, false},
		{"external_stop", func(s *System, h *Handle) error { return s.Stop(context.Background(), h.PID()) }, ExitShutdown, true},
		{"handler_error_policy", func(s *System, h *Handle) error { return s.Send(h.PID(), "err", nil) }, ExitAbnormal, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := quietSystem(t, Config{})
			w := newExits()
			w.onError = func(error) bool { return true }
			f := func() (Component, error) {
				return ReceiveFunc(func(c *Context, m Message) error {
					switch m.Kind {
					case "crash":
						panic("boom")
					case "stop":
						c.Stop()
					case "err":
						return errors.New("bad input")
					}
					return nil
				}), nil
			}
			h, err := s.SpawnSupervised(ctx5(t), f, SpawnOptions{Name: "x"}, w, 0)
			if err != nil {
				t.Fatal(err)
			}
			pid := h.PID()
			if err := tc.act(s, h); err != nil {
				t.Fatal(err)
			}
			x := w.wait(t)
			if x.Reason != tc.reason || x.Final != tc.final || x.PID != pid || x.Incarnation != 1 {
				t.Fatalf("exit %+v", x)
			}
			if tc.final {
				<-h.Done()
				if _, err := s.Lookup("x"); !errors.Is(err, ErrNotFound) {
					t.Fatal("name still registered")
				}
				return
			}
			if h.State() != "suspended" {
				t.Fatalf("state %s", h.State())
			}
			if err := s.Send(pid, "kept", nil); err != nil {
				t.Fatalf("a suspended process must accept: %v", err)
			}
			if err := h.Resume(ctx5(t), ResumeOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Request(ctx5(t), h.PID(), "ping", nil); !errors.Is(err, ErrNoReply) {
				t.Fatal(err)
			}
			if st, _ := s.StatsOf(h.PID()); st.In < 3 {
				t.Fatalf("the message sent while suspended was not handled: %+v", st)
			}
		})
	}
}

type interruptible struct {
	Hooks
	entered     chan struct{}
	release     chan struct{}
	interrupted atomic.Bool
	discarded   chan struct{}
}

func (c *interruptible) Receive(_ *Context, m Message) error {
	if m.Kind == "hang" {
		c.entered <- struct{}{}
		<-c.release
	}
	return nil
}
func (c *interruptible) Interrupt() { c.interrupted.Store(true); close(c.release) }
func (c *interruptible) Discard()   { close(c.discarded) }

func TestStopTimeoutKillsAndAbandons(t *testing.T) {
	s := quietSystem(t, Config{})
	ev, cancel := s.Events(256)
	defer cancel()
	j := &journal{}
	release := make(chan struct{})
	first := true
	f := func() (Component, error) {
		c := &stateful{j: j, tag: "s"}
		if first {
			c.block = release // the first instance hangs in PreStop
			first = false
		}
		return c, nil
	}
	h, err := s.SpawnSupervised(ctx5(t), f, SpawnOptions{Name: "s"}, newExits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.Suspend(ctx5(t), StopOptions{Timeout: 20 * time.Millisecond})
	if err != nil || !res.Killed || res.Hook != "pre_stop" || res.State != nil {
		t.Fatalf("suspend: %+v %v", res, err)
	}
	e := waitEvent(t, ev, func(e Event) bool { return e.Type == EventKilled })
	if !strings.Contains(e.Reason, "pre_stop") {
		t.Fatalf("killed event: %+v", e)
	}
	if err := h.Resume(ctx5(t), ResumeOptions{}); err != nil {
		t.Fatal(err)
	}
	close(release) // the abandoned goroutine returns: it must touch nothing
	for i := range 20 {
		if _, err := s.Request(ctx5(t), h.PID(), fmt.Sprint("m", i), nil); !errors.Is(err, ErrNoReply) {
			t.Fatal(err)
		}
	}
	if _, err := h.Terminate(ctx5(t), StopOptions{Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	<-h.Done()
}

func TestBrutalKillInterruptsHandler(t *testing.T) {
	s := quietSystem(t, Config{})
	c := &interruptible{entered: make(chan struct{}, 1), release: make(chan struct{}), discarded: make(chan struct{})}
	n := 0
	f := func() (Component, error) {
		n++
		if n == 1 {
			return c, nil
		}
		return ReceiveFunc(nil), nil
	}
	h, err := s.SpawnSupervised(ctx5(t), f, SpawnOptions{Name: "i"}, newExits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	reqErr := make(chan error, 1)
	go func() {
		_, err := s.Request(context.Background(), h.PID(), "hang", nil)
		reqErr <- err
	}()
	<-c.entered
	res, err := h.Suspend(ctx5(t), StopOptions{Brutal: true})
	if err != nil || !res.Killed || res.Hook != "receive" {
		t.Fatalf("brutal suspend: %+v %v", res, err)
	}
	if !c.interrupted.Load() {
		t.Fatal("Interrupt was not called")
	}
	if err := <-reqErr; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the request in flight: %v", err)
	}
	if err := h.Resume(ctx5(t), ResumeOptions{}); err != nil {
		t.Fatal(err)
	}
	// The interrupted call returned; its goroutine discards its instance.
	select {
	case <-c.discarded:
	case <-time.After(5 * time.Second):
		t.Fatal("the abandoned goroutine did not discard its instance")
	}
}

func TestStartTimeoutKills(t *testing.T) {
	s := quietSystem(t, Config{})
	hang := make(chan struct{})
	defer close(hang)
	f := func() (Component, error) {
		return &hookFunc{pre: func() error { <-hang; return nil }}, nil
	}
	_, err := s.SpawnSupervised(ctx5(t), f, SpawnOptions{Name: "h"}, newExits(), 20*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "pre_start") {
		t.Fatalf("got %v", err)
	}
	if _, err := s.Lookup("h"); !errors.Is(err, ErrNotFound) {
		t.Fatal("left registered")
	}
}

type hookFunc struct {
	Hooks
	pre func() error
}

func (h *hookFunc) PreStart(*Context) error         { return h.pre() }
func (h *hookFunc) Receive(*Context, Message) error { return nil }

func TestFailCarriesCauseToShutdown(t *testing.T) {
	s := NewSystem(Config{Logger: quietSystem(t, Config{}).Logger()})
	root := errors.New("root: gave up")
	s.Fail(fmt.Errorf("wrapped: %w", root))
	<-s.ShutdownRequested()
	err := s.Shutdown(ctx5(t))
	if !errors.Is(err, root) || !strings.Contains(err.Error(), "wrapped: root: gave up") {
		t.Fatalf("shutdown error: %v", err)
	}
}

// TestSuspendResumeSwapHammer sends from several goroutines while the
// process is suspended, resumed, restarted and swapped: every accepted
// message is handled exactly once.
func TestSuspendResumeSwapHammer(t *testing.T) {
	s := quietSystem(t, Config{})
	const senders, per = 4, 500
	var mu sync.Mutex
	seen := map[string]int{}
	progress := make(chan struct{}, 1)
	f := func() (Component, error) {
		return ReceiveFunc(func(_ *Context, m Message) error {
			if m.Kind == "m" {
				mu.Lock()
				seen[string(m.Data)]++
				mu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
			}
			return nil
		}), nil
	}
	h, err := s.SpawnSupervised(ctx5(t), f, SpawnOptions{Name: "h", Mailbox: MailboxConfig{Capacity: 1 << 14}}, newExits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	pid := h.PID()
	var wg sync.WaitGroup
	var accepted atomic.Int64
	for g := range senders {
		wg.Go(func() {
			for i := range per {
				if s.Send(pid, "m", fmt.Appendf(nil, "%d/%d", g, i)) == nil {
					accepted.Add(1)
				}
			}
		})
	}
	ctlDone := make(chan struct{})
	go func() {
		defer close(ctlDone)
		for i := 0; i < 30; i++ {
			// Brutal kills every other time: a handler may be cut short
			// (it ran: counted once) or not called (requeued).
			if _, err := h.Suspend(context.Background(), StopOptions{Timeout: time.Second, Brutal: i%2 == 1}); err != nil {
				t.Error(err)
				return
			}
			if err := h.Resume(context.Background(), ResumeOptions{KeepPID: true}); err != nil {
				t.Error(err)
				return
			}
			if err := h.Swap(context.Background(), f, StopOptions{Timeout: time.Second}, time.Second); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	<-ctlDone
	if _, err := s.Request(ctx5(t), pid, "flush", nil); !errors.Is(err, ErrNoReply) {
		t.Fatal(err)
	}
	// A handler cut short by a brutal kill may still be finishing on its
	// abandoned goroutine: wait for the count, not for time.
	deadline := time.After(5 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if int64(n) >= accepted.Load() {
			break
		}
		select {
		case <-progress:
		case <-deadline:
			t.Fatalf("handled %d of %d", n, accepted.Load())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if int64(len(seen)) != accepted.Load() || accepted.Load() != senders*per {
		t.Fatalf("handled %d distinct of %d accepted (%d sent)", len(seen), accepted.Load(), senders*per)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s handled %d times", k, n)
		}
	}
}

// zombie hangs in its handler; when released after being killed it tries
// to act as the process.
type zombie struct {
	Hooks
	entered, release chan struct{}
	result           chan error
}

func (z *zombie) Receive(c *Context, m Message) error {
	if m.Kind != "hang" {
		return nil
	}
	z.entered <- struct{}{}
	<-z.release
	z.result <- c.Send(c.Self(), "from-the-dead", nil)
	return nil
}

func TestKilledInstanceContextIsDead(t *testing.T) {
	s := quietSystem(t, Config{})
	ev, cancel := s.Events(256)
	defer cancel()
	z := &zombie{entered: make(chan struct{}, 1), release: make(chan struct{}), result: make(chan error, 1)}
	n := 0
	f := func() (Component, error) {
		n++
		if n == 1 {
			return z, nil
		}
		return ReceiveFunc(func(*Context, Message) error { return nil }), nil
	}
	h, err := s.SpawnSupervised(ctx5(t), f, SpawnOptions{Name: "z"}, newExits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Send(h.PID(), "hang", nil)
	<-z.entered
	if _, err := h.Suspend(ctx5(t), StopOptions{Timeout: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := h.Resume(ctx5(t), ResumeOptions{KeepPID: true}); err != nil {
		t.Fatal(err)
	}
	close(z.release)
	if err := <-z.result; !errors.Is(err, ErrStopping) || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("a killed instance's send: %v", err)
	}
	if _, err := s.Request(ctx5(t), h.PID(), "flush", nil); !errors.Is(err, ErrNoReply) {
		t.Fatal(err)
	}
	if st, _ := s.StatsOf(h.PID()); st.In != 2 {
		t.Fatalf("stats %+v: the zombie's message must not arrive", st)
	}
	waitEvent(t, ev, func(e Event) bool { return e.Type == EventKilled && strings.Contains(e.Reason, "receive") })
}

// lateStop blocks in PreStop until released, then tells when it returned.
type lateStop struct {
	Hooks
	entered, release, returned chan struct{}
}

func (l *lateStop) Receive(*Context, Message) error { return nil }
func (l *lateStop) PreStop(*Context) error {
	defer close(l.returned)
	close(l.entered)
	<-l.release
	return nil
}

// TestTerminateKillRacesLateOwner: the killer tears the process down; the
// owner returning late from PreStop must not tear it down again (a second
// close of done, a second release of the slot).
func TestTerminateKillRacesLateOwner(t *testing.T) {
	s := quietSystem(t, Config{})
	for i := range 20 {
		l := &lateStop{entered: make(chan struct{}), release: make(chan struct{}), returned: make(chan struct{})}
		h, err := s.SpawnSupervised(ctx5(t), factoryOf(l), SpawnOptions{Name: fmt.Sprint("late", i)}, newExits(), 0)
		if err != nil {
			t.Fatal(err)
		}
		live := s.Live()
		type out struct {
			res StopResult
			err error
		}
		first := make(chan out, 1)
		go func() {
			res, err := h.Terminate(context.Background(), StopOptions{})
			first <- out{res, err}
		}()
		<-l.entered
		if _, err := h.Terminate(ctx5(t), StopOptions{Brutal: true}); err != nil && !errors.Is(err, ErrDeadPID) {
			t.Fatal(err)
		}
		o := <-first
		if o.err != nil || !o.res.Killed || o.res.Hook != "pre_stop" {
			t.Fatalf("terminate: %+v %v", o.res, o.err)
		}
		<-h.Done()
		close(l.release)
		<-l.returned
		// Another process takes the slot; the late owner must not free it.
		other, err := s.Spawn(factoryOf(ReceiveFunc(func(*Context, Message) error { return nil })), SpawnOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Live() != live {
			t.Fatalf("live %d, want %d", s.Live(), live)
		}
		if _, err := s.Request(ctx5(t), other, "ping", nil); !errors.Is(err, ErrNoReply) {
			t.Fatal(err)
		}
	}
}
