package boundary

import (
	"errors"
	"reflect"
	"testing"
)

func TestHandlerConflicts(t *testing.T) {
	r := NewRegistry(RegistryOptions{Logger: quietLogger()})
	const op = "input.key"
	bind := func(c string, prio int, p LosePolicy) Resolution {
		t.Helper()
		ev, err := r.Bind(op, Handler{Component: c, Priority: prio, Policy: p})
		if err != nil {
			t.Fatal(err)
		}
		return ev.What
	}
	active := func(want string) {
		t.Helper()
		h, ok := r.ActiveHandler(op)
		if want == "" {
			if ok {
				t.Fatalf("active = %q, want none", h.Component)
			}
			return
		}
		if !ok || h.Component != want {
			t.Fatalf("active = %q (%v), want %q", h.Component, ok, want)
		}
	}
	if got := bind("a", 1, Queue); got != Bound {
		t.Fatalf("first bind: %v", got)
	}
	if got := bind("b", 1, Queue); got != Queued { // tie: the first keeps it
		t.Fatalf("tie: %v", got)
	}
	if got := bind("c", 0, Drop); got != Dropped {
		t.Fatalf("lower, drop: %v", got)
	}
	if got := bind("d", 5, Drop); got != Preempted { // a (queue policy) is queued
		t.Fatalf("higher: %v", got)
	}
	active("d")
	if got := bind("e", 9, Queue); got != Preempted { // d (drop policy) is dropped
		t.Fatalf("higher again: %v", got)
	}
	active("e")
	var qs []string
	for _, h := range r.QueuedHandlers(op) {
		qs = append(qs, h.Component)
	}
	if !reflect.DeepEqual(qs, []string{"a", "b"}) {
		t.Fatalf("queue = %v", qs)
	}
	if _, err := r.Bind(op, Handler{Component: "a"}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate bind: %v", err)
	}
	// The winner stops: the best queued takes over, in order.
	if !r.Unbind(op, "e") {
		t.Fatal("unbind e")
	}
	active("a")
	if !r.Unbind(op, "b") { // a queued one leaves quietly
		t.Fatal("unbind b")
	}
	if !r.Unbind(op, "a") {
		t.Fatal("unbind a")
	}
	active("")
	if r.Unbind(op, "a") {
		t.Fatal("unbind twice")
	}

	type ev struct {
		What        Resolution
		Comp, Other string
	}
	var got []ev
	for i, e := range r.Resolutions() {
		if e.Seq != uint64(i+1) || e.Op != op {
			t.Fatalf("event %d: %+v", i, e)
		}
		got = append(got, ev{e.What, e.Component, e.Other})
	}
	want := []ev{
		{Bound, "a", ""}, {Queued, "b", "a"}, {Dropped, "c", "a"},
		{Queued, "a", "d"}, {Preempted, "d", "a"},
		{Dropped, "d", "e"}, {Preempted, "e", "d"},
		{Unbound, "e", ""}, {Promoted, "a", "e"},
		{Unbound, "b", ""}, {Unbound, "a", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
}
