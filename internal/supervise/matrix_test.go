package supervise

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/actor"
)

// TestMatrix is modelled on Erlang's supervisor_SUITE: for each strategy,
// restart type and exit reason, the middle child b of a, b, c exits; the
// test checks which children restart or are removed, and the hook order.
func TestMatrix(t *testing.T) {
	exits := []struct {
		name   string
		reason actor.ExitReason
		do     func(*actor.System, actor.PID) error
		hooks  []string // b's own hooks as it exits
	}{
		{"normal", actor.ExitNormal, func(s *actor.System, p actor.PID) error { return s.Send(p, "stop", nil) }, []string{"b:pre_stop", "b:post_stop"}},
		{"shutdown", actor.ExitShutdown, func(s *actor.System, p actor.PID) error { return s.Stop(context.Background(), p) }, []string{"b:pre_stop", "b:post_stop"}},
		{"abnormal", actor.ExitAbnormal, func(s *actor.System, p actor.PID) error { return s.Send(p, "crash", nil) }, nil},
	}
	for _, strat := range []Strategy{OneForOne, OneForAll, RestForOne} {
		for _, rt := range []Restart{Permanent, Transient, Temporary} {
			for _, ex := range exits {
				t.Run(fmt.Sprintf("%v/%v/%s", strat, rt, ex.name), func(t *testing.T) {
					sys := newSystem(t)
					j := newJournal()
					sup, w := start(t, sys, Spec{Name: "root", Strategy: strat, Children: []ChildSpec{
						{Name: "a", Factory: recFactory(j, "a")},
						{Name: "b", Factory: recFactory(j, "b"), Restart: rt},
						{Name: "c", Factory: recFactory(j, "c")},
					}})
					before := sup.Tree()
					mark := len(j.get())
					if err := ex.do(sys, childOf(t, before, "b").PID); err != nil {
						t.Fatal(err)
					}
					restarted := restarts(rt, ex.reason)
					want := slices.Clone(ex.hooks)
					var group []string
					if restarted {
						switch strat {
						case OneForOne:
							group = []string{"b"}
						case OneForAll:
							group = []string{"a", "b", "c"}
						case RestForOne:
							group = []string{"b", "c"}
						}
						for _, g := range slices.Backward(group) {
							if g != "b" {
								want = append(want, g+":pre_stop", g+":post_stop")
							}
						}
						for _, g := range group {
							want = append(want, g+":pre_start", g+":post_start")
						}
						w.until(t, sup, "the restarts", func(tr Node) bool {
							last := childOf(t, tr, group[len(group)-1])
							return last.Restarts == 1 && last.State == stateRunning
						})
					} else {
						w.until(t, sup, "b's removal", func(tr Node) bool {
							return !hasChild(tr, "b") || childOf(t, tr, "b").State == stateStopped
						})
					}
					barrier(t, sup)
					if got := j.since(mark); !slices.Equal(got, want) {
						t.Fatalf("hooks:\n got %v\nwant %v", got, want)
					}
					after := sup.Tree()
					for _, name := range []string{"a", "b", "c"} {
						old := childOf(t, before, name)
						if name == "b" && !restarted {
							if rt == Temporary {
								if hasChild(after, "b") {
									t.Fatalf("temporary b not removed: %+v", after)
								}
							} else if st := childOf(t, after, "b").State; st != stateStopped {
								t.Fatalf("b state %s, want stopped", st)
							}
							continue
						}
						now := childOf(t, after, name)
						if now.State != stateRunning {
							t.Fatalf("%s state %s", name, now.State)
						}
						inGroup := slices.Contains(group, name)
						if inGroup != (now.PID != old.PID) || (inGroup != (now.Restarts == 1)) {
							t.Fatalf("%s: in group %v, PID %s → %s, restarts %d", name, inGroup, old.PID, now.PID, now.Restarts)
						}
						if inGroup && name != "b" && now.PID.Index() != old.PID.Index() {
							t.Fatalf("%s was not restarted in place: %s → %s", name, old.PID, now.PID)
						}
					}
					if restarted {
						if h := childOf(t, after, "b").History; len(h) != 1 || !strings.Contains(h[0].Reason, `component "b"`) {
							t.Fatalf("history %+v", h)
						}
					}
				})
			}
		}
	}
}

func TestTemporaryBystanderOneForAll(t *testing.T) {
	sys := newSystem(t)
	j := newJournal()
	sup, err := Start(sys, Spec{Strategy: OneForAll, Children: []ChildSpec{
		{Name: "a", Factory: recFactory(j, "a")},
		{Name: "tmp", Factory: recFactory(j, "tmp"), Restart: Temporary},
		{Name: "c", Factory: recFactory(j, "c")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	mark := len(j.get())
	if err := sys.Send(childOf(t, sup.Tree(), "a").PID, "crash", nil); err != nil {
		t.Fatal(err)
	}
	j.waitCount(t, "c:post_start", 2)
	barrier(t, sup)
	want := []string{"c:pre_stop", "c:post_stop", "tmp:pre_stop", "tmp:post_stop", "a:pre_start", "a:post_start", "c:pre_start", "c:post_start"}
	if got := j.since(mark); !slices.Equal(got, want) {
		t.Fatalf("hooks:\n got %v\nwant %v", got, want)
	}
	if tr := sup.Tree(); hasChild(tr, "tmp") || len(tr.Children) != 2 {
		t.Fatalf("the temporary bystander is still there: %+v", tr)
	}
	if _, err := sys.Lookup("tmp"); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("tmp still registered: %v", err)
	}
}

// find looks name up anywhere in the tree.
func find(n Node, name string) (Child, bool) {
	for _, c := range n.Children {
		if c.Name == name {
			return c, true
		}
		if c.Supervisor != nil {
			if x, ok := find(*c.Supervisor, name); ok {
				return x, true
			}
		}
	}
	return Child{}, false
}

// crashAndWait crashes name and waits until its supervisor restarted it,
// and everything else is running again.
func crashAndWait(t *testing.T, sys *actor.System, sup *Supervisor, w *watcher, name string) {
	t.Helper()
	c, _ := find(sup.Tree(), name)
	if err := sys.Send(c.PID, "crash", nil); err != nil {
		t.Fatal(err)
	}
	w.until(t, sup, name+"'s restart", func(tr Node) bool {
		now, ok := find(tr, name)
		return ok && now.PID != c.PID && now.State == stateRunning && allRunning(tr)
	})
}

func allRunning(n Node) bool {
	for _, c := range n.Children {
		if c.State != stateRunning || c.Supervisor != nil && !allRunning(*c.Supervisor) {
			return false
		}
	}
	return n.State == "running"
}

func TestIntensityWithinAndOutsidePeriod(t *testing.T) {
	t.Run("spread_outside_period", func(t *testing.T) {
		sys := newSystem(t)
		j := newJournal()
		clk := newFakeClock()
		sup, w := start(t, sys, Spec{Name: "root", Intensity: 2, Period: 10 * time.Second, Clock: clk.Now,
			Children: []ChildSpec{{Name: "w", Factory: recFactory(j, "w")}}})
		for range 6 {
			clk.Advance(6 * time.Second) // at most two restarts in any 10 s
			crashAndWait(t, sys, sup, w, "w")
		}
		if err := sup.Err(); err != nil {
			t.Fatalf("gave up: %v", err)
		}
		if tr := sup.Tree(); childOf(t, tr, "w").Restarts != 6 || len(tr.Restarts) > 2 {
			t.Fatalf("tree %+v", tr)
		}
	})
	t.Run("inside_period", func(t *testing.T) {
		sys := newSystem(t)
		j := newJournal()
		clk := newFakeClock()
		sup, w := start(t, sys, Spec{Name: "root", Intensity: 2, Period: 10 * time.Second, Clock: clk.Now,
			Children: []ChildSpec{{Name: "w", Factory: recFactory(j, "w")}, {Name: "x", Factory: recFactory(j, "x")}}})
		for range 2 {
			clk.Advance(4 * time.Second)
			crashAndWait(t, sys, sup, w, "w")
		}
		clk.Advance(1 * time.Second) // three exits within 9 s > intensity 2
		pid, _ := sys.Lookup("w")
		mark := len(j.get())
		sys.Send(pid, "crash", nil)
		<-sys.ShutdownRequested()
		err := sys.Shutdown(ctxT(t))
		if !errors.Is(err, ErrGaveUp) || !strings.Contains(err.Error(), `root: gave up after 3 restarts in 10s: component "w": crashed: panic: boom`) {
			t.Fatalf("shutdown error: %v", err)
		}
		// give-up stops the children in reverse start order
		if got, want := j.since(mark), []string{"x:pre_stop", "x:post_stop"}; !slices.Equal(got, want) {
			t.Fatalf("hooks %v, want %v", got, want)
		}
		if tr := sup.Tree(); tr.State != "failed" || tr.Err == nil {
			t.Fatalf("tree %+v", tr)
		}
	})
}

func TestEscalationCauseChain(t *testing.T) {
	sys := newSystem(t)
	j := newJournal()
	clk := newFakeClock()
	sup, w := start(t, sys, Spec{Name: "root", Intensity: 1, Clock: clk.Now, Children: []ChildSpec{
		{Name: "logger", Factory: recFactory(j, "logger")},
		{Name: "pipeline", Supervisor: &Spec{Strategy: RestForOne, Intensity: 1, Children: []ChildSpec{
			{Name: "tokenizer", Factory: recFactory(j, "tokenizer")},
			{Name: "producer", Factory: recFactory(j, "producer"), Restart: Transient},
		}}},
	}})
	tr := sup.Tree()
	if p := childOf(t, tr, "pipeline"); p.Supervisor == nil || p.Supervisor.Strategy != RestForOne || len(p.Supervisor.Children) != 2 {
		t.Fatalf("tree %+v", tr)
	}
	crashAndWait(t, sys, sup, w, "tokenizer") // pipeline restarts it (1 of 1)
	mark := len(j.get())
	crashAndWait(t, sys, sup, w, "tokenizer") // pipeline gives up, root restarts pipeline (1 of 1)
	want := []string{"producer:pre_stop", "producer:post_stop", "tokenizer:pre_start", "tokenizer:post_start", "producer:pre_start", "producer:post_start"}
	if got := j.since(mark); !slices.Equal(got, want) {
		t.Fatalf("hooks after escalation:\n got %v\nwant %v", got, want)
	}
	if p := childOf(t, sup.Tree(), "pipeline"); p.Restarts != 1 || p.State != stateRunning || p.Supervisor.State != "running" {
		t.Fatalf("pipeline %+v", p)
	}
	crashAndWait(t, sys, sup, w, "tokenizer")
	pid, _ := sys.Lookup("tokenizer")
	sys.Send(pid, "crash", nil) // pipeline gives up again; root exceeds 1
	<-sys.ShutdownRequested()
	err := sys.Shutdown(ctxT(t))
	const chain = `root: gave up after 2 restarts in 5s: pipeline: gave up after 2 restarts in 5s: component "tokenizer": crashed: panic: boom`
	if err == nil || !strings.Contains(err.Error(), chain) {
		t.Fatalf("shutdown error:\n%v\nwant it to contain\n%s", err, chain)
	}
	var g *GiveUpError
	if !errors.As(err, &g) || g.Supervisor != "root" || !errors.As(g.Err, &g) || g.Supervisor != "pipeline" {
		t.Fatalf("cause chain is not typed: %v", err)
	}
	if _, err := sys.Lookup("logger"); !errors.Is(err, actor.ErrNotFound) {
		t.Fatal("logger survived the root giving up")
	}
}

func TestHangingRestartLoopGivesUp(t *testing.T) {
	sys := newSystem(t)
	starts := 0
	f := func() (actor.Component, error) {
		starts++
		if starts > 1 {
			return &failStart{}, nil
		}
		return &rec{j: newJournal(), tag: "w"}, nil
	}
	sup, err := Start(sys, Spec{Name: "root", Children: []ChildSpec{{Name: "w", Factory: f}}})
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := sys.Lookup("w")
	sys.Send(pid, "crash", nil)
	select {
	case <-sys.ShutdownRequested():
	case <-time.After(10 * time.Second):
		t.Fatal("a restart loop whose starts always fail did not end in a give-up")
	}
	if err := sup.Err(); !errors.Is(err, ErrGaveUp) || !strings.Contains(err.Error(), "restart failed") {
		t.Fatalf("cause: %v", err)
	}
	if starts != 1+DefaultIntensity {
		t.Fatalf("%d starts, want %d", starts, 1+DefaultIntensity)
	}
}

type failStart struct{ rec }

func (*failStart) PreStart(*actor.Context) error { return errors.New("cannot start") }

func TestStopTimeoutKills(t *testing.T) {
	sys := newSystem(t)
	ev, cancel := sys.Events(256)
	defer cancel()
	j := newJournal()
	block := make(chan struct{})
	defer close(block)
	f := func() (actor.Component, error) {
		return &rec{j: j, tag: "slow", preStop: func() { <-block }}, nil
	}
	sup, err := Start(sys, Spec{Children: []ChildSpec{
		{Name: "slow", Factory: f, Shutdown: 30 * time.Millisecond},
		{Name: "ok", Factory: recFactory(j, "ok")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.TerminateChild(ctxT(t), "slow"); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case e := <-ev:
			if e.Type != actor.EventKilled {
				continue
			}
			if e.Name != "slow" || !strings.Contains(e.Reason, "pre_stop") || !strings.Contains(e.Reason, "30ms") {
				t.Fatalf("killed event: %+v", e)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no killed event")
		}
		break
	}
	if hasChild(sup.Tree(), "slow") {
		t.Fatal("slow not removed")
	}
	if _, err := sys.Request(ctxT(t), childOf(t, sup.Tree(), "ok").PID, "count", nil); err != nil {
		t.Fatalf("the supervisor did not go on: %v", err)
	}
}

func TestBrutalKillSkipsHooks(t *testing.T) {
	sys := newSystem(t)
	j := newJournal()
	sup, err := Start(sys, Spec{Children: []ChildSpec{{Name: "b", Factory: recFactory(j, "b"), Brutal: true}}})
	if err != nil {
		t.Fatal(err)
	}
	mark := len(j.get())
	if err := sup.TerminateChild(ctxT(t), "b"); err != nil {
		t.Fatal(err)
	}
	if got := j.since(mark); len(got) != 0 {
		t.Fatalf("brutal kill ran hooks: %v", got)
	}
}
