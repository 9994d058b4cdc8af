package wasmplane_test

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// The wasmplane side of every workload, through the root embedder API only.

// newWasmplane makes a system with a private compile cache; close releases
// both. Fixtures and idle measurements close their systems themselves,
// before their benchmark ends.
func newWasmplane(tb testing.TB) (*wasmplane.System, func()) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "wasmplane-bench-")
	h.Must(tb, err)
	sys, err := wasmplane.New(context.Background(), wasmplane.Config{Logger: slog.New(slog.DiscardHandler), CacheDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		tb.Fatal(err)
	}
	return sys, func() {
		sys.Close(context.Background())
		os.RemoveAll(dir)
	}
}

func system(b *testing.B) *wasmplane.System {
	sys, closeFn := newWasmplane(b)
	b.Cleanup(closeFn)
	return sys
}

func nop() (wasmplane.Component, error) {
	return wasmplane.ReceiveFunc(func(*wasmplane.Context, wasmplane.Message) error { return nil }), nil
}

func counting(c *h.Countdown) wasmplane.Factory {
	return func() (wasmplane.Component, error) {
		return wasmplane.ReceiveFunc(func(*wasmplane.Context, wasmplane.Message) error { c.Hit(); return nil }), nil
	}
}

func echo() (wasmplane.Component, error) {
	return wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error { return c.Reply(m, m.Data) }), nil
}

var bigMailbox = wasmplane.SpawnOptions{Mailbox: wasmplane.MailboxConfig{Capacity: 1 << 16}}

// barrier waits until pid handled everything this goroutine sent it
// before: messages from one sender are delivered in order, and an
// unanswered request is answered (ErrNoReply) when its handler returns.
func barrier(b *testing.B, sys *wasmplane.System, pid wasmplane.PID) {
	if _, err := sys.Request(context.Background(), pid, "barrier", nil); err != nil && !errors.Is(err, wasmplane.ErrNoReply) {
		b.Fatal(err)
	}
}

func send(b *testing.B) {
	sys := system(b)
	done := h.NewCountdown()
	pid, err := sys.Spawn(counting(done), bigMailbox)
	h.Must(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		if err := sys.Send(pid, "m", nil); err != nil {
			b.Fatal(err)
		}
	}
	done.Wait()
}

func request(b *testing.B) {
	sys := system(b)
	pid, err := sys.Spawn(echo, wasmplane.SpawnOptions{})
	h.Must(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := sys.Request(ctx, pid, "ping", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func spawn(b *testing.B) {
	sys := system(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := sys.Spawn(nop, wasmplane.SpawnOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// lifecycle: spawn, one message, graceful stop (the message is handled,
// then the stop hooks run), waiting for the stop.
func lifecycle(b *testing.B) {
	sys := system(b)
	var handled atomic.Int64
	f := func() (wasmplane.Component, error) {
		return wasmplane.ReceiveFunc(func(*wasmplane.Context, wasmplane.Message) error { handled.Add(1); return nil }), nil
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pid, err := sys.Spawn(f, wasmplane.SpawnOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := sys.Send(pid, "m", nil); err != nil {
			b.Fatal(err)
		}
		if err := sys.Stop(ctx, pid); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := handled.Load(); got != int64(b.N) {
		b.Fatalf("%d messages handled, want %d", got, b.N)
	}
}

// pingPong: 4 pairs; each pinger keeps a window of pings in flight, the
// ponger answers each to its sender. b.N counts pings and pongs.
func pingPong(b *testing.B) {
	sys := system(b)
	quota := h.PingPongQuota(b.N)
	done := h.NewCountdown()
	type pinger struct{ sent, got int }
	pingers := make([]wasmplane.PID, h.PingPongPairs)
	for i := range pingers {
		ponger, err := sys.Spawn(func() (wasmplane.Component, error) {
			return wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error {
				return c.Send(m.Sender, "pong", nil)
			}), nil
		}, wasmplane.SpawnOptions{})
		h.Must(b, err)
		st := &pinger{}
		pingers[i], err = sys.Spawn(func() (wasmplane.Component, error) {
			return wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error {
				if m.Kind == "start" {
					for range h.PingPongWindow {
						st.sent++
						if err := c.Send(ponger, "ping", nil); err != nil {
							return err
						}
					}
					return nil
				}
				st.got++
				if st.sent < quota {
					st.sent++
					return c.Send(ponger, "ping", nil)
				}
				if st.got == quota {
					done.Hit()
				}
				return nil
			}), nil
		}, wasmplane.SpawnOptions{})
		h.Must(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(h.PingPongPairs)
	for _, p := range pingers {
		h.Must(b, sys.Send(p, "start", nil))
	}
	done.Wait()
	b.StopTimer()
	h.ReportPingPong(b, quota)
}

// fanOut: one Publish to a topic with 100 subscribers, until all handled.
func fanOut(b *testing.B) {
	sys := system(b)
	done := h.NewCountdown()
	for range h.FanOutSubs {
		_, err := sys.Spawn(counting(done), wasmplane.SpawnOptions{Subscriptions: []string{"t"}})
		h.Must(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		done.Arm(h.FanOutSubs)
		n, err := sys.Publish("t", nil)
		if err != nil || n != h.FanOutSubs {
			b.Fatalf("published to %d: %v", n, err)
		}
		done.Wait()
	}
}

// lookupSetup: n components registered as c0…c<n-1>.
func lookupSetup(b *testing.B, n int) (*wasmplane.System, func()) {
	sys, closeFn := newWasmplane(b)
	for i := range n {
		if _, err := sys.Spawn(nop, wasmplane.SpawnOptions{Name: "c" + strconv.Itoa(i)}); err != nil {
			closeFn()
			b.Fatal(err)
		}
	}
	return sys, closeFn
}

func lookup(k int) func(b *testing.B, sys *wasmplane.System, n int) {
	return func(b *testing.B, sys *wasmplane.System, n int) {
		names := h.LookupNames("c", n, k)
		b.ReportAllocs()
		b.ResetTimer()
		j := 0
		for range b.N {
			if _, err := sys.Lookup(names[j]); err != nil {
				b.Fatal(err)
			}
			if j++; j == len(names) {
				j = 0
			}
		}
	}
}

func idleGo(b *testing.B) {
	h.MeasureIdle(b, h.IdleGo, func() (func(), func()) {
		sys, closeFn := newWasmplane(b)
		return func() {
			if _, err := sys.Spawn(nop, wasmplane.SpawnOptions{}); err != nil {
				b.Fatal(err)
			}
		}, closeFn
	})
}

// Wasm workloads.

func load(b testing.TB, sys *wasmplane.System, path string) *wasmplane.Module {
	b.Helper()
	mod, err := sys.LoadModule(context.Background(), path, h.ReadFile(b, path), wasmplane.KindWasm)
	h.Must(b, err)
	return mod
}

// messageIntoWasm: a payload into a guest handler, from Send to
// wasmplane_receive returning, one sender, until all are handled.
func messageIntoWasm(b *testing.B, module string, size int) {
	sys := system(b)
	pid, err := sys.Spawn(load(b, sys, module).Factory(wasmplane.WasmOptions{}), bigMailbox)
	h.Must(b, err)
	payload := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := sys.Send(pid, "m", payload); err != nil {
			b.Fatal(err)
		}
	}
	barrier(b, sys, pid)
}

// spawnWasm: spawn a component from a compiled 1-page module
// (instantiate, hooks, registration), then stop it.
func spawnWasm(b *testing.B) {
	sys := system(b)
	f := load(b, sys, h.MinimalWasm).Factory(wasmplane.WasmOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pid, err := sys.Spawn(f, wasmplane.SpawnOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := sys.Stop(ctx, pid); err != nil {
			b.Fatal(err)
		}
	}
}

// guestToHost: the guest's handler calls the wasmplane.self import b.N
// times; the time per op is one guest→host call through wasmplane's host
// module (plus one delivery, amortised).
func guestToHost(b *testing.B) {
	sys := system(b)
	pid, err := sys.Spawn(load(b, sys, h.HostcallWasm).Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{})
	h.Must(b, err)
	// Requests without a deadline time out after 5 s; a chunk of calls
	// takes well under that, the whole run may not.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	var n [4]byte
	b.ReportAllocs()
	b.ResetTimer()
	for left := b.N; left > 0; {
		k := min(left, 1<<22)
		binary.LittleEndian.PutUint32(n[:], uint32(k))
		if _, err := sys.Request(ctx, pid, "loop", n[:]); !errors.Is(err, wasmplane.ErrNoReply) {
			b.Fatal(err)
		}
		left -= k
	}
}

func idleWasm(b *testing.B) {
	h.MeasureIdle(b, h.IdleWasm, func() (func(), func()) {
		sys, closeFn := newWasmplane(b)
		f := load(b, sys, h.MinimalWasm).Factory(wasmplane.WasmOptions{})
		// One component first, so that what every instance shares (the
		// compiled module, the runtime's host modules) is not counted.
		_, err := sys.Spawn(f, wasmplane.SpawnOptions{})
		h.Must(b, err)
		return func() {
			if _, err := sys.Spawn(f, wasmplane.SpawnOptions{}); err != nil {
				b.Fatal(err)
			}
		}, closeFn
	})
}

// Scaling.

// scaleFx is n live components, each counting into one countdown and
// answering requests.
type scaleFx struct {
	sys  *wasmplane.System
	pids []wasmplane.PID
	done *h.Countdown
}

func scaleSetup(b *testing.B, n int) (*scaleFx, func()) {
	sys, closeFn := newWasmplane(b)
	s := &scaleFx{sys: sys, pids: make([]wasmplane.PID, n), done: h.NewCountdown()}
	f := func() (wasmplane.Component, error) {
		return wasmplane.ReceiveFunc(func(c *wasmplane.Context, m wasmplane.Message) error {
			if m.IsRequest() {
				return c.Reply(m, m.Data)
			}
			s.done.Hit()
			return nil
		}), nil
	}
	for i := range s.pids {
		pid, err := sys.Spawn(f, wasmplane.SpawnOptions{})
		if err != nil {
			closeFn()
			b.Fatal(err)
		}
		s.pids[i] = pid
	}
	return s, closeFn
}

// scaleSend: one sender, messages spread over n components, until all
// are handled. ns/op is the cost of one message; msg/s its inverse.
func scaleSend(b *testing.B, s *scaleFx, n int) {
	stride := h.ScaleStride(n)
	b.ReportAllocs()
	b.ResetTimer()
	s.done.Arm(b.N)
	j := 0
	for range b.N {
		if err := s.sys.Send(s.pids[j], "m", nil); err != nil {
			b.Fatal(err)
		}
		j += stride
		if j >= n {
			j -= n
		}
	}
	s.done.Wait()
	b.StopTimer()
	h.ReportMsgRate(b)
}

// scaleRequest: request-reply round trips spread over n components.
func scaleRequest(b *testing.B, s *scaleFx, n int) {
	stride := h.ScaleStride(n)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	j := 0
	for range b.N {
		if _, err := s.sys.Request(ctx, s.pids[j], "m", nil); err != nil {
			b.Fatal(err)
		}
		j += stride
		if j >= n {
			j -= n
		}
	}
}

// payloadSend: one sender → one Go component, payload of size bytes
// (handed over, not copied, between Go components).
func payloadSend(b *testing.B, size int) {
	sys := system(b)
	done := h.NewCountdown()
	pid, err := sys.Spawn(counting(done), bigMailbox)
	h.Must(b, err)
	payload := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	done.Arm(b.N)
	for range b.N {
		if err := sys.Send(pid, "m", payload); err != nil {
			b.Fatal(err)
		}
	}
	done.Wait()
}

// payloadRequest: request-reply with a Go component echoing a payload of
// size bytes.
func payloadRequest(b *testing.B, size int) {
	sys := system(b)
	pid, err := sys.Spawn(echo, wasmplane.SpawnOptions{})
	h.Must(b, err)
	payload := make([]byte, size)
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := sys.Request(ctx, pid, "m", payload); err != nil {
			b.Fatal(err)
		}
	}
}

// payloadRequestWasm: a request into a guest that copies the payload into
// its memory and does not reply; the requester gets ErrNoReply as soon as
// the handler returned, so this is the round trip of one delivery.
func payloadRequestWasm(b *testing.B, size int) {
	sys := system(b)
	pid, err := sys.Spawn(load(b, sys, h.SinkWasm).Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{})
	h.Must(b, err)
	payload := make([]byte, size)
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := sys.Request(ctx, pid, "m", payload); !errors.Is(err, wasmplane.ErrNoReply) {
			b.Fatal(err)
		}
	}
}
