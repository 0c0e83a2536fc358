package main

import (
	"fmt"
	"io"
	"time"
)

// The goals of issue 5. Targets are fixed: never loosen them.
const (
	goalThroughputMR3   = 0.85 // stagehand/floor throughput, MR3 pod, c=8
	goalP99MR3          = 1.5  // stagehand/floor p99, MR3 pod, c=8
	goalThroughputLarge = 0.6  // stagehand/floor throughput, 64 KiB pod, c=8
	goalP99Large        = 2.0  // stagehand/floor p99, 64 KiB pod, c=8
	goalOpenP99         = 5 * time.Millisecond
	goalHandlerTime     = 60 * time.Microsecond
	goalHandlerAllocs   = 150
	goalPeakRSS         = 64 << 20
	goalColdStart       = 150 * time.Millisecond
	goalFetchRatio      = 1.10 // agent fetch/curl wall time, to disk
	goalRunOverhead     = 3 * time.Millisecond
	goalAgentSize       = 12 << 20
	// goalAPIP99Ratio and goalAPICPURatio are against the no-op webhook in
	// the same configuration (matchConditions included), the floor every
	// webhook pays (issue 16); against no webhook at all they are reported,
	// not goals.
	goalAPIP99Ratio = 1.25 // create p99 with stagehand/with the no-op webhook
	goalAPICPURatio = 1.3  // API-server CPU per created pod, same
	// goalPodStartRatio: create-to-task-start p50 on the local node, the
	// MR3 worker with stagehand over the same pod without it (issue 16).
	goalPodStartRatio = 1.3
	// goalUnselectedRatio: a pod no profile selects costs about what
	// calling a webhook that does nothing costs.
	goalUnselectedRatio = 1.25
	goalConc            = 8
	handlerMR3          = "BenchmarkHandleMR3WorkerAgent"
)

// goalThroughputUncached is stagehand-uncached/floor throughput, MR3 pod,
// c=8: the first pod of each job, decoded and injected (issue 12, raised
// from 0.50 by issue 16). Fixed as the goals above.
const goalThroughputUncached = 0.70

// goalTargets are every goal, in the order of the GOAL lines, with their
// targets as printed.
var goalTargets = []struct{ name, target string }{
	{"webhook-mr3-c8-throughput-ratio", fmt.Sprintf(">=%.2f", goalThroughputMR3)},
	{"webhook-mr3-c8-p99-ratio", fmt.Sprintf("<=%.2f", goalP99MR3)},
	{"webhook-mr3-uncached-c8-throughput-ratio", fmt.Sprintf(">=%.2f", goalThroughputUncached)},
	{"webhook-64KiB-c8-throughput-ratio", fmt.Sprintf(">=%.2f", goalThroughputLarge)},
	{"webhook-64KiB-c8-p99-ratio", fmt.Sprintf("<=%.2f", goalP99Large)},
	{"webhook-open-loop-p99", "<=" + goalOpenP99.String()},
	{"webhook-open-loop-errors", "0"},
	{"handler-mr3-time", "<=" + goalHandlerTime.String()},
	{"handler-mr3-allocs", fmt.Sprintf("<=%d", goalHandlerAllocs)},
	{"webhook-peak-rss", "<=" + fmtMiB(goalPeakRSS)},
	{"webhook-cold-start", "<=" + goalColdStart.String()},
	{"fetch-wall-ratio", fmt.Sprintf("<=%.2f", goalFetchRatio)},
	{"run-overhead", "<=" + goalRunOverhead.String()},
	{"agent-binary-size", "<=" + fmtMiB(goalAgentSize)},
	{"apiserver-create-p99-vs-noop-ratio", fmt.Sprintf("<=%.2f", goalAPIP99Ratio)},
	{"apiserver-cpu-per-pod-vs-noop-ratio", fmt.Sprintf("<=%.2f", goalAPICPURatio)},
	{"apiserver-unselected-vs-noop-p99-ratio", fmt.Sprintf("<=%.2f", goalUnselectedRatio)},
	{"size-mr3-bytes-added", fmt.Sprintf("<=%d", goalSizeAdded)},
	{"size-mr3-patch-bytes", fmt.Sprintf("<=%d", goalPatchBytes)},
	{"podstart-task-start-p50-ratio", fmt.Sprintf("<=%.2f", goalPodStartRatio)},
}

// goal is one GOAL line; measured is empty when its part did not run.
type goal struct {
	name, measured, target string
	pass                   bool
}

func (g goal) status() string {
	if g.pass && g.measured != "" {
		return "PASS"
	}
	return "MISS"
}

func (g goal) line() string {
	m := g.measured
	if m == "" {
		m = "n/a"
	}
	return fmt.Sprintf("GOAL %s measured=%s target=%s %s", g.name, m, g.target, g.status())
}

// measurement is a goal's measured value and whether it meets the target.
type measurement struct {
	value string
	pass  bool
}

// evaluate computes every goal from what ran.
func evaluate(r *results) []goal {
	m := map[string]measurement{}
	atLeast := func(name string, v, target float64) { m[name] = measurement{fmt.Sprintf("%.3f", v), v >= target} }
	atMost := func(name string, v, target float64) { m[name] = measurement{fmt.Sprintf("%.3f", v), v <= target} }
	if w := r.webhook; w != nil {
		for _, c := range []struct {
			pod, name     string
			thr, p99Ratio float64
		}{{podMR3, "mr3", goalThroughputMR3, goalP99MR3}, {podLarge, "64KiB", goalThroughputLarge, goalP99Large}} {
			s, ok1 := w.find(modeClosed, c.pod, goalConc, kindStagehand)
			n, ok2 := w.find(modeClosed, c.pod, goalConc, kindNoop)
			if ok1 && ok2 {
				atLeast("webhook-"+c.name+"-c8-throughput-ratio", ratio(s.res.Throughput(), n.res.Throughput()), c.thr)
				atMost("webhook-"+c.name+"-c8-p99-ratio", ratio(float64(s.res.Percentile(99)), float64(n.res.Percentile(99))), c.p99Ratio)
			}
		}
		u, ok1 := w.find(modeClosed, podMR3, goalConc, kindUncached)
		n, ok2 := w.find(modeClosed, podMR3, goalConc, kindNoop)
		if ok1 && ok2 {
			atLeast("webhook-mr3-uncached-c8-throughput-ratio", ratio(u.res.Throughput(), n.res.Throughput()), goalThroughputUncached)
		}
		if s, ok := w.find(modeOpen, podMR3, 0, kindStagehand); ok && s.res.Requests > 0 {
			p99 := s.res.Percentile(99)
			m["webhook-open-loop-p99"] = measurement{fmtDur(p99), p99 <= goalOpenP99}
			m["webhook-open-loop-errors"] = measurement{fmt.Sprint(s.res.Errors), s.res.Errors == 0}
		}
		if rss, ok := w.peakRSS[kindStagehand]; ok {
			m["webhook-peak-rss"] = measurement{fmtMiB(rss), rss <= goalPeakRSS}
		}
	}
	if h := r.handler; h != nil {
		if b, ok := h.find(handlerMR3); ok {
			t := time.Duration(b.nsPerOp)
			m["handler-mr3-time"] = measurement{fmtDur(t), t <= goalHandlerTime}
			m["handler-mr3-allocs"] = measurement{fmt.Sprintf("%.0f", b.allocsOp), b.allocsOp <= goalHandlerAllocs}
		}
	}
	if len(r.cold[kindStagehand]) > 0 {
		d := r.cold.median(kindStagehand)
		m["webhook-cold-start"] = measurement{fmtDur(d), d <= goalColdStart}
	}
	if f := r.fetch; f != nil && len(f.times[destDisk][toolAgent]) > 0 {
		atMost("fetch-wall-ratio", f.ratio(destDisk), goalFetchRatio)
	}
	if rr := r.run; rr != nil {
		if len(rr.times[runAgent]) > 0 {
			ov := rr.overhead()
			m["run-overhead"] = measurement{fmtDur(ov), ov <= goalRunOverhead}
		}
		m["agent-binary-size"] = measurement{fmtMiB(rr.agentBytes), rr.agentBytes <= goalAgentSize}
	}
	if a := r.api; a != nil && a.openWith.Requests > 0 && a.openNoop.Requests > 0 {
		atMost("apiserver-create-p99-vs-noop-ratio", a.p99VsNoop(), goalAPIP99Ratio)
	}
	if a := r.api; a != nil && a.cpuPerPod[nsWith] > 0 && a.cpuPerPod[nsNoop] > 0 {
		atMost("apiserver-cpu-per-pod-vs-noop-ratio", ratio(float64(a.cpuPerPod[nsWith]), float64(a.cpuPerPod[nsNoop])), goalAPICPURatio)
	}
	if ps := r.podStart; ps != nil && len(ps.taskStart["with"]) > 0 && len(ps.taskStart["without"]) > 0 {
		atMost("podstart-task-start-p50-ratio", podStartOverhead(ps.taskStart), goalPodStartRatio)
	}
	if a := r.api; a != nil && a.openUnselected.Requests > 0 && a.openNoop.Requests > 0 {
		atMost("apiserver-unselected-vs-noop-p99-ratio", a.unselectedRatio(), goalUnselectedRatio)
	}
	if r.api != nil && r.api.size != nil {
		s := r.api.size
		m["size-mr3-bytes-added"] = measurement{fmt.Sprint(s.added()), s.added() <= goalSizeAdded}
		m["size-mr3-patch-bytes"] = measurement{fmt.Sprintf("%d(%dops)", s.patchBytes, s.patchOps), s.patchBytes <= goalPatchBytes}
	}
	gs := make([]goal, 0, len(goalTargets))
	for _, t := range goalTargets {
		got := m[t.name]
		gs = append(gs, goal{name: t.name, target: t.target, measured: got.value, pass: got.pass})
	}
	return gs
}

func printGoals(w io.Writer, gs []goal) {
	for _, g := range gs {
		fmt.Fprintln(w, g.line())
	}
}

// fmtDur rounds a duration for a report.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(100 * time.Nanosecond).String()
	}
}

func fmtMiB(b int64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

// cpuMS formats a CPU time per request in milliseconds.
func cpuMS(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }
