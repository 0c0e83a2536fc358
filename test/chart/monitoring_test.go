package chart

import (
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// TestMonitoringAsKustomize: the chart's monitoring objects, enabled with
// their other values left at their defaults, are the ones
// manifests/monitoring builds (ServiceMonitor, PrometheusRule, the
// dashboard's ConfigMap), but for Helm's standard labels.
func TestMonitoringAsKustomize(t *testing.T) {
	built, err := overlay.Build(filepath.Join(repoRoot, "manifests", "monitoring"))
	if err != nil {
		t.Fatal(err)
	}
	rendered := mustTemplate(t, "--set", "monitoring.serviceMonitor.enabled=true", "--set", "monitoring.prometheusRule.enabled=true",
		"--set", "monitoring.dashboard.enabled=true", "--api-versions", "monitoring.coreos.com/v1")
	only := func(objects []*unstructured.Unstructured) []*unstructured.Unstructured {
		var out []*unstructured.Unstructured
		for _, want := range []struct{ kind, name string }{
			{"ServiceMonitor", "stagehand-webhook"}, {"PrometheusRule", "stagehand"}, {"ConfigMap", "stagehand-grafana-dashboard"},
		} {
			u := overlay.Find(objects, want.kind, want.name)
			if u == nil {
				t.Fatalf("no %s %s", want.kind, want.name)
			}
			out = append(out, u)
		}
		return out
	}
	compareObjects(t, only(built), only(rendered))
}
