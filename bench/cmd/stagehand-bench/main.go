package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stagehand-bench:", err)
		os.Exit(1)
	}
}

// run runs every part not skipped, writes the report and prints the GOAL
// lines to stdout and progress to log. A part that fails does not stop the
// others; run then returns an error after the report.
func run(ctx context.Context, args []string, stdout, log io.Writer) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	// envtest logs through controller-runtime's global logger.
	ctrllog.SetLogger(logr.Discard())
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return fmt.Errorf("creating the report directory: %w", err)
	}
	r := &results{opts: o, machine: currentMachine(), started: time.Now()}
	fmt.Fprintf(log, "stagehand-bench: building into a work directory (load average %s)\n", r.machine.loadBefore)
	w, err := newWorkspace(ctx, o)
	defer w.remove()
	if err != nil {
		return err
	}
	if r.fixtures, err = loadFixtures(o.root); err != nil {
		return err
	}
	outDir := filepath.Dir(o.out)
	mr3 := r.fixtures[0]
	parts := []struct {
		name string
		run  func() error
	}{
		{partWebhook, func() error {
			res, err := benchWebhook(ctx, o, w, r.fixtures, log)
			r.webhook = &res
			return err
		}},
		{partCold, func() (err error) { r.cold, err = benchColdStart(ctx, o, w, mr3, log); return err }},
		{partProfile, func() error {
			ps, err := profileServers(ctx, o, w, r.fixtures, outDir, log)
			r.profiles = append(r.profiles, ps...)
			if err != nil {
				return err
			}
			p, err := profileFetch(ctx, o, outDir, log)
			r.profiles = append(r.profiles, p)
			return err
		}},
		{partHandler, func() error {
			res, err := benchHandler(ctx, o, w, outDir, log)
			r.handler = &res
			r.profiles = append(r.profiles, res.profiles...)
			return err
		}},
		{partFetch, func() error { res, err := benchFetch(ctx, o, w, log); r.fetch = &res; return err }},
		{partRun, func() error { res, err := benchRun(ctx, o, w, log); r.run = &res; return err }},
		{partAPI, func() error {
			if o.assets == "" {
				r.skipped = append(r.skipped, partAPI+" (KUBEBUILDER_ASSETS is unset)")
				return nil
			}
			res, err := benchAPIServer(ctx, o, w, mr3, outDir, log)
			r.api = &res
			r.profiles = append(r.profiles, res.profiles...)
			return err
		}},
		{partPodStart, func() error {
			if os.Getenv(nodeenv.KubeconfigEnv) == "" {
				r.skipped = append(r.skipped, partPodStart+" (no node: "+nodeenv.KubeconfigEnv+" is unset; make bench brings the node up)")
				return nil
			}
			res, err := benchPodStart(ctx, o, log)
			r.podStart = &res
			return err
		}},
	}
	for _, part := range parts {
		if o.skip[part.name] {
			r.skipped = append(r.skipped, part.name)
			continue
		}
		start, load := time.Now(), loadAverage()
		fmt.Fprintf(log, "== %s (load average %s)\n", part.name, load)
		err := part.run()
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			r.failures = append(r.failures, fmt.Sprintf("%s: %v", part.name, err))
			fmt.Fprintf(log, "%s FAILED: %v\n", part.name, err)
		}
		took := time.Since(start)
		r.parts = append(r.parts, partTiming{name: part.name, load: load, took: took})
		fmt.Fprintf(log, "== %s done in %v\n", part.name, took.Round(time.Millisecond))
	}
	r.ended, r.machine.loadAfter = time.Now(), loadAverage()
	gs := evaluate(r)
	var report bytes.Buffer
	writeReport(&report, r, gs)
	if err := os.WriteFile(o.out, report.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Fprintf(log, "report: %s\n", o.out)
	printGoals(stdout, gs)
	if len(r.failures) > 0 {
		return errors.New("parts failed: " + strings.Join(r.failures, "; "))
	}
	return nil
}
