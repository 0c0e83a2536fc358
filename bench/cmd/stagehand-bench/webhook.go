package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
)

// Bounds of the webhook loops.
const (
	// maxConns is the idle connections the shared transport keeps per
	// server, above the highest concurrency.
	maxConns = 64
	// maxRequestsPerRound bounds one closed-loop round whatever its speed.
	maxRequestsPerRound = 500_000
)

// Loop modes.
const (
	modeClosed = "closed"
	modeOpen   = "open"
)

// webhookRow is what one subject did in one scenario, all rounds merged.
type webhookRow struct {
	mode    string
	pod     string
	conc    int     // closed loop
	rate    float64 // open loop
	subject string
	res     loadgen.Result
	cpu     time.Duration // the server's, over the measured windows
	client  time.Duration // the load generator's (this process's)
	// others is the CPU time every other process on the machine used
	// meanwhile: noise.
	others time.Duration
}

// othersShare is the share of the machine's CPU that other processes used
// during the measured windows.
func (r webhookRow) othersShare() float64 {
	return ratio(float64(r.others), float64(r.res.Elapsed)*float64(runtime.NumCPU()))
}

// cpuPerRequest is the server's CPU time per request.
func (r webhookRow) cpuPerRequest() time.Duration {
	return perRequest(r.cpu, r.res.Requests)
}

// clientPerRequest is the load generator's CPU time per request.
func (r webhookRow) clientPerRequest() time.Duration {
	return perRequest(r.client, r.res.Requests)
}

func perRequest(d time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

// webhookResults are the rows of the load part and each server's peak RSS
// after all of it.
type webhookResults struct {
	rows    []webhookRow
	peakRSS map[string]int64
}

// find returns the row of a scenario.
func (r webhookResults) find(mode, pod string, conc int, subject string) (webhookRow, bool) {
	for _, row := range r.rows {
		if row.mode == mode && row.pod == pod && row.conc == conc && row.subject == subject {
			return row, true
		}
	}
	return webhookRow{}, false
}

// loadRun runs one loop against t for d.
type loadRun func(ctx context.Context, t *loadgen.Target, d time.Duration) (loadgen.Result, error)

// benchWebhook runs the closed loops for every fixture and concurrency and
// the open loop for the MR3 pod, stagehand and the floor alternating round
// by round (A/B/A/B) on long-lived processes; stagehand without its cache
// joins them (A/B/C) at the goals' concurrency and in the open loop.
func benchWebhook(ctx context.Context, o options, w *workspace, fs []fixture, log io.Writer) (webhookResults, error) {
	res := webhookResults{peakRSS: map[string]int64{}}
	var servers []*server
	defer func() {
		for _, s := range servers {
			_ = s.stop()
		}
	}()
	for _, kind := range []string{kindStagehand, kindUncached, kindNoop} {
		s, err := startServer(w, kind, "")
		if err != nil {
			return res, err
		}
		servers = append(servers, s)
		if _, err := s.waitAdmitting(ctx, w, fs[0]); err != nil {
			return res, err
		}
	}
	client := &http.Client{Transport: loadgen.NewTransport(w.roots, maxConns)}
	round := o.measure / time.Duration(o.rounds)
	for _, f := range fs {
		for _, c := range o.conc {
			closed := func(ctx context.Context, t *loadgen.Target, d time.Duration) (loadgen.Result, error) {
				return loadgen.Closed{Concurrency: c, Duration: d, MaxRequests: maxRequestsPerRound}.Run(ctx, t)
			}
			rows, err := alternate(ctx, o, subjectsAt(servers, c), client, f, round, closed)
			if err != nil {
				return res, err
			}
			for _, r := range rows {
				r.mode, r.conc = modeClosed, c
				res.rows = append(res.rows, r)
				logRow(log, r)
			}
		}
	}
	open := func(ctx context.Context, t *loadgen.Target, d time.Duration) (loadgen.Result, error) {
		return loadgen.Open{Rate: o.openRate, Duration: d, MaxInFlight: maxConns}.Run(ctx, t)
	}
	rows, err := alternate(ctx, o, servers, client, fs[0], o.openMeasure/time.Duration(o.rounds), open)
	if err != nil {
		return res, err
	}
	for _, r := range rows {
		r.mode, r.rate = modeOpen, o.openRate
		res.rows = append(res.rows, r)
		logRow(log, r)
	}
	for _, s := range servers {
		rss, err := peakRSS(s.pid())
		if err != nil {
			return res, err
		}
		res.peakRSS[s.kind] = rss
	}
	return res, nil
}

// subjectsAt are the servers measured at concurrency c: stagehand without
// its cache only at the goals' concurrency, to keep the run short.
func subjectsAt(servers []*server, c int) []*server {
	if c == goalConc {
		return servers
	}
	out := make([]*server, 0, len(servers))
	for _, s := range servers {
		if s.kind != kindUncached {
			out = append(out, s)
		}
	}
	return out
}

// alternate runs o.rounds rounds of run, each d long, on each server in
// turn, warming each up before its first round, and merges each server's
// rounds.
func alternate(ctx context.Context, o options, servers []*server, client *http.Client, f fixture, d time.Duration, run loadRun) ([]webhookRow, error) {
	rows := make([]webhookRow, len(servers))
	results := make([][]loadgen.Result, len(servers))
	for r := range o.rounds {
		for i, s := range servers {
			t := &loadgen.Target{Client: client, URL: s.url, Template: f.reviews, Check: s.check(f)}
			if r == 0 && o.warmup > 0 {
				// The warmup runs apart so that its CPU time is not counted.
				if _, err := run(ctx, t, o.warmup); err != nil {
					return nil, err
				}
			}
			before, err := cpuTime(s.pid())
			if err != nil {
				return nil, err
			}
			self, err := cpuTime(os.Getpid())
			if err != nil {
				return nil, err
			}
			busy, err := systemBusy()
			if err != nil {
				return nil, err
			}
			res, err := run(ctx, t, d)
			if err != nil {
				return nil, fmt.Errorf("%s, pod %s: %w", s.kind, f.name, err)
			}
			after, err := cpuTime(s.pid())
			if err != nil {
				return nil, err
			}
			selfAfter, err := cpuTime(os.Getpid())
			if err != nil {
				return nil, err
			}
			busyAfter, err := systemBusy()
			if err != nil {
				return nil, err
			}
			rows[i].cpu += after - before
			rows[i].client += selfAfter - self
			rows[i].others += max(busyAfter-busy-(after-before)-(selfAfter-self), 0)
			results[i] = append(results[i], res)
		}
	}
	for i, s := range servers {
		rows[i].subject, rows[i].pod = s.kind, f.name
		rows[i].res = loadgen.Merge(results[i]...)
	}
	return rows, nil
}

// load describes a row's load: its concurrency or its rate.
func (r webhookRow) load() string {
	if r.mode == modeOpen {
		return fmt.Sprintf("%.0f/s", r.rate)
	}
	return fmt.Sprintf("c=%d", r.conc)
}

func logRow(w io.Writer, r webhookRow) {
	fmt.Fprintf(w, "webhook %s %-16s %-6s %-9s %6.0f req/s p50=%s p99=%s p99.9=%s errors=%d server=%sms/req client=%sms/req others=%.0f%%\n",
		r.mode, r.pod, r.load(), r.subject, r.res.Throughput(), fmtDur(r.res.Percentile(50)), fmtDur(r.res.Percentile(99)),
		fmtDur(r.res.Percentile(99.9)), r.res.Errors, cpuMS(r.cpuPerRequest()), cpuMS(r.clientPerRequest()), 100*r.othersShare())
}
