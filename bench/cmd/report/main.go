// Command report turns the raw output of bench/run (go test -bench, all
// packages of the bench module) into docs/performance.md and its plots:
// per workload, each system's median and spread (benchstat's statistics,
// through golang.org/x/perf), the ratios of wasmplane to each peer and to
// the floor, issue 3's targets, the seed's published figures, and SVG plots
// of the scaling runs.
//
// Usage:
//
//	report -in bench/results/latest.txt -out docs/performance.md [flags]
//
// The section between the analysis markers of an existing output file is
// kept, so explanations written there survive a regeneration.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() { os.Exit(doMain(os.Args[1:], os.Stderr)) }

func doMain(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "bench/results/latest.txt", "raw go test -bench output")
	out := fs.String("out", "docs/performance.md", "the document to write; plots go next to it")
	gomod := fs.String("gomod", "bench/go.mod", "the bench module's go.mod, for the peers' versions")
	var run runInfo
	fs.StringVar(&run.count, "count", "", "runs per benchmark (-count)")
	fs.StringVar(&run.benchtime, "benchtime", "", "how long each benchmark ran, in words")
	fs.StringVar(&run.loadStart, "load-start", "", "load average when the run started")
	fs.StringVar(&run.loadEnd, "load-end", "", "load average when the run ended")
	fs.StringVar(&run.commit, "commit", "", "the wasmplane commit measured")
	fs.StringVar(&run.ergoNote, "ergo-note", "", "what the module proxy said about ergo v3")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The run ended when its raw output was last written.
	when := time.Now()
	if st, err := os.Stat(*in); err == nil {
		when = st.ModTime()
	}
	if err := generate(*in, *out, *gomod, run, when); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	return 0
}

func generate(in, out, gomod string, run runInfo, now time.Time) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := parse(f, in)
	if err != nil {
		return err
	}
	run.versions = moduleVersions(gomod)
	if run.ergoNote == "" {
		run.ergoNote = "ergo v2.2.4 (`github.com/ergo-services/ergo v1.999.224`) is measured; bench/run records " +
			"whether the module proxy serves ergo v3 (`ergo.services/ergo`)."
	}
	analysis, err := keptAnalysis(out)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	d := &doc{w: &buf, r: r, m: thisMachine(now, r.config["cpu"]), run: run, analysis: analysis}
	d.write()
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	for _, p := range plots(r) {
		var sb bytes.Buffer
		p.svg(&sb)
		if err := os.WriteFile(filepath.Join(filepath.Dir(out), p.file), sb.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// keptAnalysis returns the analysis section of an existing document, or
// the placeholder.
func keptAnalysis(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return analysisStub, nil
	}
	if err != nil {
		return "", err
	}
	_, rest, ok := strings.Cut(string(b), analysisBegin)
	if !ok {
		return analysisStub, nil
	}
	body, _, ok := strings.Cut(rest, analysisEnd)
	if !ok {
		return analysisStub, nil
	}
	if body = strings.TrimSpace(body); body == "" {
		return analysisStub, nil
	}
	return body, nil
}
