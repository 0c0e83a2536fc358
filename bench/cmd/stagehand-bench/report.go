package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
)

// writeReport writes the markdown report of a run.
func writeReport(w io.Writer, r *results, gs []goal) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	mode := "full"
	if r.opts.smoke {
		mode = "smoke (tiny durations and sizes: the numbers mean nothing)"
	}
	p("# stagehand benchmarks\n")
	p("- run: %s, %s, mode %s", r.started.UTC().Format(time.RFC3339), r.ended.Sub(r.started).Round(time.Second), mode)
	p("- machine: %s, %d cores, Linux %s, %s", r.machine.cpu, r.machine.cores, r.machine.kernel, r.machine.goVersion)
	p("- load average (1, 5, 15 min): %s before, %s after", r.machine.loadBefore, r.machine.loadAfter)
	for _, f := range r.fixtures {
		p("- pod %s: %d bytes of JSON, %d env vars in its first container", f.name, f.size, len(f.pod.Spec.Containers[0].Env))
	}
	if len(r.skipped) > 0 {
		p("- skipped: %s", strings.Join(r.skipped, ", "))
	}
	var parts []string
	for _, pr := range r.parts {
		parts = append(parts, fmt.Sprintf("%s %s (load %s)", pr.name, pr.took.Round(time.Second), pr.load))
	}
	p("- parts: %s", strings.Join(parts, "; "))
	p("\n## Goals\n")
	p("| goal | measured | target | result |\n| --- | --- | --- | --- |")
	for _, g := range gs {
		m := g.measured
		if m == "" {
			m = "n/a"
		}
		p("| %s | %s | %s | %s |", g.name, m, g.target, g.status())
	}
	if len(r.failures) > 0 {
		p("\n## Failures\n")
		for _, f := range r.failures {
			p("- %s", strings.ReplaceAll(f, "\n", " "))
		}
	}
	writeWebhook(p, r)
	writeOthers(p, r)
	writePodStart(p, r)
	writeProfiles(p, r)
}

type printer func(format string, args ...any)

func writeWebhook(p printer, r *results) {
	w := r.webhook
	if w == nil {
		return
	}
	p("\n## Webhook under load\n")
	p("stagehand is `webhook serve` as shipped; stagehand-uncached is the same with STAGEHAND_CACHE_SIZE=0, so that every request is decoded and injected (at c=8 and in the open loop only); noop is the floor (bench/noop). Every request has its own UID, pod name and arguments, as the pods of one MR3 DAG or Spark job do: the cache answers from what injection reads, never from a request's bytes. Closed loop: %v measured per subject and scenario in %d alternating rounds after a %v warmup. Open loop: latency from each request's scheduled send time. CPU is utime+stime per request, of the server process and of the load generator (this process); other processes' CPU is the share of the machine (all cores) the rest of the system used meanwhile, from /proc/stat: noise.\n",
		r.opts.measure, r.opts.rounds, r.opts.warmup)
	p("| mode | pod | load | subject | requests | req/s | p50 | p99 | p99.9 | errors | server CPU ms/req | client CPU ms/req | other processes' CPU |")
	p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, row := range w.rows {
		p("| %s | %s | %s | %s | %d | %.0f | %s | %s | %s | %d | %s | %s | %.0f%% |", row.mode, row.pod, row.load(), row.subject, row.res.Requests, row.res.Throughput(),
			fmtDur(row.res.Percentile(50)), fmtDur(row.res.Percentile(99)), fmtDur(row.res.Percentile(99.9)), row.res.Errors,
			cpuMS(row.cpuPerRequest()), cpuMS(row.clientPerRequest()), 100*row.othersShare())
	}
	p("\nRatios, stagehand over the floor (throughput: higher is better; p99 and CPU: lower is better):\n")
	p("| pod | c | subject | throughput | p50 | p99 | p99.9 | CPU/req |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, row := range w.rows {
		if row.mode != modeClosed || row.subject == kindNoop {
			continue
		}
		n, ok := w.find(modeClosed, row.pod, row.conc, kindNoop)
		if !ok {
			continue
		}
		q := func(p float64) float64 { return ratio(float64(row.res.Percentile(p)), float64(n.res.Percentile(p))) }
		p("| %s | %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f |", row.pod, row.conc, row.subject, ratio(row.res.Throughput(), n.res.Throughput()),
			q(50), q(99), q(99.9), ratio(float64(row.cpuPerRequest()), float64(n.cpuPerRequest())))
	}
	p("\nPeak RSS (VmHWM) after all of the above: stagehand %s, stagehand-uncached %s, noop %s.",
		fmtMiB(w.peakRSS[kindStagehand]), fmtMiB(w.peakRSS[kindUncached]), fmtMiB(w.peakRSS[kindNoop]))
}

func writeOthers(p printer, r *results) {
	if r.api != nil && r.api.size != nil {
		s := r.api.size
		p("\n## Injected size\n")
		p("The MR3 worker with every injection (%s), created with a dry run through the API server without stagehand and with it: its compact JSON as it would be stored (less the metadata the server sets per object), and the JSON Patch the webhook answers the pod without with (before base64).\n", mr3Path)
		p("| stored without | stored with | added | the patch alone gives | patch | operations |\n| --- | --- | --- | --- | --- | --- |")
		p("| %d B | %d B | %d B | %d B | %d B | %d |", s.before, s.after, s.added(), s.patched, s.patchBytes, s.patchOps)
	}
	if len(r.cold) > 0 {
		p("\n## Cold start to the first admission\n")
		p("Process start to the first 200 Allowed answer (with a patch for stagehand) to the MR3 pod, new connection per attempt.\n")
		p("| server | runs | median | min | max |\n| --- | --- | --- | --- | --- |")
		for _, kind := range []string{kindStagehand, kindNoop} {
			ds := r.cold[kind]
			p("| %s | %d | %s | %s | %s |", kind, len(ds), fmtDur(median(ds)), fmtDur(quantile(ds, 0)), fmtDur(quantile(ds, 1)))
		}
	}
	if h := r.handler; h != nil {
		p("\n## Handler benchmarks (go test -bench ./pkg/webhook)\n")
		p("Median of %d runs of -benchtime %s.\n", r.opts.benchCount, r.opts.benchTime)
		p("| benchmark | ns/op | B/op | allocs/op |\n| --- | --- | --- | --- |")
		for _, b := range h.benches {
			p("| %s | %.0f | %.0f | %.0f |", b.name, b.nsPerOp, b.bytesOp, b.allocsOp)
		}
	}
	if f := r.fetch; f != nil {
		p("\n## Fetch: agent fetch vs curl --parallel --parallel-max 5\n")
		p("%d files, %s in all, from a loopback HTTP server; agent with a sha256 pin per file. Median of %d alternating rounds; each run writes to a new directory, then (untimed) everything is synced and removed.\n",
			f.files, fmtMiB(int64(f.bytes)), r.opts.fetchRounds)
		p("| destination | agent fetch | curl | ratio | agent runs | curl runs |\n| --- | --- | --- | --- | --- | --- |")
		for _, d := range f.dests {
			t := f.times[d]
			p("| %s | %s | %s | %.2f | %s | %s |", d, fmtDur(median(t[toolAgent])), fmtDur(median(t[toolCurl])), f.ratio(d), fmtDurs(t[toolAgent]), fmtDurs(t[toolCurl]))
		}
	}
	if rr := r.run; rr != nil {
		p("\n## Run: agent run -- /bin/true vs /bin/true\n")
		p("%d runs each, alternating. Agent binary (stripped): %s.\n", r.opts.runCount, fmtMiB(rr.agentBytes))
		p("| way | median | p95 |\n| --- | --- | --- |")
		for _, way := range runWays {
			p("| %s | %s | %s |", way, fmtDur(median(rr.times[way])), fmtDur(quantile(rr.times[way], 0.95)))
		}
		p("\nMedian overhead of agent run over direct exec: %s; of starting the agent binary alone (agent version) over direct exec: %s.",
			fmtDur(rr.overhead()), fmtDur(median(rr.times[runStart])-median(rr.times[runDirect])))
	}
	if a := r.api; a != nil {
		p("\n## Through the API server (envtest)\n")
		p("The MR3 pod created in a namespace stagehand serves, in one no webhook serves, and in one the no-op webhook (bench/noop, same configuration otherwise, matchConditions included) serves: the cost of calling any webhook; and in one where the no-op webhook answers with a patch of one operation (an annotation added): the cost of any webhook that changes the pod, for which the API server applies a patch and runs its mutating admission again. stagehand runs as shipped, watching InjectionProfiles in this API server; its namespace has a profile that selects Spark executors, so it reads each pod's labels. \"unselected\" is the same pod without its stagehand.io/ annotations in stagehand's namespace: it reaches the webhook's second entry (failurePolicy Ignore), which admits it untouched because no profile selects it. Alternating rounds, after an unmeasured warmup. Closed loop at concurrency %d: as fast as the API server goes, so latency there is mostly queueing. Open loop at %.0f pods/s, a rate all of them sustain: latency from each create's scheduled time, the latency a create gains.\n",
			r.opts.apiConc, r.opts.apiRate)
		p("| loop | namespace | pods | pods/s | p50 | p99 | errors |\n| --- | --- | --- | --- | --- | --- | --- |")
		for _, side := range []struct {
			loop, name string
			res        loadgen.Result
		}{
			{"closed", "without webhook", a.without}, {"closed", "with stagehand", a.with}, {"closed", "with the no-op webhook", a.noop},
			{"closed", "with stagehand, unselected", a.unselected}, {"closed", "with the no-op webhook's one-operation patch", a.noopPatch},
			{"open", "without webhook", a.openWithout}, {"open", "with stagehand", a.openWith}, {"open", "with the no-op webhook", a.openNoop},
			{"open", "with stagehand, unselected", a.openUnselected}, {"open", "with the no-op webhook's one-operation patch", a.openNoopPatch},
		} {
			p("| %s | %s | %d | %.0f | %s | %s | %d |", side.loop, side.name, side.res.Requests, side.res.Throughput(), fmtDur(side.res.Percentile(50)), fmtDur(side.res.Percentile(99)), side.res.Errors)
		}
		p("\nOpen loop p99 ratio, stagehand over the no-op webhook (the goal): %.2f; over the no-op webhook answering with a one-operation patch (any webhook that changes the pod pays that): %.2f.",
			a.p99VsNoop(), ratio(float64(a.openWith.Percentile(99)), float64(a.openNoopPatch.Percentile(99))))
		p("\nOpen loop p99 ratio, stagehand over no webhook: %.2f; the no-op webhook over no webhook: %.2f. Closed loop p99 ratio: %.2f and %.2f; pods/s ratio: %.2f and %.2f.",
			a.p99Ratio(), ratio(float64(a.openNoop.Percentile(99)), float64(a.openWithout.Percentile(99))),
			ratio(float64(a.with.Percentile(99)), float64(a.without.Percentile(99))), ratio(float64(a.noop.Percentile(99)), float64(a.without.Percentile(99))),
			ratio(a.with.Throughput(), a.without.Throughput()), ratio(a.noop.Throughput(), a.without.Throughput()))
		p("\nA pod no profile selects: open loop p99 ratio over no webhook %.2f, over the no-op webhook %.2f; closed loop pods/s ratio over the no-op webhook %.2f.",
			ratio(float64(a.openUnselected.Percentile(99)), float64(a.openWithout.Percentile(99))), a.unselectedRatio(),
			ratio(a.unselected.Throughput(), a.noop.Throughput()))
		if len(a.cpuPerPod) > 0 {
			p("\nThe API server's own CPU per created pod, from its profiles at the fixed rate: %s without webhook, %s with stagehand, %s with the no-op webhook, %s with its one-operation patch.",
				fmtDur(a.cpuPerPod[nsWithout]), fmtDur(a.cpuPerPod[nsWith]), fmtDur(a.cpuPerPod[nsNoop]), fmtDur(a.cpuPerPod[nsNoopPatch]))
		}
	}
}

// writePodStart reports the pod-start part (goal podstart-task-start-p50-ratio).
func writePodStart(p printer, r *results) {
	ps := r.podStart
	if ps == nil || len(ps.succeeded["with"]) == 0 {
		return
	}
	p("\n## Pod start on the local node\n")
	p("The MR3-like worker (busybox's `sleep 1` as its task) created on the real node (`make cluster-up`: kubelet, containerd, runc), with stagehand installed from `manifests/self-signed` and asking for the token, the Timeline Server key, a 4 KiB jar (from busybox httpd on the node, behind a Service, checksummed) and the agent, the same pod (image, task) opted out, and that pod with one init container that runs busybox's `true` (init-floor: what any init container costs), alternating, one at a time, %d of each. Times from just before the create call to the task's container first seen running, and to the pod seen Succeeded, through a watch.\n", len(ps.succeeded["with"]))
	p("| pod | task start p50 | p95 | Succeeded p50 | p95 |\n| --- | --- | --- | --- | --- |")
	for _, kind := range podStartKinds {
		p("| %s | %s | %s | %s | %s |", kind, fmtDur(median(ps.taskStart[kind])), fmtDur(quantile(ps.taskStart[kind], 0.95)),
			fmtDur(median(ps.succeeded[kind])), fmtDur(quantile(ps.succeeded[kind], 0.95)))
	}
	p("\nRatio of the p50s, with over without: task start %.2f, Succeeded %.2f; init-floor over without: task start %.2f.",
		podStartOverhead(ps.taskStart), podStartOverhead(ps.succeeded), ratio(float64(median(ps.taskStart["init-floor"])), float64(median(ps.taskStart["without"]))))
}

func writeProfiles(p printer, r *results) {
	if len(r.profiles) == 0 {
		return
	}
	p("\n## Profiles\n")
	for _, pr := range r.profiles {
		p("### %s\n\n`%s`\n\n```text\n%s\n```\n", pr.name, pr.path, pr.top)
	}
}

func fmtDurs(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmtDur(d)
	}
	return strings.Join(s, " ")
}
