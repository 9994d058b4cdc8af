package actor

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
)

func quietSystem(t testing.TB, cfg Config) *System {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := NewSystem(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// journal records hook calls across components, in order.
type journal struct {
	mu    sync.Mutex
	lines []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	j.lines = append(j.lines, s)
	j.mu.Unlock()
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.lines)
}

type recorder struct {
	j    *journal
	tag  string
	recv func(*Context, Message) error
}

func (r *recorder) PreStart(*Context) error  { r.j.add(r.tag + ":pre_start"); return nil }
func (r *recorder) PostStart(*Context) error { r.j.add(r.tag + ":post_start"); return nil }
func (r *recorder) PreStop(*Context) error   { r.j.add(r.tag + ":pre_stop"); return nil }
func (r *recorder) PostStop(*Context) error  { r.j.add(r.tag + ":post_stop"); return nil }
func (r *recorder) Receive(c *Context, m Message) error {
	r.j.add(r.tag + ":" + m.Kind)
	if r.recv != nil {
		return r.recv(c, m)
	}
	return nil
}

func factoryOf(c Component) Factory { return func() (Component, error) { return c, nil } }

// waitEvent waits for the first event matching ok, failing after 5 s.
func waitEvent(t *testing.T, ch <-chan Event, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-ch:
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatal("timed out waiting for an event")
		}
	}
}

func TestLifecycleOrderAndReverseShutdown(t *testing.T) {
	j := &journal{}
	s := NewSystem(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var pids []PID
	for _, tag := range []string{"a", "b", "c"} {
		pid, err := s.Spawn(factoryOf(&recorder{j: j, tag: tag}), SpawnOptions{Name: tag})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if _, err := s.Request(context.Background(), pids[1], "ping", nil); !errors.Is(err, ErrNoReply) {
		t.Fatalf("request without reply: got %v, want ErrNoReply", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a:pre_start", "a:post_start", "b:pre_start", "b:post_start", "c:pre_start", "c:post_start",
		"b:ping",
		"c:pre_stop", "c:post_stop", "b:pre_stop", "b:post_stop", "a:pre_stop", "a:post_stop",
	}
	if got := j.get(); !slices.Equal(got, want) {
		t.Fatalf("hook order:\n got %v\nwant %v", got, want)
	}
	for _, pid := range pids {
		if err := s.Send(pid, "late", nil); !errors.Is(err, ErrDeadPID) {
			t.Errorf("send after shutdown to %s: got %v, want ErrDeadPID", pid, err)
		}
	}
}

func TestStalePIDIsDeadLettered(t *testing.T) {
	s := quietSystem(t, Config{})
	ev, cancel := s.Events(64)
	defer cancel()
	j := &journal{}
	old, err := s.Spawn(factoryOf(&recorder{j: j, tag: "x"}), SpawnOptions{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	// The slot is reused by the next spawn, with a new generation.
	fresh, err := s.Spawn(factoryOf(&recorder{j: j, tag: "y"}), SpawnOptions{Name: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Index() != old.Index() || fresh.Generation() == old.Generation() {
		t.Fatalf("expected slot reuse with a new generation: old %s new %s", old, fresh)
	}
	err = s.Send(old, "hello", []byte("x"))
	if !errors.Is(err, ErrDeadPID) {
		t.Fatalf("send to stale pid: got %v, want ErrDeadPID", err)
	}
	e := waitEvent(t, ev, func(e Event) bool { return e.Type == EventDeadLetter })
	if e.PID != old || e.Message == nil || e.Message.Kind != "hello" || e.Reason == "" {
		t.Fatalf("dead letter event: %+v", e)
	}
	if _, err := s.Request(context.Background(), fresh, "probe", nil); !errors.Is(err, ErrNoReply) {
		t.Fatal(err)
	}
	if slices.Contains(j.get(), "y:hello") {
		t.Fatal("a message to the stale pid reached the new process")
	}
}

// gate blocks its handler until released, so mailboxes can be filled.
type gate struct {
	Hooks
	entered chan struct{}
	open    chan struct{}
	got     chan string
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 1), open: make(chan struct{}), got: make(chan string, 100)}
}

func (g *gate) Receive(_ *Context, m Message) error {
	if m.Kind == "hold" {
		g.entered <- struct{}{}
		<-g.open
	}
	g.got <- m.Kind
	return nil
}

func TestMailboxOverflowPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy  Overflow
		wantErr error
	}{
		{OverflowFail, ErrMailboxFull},
		{OverflowDrop, nil},
		{OverflowBlock, ErrMailboxFull},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			s := quietSystem(t, Config{})
			ev, cancel := s.Events(64)
			defer cancel()
			g := newGate()
			pid, err := s.Spawn(factoryOf(g), SpawnOptions{Mailbox: MailboxConfig{Capacity: 2, Overflow: tc.policy, BlockTimeout: 20 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(pid, "hold", nil); err != nil {
				t.Fatal(err)
			}
			<-g.entered // the handler holds; the mailbox is empty now
			for _, k := range []string{"m1", "m2"} {
				if err := s.Send(pid, k, nil); err != nil {
					t.Fatalf("send %s: %v", k, err)
				}
			}
			err = s.Send(pid, "m3", nil)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("third send: got %v, want %v", err, tc.wantErr)
			}
			e := waitEvent(t, ev, func(e Event) bool { return e.Type == EventDeadLetter })
			if e.Message.Kind != "m3" {
				t.Fatalf("dead letter for %q, want m3", e.Message.Kind)
			}
			close(g.open)
			var got []string
			for range 3 {
				got = append(got, <-g.got)
			}
			if !slices.Equal(got, []string{"hold", "m1", "m2"}) {
				t.Fatalf("delivered %v", got)
			}
		})
	}
}

func TestBlockPolicyWaitsForRoom(t *testing.T) {
	s := quietSystem(t, Config{})
	g := newGate()
	pid, err := s.Spawn(factoryOf(g), SpawnOptions{Mailbox: MailboxConfig{Capacity: 1, Overflow: OverflowBlock, BlockTimeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(pid, "hold", nil); err != nil {
		t.Fatal(err)
	}
	<-g.entered
	if err := s.Send(pid, "m1", nil); err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 3)
	for _, k := range []string{"b1", "b2", "b3"} {
		go func() { sent <- s.Send(pid, k, nil) }()
	}
	close(g.open)
	for range 3 {
		if err := <-sent; err != nil {
			t.Fatalf("blocked sender: %v", err)
		}
	}
	seen := map[string]bool{}
	for range 5 {
		seen[<-g.got] = true
	}
	for _, k := range []string{"hold", "m1", "b1", "b2", "b3"} {
		if !seen[k] {
			t.Fatalf("%s not delivered: %v", k, seen)
		}
	}
}

func TestRequestReplyAndTimeout(t *testing.T) {
	s := quietSystem(t, Config{})
	echo := ReceiveFunc(func(c *Context, m Message) error {
		switch m.Kind {
		case "echo":
			return c.Reply(m, append([]byte("re:"), m.Data...))
		case "fail":
			return errors.New("refused")
		case "slow":
			time.Sleep(200 * time.Millisecond) // the requester's deadline is shorter
			return c.Reply(m, nil)
		}
		return nil
	})
	pid, err := s.Spawn(factoryOf(echo), SpawnOptions{Name: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Request(context.Background(), pid, "echo", []byte("hi"))
	if err != nil || string(got) != "re:hi" {
		t.Fatalf("echo: %q %v", got, err)
	}
	_, err = s.Request(context.Background(), pid, "fail", nil)
	var re *RemoteError
	if !errors.As(err, &re) || re.Err.Error() != "refused" || re.Target != pid {
		t.Fatalf("handler error: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := s.Request(ctx, pid, "slow", nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("slow: got %v, want ErrTimeout", err)
	}
	// The late reply finds no pending request and must not disturb the next one.
	got, err = s.Request(context.Background(), pid, "echo", []byte("again"))
	if err != nil || string(got) != "re:again" {
		t.Fatalf("echo after timeout: %q %v", got, err)
	}
	if err := s.ReplyCorr(999999, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reply to unknown corr: %v", err)
	}
}

func TestPublishFanOut(t *testing.T) {
	s := quietSystem(t, Config{})
	got := make(chan string, 100)
	sub := ReceiveFunc(func(c *Context, m Message) error {
		if !m.IsPublished() {
			return fmt.Errorf("not flagged published: %+v", m)
		}
		got <- c.Name() + "/" + m.Kind + "/" + string(m.Data)
		return nil
	})
	var pids []PID
	for i := range 5 {
		pid, err := s.Spawn(factoryOf(sub), SpawnOptions{Name: fmt.Sprint("s", i), Subscriptions: []string{"news"}})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if err := s.Subscribe(pids[0], "news"); err != nil { // idempotent
		t.Fatal(err)
	}
	if err := s.Unsubscribe(pids[4], "news"); err != nil {
		t.Fatal(err)
	}
	n, err := s.Publish("news", []byte("x"))
	if err != nil || n != 4 {
		t.Fatalf("publish: %d %v", n, err)
	}
	seen := map[string]bool{}
	for range 4 {
		seen[<-got] = true
	}
	for i := range 4 {
		if !seen[fmt.Sprintf("s%d/news/x", i)] {
			t.Fatalf("s%d missed the message: %v", i, seen)
		}
	}
	if n, _ := s.Publish("nobody", nil); n != 0 {
		t.Fatalf("publish to empty topic reached %d", n)
	}
}

func TestCrashRestartsWithNewGenerationAndKeepsMailbox(t *testing.T) {
	s := quietSystem(t, Config{})
	ev, cancel := s.Events(256)
	defer cancel()
	instances := 0
	got := make(chan string, 10)
	queued := make(chan struct{})
	f := func() (Component, error) {
		instances++
		n := instances
		return ReceiveFunc(func(c *Context, m Message) error {
			if m.Kind == "a" {
				<-queued // everything is queued before the crash bumps the PID
			}
			if m.Kind == "poison" {
				panic("boom")
			}
			got <- fmt.Sprintf("%d:%s", n, m.Kind)
			return nil
		}), nil
	}
	pid, err := s.Spawn(f, SpawnOptions{Name: "w"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "poison", "b"} {
		if err := s.Send(pid, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	close(queued)
	if g := <-got; g != "1:a" {
		t.Fatalf("first: %s", g)
	}
	if g := <-got; g != "2:b" {
		t.Fatalf("after restart: %s (the message queued behind the poison must reach the fresh instance)", g)
	}
	failed := waitEvent(t, ev, func(e Event) bool { return e.Type == EventFailed })
	var ce *CrashError
	if !errors.As(failed.Err, &ce) || failed.Message.Kind != "poison" {
		t.Fatalf("failed event: %+v", failed)
	}
	re := waitEvent(t, ev, func(e Event) bool { return e.Type == EventRestarted })
	if re.PID != pid || re.NewPID.Index() != pid.Index() || re.NewPID.Generation() != pid.Generation()+1 {
		t.Fatalf("restart event: %+v", re)
	}
	if now, _ := s.Lookup("w"); now != re.NewPID {
		t.Fatalf("name resolves to %s, want %s", now, re.NewPID)
	}
	if err := s.Send(pid, "c", nil); !errors.Is(err, ErrDeadPID) {
		t.Fatalf("old pid after restart: %v", err)
	}
	st, _ := s.StatsOf(re.NewPID)
	if st.Restarts != 1 || st.Failures != 1 || st.In != 3 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestFailedRestartStopsProcess(t *testing.T) {
	s := quietSystem(t, Config{})
	ev, cancel := s.Events(256)
	defer cancel()
	starts := 0
	f := func() (Component, error) {
		starts++
		if starts > 1 {
			return nil, errors.New("no more instances")
		}
		return ReceiveFunc(func(*Context, Message) error { panic("boom") }), nil
	}
	pid, err := s.Spawn(f, SpawnOptions{Name: "once"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(pid, "x", nil); err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, ev, func(e Event) bool { return e.Type == EventStopped })
	if e.Reason == "" || e.Name != "once" {
		t.Fatalf("stopped event: %+v", e)
	}
	if _, err := s.Lookup("once"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("name still registered: %v", err)
	}
}

func TestSpawnErrors(t *testing.T) {
	s := quietSystem(t, Config{})
	if _, err := s.Spawn(factoryOf(ReceiveFunc(nil)), SpawnOptions{Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Spawn(factoryOf(ReceiveFunc(nil)), SpawnOptions{Name: "n"}); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("duplicate name: %v", err)
	}
	bad := &recorder{j: &journal{}, tag: "bad"}
	_, err := s.Spawn(func() (Component, error) { return hookFail{bad}, nil }, SpawnOptions{Name: "bad"})
	var he *HookError
	if !errors.As(err, &he) || he.Hook != "pre_start" || he.Name != "bad" {
		t.Fatalf("pre_start failure: %v", err)
	}
	if _, err := s.Lookup("bad"); !errors.Is(err, ErrNotFound) {
		t.Fatal("a failed spawn left its name registered")
	}
	if err := s.Send(1<<48|1, "x", nil); !errors.Is(err, ErrDeadPID) {
		t.Fatalf("unknown node: %v", err)
	}
	if err := s.Send(0, "", nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty kind: %v", err)
	}
}

type hookFail struct{ *recorder }

func (hookFail) PreStart(*Context) error { return errors.New("not today") }

func TestGroupLookupRotates(t *testing.T) {
	s := quietSystem(t, Config{})
	var pids []PID
	for range 3 {
		pid, err := s.Spawn(factoryOf(ReceiveFunc(nil)), SpawnOptions{Name: "pool", Group: true})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	seen := map[PID]int{}
	for range 30 {
		pid, err := s.Lookup("pool")
		if err != nil {
			t.Fatal(err)
		}
		seen[pid]++
	}
	for _, p := range pids {
		if seen[p] != 10 {
			t.Fatalf("rotation uneven: %v", seen)
		}
	}
}

func TestMessageTooLarge(t *testing.T) {
	s := quietSystem(t, Config{MaxMessageSize: 8})
	pid, _ := s.Spawn(factoryOf(ReceiveFunc(nil)), SpawnOptions{})
	if err := s.Send(pid, "k", make([]byte, 9)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	small, _ := s.Spawn(factoryOf(ReceiveFunc(nil)), SpawnOptions{MaxMessageSize: 4})
	if err := s.Send(small, "k", make([]byte, 5)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("per-process limit: got %v", err)
	}
	if err := s.Send(small, "k", make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	p50, p99 := h.quantile(0.5), h.quantile(0.99)
	if p50 < 375*time.Microsecond || p50 > 625*time.Microsecond {
		t.Errorf("p50 %v", p50)
	}
	if p99 < 742*time.Microsecond || p99 > 1238*time.Microsecond {
		t.Errorf("p99 %v", p99)
	}
	for _, v := range []uint64{0, 1, 3, 4, 5, 7, 8, 100, 1 << 20, 1<<40 + 5, 1 << 62} {
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("index %d for %d", i, v)
		}
		if v < 1<<40 && (histLower(i) > v || (i+1 < histBuckets && histLower(i+1) <= v)) {
			t.Fatalf("value %d not within bucket %d [%d,%d)", v, i, histLower(i), histLower(i+1))
		}
	}
}
