package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/wasmplane/wasmplane"
)

// writeSummary writes one row of counters per component instance.
func writeSummary(w io.Writer, stats []wasmplane.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tPID\tSTATE\tIN\tOUT\tERRORS\tFAILURES\tRESTARTS\tP50\tP99")
	for _, s := range stats {
		p50, p99 := "-", "-"
		if s.In > 0 {
			p50, p99 = compact(s.P50), compact(s.P99)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
			s.Name, s.PID, s.State, s.In, s.Out, s.Errors, s.Failures, s.Restarts, p50, p99)
	}
	tw.Flush()
}

// compact formats d in its largest unit below d, with one decimal under
// 10 units and none above: 850ns, 1.2µs, 34ms, 2.5s.
func compact(d time.Duration) string {
	units := []struct {
		size time.Duration
		name string
	}{{time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "µs"}}
	for _, u := range units {
		if d >= u.size {
			v := float64(d) / float64(u.size)
			if v < 10 {
				return strconv.FormatFloat(v, 'f', 1, 64) + u.name
			}
			return strconv.FormatFloat(v, 'f', 0, 64) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}
