package actor

import (
	"context"
	"testing"
)

// TestDeferWaitsForThePhase: a component's deferred write arrives only
// after the reader's phase of the resource has ended, and at once when no
// phase is in progress.
func TestDeferWaitsForThePhase(t *testing.T) {
	s := quietSystem(t, Config{})
	got := make(chan string, 4)
	pid, err := s.Spawn(factoryOf(ReceiveFunc(func(c *Context, m Message) error {
		switch m.Kind {
		case "write":
			if err := c.Defer("frame", "apply", m.Data); err != nil {
				return err
			}
			return c.Reply(m, nil)
		case "apply":
			got <- string(m.Data)
		}
		return nil
	})), SpawnOptions{Name: "writer"})
	if err != nil {
		t.Fatal(err)
	}
	end := s.Resource("frame").Begin() // a reader's phase
	if _, err := s.Request(context.Background(), pid, "write", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if n := s.Resource("frame").Pending(); n != 1 {
		t.Fatalf("pending %d during the phase, want 1", n)
	}
	select {
	case v := <-got:
		t.Fatalf("write %q landed inside the reader's phase", v)
	default:
	}
	end()
	if v := <-got; v != "1" {
		t.Fatalf("got %q", v)
	}
	// No phase: the write is sent at once.
	if _, err := s.Request(context.Background(), pid, "write", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if v := <-got; v != "2" {
		t.Fatalf("got %q", v)
	}
}
