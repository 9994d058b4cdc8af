package floor_test

import (
	"strconv"
	"sync"
	"testing"

	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// The floor: what each workload costs with plain goroutines and channels,
// no framework. An "actor" is a goroutine draining a buffered channel; a
// message is the least an actor message carries (a kind and a payload).

type fmsg struct {
	kind string
	data []byte
}

type freq struct {
	data  []byte
	reply chan []byte
}

// floorActor starts a goroutine that calls handle for each message until
// its channel is closed; stop closes it and waits.
func floorActor(capacity int, handle func(fmsg)) (ch chan fmsg, stop func()) {
	ch = make(chan fmsg, capacity)
	done := make(chan struct{})
	go func() {
		for m := range ch {
			handle(m)
		}
		close(done)
	}()
	return ch, func() { close(ch); <-done }
}

// floorServer starts a goroutine answering requests with their payload.
func floorServer() (chan freq, func()) {
	ch := make(chan freq, 1)
	go func() {
		for r := range ch {
			r.reply <- r.data
		}
	}()
	return ch, func() { close(ch) }
}

func send(b *testing.B) {
	done := h.NewCountdown()
	ch, stop := floorActor(1<<16, func(fmsg) { done.Hit() })
	defer stop()
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		ch <- fmsg{kind: "m"}
	}
	done.Wait()
}

func request(b *testing.B) {
	ch, stop := floorServer()
	defer stop()
	reply := make(chan []byte, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch <- freq{reply: reply}
		<-reply
	}
}

// spawn: a mailbox and a goroutine waiting on it.
func spawn(b *testing.B) {
	chans := make([]chan fmsg, 0, 1024)
	b.Cleanup(func() {
		for _, c := range chans {
			close(c)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch := make(chan fmsg, 1)
		go func() {
			for range ch {
			}
		}()
		chans = append(chans, ch)
	}
}

// spawnTransient: a goroutine that starts and ends at once, its stack
// recycled: the cost of the go statement alone.
func spawnTransient(b *testing.B) {
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		wg.Add(1)
		go wg.Done()
	}
	wg.Wait()
}

// lifecycle: start a goroutine, hand it one message, close its
// mailbox and wait for it to end.
func lifecycle(b *testing.B) {
	handled := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch, stop := floorActor(1, func(fmsg) { handled++ })
		ch <- fmsg{kind: "m"}
		stop()
	}
	b.StopTimer()
	if handled != b.N {
		b.Fatalf("%d messages handled, want %d", handled, b.N)
	}
}

func pingPong(b *testing.B) {
	quota := h.PingPongQuota(b.N)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range h.PingPongPairs {
		pings := make(chan fmsg, h.PingPongWindow)
		pongs := make(chan fmsg, h.PingPongWindow)
		wg.Add(2)
		go func() { // ponger
			defer wg.Done()
			for m := range pings {
				pongs <- fmsg{kind: "pong", data: m.data}
			}
		}()
		go func() { // pinger
			defer wg.Done()
			defer close(pings)
			<-start
			sent := 0
			for range h.PingPongWindow {
				sent++
				pings <- fmsg{kind: "ping"}
			}
			for got := 0; got < quota; got++ {
				<-pongs
				if sent < quota {
					sent++
					pings <- fmsg{kind: "ping"}
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	wg.Wait()
	b.StopTimer()
	h.ReportPingPong(b, quota)
}

func fanOut(b *testing.B) {
	done := h.NewCountdown()
	subs := make([]chan fmsg, h.FanOutSubs)
	for i := range subs {
		ch, stop := floorActor(16, func(fmsg) { done.Hit() })
		defer stop()
		subs[i] = ch
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		done.Arm(h.FanOutSubs)
		for _, ch := range subs {
			ch <- fmsg{kind: "t"}
		}
		done.Wait()
	}
}

// lookupSetup: a sync.Map from name to mailbox, the registry a Go
// programmer writes for read-mostly concurrent use.
func lookupSetup(_ *testing.B, n int) (*sync.Map, func()) {
	reg := &sync.Map{}
	for i := range n {
		reg.Store("c"+strconv.Itoa(i), make(chan fmsg, 1))
	}
	return reg, func() {}
}

func lookup(k int) func(b *testing.B, reg *sync.Map, n int) {
	return func(b *testing.B, reg *sync.Map, n int) {
		names := h.LookupNames("c", n, k)
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for range b.N {
			if _, ok := reg.Load(names[j]); !ok {
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
		chans := make([]chan fmsg, 0, h.IdleGo)
		return func() {
				ch := make(chan fmsg, 1)
				go func() {
					for range ch {
					}
				}()
				chans = append(chans, ch)
			}, func() {
				for _, c := range chans {
					close(c)
				}
			}
	})
}

// Scaling.

type scaleFx struct {
	mail []chan fmsg
	reqs []chan freq
	done *h.Countdown
}

func scaleSetup(_ *testing.B, n int) (*scaleFx, func()) {
	s := &scaleFx{mail: make([]chan fmsg, n), reqs: make([]chan freq, n), done: h.NewCountdown()}
	for i := range n {
		mail, reqs := make(chan fmsg, 16), make(chan freq, 1)
		s.mail[i], s.reqs[i] = mail, reqs
		go func() {
			for {
				select {
				case _, ok := <-mail:
					if !ok {
						return
					}
					s.done.Hit()
				case r := <-reqs:
					r.reply <- r.data
				}
			}
		}()
	}
	return s, func() {
		for _, c := range s.mail {
			close(c)
		}
	}
}

func scaleSend(b *testing.B, s *scaleFx, n int) {
	stride := h.ScaleStride(n)
	b.ReportAllocs()
	b.ResetTimer()
	s.done.Arm(b.N)
	j := 0
	for range b.N {
		s.mail[j] <- fmsg{kind: "m"}
		j += stride
		if j >= n {
			j -= n
		}
	}
	s.done.Wait()
	b.StopTimer()
	h.ReportMsgRate(b)
}

func scaleRequest(b *testing.B, s *scaleFx, n int) {
	stride := h.ScaleStride(n)
	reply := make(chan []byte, 1)
	b.ReportAllocs()
	b.ResetTimer()
	j := 0
	for range b.N {
		s.reqs[j] <- freq{reply: reply}
		<-reply
		j += stride
		if j >= n {
			j -= n
		}
	}
}

func payloadSend(b *testing.B, size int) {
	done := h.NewCountdown()
	ch, stop := floorActor(1<<16, func(fmsg) { done.Hit() })
	defer stop()
	payload := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		ch <- fmsg{kind: "m", data: payload}
	}
	done.Wait()
}

func payloadRequest(b *testing.B, size int) {
	ch, stop := floorServer()
	defer stop()
	reply := make(chan []byte, 1)
	payload := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch <- freq{data: payload, reply: reply}
		<-reply
	}
}
