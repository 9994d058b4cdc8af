package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// A plot is one SVG file of side-by-side log-log panels, drawn here so the
// report needs no tool besides Go.
type plot struct {
	file   string // base name under docs/
	title  string
	panels []panel
}

type panel struct {
	title        string
	xlabel       string
	xfmt, yfmt   func(float64) string
	series       []series
	higherBetter bool // said in the panel title's hint
}

type series struct {
	name  string
	color string
	dash  bool
	pts   [][2]float64 // x, y > 0
}

const (
	panelW, panelH = 470, 400
	marginL        = 70
	marginR        = 14
	marginT        = 58
	marginB        = 132
	plotTitleH     = 30
)

func (p plot) svg(w io.Writer) {
	width := panelW * len(p.panels)
	height := panelH + plotTitleH
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(w, `<text x="%d" y="20" font-size="15" font-weight="bold" text-anchor="middle">%s</text>`+"\n", width/2, esc(p.title))
	for i, pn := range p.panels {
		fmt.Fprintf(w, `<g transform="translate(%d,%d)">`+"\n", i*panelW, plotTitleH)
		pn.draw(w)
		fmt.Fprintln(w, "</g>")
	}
	fmt.Fprintln(w, "</svg>")
}

func esc(s string) string { return html.EscapeString(s) }

// tick shortens a decade's label: "10.0 M" → "10 M", "1.00 µs" → "1 µs".
func tick(s string) string {
	num, unit, _ := strings.Cut(s, " ")
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	if unit == "" {
		return num
	}
	return num + " " + unit
}

// decades returns the powers of ten that enclose vals.
func decades(vals []float64) (lo, hi float64) {
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v > 0 {
			mn, mx = math.Min(mn, v), math.Max(mx, v)
		}
	}
	if math.IsInf(mn, 1) {
		return 1, 10
	}
	lo, hi = math.Floor(math.Log10(mn)), math.Ceil(math.Log10(mx))
	if hi == lo {
		hi++
	}
	return lo, hi
}

func (pn panel) draw(w io.Writer) {
	var xs, ys []float64
	for _, s := range pn.series {
		for _, pt := range s.pts {
			xs, ys = append(xs, pt[0]), append(ys, pt[1])
		}
	}
	x0, x1 := decades(xs)
	y0, y1 := decades(ys)
	pw, ph := float64(panelW-marginL-marginR), float64(panelH-marginT-marginB)
	X := func(v float64) float64 { return marginL + (math.Log10(v)-x0)/(x1-x0)*pw }
	Y := func(v float64) float64 { return marginT + (y1-math.Log10(v))/(y1-y0)*ph }

	hint := "lower is better"
	if pn.higherBetter {
		hint = "higher is better"
	}
	fmt.Fprintf(w, `<text x="%d" y="18" font-size="13" font-weight="bold" text-anchor="middle">%s</text>`+"\n", panelW/2, esc(pn.title))
	fmt.Fprintf(w, `<text x="%d" y="34" fill="#555" text-anchor="middle">%s, log scales</text>`+"\n", panelW/2, hint)
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", marginL, marginT, pw, ph)

	// Grid and ticks at every decade; x ticks also at the measured sizes.
	for e := y0; e <= y1; e++ {
		v := math.Pow(10, e)
		y := Y(v)
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginL, y, marginL+pw, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", marginL-5, y, esc(tick(pn.yfmt(v))))
	}
	seen := map[float64]bool{}
	for _, v := range xs {
		if seen[v] {
			continue
		}
		seen[v] = true
		x := X(v)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x, marginT, x, marginT+ph)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, marginT+ph+16, esc(pn.xfmt(v)))
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", marginL+pw/2, marginT+ph+34, esc(pn.xlabel))

	for _, s := range pn.series {
		if len(s.pts) == 0 {
			continue
		}
		var pts []string
		for _, pt := range s.pts {
			pts = append(pts, strconv.FormatFloat(X(pt[0]), 'f', 1, 64)+","+strconv.FormatFloat(Y(pt[1]), 'f', 1, 64))
		}
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="6,4"`
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(pts, " "), s.color, dash)
		for _, pt := range s.pts {
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s: %s at %s</title></circle>`+"\n",
				X(pt[0]), Y(pt[1]), s.color, esc(s.name), esc(pn.yfmt(pt[1])), esc(pn.xfmt(pt[0])))
		}
	}

	// Legend under the axis label, one series a line.
	for i, s := range pn.series {
		lx := float64(marginL)
		ly := marginT + ph + 52 + float64(i)*16
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="6,4"`
		}
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, ly, lx+22, ly, s.color, dash)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", lx+28, ly, esc(s.name))
	}
}

// Colors: wasmplane blue, floor grey, Wasm variants orange.
const (
	colWasmplane = "#1f5fbf"
	colFloor     = "#777777"
	colWasm      = "#d9730d"
	colWasmFloor = "#8c5a2b"
)

// plots builds the scaling plots from the results.
func plots(r *results) []plot {
	get := func(wl, sys, param string) (stat, bool) {
		s := r.get(key{wl, sys, param}, unitTime)
		return s, s.ok() && s.center > 0
	}
	compSeries := func(name, color string, dash bool, sys, leaf string, rate bool) series {
		s := series{name: name, color: color, dash: dash}
		for _, n := range sizesOf(r, "Scale", sys) {
			if st, ok := get("Scale", sys, "n="+strconv.Itoa(n)+"/"+leaf); ok {
				y := st.center
				if rate {
					y = 1 / y
				}
				s.pts = append(s.pts, [2]float64{float64(n), y})
			}
		}
		return s
	}
	paySeries := func(name, color string, dash bool, wl, sys string, rate bool) series {
		s := series{name: name, color: color, dash: dash}
		for _, n := range sizesOf(r, wl, sys) {
			if st, ok := get(wl, sys, "size="+strconv.Itoa(n)); ok {
				y := st.center
				if rate {
					y = 1 / y
				}
				s.pts = append(s.pts, [2]float64{float64(n), y})
			}
		}
		return s
	}
	countFmt := func(v float64) string { return fmtCount(int(math.Round(v))) }
	sizeFmt := func(v float64) string { return fmtSize(int(math.Round(v))) }
	rateFmt := func(v float64) string { return strings.TrimSuffix(fmtRate(v), " msg/s") }
	return []plot{
		{
			file:  "perf-components.svg",
			title: "wasmplane: cost against the number of live components",
			panels: []panel{
				{
					title: "Throughput, one sender (msg/s)", xlabel: "live components", xfmt: countFmt, yfmt: rateFmt, higherBetter: true,
					series: []series{
						compSeries("wasmplane send", colWasmplane, false, "wasmplane", "send", true),
						compSeries("floor: goroutines + channels", colFloor, true, "floor", "send", true),
					},
				},
				{
					title: "Latency: request-reply round trip", xlabel: "live components", xfmt: countFmt, yfmt: fmtTime,
					series: []series{
						compSeries("wasmplane request", colWasmplane, false, "wasmplane", "request", false),
						compSeries("floor: goroutines + channels", colFloor, true, "floor", "request", false),
					},
				},
			},
		},
		{
			file:  "perf-payload.svg",
			title: "wasmplane: cost against the payload size",
			panels: []panel{
				{
					title: "Throughput, one sender (msg/s)", xlabel: "payload", xfmt: sizeFmt, yfmt: rateFmt, higherBetter: true,
					series: []series{
						paySeries("wasmplane → Go component", colWasmplane, false, "PayloadSend", "wasmplane", true),
						paySeries("floor: channel", colFloor, true, "PayloadSend", "floor", true),
						paySeries("wasmplane → Wasm component", colWasm, false, "PayloadSendWasm", "wasmplane", true),
						paySeries("floor: wazero copy + call", colWasmFloor, true, "PayloadSendWasm", "wazero", true),
					},
				},
				{
					title: "Latency: request round trip", xlabel: "payload", xfmt: sizeFmt, yfmt: fmtTime,
					series: []series{
						paySeries("wasmplane ↔ Go component", colWasmplane, false, "PayloadRequest", "wasmplane", false),
						paySeries("floor: channels", colFloor, true, "PayloadRequest", "floor", false),
						paySeries("wasmplane → Wasm component", colWasm, false, "PayloadRequestWasm", "wasmplane", false),
						paySeries("floor: wazero copy + call", colWasmFloor, true, "PayloadRequestWasm", "wazero", false),
					},
				},
			},
		},
	}
}
