package boundary

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPhasesResource(t *testing.T) {
	ps := NewPhases(PhasesOptions{})
	a, b := ps.Resource("frame"), ps.Resource("audio")
	if ps.Resource("frame") != a || a == b || a.Name() != "frame" {
		t.Fatal("resources by name")
	}
	if a.max != DefaultMaxDeferred {
		t.Fatalf("default queue bound %d", a.max)
	}
}

func TestDeferNoPhase(t *testing.T) {
	r := NewPhases(PhasesOptions{}).Resource("frame")
	ran := false
	if err := r.Defer(func() { ran = true }); err != nil || !ran {
		t.Fatalf("ran %v, err %v: no phase, so the work runs at once", ran, err)
	}
	end := r.Begin()
	end()
	ran = false
	if err := r.Defer(func() { ran = true }); err != nil || !ran {
		t.Fatalf("after a phase: ran %v, err %v", ran, err)
	}
}

func TestDeferDuringPhase(t *testing.T) {
	r := NewPhases(PhasesOptions{}).Resource("frame")
	var got []string
	add := func(s string) func() { return func() { got = append(got, s) } }
	end1 := r.Begin()
	end2 := r.Begin() // a second reader, overlapping
	for _, s := range []string{"w1", "w2", "w3"} {
		if err := r.Defer(add(s)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 0 || r.Pending() != 3 {
		t.Fatalf("ran inside a phase: %v, %d pending", got, r.Pending())
	}
	inner := r.Begin() // nested in the first
	inner()
	end1()
	end1() // idempotent: must not end the second reader's phase
	if len(got) != 0 {
		t.Fatalf("ran while a phase is in progress: %v", got)
	}
	end2() // the last phase ends: the queue runs now, in order
	if want := []string{"w1", "w2", "w3"}; !reflect.DeepEqual(got, want) || r.Pending() != 0 {
		t.Fatalf("got %v (%d pending), want %v", got, r.Pending(), want)
	}
}

// TestDeferAgain: work deferred by deferred work runs behind the rest, and
// if a phase begins meanwhile it waits for that phase.
func TestDeferAgain(t *testing.T) {
	r := NewPhases(PhasesOptions{}).Resource("frame")
	var got []string
	var phase atomic.Int32
	add := func(s string) func() {
		return func() {
			if phase.Load() != 0 {
				t.Errorf("%s ran inside a phase", s)
			}
			got = append(got, s)
		}
	}
	began, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	end := r.Begin()
	r.Defer(func() {
		got = append(got, "w1")
		if err := r.Defer(add("w3")); err != nil { // queued behind w2
			t.Error(err)
		}
		go func() { // a reader arrives while w1 runs: it waits for w1
			e := r.Begin()
			phase.Add(1)
			close(began)
			<-release
			phase.Add(-1)
			e()
			close(done)
		}()
		waitFor(t, func() bool { r.mu.Lock(); defer r.mu.Unlock(); return r.waiting == 1 })
	})
	r.Defer(add("w2"))
	end() // runs w1; then the reader's phase begins, holding w2 and w3 back
	<-began
	if want := []string{"w1"}; !reflect.DeepEqual(got, want) || r.Pending() != 2 {
		t.Fatalf("got %v, %d pending; want %v and 2", got, r.Pending(), want)
	}
	close(release)
	<-done
	if want := []string{"w1", "w2", "w3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// waitFor polls cond until it holds, failing after a deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
	}
}

func TestDeferFull(t *testing.T) {
	r := NewPhases(PhasesOptions{MaxPending: 3}).Resource("frame")
	n := 0
	end := r.Begin()
	for i := 0; i < 3; i++ {
		if err := r.Defer(func() { n++ }); err != nil {
			t.Fatal(err)
		}
	}
	err := r.Defer(func() { t.Error("refused work ran") })
	if !errors.Is(err, ErrDeferFull) {
		t.Fatalf("err = %v", err)
	}
	if r.Pending() != 3 {
		t.Fatalf("%d pending", r.Pending())
	}
	end()
	if n != 3 {
		t.Fatalf("%d ran", n)
	}
	if err := r.Defer(func() { n++ }); err != nil || n != 4 {
		t.Fatalf("after the phase: %v, %d ran", err, n)
	}
}

func TestDeferPanic(t *testing.T) {
	r := NewPhases(PhasesOptions{}).Resource("frame")
	end := r.Begin()
	r.Defer(func() { panic("boom") })
	ran := false
	r.Defer(func() { ran = true })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		end()
	}()
	if ran || r.Pending() != 1 {
		t.Fatalf("ran %v, %d pending", ran, r.Pending())
	}
	end2 := r.Begin() // not stuck on the panicked function
	end2()
	if !ran {
		t.Fatal("the rest did not run at the next phase end")
	}
}

// TestDeferHammer: readers' phases and writers' deferred writes on one
// resource under -race. No write runs while a phase is in progress (both
// sides check), no two writes run at once, each writer's writes run in the
// order deferred, and every accepted write runs exactly once.
func TestDeferHammer(t *testing.T) {
	const readers, writers, iters = 4, 4, 300
	r := NewPhases(PhasesOptions{MaxPending: 64}).Resource("frame")
	var inPhase, writing atomic.Int32
	last := make([]int, writers) // written only by the writes themselves
	var ran, accepted, refused atomic.Int64
	write := func(w, seq int, again bool) func() {
		return func() {
			if writing.Add(1) != 1 {
				t.Error("two writes at once")
			}
			if inPhase.Load() != 0 {
				t.Error("a write started inside a phase")
			}
			if seq != last[w]+1 {
				t.Errorf("writer %d: write %d after %d", w, seq, last[w])
			}
			last[w] = seq
			ran.Add(1)
			if again { // defers more work from inside deferred work
				if err := r.Defer(func() { ran.Add(1) }); err == nil {
					accepted.Add(1)
				} else {
					refused.Add(1)
				}
			}
			if inPhase.Load() != 0 {
				t.Error("a phase began during a write")
			}
			writing.Add(-1)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := 0; it < iters; it++ {
				end := r.Begin()
				inPhase.Add(1)
				if writing.Load() != 0 {
					t.Error("a phase began during a write")
				}
				if it%3 == 0 {
					runtime.Gosched()
				}
				if it%7 == 0 { // a nested phase
					inner := r.Begin()
					inner()
				}
				if writing.Load() != 0 {
					t.Error("a write landed inside a phase")
				}
				inPhase.Add(-1)
				end()
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := 0
			for it := 0; it < iters; it++ {
				err := r.Defer(write(w, seq+1, it%10 == 0))
				switch {
				case err == nil:
					seq++
					accepted.Add(1)
				case errors.Is(err, ErrDeferFull):
					refused.Add(1)
					runtime.Gosched()
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if r.Pending() != 0 {
		t.Fatalf("%d deferred functions never ran", r.Pending())
	}
	if ran.Load() != accepted.Load() {
		t.Fatalf("%d ran, %d accepted", ran.Load(), accepted.Load())
	}
	t.Logf("%d accepted, %d refused", accepted.Load(), refused.Load())
}

func ExampleResource_Defer() {
	frame := NewPhases(PhasesOptions{}).Resource("frame")
	end := frame.Begin() // a reader commits the frame
	frame.Defer(func() { fmt.Println("write lands after the commit") })
	fmt.Println("commit")
	end()
	// Output:
	// commit
	// write lands after the commit
}
