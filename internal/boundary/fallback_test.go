package boundary

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestTiersUpAndDown(t *testing.T) {
	clk := newManualClock()
	tr := NewTiers(TiersOptions{Clock: clk, Policy: TierPolicy{Threshold: 3, Window: time.Second, Quiet: 10 * time.Second}})
	p := Pair{"game", "sim"}
	other := Pair{"ui", "sim"}
	hit := func(n int, gap time.Duration) Tier {
		var tier Tier
		for i := 0; i < n; i++ {
			tier = tr.Contention(p)
			clk.Advance(gap)
		}
		return tier
	}
	// Spread out: never 3 within the window.
	if got := hit(4, 600*time.Millisecond); got != TierNormal {
		t.Fatalf("spread contention moved the pair to %v", got)
	}
	for want := TierIsolate; want <= TierNative; want++ {
		if got := hit(3, 100*time.Millisecond); got != want {
			t.Fatalf("tier %v, want %v", got, want)
		}
		if got := tr.Tier(other); got != TierNormal {
			t.Fatalf("other pair moved: %v", got)
		}
	}
	if got := hit(3, 100*time.Millisecond); got != TierNative {
		t.Fatalf("past the top: %v", got)
	}
	// Quiet: one tier down per quiet period, noticed late but stamped on time.
	clk.Advance(9 * time.Second)
	if got := tr.Tier(p); got != TierNative {
		t.Fatalf("before the quiet period: %v", got)
	}
	clk.Advance(2 * time.Second)
	if got := tr.Tier(p); got != TierSerialize {
		t.Fatalf("after one quiet period: %v", got)
	}
	clk.Advance(25 * time.Second)
	if got := tr.Tier(p); got != TierNormal {
		t.Fatalf("after three: %v", got)
	}
	evs := tr.Events()
	var got []string
	for i, e := range evs {
		if e.Seq != uint64(i+1) || e.Pair != p {
			t.Fatalf("event %d: %v", i, e)
		}
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Fatalf("events out of time order: %v", evs)
		}
		got = append(got, fmt.Sprintf("%v->%v %s", e.From, e.To, e.Reason))
	}
	want := []string{
		"normal->isolate 3 contention errors within 1s",
		"isolate->serialize 3 contention errors within 1s",
		"serialize->native 3 contention errors within 1s",
		"native->serialize no contention for 10s",
		"serialize->isolate no contention for 10s",
		"isolate->normal no contention for 10s",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got %q\nwant %q", got, want)
	}
	// The two late step-downs took effect one quiet period apart.
	if d := evs[5].At.Sub(evs[4].At); d != 10*time.Second {
		t.Fatalf("step-downs %v apart", d)
	}
}

func TestTiersPairPolicy(t *testing.T) {
	clk := newManualClock()
	tr := NewTiers(TiersOptions{Clock: clk})
	p := Pair{"a", "b"}
	tr.SetPolicy(p, TierPolicy{Threshold: 1, MaxTier: TierSerialize})
	for i := 0; i < 5; i++ {
		tr.Contention(p)
	}
	if got := tr.Tier(p); got != TierSerialize {
		t.Fatalf("capped tier = %v", got)
	}
	if got := tr.Contention(Pair{"a", "c"}); got != TierNormal { // default threshold 3
		t.Fatalf("default pair = %v", got)
	}
}

func TestTiersHammer(t *testing.T) {
	clk := newManualClock()
	tr := NewTiers(TiersOptions{Clock: clk, Policy: TierPolicy{Threshold: 2}})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := Pair{fmt.Sprint(g % 3), "x"}
			for i := 0; i < 2000; i++ {
				if i%3 == 0 {
					tr.Contention(p)
				} else {
					tr.Tier(p)
				}
				if i%100 == 0 {
					clk.Advance(time.Second)
				}
			}
		}()
	}
	wg.Wait()
	last := map[Pair]Tier{}
	for _, e := range tr.Events() {
		if e.From != last[e.Pair] || (e.To != e.From+1 && e.To+1 != e.From) {
			t.Fatalf("inconsistent transition %v after %v", e, last[e.Pair])
		}
		last[e.Pair] = e.To
	}
}
