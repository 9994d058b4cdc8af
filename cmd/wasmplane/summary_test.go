package main

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
)

func TestCompact(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0ns"},
		{850, "850ns"},
		{1234, "1.2µs"},
		{12_345, "12µs"},
		{3_400_000, "3.4ms"},
		{340_000_000, "340ms"},
		{2500 * time.Millisecond, "2.5s"},
		{90 * time.Second, "90s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := compact(tt.d); got != tt.want {
				t.Errorf("compact(%d) = %q; want %q", int64(tt.d), got, tt.want)
			}
		})
	}
}

func TestStopReason(t *testing.T) {
	tests := []struct {
		name  string
		cause error
		want  string
	}{
		{"component", nil, "shutdown requested by a component"},
		{"for", errForElapsed, "--for elapsed"},
		{"signal", errors.New("interrupt signal received"), "interrupt signal received"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stopReason(tt.cause); got != tt.want {
				t.Errorf("stopReason(%v) = %q; want %q", tt.cause, got, tt.want)
			}
		})
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	writeSummary(&b, []wasmplane.Stats{
		{Name: "busy", State: "stopped", In: 3, Out: 2, Errors: 1, Failures: 1, Restarts: 1, P50: 1200, P99: 3_400_000},
		{Name: "idle", State: "running"},
	})
	want := "" +
		"COMPONENT  PID      STATE    IN  OUT  ERRORS  FAILURES  RESTARTS  P50    P99\n" +
		"busy       <0.0.0>  stopped  3   2    1       1         1         1.2µs  3.4ms\n" +
		"idle       <0.0.0>  running  0   0    0       0         0         -      -\n"
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}
