package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// runTask is the task both ways run.
const runTask = "/bin/true"

// runTimeout bounds one run of the task.
const runTimeout = 10 * time.Second

// Ways of running the task. runStart only starts the agent binary (agent
// version), to split the agent's overhead into process start-up and
// supervision.
const (
	runDirect = "direct"
	runAgent  = "agent run"
	runStart  = "agent version"
)

// runWays are the ways, in the order they alternate.
var runWays = []string{runAgent, runDirect, runStart}

// runResults are the wall times of each way, and the agent's size.
type runResults struct {
	times      map[string][]time.Duration
	agentBytes int64
}

// overhead is the agent's extra median wall time over exec'ing directly.
func (r runResults) overhead() time.Duration {
	return median(r.times[runAgent]) - median(r.times[runDirect])
}

// benchRun execs /bin/true directly and under `agent run --`, and `agent
// version`, alternating, o.runCount times each.
func benchRun(ctx context.Context, o options, w *workspace, log io.Writer) (runResults, error) {
	res := runResults{times: map[string][]time.Duration{}}
	st, err := os.Stat(w.agent)
	if err != nil {
		return res, fmt.Errorf("agent binary: %w", err)
	}
	res.agentBytes = st.Size()
	for range o.runCount {
		for _, way := range runWays {
			d, err := runOnce(ctx, w, way)
			if err != nil {
				return res, err
			}
			res.times[way] = append(res.times[way], d)
		}
	}
	for _, way := range runWays {
		fmt.Fprintf(log, "run %-9s median=%v p95=%v\n", way, median(res.times[way]).Round(time.Microsecond), quantile(res.times[way], 0.95).Round(time.Microsecond))
	}
	return res, nil
}

func runOnce(ctx context.Context, w *workspace, way string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runTask)
	switch way {
	case runAgent:
		cmd = exec.CommandContext(ctx, w.agent, "run", "--", runTask)
	case runStart:
		cmd = exec.CommandContext(ctx, w.agent, "version")
	}
	cmd.Env = baseEnv()
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s -- %s: %w", way, runTask, err)
	}
	return elapsed, nil
}
