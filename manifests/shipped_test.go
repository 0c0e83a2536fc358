package manifests

import (
	"strings"
	"testing"
)

// TestShipped: what `webhook inject` takes from the installation parses,
// and is what the base ships (its Spark entrypoint, a pinned agent image).
func TestShipped(t *testing.T) {
	m, err := Entrypoints()
	if err != nil {
		t.Fatal(err)
	}
	if ep, ok := m.Lookup("docker.io/apache/spark:3.5.3"); !ok || ep[0] != "/opt/entrypoint.sh" {
		t.Errorf("the shipped map gives %v, %v for Spark, want /opt/entrypoint.sh", ep, ok)
	}
	image, err := AgentImage()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(image, "ghcr.io/stagehand-k8s/agent:v") {
		t.Errorf("shipped agent image %q, want a release of ghcr.io/stagehand-k8s/agent", image)
	}
}

// TestShippedWebhooks: the shipped MutatingWebhookConfiguration decodes,
// with its two entries.
func TestShippedWebhooks(t *testing.T) {
	mwc, err := MutatingWebhookConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	if mwc.Name != "stagehand" || len(mwc.Webhooks) != 2 || mwc.Webhooks[0].Name != "pods.stagehand.io" || mwc.Webhooks[1].Name != "profiled-pods.stagehand.io" {
		t.Errorf("shipped MutatingWebhookConfiguration %q has the wrong entries: %+v", mwc.Name, mwc.Webhooks)
	}
}
