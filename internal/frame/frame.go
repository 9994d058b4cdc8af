package frame

import (
	"fmt"
	"time"
)

// Frame is one frame in flight: its token and the times it reached each
// stage boundary. A frame is owned by one goroutine at a time; hand it on
// (over a channel, say) to let the next stage stamp it. Its methods are not
// safe for concurrent use.
//
// # Notes
//
// After Done or Drop the Clock reuses the Frame for a later Begin; the
// caller must not touch it again. Copy what it needs (Token, stamps) first.
type Frame struct {
	c      *Clock
	token  uint64
	queued time.Duration
	sched  time.Duration
	last   time.Duration   // most recent stamp
	stamps []time.Duration // start, end per phase; notSet if not reached
}

// Token is the frame's sequence number. Tokens increase by one per
// period slot: under Run a gap means the skipped slots were dropped.
func (f *Frame) Token() uint64 { return f.token }

// Queued is the time the frame was begun.
func (f *Frame) Queued() time.Duration { return f.queued }

// Scheduled is the time the frame was due: its slot under Run, or Queued
// for a frame from Begin. Frame time and misses are measured from it.
func (f *Frame) Scheduled() time.Duration { return f.sched }

// Deadline is Scheduled plus the Budget: a frame Done after it is missed.
func (f *Frame) Deadline() time.Duration { return f.sched + f.clock("Deadline").cfg.Budget }

// Start stamps the start of the named phase now. It panics if the phase is
// not one of the Clock's phases.
func (f *Frame) Start(phase string) {
	i := f.index(phase, "Start")
	f.last = f.c.now()
	f.stamps[2*i] = f.last
}

// End stamps the end of the named phase now. A phase ended without a Start
// is taken to have started at the frame's most recent stamp (the previous
// phase's end, or Queued), so back-to-back phases need only End.
func (f *Frame) End(phase string) {
	i := f.index(phase, "End")
	if f.stamps[2*i] == notSet {
		f.stamps[2*i] = f.last
	}
	f.last = f.c.now()
	f.stamps[2*i+1] = f.last
}

// Stamps returns the named phase's start and end, and whether each was
// reached.
func (f *Frame) Stamps(phase string) (start, end time.Duration, started, ended bool) {
	i := f.index(phase, "Stamps")
	start, end = f.stamps[2*i], f.stamps[2*i+1]
	return start, end, start != notSet, end != notSet
}

// Done stamps the frame complete (for the default phases, "presented") and
// records it. A phase started but not ended ends now; a phase never started
// is left out of that phase's statistics.
func (f *Frame) Done() {
	c := f.clock("Done")
	c.finish(f, c.now(), false)
}

// Drop ends the frame without completing it (a consumer discarded it): it
// counts as dropped and none of its stamps are recorded.
func (f *Frame) Drop() {
	f.clock("Drop").finish(f, 0, true)
}

func (f *Frame) clock(op string) *Clock {
	if f.c == nil {
		panic("frame: " + op + " on a frame after Done or Drop")
	}
	return f.c
}

// index finds a phase by name. Phases are few, so a linear scan beats a map.
func (f *Frame) index(phase, op string) int {
	for i, p := range f.clock(op).cfg.Phases {
		if p == phase {
			return i
		}
	}
	panic(fmt.Sprintf("frame: %s(%q): unknown phase; the clock's phases are %q", op, phase, f.c.cfg.Phases))
}
