package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
)

// profileConc is the concurrency of the load under the server profiles.
const profileConc = 8

// profile is a CPU or allocation profile written next to the report.
type profile struct {
	name, path string
	top        string // go tool pprof -top, abridged
}

// handlerBench is one benchmark's median over its runs.
type handlerBench struct {
	name      string
	nsPerOp   float64
	bytesOp   float64
	allocsOp  float64
	runsCount int
}

// handlerResults are the handler benchmarks and their profiles.
type handlerResults struct {
	benches  []handlerBench
	profiles []profile
}

func (h handlerResults) find(name string) (handlerBench, bool) {
	for _, b := range h.benches {
		if b.name == name {
			return b, true
		}
	}
	return handlerBench{}, false
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+[\d.]+ MB/s)?\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

// benchHandler runs pkg/webhook's BenchmarkHandle* with CPU and memory
// profiles written to outDir.
func benchHandler(ctx context.Context, o options, w *workspace, outDir string, log io.Writer) (handlerResults, error) {
	var res handlerResults
	cpu, mem := filepath.Join(outDir, "handler.cpu.pprof"), filepath.Join(outDir, "handler.mem.pprof")
	testBin := filepath.Join(w.dir, "webhook.test")
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkHandle", "-benchmem",
		"-benchtime", o.benchTime, "-count", strconv.Itoa(o.benchCount),
		"-o", testBin, "-cpuprofile", cpu, "-memprofile", mem, "./pkg/webhook")
	cmd.Dir = o.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("go test -bench ./pkg/webhook: %w\n%s", err, out)
	}
	samples := map[string][]handlerBench{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		b := handlerBench{name: m[1]}
		b.nsPerOp, _ = strconv.ParseFloat(m[2], 64)
		b.bytesOp, _ = strconv.ParseFloat(m[3], 64)
		b.allocsOp, _ = strconv.ParseFloat(m[4], 64)
		if _, seen := samples[b.name]; !seen {
			order = append(order, b.name)
		}
		samples[b.name] = append(samples[b.name], b)
	}
	if len(order) == 0 {
		return res, fmt.Errorf("go test -bench ./pkg/webhook printed no benchmark:\n%s", out)
	}
	for _, name := range order {
		b := medianBench(samples[name])
		res.benches = append(res.benches, b)
		fmt.Fprintf(log, "handler %-32s %9.0f ns/op %8.0f B/op %5.0f allocs/op\n", b.name, b.nsPerOp, b.bytesOp, b.allocsOp)
	}
	res.profiles = append(res.profiles,
		profile{name: "handler CPU (all BenchmarkHandle*)", path: cpu, top: pprofTop(ctx, cpu)},
		profile{name: "handler allocations (objects)", path: mem, top: pprofTop(ctx, mem, "-sample_index=alloc_objects")})
	return res, nil
}

// medianBench takes the median of each measure separately.
func medianBench(bs []handlerBench) handlerBench {
	pick := func(f func(handlerBench) float64) float64 {
		vs := make([]float64, len(bs))
		for i, b := range bs {
			vs[i] = f(b)
		}
		return medianFloat(vs)
	}
	return handlerBench{
		name:      bs[0].name,
		nsPerOp:   pick(func(b handlerBench) float64 { return b.nsPerOp }),
		bytesOp:   pick(func(b handlerBench) float64 { return b.bytesOp }),
		allocsOp:  pick(func(b handlerBench) float64 { return b.allocsOp }),
		runsCount: len(bs),
	}
}

// profileServers profiles the webhook server (bench/profserver, which runs
// webhook.Serve) under a closed loop at profileConc for each fixture, with
// its cache and without.
func profileServers(ctx context.Context, o options, w *workspace, fs []fixture, outDir string, log io.Writer) ([]profile, error) {
	var ps []profile
	client := &http.Client{Transport: loadgen.NewTransport(w.roots, maxConns)}
	for _, f := range fs {
		if f.name == podPlain {
			continue
		}
		for _, kind := range []string{kindProfiled, kindProfiledUncached} {
			p, err := profileServer(ctx, o, w, client, f, kind, outDir, log)
			if err != nil {
				return ps, err
			}
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// profileServer profiles one kind of profiled server with one fixture.
func profileServer(ctx context.Context, o options, w *workspace, client *http.Client, f fixture, kind, outDir string, log io.Writer) (profile, error) {
	name := "webhook-" + f.name
	if kind == kindProfiledUncached {
		name += "-uncached"
	}
	path := filepath.Join(outDir, name+".cpu.pprof")
	p := profile{name: "webhook server CPU (" + kind + "), pod " + f.name, path: path}
	s, err := startServer(w, kind, path)
	if err != nil {
		return p, err
	}
	if _, err := s.waitAdmitting(ctx, w, f); err != nil {
		_ = s.stop()
		return p, err
	}
	t := &loadgen.Target{Client: client, URL: s.url, Template: f.reviews, Check: s.check(f)}
	res, err := loadgen.Closed{Concurrency: profileConc, Duration: o.profileFor, MaxRequests: maxRequestsPerRound}.Run(ctx, t)
	if stopErr := s.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return p, err
	}
	fmt.Fprintf(log, "profiled %s (%s): %d requests, %d errors -> %s\n", f.name, kind, res.Requests, res.Errors, path)
	p.top = pprofTop(ctx, path)
	return p, nil
}

// pprofTop returns the top of a profile by flat cost, or why it could not.
// Go writes symbolized profiles: the binary is not needed.
func pprofTop(ctx context.Context, path string, extra ...string) string {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=25"}, extra...)
	cmd := exec.CommandContext(ctx, "go", append(args, path)...)
	cmd.Stderr = io.Discard
	out, err := cmd.Output()
	if err != nil {
		return "go tool pprof failed: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}
