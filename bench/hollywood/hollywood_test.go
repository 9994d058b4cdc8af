package hollywood_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anthdm/hollywood/actor"
	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// Hollywood (github.com/anthdm/hollywood), used as its README and examples
// show: Receivers switching on ctx.Message(), Engine.Send, Engine.Request
// + Response.Result, Context.Respond, Engine.Poison to stop gracefully.

func engine(b testing.TB) *actor.Engine {
	b.Helper()
	e, err := actor.NewEngine(actor.NewEngineConfig())
	h.Must(b, err)
	return e
}

type receiveFunc func(*actor.Context)

func (f receiveFunc) Receive(c *actor.Context) { f(c) }

// producer makes receivers that call f for every *msg.
func producer(f func(c *actor.Context)) actor.Producer {
	return func() actor.Receiver {
		return receiveFunc(func(c *actor.Context) {
			if _, ok := c.Message().(*h.Msg); ok {
				f(c)
			}
		})
	}
}

var nop = producer(func(*actor.Context) {})

func send(b *testing.B) {
	e := engine(b)
	done := h.NewCountdown()
	pid := e.Spawn(producer(func(*actor.Context) { done.Hit() }), "sink")
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		e.Send(pid, h.TheMsg)
	}
	done.Wait()
}

func request(b *testing.B) {
	e := engine(b)
	pid := e.Spawn(producer(func(c *actor.Context) { c.Respond(h.TheMsg) }), "echo")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := e.Request(pid, h.TheMsg, 5*time.Second).Result(); err != nil {
			b.Fatal(err)
		}
	}
}

func spawn(b *testing.B) {
	e := engine(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.Spawn(nop, "a")
	}
}

func lifecycle(b *testing.B) {
	e := engine(b)
	var handled atomic.Int64
	p := producer(func(*actor.Context) { handled.Add(1) })
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pid := e.Spawn(p, "a")
		e.Send(pid, h.TheMsg)
		<-e.Poison(pid).Done()
	}
	b.StopTimer()
	if got := handled.Load(); got != int64(b.N) {
		b.Fatalf("%d messages handled, want %d", got, b.N)
	}
}

func pingPong(b *testing.B) {
	e := engine(b)
	quota := h.PingPongQuota(b.N)
	done := h.NewCountdown()
	pingers := make([]*actor.PID, h.PingPongPairs)
	for i := range pingers {
		ponger := e.Spawn(producer(func(c *actor.Context) { c.Respond(h.TheMsg) }), "ponger")
		sent, got := 0, 0
		pingers[i] = e.Spawn(func() actor.Receiver {
			return receiveFunc(func(c *actor.Context) {
				switch c.Message().(type) {
				case h.Start:
					for range h.PingPongWindow {
						sent++
						c.Send(ponger, h.TheMsg)
					}
				case *h.Msg:
					got++
					if sent < quota {
						sent++
						c.Send(ponger, h.TheMsg)
					} else if got == quota {
						done.Hit()
					}
				}
			})
		}, "pinger")
	}
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(h.PingPongPairs)
	for _, p := range pingers {
		e.Send(p, h.Start{})
	}
	done.Wait()
	b.StopTimer()
	h.ReportPingPong(b, quota)
}

// fanOut: Hollywood has no topics for actors (its event stream is for
// system events), so a fan-out is one Send per subscriber.
func fanOut(b *testing.B) {
	e := engine(b)
	done := h.NewCountdown()
	subs := make([]*actor.PID, h.FanOutSubs)
	for i := range subs {
		subs[i] = e.Spawn(producer(func(*actor.Context) { done.Hit() }), "sub")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		done.Arm(h.FanOutSubs)
		for _, pid := range subs {
			e.Send(pid, h.TheMsg)
		}
		done.Wait()
	}
}

// lookupSetup: n actors of kind "c" with ids 0…n-1, looked up with
// Registry.GetPID(kind, id). They get an inbox of 4 instead of the default
// 1,024 (32 KiB each) so that a million of them fit in memory.
func lookupSetup(b *testing.B, n int) (*actor.Engine, func()) {
	e := engine(b)
	for i := range n {
		e.Spawn(nop, "c", actor.WithID(strconv.Itoa(i)), actor.WithInboxSize(4))
	}
	return e, func() {}
}

func lookup(k int) func(b *testing.B, e *actor.Engine, n int) {
	return func(b *testing.B, e *actor.Engine, n int) {
		ids := h.LookupNames("", n, k)
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for range b.N {
			if e.Registry.GetPID("c", ids[j]) == nil {
				b.Fatal("not found")
			}
			if j++; j == len(ids) {
				j = 0
			}
		}
	}
}

// idle: idle actors with the default options.
func idle(b *testing.B) {
	h.MeasureIdle(b, h.IdleGo, func() (func(), func()) {
		e := engine(b)
		return func() { e.Spawn(nop, "a") }, func() {}
	})
}
