package main

import (
	"os"
	"runtime"
	"strings"
	"time"
)

// results is everything one run measured; a nil part did not run.
type results struct {
	opts     options
	machine  machine
	started  time.Time
	ended    time.Time
	fixtures []fixture
	webhook  *webhookResults
	cold     coldStarts
	handler  *handlerResults
	profiles []profile
	fetch    *fetchResults
	run      *runResults
	api      *apiResults
	podStart *podStartResults
	failures []string
	skipped  []string
	parts    []partTiming
}

// partTiming is when a part ran and the machine's load then.
type partTiming struct {
	name, load string
	took       time.Duration
}

// machine describes where the run happened.
type machine struct {
	cpu, kernel, goVersion string
	cores                  int
	loadBefore, loadAfter  string
}

func currentMachine() machine {
	m := machine{cpu: "unknown", kernel: "unknown", goVersion: runtime.Version(), cores: runtime.NumCPU(), loadBefore: loadAverage()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(data))
	}
	return m
}
