package wasmplane_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane"
)

// TestRegisteredFrameClockIsReported: a clock registered with the system
// shows up in FrameSummaries and in the printed report.
func TestRegisteredFrameClockIsReported(t *testing.T) {
	sys := newSystem(t, nil)
	clock, err := wasmplane.NewFrameClock(wasmplane.FrameConfig{Hz: 120})
	if err != nil {
		t.Fatal(err)
	}
	sys.RegisterFrameClock("render", clock)
	for range 3 {
		f := clock.Begin()
		f.End("compute")
		f.End("commit")
		f.Done()
	}
	names, sums := sys.FrameSummaries()
	if len(names) != 1 || names[0] != "render" || sums[0].Frames != 3 {
		t.Fatalf("summaries: %v %+v", names, sums)
	}
	var out bytes.Buffer
	if err := sys.WriteFrameSummaries(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"frames render:", "120 Hz", "compute", "commit"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
}
