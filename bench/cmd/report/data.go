package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Units, as benchfmt tidies them.
const (
	unitTime      = "sec/op"
	unitAllocs    = "allocs/op"
	unitBytesOp   = "B/op"
	unitMsgRate   = "msg/s"
	unitBytesRate = "B/s"
	unitIdle      = "B/component"
	unitGoroutine = "goroutines/component"
)

// key names one benchmark leaf: Benchmark<workload>/<system>[/<param>].
type key struct {
	workload, system, param string
}

func (k key) String() string {
	s := k.workload + "/" + k.system
	if k.param != "" {
		s += "/" + k.param
	}
	return s
}

// results holds every sample of every leaf, by unit.
type results struct {
	samples map[key]map[string][]float64
	order   []key // first-seen order
	config  map[string]string
}

// parse reads go test -bench output.
func parse(r io.Reader, name string) (*results, error) {
	res := &results{samples: map[key]map[string][]float64{}, config: map[string]string{}}
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			// Lines that are not results (PASS, ok, test output) land here.
			continue
		case *benchfmt.Result:
			for _, c := range rec.Config {
				if c.File {
					res.config[c.Key] = string(c.Value)
				}
			}
			k, ok := splitName(rec.Name)
			if !ok {
				continue
			}
			m := res.samples[k]
			if m == nil {
				m = map[string][]float64{}
				res.samples[k] = m
				res.order = append(res.order, k)
			}
			for _, v := range rec.Values {
				m[v.Unit] = append(m[v.Unit], v.Value)
			}
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	if len(res.samples) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results", name)
	}
	return res, nil
}

// splitName splits "Lookup/wasmplane/n=10/hot-2" into its key.
func splitName(n benchfmt.Name) (key, bool) {
	base, parts := n.Parts()
	var subs []string
	for _, p := range parts {
		if len(p) > 0 && p[0] == '/' {
			subs = append(subs, string(p[1:]))
		}
	}
	if len(subs) == 0 {
		return key{}, false
	}
	return key{
		workload: strings.TrimPrefix(string(base), "Benchmark"),
		system:   subs[0],
		param:    strings.Join(subs[1:], "/"),
	}, true
}

// stat is the summary of one leaf in one unit.
type stat struct {
	center, lo, hi float64
	n              int
}

func (s stat) ok() bool { return s.n > 0 }

// spread is the half-width of the 95% confidence interval of the median,
// relative to it, as benchstat prints it ("±3%").
func (s stat) spread() string {
	if s.n < 2 || s.center == 0 || math.IsInf(s.lo, 0) || math.IsInf(s.hi, 0) {
		return "–"
	}
	v := math.Max(s.hi/s.center-1, 1-s.lo/s.center)
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("±%.0f%%", 100*v)
}

// get summarises a leaf's samples in unit: the median and its 95%
// confidence interval, without assuming a distribution (benchstat's
// default).
func (r *results) get(k key, unit string) stat {
	vs := r.samples[k][unit]
	if len(vs) == 0 {
		return stat{}
	}
	sample := benchmath.NewSample(append([]float64(nil), vs...), &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(sample, 0.95)
	return stat{center: sum.Center, lo: sum.Lo, hi: sum.Hi, n: len(vs)}
}

// systemsOf lists the systems measured for workload (and param), in the
// report's system order, then any others in the order seen.
func (r *results) systemsOf(workload, param string) []string {
	seen := map[string]bool{}
	for _, k := range r.order {
		if k.workload == workload && k.param == param {
			seen[k.system] = true
		}
	}
	var out []string
	for _, s := range systemOrder {
		if seen[s] {
			out = append(out, s)
			delete(seen, s)
		}
	}
	var rest []string
	for s := range seen {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// params lists the params measured for workload and system, in the order
// seen.
func (r *results) params(workload, system string) []string {
	var out []string
	for _, k := range r.order {
		if k.workload == workload && k.system == system {
			out = append(out, k.param)
		}
	}
	return out
}
