package monitoring

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

const repoRoot = "../.."

// build returns the objects kustomize builds from manifests/monitoring.
func build(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	objects, err := overlay.Build(filepath.Join(repoRoot, "manifests", "monitoring"))
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// find returns the object of that kind and name, failing the test without
// it or outside stagehand-system.
func find(t *testing.T, objects []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	u := overlay.Find(objects, kind, name)
	if u == nil {
		t.Fatalf("manifests/monitoring builds no %s %s", kind, name)
	}
	if u.GetNamespace() != "stagehand-system" {
		t.Errorf("%s %s is in namespace %q, want stagehand-system", kind, name, u.GetNamespace())
	}
	return u
}

// TestOverlayBuilds: the overlay builds the three objects, of the API
// groups the Prometheus Operator serves; each decodes into the fields this
// package knows of them (anything else refused); the dashboard's ConfigMap
// carries the label the Grafana sidecar looks for, and a dashboard.
func TestOverlayBuilds(t *testing.T) {
	objects := build(t)
	if len(objects) != 3 {
		t.Errorf("manifests/monitoring builds %d objects, want 3 (ServiceMonitor, PrometheusRule, ConfigMap)", len(objects))
	}
	for _, want := range []struct{ apiVersion, kind, name string }{
		{"monitoring.coreos.com/v1", "ServiceMonitor", "stagehand-webhook"},
		{"monitoring.coreos.com/v1", "PrometheusRule", "stagehand"},
		{"v1", "ConfigMap", "stagehand-grafana-dashboard"},
	} {
		if got := find(t, objects, want.kind, want.name).GetAPIVersion(); got != want.apiVersion {
			t.Errorf("%s %s: apiVersion %q, want %q", want.kind, want.name, got, want.apiVersion)
		}
	}
	var sm serviceMonitor
	strictDecode(t, find(t, objects, "ServiceMonitor", "stagehand-webhook"), &sm)
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" {
		t.Errorf("ServiceMonitor stagehand-webhook: endpoints %+v, want one, on port metrics", sm.Spec.Endpoints)
	}
	var pr prometheusRule
	strictDecode(t, find(t, objects, "PrometheusRule", "stagehand"), &pr)
	cm := find(t, objects, "ConfigMap", "stagehand-grafana-dashboard")
	if got := cm.GetLabels()["grafana_dashboard"]; got != "1" {
		t.Errorf("ConfigMap stagehand-grafana-dashboard: label grafana_dashboard is %q, want \"1\"", got)
	}
	dashboard(t, objects)
}

// strictDecode decodes u into typed through JSON, refusing unknown fields.
func strictDecode(t *testing.T, u *unstructured.Unstructured, typed any) {
	t.Helper()
	b, err := u.MarshalJSON()
	if err == nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		err = d.Decode(typed)
	}
	if err != nil {
		t.Errorf("%s %s does not decode: %v", u.GetKind(), u.GetName(), err)
	}
}

// The fields of the Prometheus Operator's objects the overlay sets (the
// operator's Go types are not a dependency of this module).
type objectMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
}

type serviceMonitor struct {
	objectMeta `json:",inline"`
	Spec       struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type prometheusRule struct {
	objectMeta `json:",inline"`
	Spec       ruleSpec `json:"spec"`
}

type ruleSpec struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []rule `json:"rules"`
	} `json:"groups"`
}

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// rules returns the PrometheusRule's spec, decoded.
func rules(t *testing.T, objects []*unstructured.Unstructured) ruleSpec {
	t.Helper()
	var pr prometheusRule
	strictDecode(t, find(t, objects, "PrometheusRule", "stagehand"), &pr)
	if len(pr.Spec.Groups) == 0 {
		t.Fatal("PrometheusRule stagehand has no groups")
	}
	return pr.Spec
}

// grafanaDashboard is what the tests read of the dashboard: the panels'
// queries and the query variables'.
type grafanaDashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// dashboard decodes the dashboard JSON of the ConfigMap.
func dashboard(t *testing.T, objects []*unstructured.Unstructured) grafanaDashboard {
	t.Helper()
	cm := find(t, objects, "ConfigMap", "stagehand-grafana-dashboard")
	raw, _, _ := unstructured.NestedString(cm.Object, "data", "stagehand.json")
	var d grafanaDashboard
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatalf("ConfigMap stagehand-grafana-dashboard: stagehand.json is not a dashboard: %v", err)
	}
	if len(d.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	return d
}
