package chart

import (
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// TestServiceMonitorAsKustomize: the chart's ServiceMonitor, enabled with
// its other monitoring values left at their defaults, is the one
// manifests/monitoring builds, but for Helm's standard labels.
func TestServiceMonitorAsKustomize(t *testing.T) {
	built, err := overlay.Build(filepath.Join(repoRoot, "manifests", "monitoring"))
	if err != nil {
		t.Fatal(err)
	}
	rendered := mustTemplate(t, "--set", "monitoring.serviceMonitor.enabled=true", "--api-versions", "monitoring.coreos.com/v1")
	only := func(objects []*unstructured.Unstructured) []*unstructured.Unstructured {
		u := overlay.Find(objects, "ServiceMonitor", "stagehand-webhook")
		if u == nil {
			t.Fatal("no ServiceMonitor stagehand-webhook")
		}
		return []*unstructured.Unstructured{u}
	}
	compareObjects(t, only(built), only(rendered))
}
