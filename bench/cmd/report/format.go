package main

import (
	"fmt"
	"math"
)

// sig3 formats v with three significant digits, without exponent.
func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// fmtTime formats seconds as ns, µs, ms or s.
func fmtTime(sec float64) string {
	switch {
	case sec < 1e-6:
		return sig3(sec*1e9) + " ns"
	case sec < 1e-3:
		return sig3(sec*1e6) + " µs"
	case sec < 1:
		return sig3(sec*1e3) + " ms"
	}
	return sig3(sec) + " s"
}

func fmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + " M msg/s"
	case v >= 1e3:
		return sig3(v/1e3) + " k msg/s"
	}
	return sig3(v) + " msg/s"
}

func fmtBytes(v float64) string {
	switch {
	case math.Abs(v) >= 1<<20:
		return sig3(v/(1<<20)) + " MiB"
	case math.Abs(v) >= 1<<10:
		return sig3(v/(1<<10)) + " KiB"
	}
	return sig3(v) + " B"
}

func fmtByteRate(v float64) string {
	switch {
	case v >= 1e9:
		return sig3(v/1e9) + " GB/s"
	case v >= 1e6:
		return sig3(v/1e6) + " MB/s"
	}
	return sig3(v/1e3) + " kB/s"
}

func fmtSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func fmtCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}

func (m metric) format(v float64) string {
	switch m {
	case rateMetric:
		return fmtRate(v)
	case idleMetric:
		return fmtBytes(v)
	}
	return fmtTime(v)
}

// ratio formats a/b as "0.85×".
func ratio(a, b float64) string {
	if b == 0 || math.IsNaN(a/b) || math.IsInf(a/b, 0) {
		return "–"
	}
	r := a / b
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}
