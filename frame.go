package wasmplane

import (
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/wasmplane/wasmplane/internal/frame"
)

// FrameClock drives frames at N Hz through named phases and times each
// stage: p50/p95/p99/max, standard deviation, jitter and frames missed
// against the budget (docs/shm.md, "Frame pipeline").
type FrameClock = frame.Clock

// FrameConfig configures a FrameClock; the zero value of each field means
// its default (60 Hz; phases compute, commit, present; budget one period).
type FrameConfig = frame.Config

// ClockFrame is one frame of a FrameClock in flight: stamp its phases,
// then Done or Drop. (Frame is a triple buffer's frame.)
type ClockFrame = frame.Frame

// FrameSummary is a snapshot of a clock's statistics.
type FrameSummary = frame.Summary

// NewFrameClock makes a frame clock.
func NewFrameClock(cfg FrameConfig) (*FrameClock, error) { return frame.NewClock(cfg) }

// frameClocks are the clocks registered with a system, by name.
type frameClocks struct {
	mu     sync.Mutex
	names  []string
	clocks map[string]*FrameClock
}

// RegisterFrameClock makes c's statistics part of the system's report:
// FrameSummaries returns them and `wasmplane run` prints their tables after
// the component summary. A second clock under the same name replaces the
// first.
func (s *System) RegisterFrameClock(name string, c *FrameClock) {
	s.frames.mu.Lock()
	defer s.frames.mu.Unlock()
	if s.frames.clocks == nil {
		s.frames.clocks = map[string]*FrameClock{}
	}
	if _, ok := s.frames.clocks[name]; !ok {
		s.frames.names = append(s.frames.names, name)
	}
	s.frames.clocks[name] = c
}

// FrameSummaries returns the summary of every registered frame clock, in
// registration order.
func (s *System) FrameSummaries() (names []string, summaries []FrameSummary) {
	s.frames.mu.Lock()
	names = slices.Clone(s.frames.names)
	clocks := make([]*FrameClock, len(names))
	for i, n := range names {
		clocks[i] = s.frames.clocks[n]
	}
	s.frames.mu.Unlock()
	for _, c := range clocks {
		summaries = append(summaries, c.Summary())
	}
	return names, summaries
}

// WriteFrameSummaries writes the table of every registered frame clock.
func (s *System) WriteFrameSummaries(w io.Writer) error {
	names, sums := s.FrameSummaries()
	for i, sum := range sums {
		if _, err := fmt.Fprintf(w, "\nframes %s:\n", names[i]); err != nil {
			return err
		}
		if err := sum.Format(w); err != nil {
			return err
		}
	}
	return nil
}
