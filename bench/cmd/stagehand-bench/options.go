package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// options are the sizes and durations of one run.
type options struct {
	root, out   string
	smoke       bool
	webhookBin  string
	agentBin    string
	skip        map[string]bool
	assets      string // envtest binaries; "" skips the API-server part
	deadline    time.Duration
	warmup      time.Duration // closed loop, before the first round of each subject
	measure     time.Duration // closed loop, per subject and scenario, split in rounds
	rounds      int
	conc        []int
	openRate    float64
	openMeasure time.Duration
	coldStarts  int
	profileFor  time.Duration
	benchTime   string
	benchCount  int
	fetchFiles  int
	fetchSize   int64
	fetchBig    int64
	fetchRounds int
	runCount    int
	apiPods     int // per side, split in rounds
	apiConc     int
	apiRate     float64       // pods/s of the open loop
	apiOpenFor  time.Duration // open loop, per side, split in rounds
	// podStarts is how many pods of each kind the node part creates.
	podStarts int
}

// The parts of a run, for --skip.
const (
	partWebhook = "webhook"
	partCold    = "coldstart"
	partHandler = "handler"
	partProfile = "profile"
	partFetch   = "fetch"
	partRun     = "run"
	partAPI     = "apiserver"
)

func fullOptions() options {
	return options{
		deadline: 14 * time.Minute,
		warmup:   2 * time.Second, measure: 10 * time.Second, rounds: 2, conc: []int{1, 8, 32},
		openRate: 1000, openMeasure: 10 * time.Second,
		coldStarts: 7, profileFor: 5 * time.Second, benchTime: "2s", benchCount: 3,
		fetchFiles: 64, fetchSize: 4 << 20, fetchBig: 256 << 20, fetchRounds: 5,
		runCount: 200, apiPods: 1000, apiConc: 16, apiRate: 100, apiOpenFor: 10 * time.Second,
		podStarts: 20,
	}
}

func smokeOptions() options {
	return options{
		// The pod-start part may wait for the node's lock while test/node
		// and the demo's test hold it (make test runs them together).
		deadline: 8 * time.Minute,
		warmup:   50 * time.Millisecond, measure: 100 * time.Millisecond, rounds: 2, conc: []int{1, 8, 32},
		openRate: 200, openMeasure: 100 * time.Millisecond,
		coldStarts: 1, profileFor: 100 * time.Millisecond, benchTime: "20x", benchCount: 1,
		fetchFiles: 4, fetchSize: 64 << 10, fetchBig: 1 << 20, fetchRounds: 1,
		runCount: 5, apiPods: 20, apiConc: 4, apiRate: 50, apiOpenFor: 200 * time.Millisecond,
		podStarts: 1,
	}
}

func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("stagehand-bench", flag.ContinueOnError)
	smoke := fs.Bool("smoke", false, "run every part for a moment with tiny sizes (a test of the benchmarks, not a measurement)")
	root := fs.String("root", "", "repository root (default: found from the working directory)")
	out := fs.String("out", "bench/results/latest.md", "report file; profiles go next to it")
	webhookBin := fs.String("webhook-bin", "", "webhook binary (default: build it)")
	agentBin := fs.String("agent-bin", "", "agent binary (default: build it)")
	skip := fs.String("skip", "", "comma-separated parts to skip: webhook,coldstart,handler,profile,fetch,run,apiserver,podstart")
	if err := fs.Parse(args); err != nil {
		return options{}, fmt.Errorf("parsing flags: %w", err)
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o := fullOptions()
	if *smoke {
		o = smokeOptions()
	}
	o.smoke = *smoke
	o.webhookBin, o.agentBin = *webhookBin, *agentBin
	o.skip = map[string]bool{}
	for p := range strings.SplitSeq(*skip, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.skip[p] = true
		}
	}
	var err error
	if o.root = *root; o.root == "" {
		if o.root, err = findRoot(); err != nil {
			return options{}, err
		}
	}
	// A relative report path is relative to the repository root.
	if o.out = *out; !filepath.IsAbs(o.out) {
		o.out = filepath.Join(o.root, o.out)
	}
	o.assets = os.Getenv("KUBEBUILDER_ASSETS")
	if o.assets == "" && !o.smoke {
		// make exports KUBEBUILDER_ASSETS; go run alone may not.
		if dir := filepath.Join(o.root, "bin", "envtest"); fileExists(filepath.Join(dir, "kube-apiserver")) {
			o.assets = dir
		}
	}
	return o, nil
}

// findRoot walks up from the working directory to go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("finding the repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
