package ergo_test

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/ergo-services/ergo"
	"github.com/ergo-services/ergo/etf"
	"github.com/ergo-services/ergo/gen"
	"github.com/ergo-services/ergo/lib"
	"github.com/ergo-services/ergo/node"
	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// ergo v2 (github.com/ergo-services/ergo v1.999.224, "Ergo Framework
// 2.2.4"), used as its tests show: gen.Server processes, Process.Send
// (HandleInfo), Process.Direct (HandleDirect, the request-reply an outside
// goroutine can make), node.ProcessByName. ergo v3 (ergo.services/ergo) is
// not served by the module proxy here; see docs/performance.md.

var ergoNodes atomic.Int64

// newNode starts a node that resolves only static routes (no EPMD) and
// listens on localhost only; it is stopped after the benchmark.
func newNode(b testing.TB) node.Node {
	b.Helper()
	n, err := start()
	h.Must(b, err)
	b.Cleanup(n.Stop)
	return n
}

func start() (node.Node, error) {
	name := fmt.Sprintf("bench%d@localhost", ergoNodes.Add(1))
	return ergo.StartNode(name, "cookie", node.Options{StaticRoutesOnly: true})
}

// server is a gen.Server calling f for every *msg sent to it and
// answering Direct requests with the request.
type server struct {
	gen.Server
	f func(p *gen.ServerProcess) gen.ServerStatus
}

func (s *server) HandleInfo(p *gen.ServerProcess, m etf.Term) gen.ServerStatus {
	if _, ok := m.(*h.Msg); ok && s.f != nil {
		return s.f(p)
	}
	return gen.ServerStatusOK
}

func (s *server) HandleDirect(_ *gen.ServerProcess, _ etf.Ref, m interface{}) (interface{}, gen.DirectStatus) {
	return m, gen.DirectStatusOK
}

func spawnServer(b testing.TB, n node.Node, name string, mailbox uint16, f func(p *gen.ServerProcess) gen.ServerStatus) gen.Process {
	p, err := n.Spawn(name, gen.ProcessOptions{MailboxSize: mailbox}, &server{f: f})
	h.Must(b, err)
	return p
}

// sendRetry sends from process from, retrying while the target's mailbox is
// full: ergo drops rather than blocks, and a benchmark of delivered
// messages has to wait like the others' bounded mailboxes do.
func sendRetry(b testing.TB, from gen.Process, to any) {
	for {
		err := from.Send(to, h.TheMsg)
		if err == nil {
			return
		}
		if !errors.Is(err, lib.ErrProcessMailboxFull) {
			b.Fatal(err)
		}
		runtime.Gosched()
	}
}

func send(b *testing.B) {
	n := newNode(b)
	done := h.NewCountdown()
	client := spawnServer(b, n, "", 0, nil)
	target := spawnServer(b, n, "", 65535, func(*gen.ServerProcess) gen.ServerStatus { done.Hit(); return gen.ServerStatusOK })
	var to any = target.Self() // boxed once, not per send
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		sendRetry(b, client, to)
	}
	done.Wait()
}

func request(b *testing.B) {
	n := newNode(b)
	target := spawnServer(b, n, "", 0, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := target.Direct(h.TheMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func spawn(b *testing.B) {
	n := newNode(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := n.Spawn("", gen.ProcessOptions{}, &server{}); err != nil {
			b.Fatal(err)
		}
	}
}

// lifecycle: spawn, one message whose handler stops the server (the
// gen.Server way to stop after a message), wait for the process to end.
func lifecycle(b *testing.B) {
	n := newNode(b)
	client := spawnServer(b, n, "", 0, nil)
	var handled atomic.Int64
	stopAfter := func(*gen.ServerProcess) gen.ServerStatus { handled.Add(1); return gen.ServerStatusStop }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p, err := n.Spawn("", gen.ProcessOptions{}, &server{f: stopAfter})
		if err != nil {
			b.Fatal(err)
		}
		sendRetry(b, client, p.Self())
		p.Wait()
	}
	b.StopTimer()
	if got := handled.Load(); got != int64(b.N) {
		b.Fatalf("%d messages handled, want %d", got, b.N)
	}
}

// pinger is a gen.Server that keeps a window of pings in flight to its
// ponger; ponger answers every ping to its pinger.
type pinger struct {
	gen.Server
	ponger     any
	sent, got  int
	quota      int
	done       *h.Countdown
	sendFailed atomic.Bool
}

func (s *pinger) HandleInfo(p *gen.ServerProcess, m etf.Term) gen.ServerStatus {
	switch m.(type) {
	case *h.Start:
		for range h.PingPongWindow {
			s.sent++
			s.send(p)
		}
	case *h.Msg:
		s.got++
		if s.sent < s.quota {
			s.sent++
			s.send(p)
		} else if s.got == s.quota {
			s.done.Hit()
		}
	}
	return gen.ServerStatusOK
}

func (s *pinger) send(p *gen.ServerProcess) {
	if err := p.Send(s.ponger, h.TheMsg); err != nil {
		s.sendFailed.Store(true)
	}
}

type ponger struct {
	gen.Server
	pinger any
}

func (s *ponger) HandleInfo(p *gen.ServerProcess, m etf.Term) gen.ServerStatus {
	if _, ok := m.(*h.Msg); ok {
		p.Send(s.pinger, h.TheMsg)
	}
	return gen.ServerStatusOK
}

func pingPong(b *testing.B) {
	n := newNode(b)
	quota := h.PingPongQuota(b.N)
	done := h.NewCountdown()
	client := spawnServer(b, n, "", 0, nil)
	opts := gen.ProcessOptions{MailboxSize: 4 * h.PingPongWindow}
	pingers := make([]*pinger, h.PingPongPairs)
	pids := make([]etf.Pid, h.PingPongPairs)
	for i := range pingers {
		ponger := &ponger{}
		pp, err := n.Spawn("", opts, ponger)
		h.Must(b, err)
		pingers[i] = &pinger{ponger: pp.Self(), quota: quota, done: done}
		pi, err := n.Spawn("", opts, pingers[i])
		h.Must(b, err)
		ponger.pinger = pi.Self()
		pids[i] = pi.Self()
	}
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(h.PingPongPairs)
	for _, pid := range pids {
		if err := client.Send(pid, &h.Start{}); err != nil {
			b.Fatal(err)
		}
	}
	done.Wait()
	b.StopTimer()
	for _, p := range pingers {
		if p.sendFailed.Load() {
			b.Fatal("a ping was refused")
		}
	}
	h.ReportPingPong(b, quota)
}

// fanOut: one Send per subscriber.
func fanOut(b *testing.B) {
	n := newNode(b)
	done := h.NewCountdown()
	client := spawnServer(b, n, "", 0, nil)
	subs := make([]any, h.FanOutSubs)
	for i := range subs {
		subs[i] = spawnServer(b, n, "", 0, func(*gen.ServerProcess) gen.ServerStatus { done.Hit(); return gen.ServerStatusOK }).Self()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		done.Arm(h.FanOutSubs)
		for _, to := range subs {
			sendRetry(b, client, to)
		}
		done.Wait()
	}
}

// lookupSetup: n registered processes c0…c<n-1> (mailbox of 1 to save
// memory), looked up with node.ProcessByName.
func lookupSetup(b *testing.B, size int) (node.Node, func()) {
	n, err := start()
	h.Must(b, err)
	for i := range size {
		if _, err := n.Spawn("c"+strconv.Itoa(i), gen.ProcessOptions{MailboxSize: 1}, &server{}); err != nil {
			n.Stop()
			b.Fatal(err)
		}
	}
	return n, n.Stop
}

func lookup(k int) func(b *testing.B, n node.Node, size int) {
	return func(b *testing.B, n node.Node, size int) {
		names := h.LookupNames("c", size, k)
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for range b.N {
			if n.ProcessByName(names[j]) == nil {
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
		n, err := start()
		h.Must(b, err)
		return func() {
			if _, err := n.Spawn("", gen.ProcessOptions{}, &server{}); err != nil {
				b.Fatal(err)
			}
		}, n.Stop
	})
}

// lookupSizes: all of them; lookupSetup spawns with a mailbox of 1, which
// is what lets a million ergo processes (a goroutine and three channels
// sized by the mailbox each) fit in this machine's memory.
var lookupSizes = h.LookupSizes
