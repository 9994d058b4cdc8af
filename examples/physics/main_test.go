package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestPhysics runs the pipeline briefly: every frame is verified by the
// renderer and none is torn.
func TestPhysics(t *testing.T) {
	res, err := Run(context.Background(), Options{Frames: 90, Bodies: 512})
	if err != nil {
		t.Fatal(err)
	}
	if res.Torn != 0 || res.Rendered != 90 {
		t.Fatalf("rendered %d frames, %d torn; want 90, 0", res.Rendered, res.Torn)
	}
	if res.Summary.Frames != 90 {
		t.Fatalf("frame clock finished %d frames, want 90", res.Summary.Frames)
	}
}

func TestPhysicsCLI(t *testing.T) {
	var out, errb bytes.Buffer
	if code := doMain([]string{"--frames", "30", "--bodies", "64"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"30 frames rendered, 0 torn", "compute", "commit", "present", "jitter"} {
		if !strings.Contains(strings.ToLower(out.String()), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
