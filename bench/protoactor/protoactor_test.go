package protoactor_test

import (
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// protoactor-go (github.com/asynkron/protoactor-go), used as its examples
// show: PropsFromFunc, RootContext.Send / RequestFuture / Spawn /
// SpawnNamed / PoisonFuture, Context.Request and Respond.

func newSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
}

func system(b testing.TB) *actor.ActorSystem {
	sys := newSystem()
	b.Cleanup(sys.Shutdown)
	return sys
}

// props makes actors that call f for every *msg.
func props(f func(c actor.Context)) *actor.Props {
	return actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(*h.Msg); ok {
			f(c)
		}
	})
}

var nop = props(func(actor.Context) {})

func send(b *testing.B) {
	sys := system(b)
	done := h.NewCountdown()
	pid := sys.Root.Spawn(props(func(actor.Context) { done.Hit() }))
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		sys.Root.Send(pid, h.TheMsg)
	}
	done.Wait()
}

func request(b *testing.B) {
	sys := system(b)
	pid := sys.Root.Spawn(props(func(c actor.Context) { c.Respond(h.TheMsg) }))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := sys.Root.RequestFuture(pid, h.TheMsg, 5*time.Second).Result(); err != nil {
			b.Fatal(err)
		}
	}
}

func spawn(b *testing.B) {
	sys := system(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sys.Root.Spawn(nop)
	}
}

func lifecycle(b *testing.B) {
	sys := system(b)
	var handled atomic.Int64
	props := props(func(actor.Context) { handled.Add(1) })
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pid := sys.Root.Spawn(props)
		sys.Root.Send(pid, h.TheMsg)
		if err := sys.Root.PoisonFuture(pid).Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := handled.Load(); got != int64(b.N) {
		b.Fatalf("%d messages handled, want %d", got, b.N)
	}
}

func pingPong(b *testing.B) {
	sys := system(b)
	quota := h.PingPongQuota(b.N)
	done := h.NewCountdown()
	pingers := make([]*actor.PID, h.PingPongPairs)
	for i := range pingers {
		ponger := sys.Root.Spawn(props(func(c actor.Context) { c.Respond(h.TheMsg) }))
		sent, got := 0, 0
		pingers[i] = sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			switch c.Message().(type) {
			case *h.Start:
				for range h.PingPongWindow {
					sent++
					c.Request(ponger, h.TheMsg)
				}
			case *h.Msg:
				got++
				if sent < quota {
					sent++
					c.Request(ponger, h.TheMsg)
				} else if got == quota {
					done.Hit()
				}
			}
		}))
	}
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(h.PingPongPairs)
	for _, p := range pingers {
		sys.Root.Send(p, &h.Start{})
	}
	done.Wait()
	b.StopTimer()
	h.ReportPingPong(b, quota)
}

// fanOut: one Send per subscriber (protoactor's EventStream calls
// handlers on the publisher's goroutine; it does not deliver to actors).
func fanOut(b *testing.B) {
	sys := system(b)
	done := h.NewCountdown()
	subs := make([]*actor.PID, h.FanOutSubs)
	for i := range subs {
		subs[i] = sys.Root.Spawn(props(func(actor.Context) { done.Hit() }))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		done.Arm(h.FanOutSubs)
		for _, pid := range subs {
			sys.Root.Send(pid, h.TheMsg)
		}
		done.Wait()
	}
}

// lookupSetup: n actors spawned with SpawnNamed as c0…c<n-1>, looked up
// with ProcessRegistry.GetLocal.
func lookupSetup(b *testing.B, n int) (*actor.ActorSystem, func()) {
	sys := newSystem()
	for i := range n {
		if _, err := sys.Root.SpawnNamed(nop, "c"+strconv.Itoa(i)); err != nil {
			sys.Shutdown()
			b.Fatal(err)
		}
	}
	return sys, sys.Shutdown
}

func lookup(k int) func(b *testing.B, sys *actor.ActorSystem, n int) {
	return func(b *testing.B, sys *actor.ActorSystem, n int) {
		names := h.LookupNames("c", n, k)
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for range b.N {
			if _, ok := sys.ProcessRegistry.GetLocal(names[j]); !ok {
				b.Fatal("not found")
			}
			if j++; j == len(names) {
				j = 0
			}
		}
	}
}

func idle(b *testing.B) {
	h.MeasureIdle(b, h.IdleGo, func() (func(), func()) {
		sys := newSystem()
		return func() { sys.Root.Spawn(nop) }, sys.Shutdown
	})
}
