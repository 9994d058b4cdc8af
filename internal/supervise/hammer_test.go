package supervise

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestHammer drives one tree from many goroutines at once — crashes,
// self-stops, external stops, dynamic children, swaps, Tree — and checks
// that it ends consistent and stops cleanly. Run it with -race.
func TestHammer(t *testing.T) {
	sys := newSystem(t)
	j := newJournal()
	sup, w := start(t, sys, Spec{Name: "root", Strategy: OneForAll, Intensity: 1 << 20, Children: []ChildSpec{
		{Name: "a", Factory: recFactory(j, "a"), Shutdown: time.Second},
		{Name: "b", Factory: recFactory(j, "b"), Restart: Transient, Backoff: Backoff{Kind: BackoffFixed, Initial: time.Millisecond}},
		{Name: "pool", Supervisor: &Spec{Strategy: SimpleOneForOne, Intensity: 1 << 20, Template: &ChildSpec{Factory: recFactory(j, "w"), Restart: Transient}}},
		{Name: "c", Factory: recFactory(j, "c"), Health: Health{Interval: time.Millisecond, Timeout: time.Second}},
	}})
	pool := &Supervisor{n: childByName(sup.n, "pool").sub}
	const workers, rounds = 6, 60
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range rounds {
				switch (g + i) % 6 {
				case 0:
					if pid, err := sys.Lookup("a"); err == nil {
						sys.Send(pid, "crash", nil)
					}
				case 1:
					if pid, err := sys.Lookup("c"); err == nil {
						sys.Send(pid, "stop", nil)
					}
				case 2:
					name := fmt.Sprintf("w%d-%d", g, i)
					if _, err := pool.StartChild(context.Background(), ChildSpec{Name: name}); err == nil && i%2 == 0 {
						pool.TerminateChild(context.Background(), name)
					}
				case 3:
					sup.Swap(context.Background(), "c", recFactory(j, "c"))
				case 4:
					_ = sup.Tree()
				case 5:
					if pid, err := sys.Lookup("b"); err == nil {
						sys.Send(pid, "crash", nil)
					}
				}
			}
		})
	}
	wg.Wait()
	w.until(t, sup, "everything running again", func(tr Node) bool {
		for _, name := range []string{"a", "b", "c"} {
			if c := childOf(t, tr, name); c.State != stateRunning {
				return false
			}
		}
		return tr.State == "running"
	})
	if err := sup.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range sup.Tree().Children {
		if c.State != stateStopped {
			t.Fatalf("after Stop: %+v", c)
		}
	}
	for _, name := range []string{"a", "b", "c"} {
		if _, err := sys.Lookup(name); err == nil {
			t.Fatalf("%s still registered after Stop", name)
		}
	}
}

func childByName(n *node, name string) *child {
	for _, c := range n.children {
		if c.spec.Name == name {
			return c
		}
	}
	return nil
}
