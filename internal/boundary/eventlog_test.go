package boundary

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestEventLog(t *testing.T) {
	for _, keep := range []int{1, 3, 4} {
		for _, n := range []int{0, 2, 3, 7, 12} {
			t.Run(fmt.Sprintf("keep %d, %d pushed", keep, n), func(t *testing.T) {
				l := newEventLog[int](keep)
				for i := 0; i < n; i++ {
					l.push(i)
				}
				want := []int{}
				for i := max(0, n-keep); i < n; i++ {
					want = append(want, i)
				}
				if got := l.all(); !reflect.DeepEqual(got, want) {
					t.Fatalf("got %v, want %v", got, want)
				}
			})
		}
	}
	if l := newEventLog[int](0); l.max != DefaultMaxEvents {
		t.Fatalf("default max %d", l.max)
	}
}

// checkTail checks that seqs are the last len(seqs) of 1..total, in order.
func checkTail(t *testing.T, seqs []uint64, keep, total int) {
	t.Helper()
	if len(seqs) != keep {
		t.Fatalf("%d events kept, want %d", len(seqs), keep)
	}
	for i, s := range seqs {
		if want := uint64(total - keep + 1 + i); s != want {
			t.Fatalf("event %d has Seq %d, want %d (seqs %v)", i, s, want, seqs)
		}
	}
}

func TestResolutionsBounded(t *testing.T) {
	for _, tc := range []struct {
		name      string
		max, keep int
	}{{"configured", 5, 5}, {"default", 0, DefaultMaxEvents}} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRegistry(RegistryOptions{Logger: quietLogger(), MaxEvents: tc.max})
			total := 0
			for i := 0; total < tc.keep+7; i++ {
				op := fmt.Sprintf("op%d", i)
				if _, err := r.Bind(op, Handler{Component: "a"}); err != nil {
					t.Fatal(err)
				}
				r.Unbind(op, "a")
				total += 2
			}
			evs := r.Resolutions()
			var seqs []uint64
			for i, e := range evs {
				seqs = append(seqs, e.Seq)
				// Bound and unbound alternate, as recorded.
				want := Bound
				if (total-len(evs)+i)%2 == 1 {
					want = Unbound
				}
				if e.What != want {
					t.Fatalf("event %v, want %v", e, want)
				}
			}
			checkTail(t, seqs, tc.keep, total)
		})
	}
}

func TestTierEventsBounded(t *testing.T) {
	clk := newManualClock()
	tr := NewTiers(TiersOptions{Clock: clk, MaxEvents: 3, Policy: TierPolicy{Threshold: 1, Quiet: time.Second}})
	p := Pair{"a", "b"}
	total := 0
	for round := 0; round < 4; round++ {
		tr.Contention(p) // up one tier
		clk.Advance(2 * time.Second)
		tr.Tier(p) // and down again
		total += 2
	}
	evs := tr.Events()
	var seqs []uint64
	for i, e := range evs {
		seqs = append(seqs, e.Seq)
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Fatalf("events out of order: %v", evs)
		}
	}
	checkTail(t, seqs, 3, total)
	if evs[2].From != TierIsolate || evs[2].To != TierNormal {
		t.Fatalf("newest event %v", evs[2])
	}
}
