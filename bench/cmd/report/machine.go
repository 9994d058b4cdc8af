package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the report is generated, which bench/run makes
// right after the benchmarks on the same machine.
type machine struct {
	date      string
	nproc     int
	cpu       string
	memory    string
	kernel    string
	goVersion string
	goosArch  string
}

func thisMachine(now time.Time, cpuFromRun string) machine {
	m := machine{
		date:      now.UTC().Format("2006-01-02 15:04 UTC"),
		nproc:     runtime.NumCPU(),
		cpu:       cpuModel(),
		goVersion: runtime.Version(),
		goosArch:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if m.cpu == "" {
		m.cpu = cpuFromRun
	}
	if m.cpu == "" {
		m.cpu = "unknown CPU"
	}
	if kb := memTotalKB(); kb > 0 {
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

func (m machine) short() string {
	return fmt.Sprintf("%s, %d CPUs, %s, %s", m.cpu, m.nproc, m.goVersion, m.date)
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memTotalKB() int {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			n, _ := strconv.Atoi(fields[1])
			return n
		}
	}
	return 0
}

// runInfo is what bench/run tells the report about the run.
type runInfo struct {
	count     string
	benchtime string
	loadStart string
	loadEnd   string
	commit    string
	versions  [][2]string // dependency title, version
	ergoNote  string
}

// runsText says how many runs each median is of: "6 runs".
func (r runInfo) runsText() string {
	switch r.count {
	case "":
		return "the runs"
	case "1":
		return "1 run"
	}
	return r.count + " runs"
}

// moduleVersions reads the versions of the compared systems from
// bench/go.mod.
func moduleVersions(gomod string) [][2]string {
	titles := []struct{ path, title string }{
		{"github.com/anthdm/hollywood", "Hollywood"},
		{"github.com/asynkron/protoactor-go", "protoactor-go"},
		{"github.com/ergo-services/ergo", "ergo"},
		{"github.com/tetratelabs/wazero", "wazero"},
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return nil
	}
	var out [][2]string
	for _, t := range titles {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
			if len(f) >= 2 && f[0] == t.path {
				out = append(out, [2]string{t.title, "`" + t.path + " " + f[1] + "`"})
				break
			}
		}
	}
	return out
}
