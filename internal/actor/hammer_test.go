package actor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestHammer spawns, messages, requests, publishes, restarts and stops
// concurrently; run it with -race. Every accepted message must be handled
// or dead-lettered, never lost.
func TestHammer(t *testing.T) {
	s := quietSystem(t, Config{})
	ev, cancel := s.Events(1 << 16)
	defer cancel()
	var handled atomic.Int64
	f := func() (Component, error) {
		return ReceiveFunc(func(c *Context, m Message) error {
			handled.Add(1)
			switch m.Kind {
			case "req":
				return c.Reply(m, m.Data)
			case "crash":
				panic("hammer")
			}
			return nil
		}), nil
	}
	const workers, rounds = 8, 300
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("h", w)
			pid, err := s.Spawn(f, SpawnOptions{Name: name, Subscriptions: []string{"all"}, Mailbox: MailboxConfig{Capacity: 64}})
			if err != nil {
				t.Error(err)
				return
			}
			for i := range rounds {
				target, err := s.Lookup(fmt.Sprint("h", (w+i)%workers))
				if err != nil {
					continue // not spawned yet, or between stop and respawn
				}
				switch i % 5 {
				case 0, 1:
					if s.Send(target, "msg", nil) == nil {
						accepted.Add(1)
					}
				case 2:
					if _, err := s.Request(context.Background(), target, "req", []byte("x")); err == nil {
						accepted.Add(1)
					}
				case 3:
					n, _ := s.Publish("all", nil)
					accepted.Add(int64(n))
				case 4:
					if i%50 == 4 && s.Send(target, "crash", nil) == nil {
						accepted.Add(1)
					}
				}
			}
			if i := w % 3; i == 0 {
				if err := s.Stop(context.Background(), pid); err != nil && !errors.Is(err, ErrDeadPID) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	cancel()
	var deadAfterAccept int64
	for e := range ev {
		if e.Type == EventDeadLetter && e.Reason != "" && e.Message != nil && e.Message.Kind != "" {
			deadAfterAccept++
		}
	}
	// Accepted messages were either handled or dead-lettered when their
	// addressee stopped; dead letters also include refused sends, so the sum
	// is an upper bound check on loss.
	if got := handled.Load() + deadAfterAccept; got < accepted.Load() {
		t.Fatalf("lost messages: accepted %d, handled %d, dead letters %d", accepted.Load(), handled.Load(), deadAfterAccept)
	}
	if s.Live() != 0 {
		t.Fatalf("%d processes left after shutdown", s.Live())
	}
}
