package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// TestSmoke runs every part of the benchmarks in -smoke mode (tiny
// durations and sizes) and checks that it printed every GOAL line once and
// wrote the report. Whether goals pass means nothing here. The API-server
// part runs when KUBEBUILDER_ASSETS is set, and the pod-start part when the
// local node is up, as under make test.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the smoke run builds and starts binaries")
	}
	out := filepath.Join(t.TempDir(), "latest.md")
	var stdout, log bytes.Buffer
	err := run(context.Background(), []string{"-smoke", "-out", out}, &stdout, &log)
	if err != nil {
		t.Fatalf("smoke run: %v\n%s", err, log.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(goalTargets) {
		t.Errorf("printed %d lines, want one per goal (%d):\n%s", len(lines), len(goalTargets), stdout.String())
	}
	for _, g := range goalTargets {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "GOAL "+g.name+" measured=") && (strings.HasSuffix(l, " PASS") || strings.HasSuffix(l, " MISS")) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("GOAL %s printed %d times, want once:\n%s", g.name, n, stdout.String())
		}
	}
	report, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## Goals", "## Webhook under load", "## Cold start", "## Handler benchmarks", "## Fetch", "## Run", "## Profiles"} {
		if !bytes.Contains(report, []byte(section)) {
			t.Errorf("report lacks %q", section)
		}
	}
	if os.Getenv("KUBEBUILDER_ASSETS") != "" && (!bytes.Contains(report, []byte("## Through the API server")) || !bytes.Contains(report, []byte("## Injected size"))) {
		t.Error("report lacks the API-server part although KUBEBUILDER_ASSETS is set")
	}
	if os.Getenv(nodeenv.KubeconfigEnv) != "" && !bytes.Contains(report, []byte("## Pod start on the local node")) {
		t.Error("report lacks the pod-start part although the node is up (" + nodeenv.KubeconfigEnv + ")")
	}
	if t.Failed() {
		t.Logf("progress:\n%s", log.String())
	}
}

func TestEvaluateMarksUnmeasuredGoalsMissed(t *testing.T) {
	gs := evaluate(&results{})
	if len(gs) != len(goalTargets) {
		t.Fatalf("%d goals, want %d", len(gs), len(goalTargets))
	}
	for _, g := range gs {
		if g.status() != "MISS" || !strings.Contains(g.line(), "measured=n/a") {
			t.Errorf("unmeasured goal: %q", g.line())
		}
	}
}
