package boundary

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"testing"
)

func TestPriorities(t *testing.T) {
	ps := NewPriorities()
	if ps.Get("x") != DefaultPriority {
		t.Fatal("default")
	}
	ps.Set("x", 6)
	ps.Set("y", 200)
	if ps.Get("x") != 6 || ps.Get("y") != Levels-1 {
		t.Fatalf("x=%d y=%d", ps.Get("x"), ps.Get("y"))
	}
	ps.Set("x", 1) // changed at run time
	ps.Forget("y")
	if ps.Get("x") != 1 || ps.Get("y") != DefaultPriority {
		t.Fatal("change")
	}
}

func TestRunQueuePolicy(t *testing.T) {
	q := NewRunQueue[string](RunQueueOptions{StarveLimit: 2})
	push := func(p Priority, s string) {
		t.Helper()
		if err := q.Push(p, s); err != nil {
			t.Fatal(err)
		}
	}
	push(0, "l1")
	push(0, "l2")
	push(3, "m1")
	for _, s := range []string{"h1", "h2", "h3", "h4", "h5"} {
		push(7, s)
	}
	var got []string
	for {
		s, ok := q.TryPop()
		if !ok {
			break
		}
		got = append(got, s)
	}
	// Strict priority, but a level passed over twice is served next.
	want := []string{"h1", "h2", "m1", "l1", "h3", "h4", "l2", "h5"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestRunQueueBounds(t *testing.T) {
	q := NewRunQueue[int](RunQueueOptions{Capacity: 2})
	for i := 0; i < 2; i++ {
		if err := q.Push(5, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Push(5, 9); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("full: %v", err)
	}
	if err := q.Push(4, 9); err != nil { // levels are bounded separately
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q2 := NewRunQueue[int](RunQueueOptions{})
	if _, err := q2.Pop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pop: %v", err)
	}
	q.Close()
	if err := q.Push(1, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after close: %v", err)
	}
	n := 0
	for {
		_, err := q.Pop(context.Background())
		if errors.Is(err, ErrClosed) {
			break
		}
		n++
	}
	if n != 3 {
		t.Fatalf("drained %d, want 3", n)
	}
}

// TestRunQueueHammer: every pushed item is popped exactly once by blocked
// workers, and Close wakes them all.
func TestRunQueueHammer(t *testing.T) {
	q := NewRunQueue[int](RunQueueOptions{Capacity: 64})
	const producers, per, workers = 4, 2000, 4
	seen := make([]int, producers*per)
	var mu sync.Mutex
	var wg, pw sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, err := q.Pop(context.Background())
				if err != nil {
					return
				}
				mu.Lock()
				seen[v]++
				mu.Unlock()
			}
		}()
	}
	for p := 0; p < producers; p++ {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for i := 0; i < per; i++ {
				for q.Push(Priority(i%Levels), p*per+i) != nil {
					runtime.Gosched() // full: a bounded queue refuses; retry
				}
			}
		}()
	}
	pw.Wait()
	q.Close()
	wg.Wait()
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("item %d popped %d times", i, c)
		}
	}
}
