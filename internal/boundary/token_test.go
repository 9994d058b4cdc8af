package boundary

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type acquired struct {
	l   Lease
	err error
}

// acquireAsync starts an Acquire and returns once it is parked on its timer.
func acquireAsync(clk *manualClock, tok *Token, ctx context.Context, caller, op string) <-chan acquired {
	ch := make(chan acquired, 1)
	go func() {
		l, err := tok.Acquire(ctx, caller, op)
		ch <- acquired{l, err}
	}()
	<-clk.armed
	return ch
}

func TestTokenContentionError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(*Tokens)
		timeout time.Duration
	}{
		{name: "default", timeout: 50 * time.Millisecond},
		{name: "pair override", setup: func(ts *Tokens) { ts.SetTimeout("b", "sim", 5*time.Millisecond) }, timeout: 5 * time.Millisecond},
		{name: "other pair keeps default", setup: func(ts *Tokens) { ts.SetTimeout("x", "sim", 5*time.Millisecond) }, timeout: 50 * time.Millisecond},
		{name: "run-time default", setup: func(ts *Tokens) { ts.SetDefaultTimeout(20 * time.Millisecond) }, timeout: 20 * time.Millisecond},
		{name: "override removed", setup: func(ts *Tokens) {
			ts.SetTimeout("b", "sim", 5*time.Millisecond)
			ts.SetTimeout("b", "sim", 0)
		}, timeout: 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newManualClock()
			ts := NewTokens(TokensOptions{Clock: clk})
			if tc.setup != nil {
				tc.setup(ts)
			}
			tok := ts.Token("sim", TokenOptions{})
			la, err := tok.Acquire(context.Background(), "a", "physics.step")
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(10 * time.Millisecond)
			ch := acquireAsync(clk, tok, context.Background(), "b", "physics.reset")
			clk.Advance(tc.timeout - time.Nanosecond)
			select {
			case r := <-ch:
				t.Fatalf("gave up before the timeout: %v", r.err)
			default:
			}
			clk.Advance(time.Nanosecond)
			r := <-ch
			var ce *ContentionError
			if !errors.As(r.err, &ce) || !errors.Is(r.err, ErrContention) {
				t.Fatalf("err = %v", r.err)
			}
			want := ContentionError{Caller: "b", Callee: "sim", Holder: "a", Held: 10*time.Millisecond + tc.timeout, Op: "physics.reset", Timeout: tc.timeout}
			if *ce != want {
				t.Fatalf("got %+v\nwant %+v", *ce, want)
			}
			la.Release()
			if _, ok := tok.TryAcquire("c", "x"); !ok {
				t.Fatal("token not free after release")
			}
		})
	}
}

func TestTokenHandOffFIFO(t *testing.T) {
	clk := newManualClock()
	ts := NewTokens(TokensOptions{Clock: clk})
	tok := ts.Token("sim", TokenOptions{})
	la, _ := tok.Acquire(context.Background(), "a", "op")
	chB := acquireAsync(clk, tok, context.Background(), "b", "op")
	chC := acquireAsync(clk, tok, context.Background(), "c", "op")
	la.Release()
	la.Release() // idempotent: must not release b's holding
	rb := <-chB
	if rb.err != nil {
		t.Fatal(rb.err)
	}
	if h, _, _, ok := tok.Holder(); !ok || h != "b" {
		t.Fatalf("holder = %q", h)
	}
	select {
	case <-chC:
		t.Fatal("c got the token while b holds it")
	default:
	}
	if la.Held() || !rb.l.Held() {
		t.Fatal("Held wrong")
	}
	rb.l.Release()
	rc := <-chC
	if rc.err != nil {
		t.Fatal(rc.err)
	}
	rc.l.Release()
	if _, _, _, ok := tok.Holder(); ok {
		t.Fatal("still held")
	}
}

func TestTokenBatchYield(t *testing.T) {
	clk := newManualClock()
	ts := NewTokens(TokensOptions{Clock: clk})
	tok := ts.Token("solver", TokenOptions{BatchYield: true})
	la, _ := tok.Acquire(context.Background(), "a", "solve")
	ch := acquireAsync(clk, tok, context.Background(), "b", "solve")
	clk.Advance(40 * time.Millisecond)
	la.Progress()
	clk.Advance(10 * time.Millisecond) // the first timeout expires: extended to 90 ms
	<-clk.armed                        // b re-armed its timer
	clk.Advance(30 * time.Millisecond) // 80 ms
	la.Progress()
	clk.Advance(10 * time.Millisecond) // 90: extended to 130
	<-clk.armed
	select {
	case r := <-ch:
		t.Fatalf("a progressing holder lost its lease: %v", r.err)
	default:
	}
	clk.Advance(40 * time.Millisecond) // quiet for a whole timeout
	r := <-ch
	var ce *ContentionError
	if !errors.As(r.err, &ce) || ce.Held != 130*time.Millisecond || ce.Holder != "a" {
		t.Fatalf("err = %v", r.err)
	}
	// Without batch mode, Progress extends nothing.
	plain := ts.Token("plain", TokenOptions{})
	lp, _ := plain.Acquire(context.Background(), "a", "x")
	ch = acquireAsync(clk, plain, context.Background(), "b", "x")
	clk.Advance(40 * time.Millisecond)
	lp.Progress()
	clk.Advance(10 * time.Millisecond)
	if r := <-ch; !errors.Is(r.err, ErrContention) {
		t.Fatalf("plain token: %v", r.err)
	}
}

func TestTokenContextCancel(t *testing.T) {
	clk := newManualClock()
	tok := NewTokens(TokensOptions{Clock: clk}).Token("sim", TokenOptions{})
	la, _ := tok.Acquire(context.Background(), "a", "op")
	ctx, cancel := context.WithCancel(context.Background())
	ch := acquireAsync(clk, tok, ctx, "b", "op")
	cancel()
	if r := <-ch; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v", r.err)
	}
	la.Release()
	if _, _, _, ok := tok.Holder(); ok {
		t.Fatal("a withdrawn waiter was handed the token")
	}
}

// TestTokenHammer: mutual exclusion and no lost hand-off under -race.
func TestTokenHammer(t *testing.T) {
	ts := NewTokens(TokensOptions{Timeout: time.Minute})
	tok := ts.Token("shared", TokenOptions{BatchYield: true})
	var inside, total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				l, err := tok.Acquire(context.Background(), "g", "op")
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					t.Error("two holders at once")
				}
				l.Progress()
				total.Add(1)
				inside.Add(-1)
				l.Release()
				l.Release()
			}
		}()
	}
	wg.Wait()
	if total.Load() != 16*500 {
		t.Fatalf("total %d", total.Load())
	}
}

// TestTokenHammerMixed: the lock-free path and the queue at once, under
// -race: plain acquires, try-acquires, acquires that time out or are
// cancelled, and readers of Holder. Checks mutual exclusion, that a
// holder sees itself in Holder, that every reader sees a consistent
// (caller, op) pair, and that a ContentionError names a real holder.
func TestTokenHammerMixed(t *testing.T) {
	ts := NewTokens(TokensOptions{Timeout: time.Minute})
	tok := ts.Token("shared", TokenOptions{BatchYield: true})
	const workers, iters = 8, 400
	name := func(i int) (string, string) { return fmt.Sprintf("g%d", i), fmt.Sprintf("op%d", i) }
	ts.SetTimeout("g0", "shared", 50*time.Microsecond) // g0 times out often
	var inside, contended atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if c, op, since, ok := tok.Holder(); ok {
				if len(c) < 2 || op != "op"+c[1:] || since.After(time.Now()) {
					t.Errorf("inconsistent holder %q %q %v", c, op, since)
					return
				}
			}
			runtime.Gosched()
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			caller, op := name(w)
			for i := 0; i < iters; i++ {
				var l Lease
				var err error
				switch {
				case w == 1 && i%2 == 0:
					var ok bool
					if l, ok = tok.TryAcquire(caller, op); !ok {
						continue
					}
				case w == 2 && i%3 == 0:
					ctx, cancel := context.WithCancel(context.Background())
					go cancel()
					l, err = tok.Acquire(ctx, caller, op)
					cancel()
					if errors.Is(err, context.Canceled) {
						continue
					}
				default:
					l, err = tok.Acquire(context.Background(), caller, op)
				}
				var ce *ContentionError
				if errors.As(err, &ce) {
					contended.Add(1)
					if w != 0 || ce.Caller != caller || ce.Holder == "" || ce.Holder == caller || ce.Held < 0 {
						t.Errorf("contention error %+v", ce)
					}
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					t.Error("two holders at once")
				}
				if c, o, _, ok := tok.Holder(); !ok || c != caller || o != op {
					t.Errorf("holder %q %q %v, want %q %q", c, o, ok, caller, op)
				}
				if !l.Held() {
					t.Error("lease not held")
				}
				l.Progress()
				if i%5 == 0 {
					runtime.Gosched() // let the queue form
				}
				inside.Add(-1)
				l.Release()
				l.Release()
				if l.Held() {
					t.Error("released lease still held")
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	if _, _, _, ok := tok.Holder(); ok {
		t.Fatal("held after the hammer")
	}
	t.Logf("%d contention errors", contended.Load())
	if tok.state.Load()&(tokSlow|tokPub) != 0 || len(tok.waiters) != 0 {
		t.Fatalf("state %b, %d waiters left", tok.state.Load(), len(tok.waiters))
	}
}

// TestTokenStaleProgress: a progress report that lands after its lease
// ended (Progress racing with Release) does not extend the next holder's
// lease.
func TestTokenStaleProgress(t *testing.T) {
	clk := newManualClock()
	ts := NewTokens(TokensOptions{Clock: clk})
	tok := ts.Token("solver", TokenOptions{BatchYield: true})
	la, _ := tok.Acquire(context.Background(), "a", "solve")
	la.Release()
	lb, _ := tok.Acquire(context.Background(), "b", "solve")
	ch := acquireAsync(clk, tok, context.Background(), "c", "solve")
	clk.Advance(40 * time.Millisecond)
	// What a's report looks like when it lands late: a's generation.
	tok.progress.Store(uint64(40_000)<<progressShift | progressValid | la.gen&progressGen)
	la.Progress() // and a real late call: not current, so nothing
	clk.Advance(10 * time.Millisecond)
	select {
	case r := <-ch:
		var ce *ContentionError
		if !errors.As(r.err, &ce) || ce.Holder != "b" || ce.Held != 50*time.Millisecond {
			t.Fatalf("err = %v", r.err)
		}
	case <-clk.armed: // c waits again
		t.Fatal("the stale report extended b's lease")
	}
	lb.Release()
}
