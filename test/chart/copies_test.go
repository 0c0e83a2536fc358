package chart

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites the chart's copies and README.md's table of values from
// their sources: go test ./test/chart -run 'TestCopies|TestReadmeValues' -update.
var update = flag.Bool("update", false, "rewrite the chart's copies of manifests/base and README.md's values table")

// copies are the chart's files that are manifests/base's, byte for byte:
// Helm can only read files inside the chart, and crds/ and the guard
// policies must not drift from what `make manifests` generates.
var copies = map[string]string{
	"crds/stagehand.io_injectionprofiles.yaml":            "manifests/base/crd/stagehand.io_injectionprofiles.yaml",
	"files/guard/validatingadmissionpolicy.yaml":          "manifests/base/validatingadmissionpolicy.yaml",
	"files/guard/validatingadmissionpolicy-profiles.yaml": "manifests/base/validatingadmissionpolicy-profiles.yaml",
	"files/monitoring/prometheusrule.yaml":                "manifests/monitoring/prometheusrule.yaml",
	"files/monitoring/dashboard.json":                     "manifests/monitoring/dashboard.json",
}

// TestCopies: the chart's copies equal their sources in manifests/base.
func TestCopies(t *testing.T) {
	for copyPath, source := range copies {
		want, err := os.ReadFile(filepath.Join(repoRoot, source))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(chartDir, copyPath)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("charts/stagehand/%s differs from %s: run go test ./test/chart -run TestCopies -update", copyPath, source)
		}
	}
}
