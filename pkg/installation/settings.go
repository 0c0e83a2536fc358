package installation

import (
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/stagehand-k8s/stagehand/manifests"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// Names of stagehand's objects, as manifests/ and the chart install them.
const (
	// DefaultNamespace is the namespace stagehand is installed in.
	DefaultNamespace = "stagehand-system"
	// DeploymentName is the webhook's Deployment.
	DeploymentName = "stagehand-webhook"
	// ContainerName is the webhook's container in it.
	ContainerName = "webhook"
	// WebhookConfigurationName is the MutatingWebhookConfiguration.
	WebhookConfigurationName = "stagehand"
)

// ShippedSource is the Source of the settings manifests/ ships.
const ShippedSource = "manifests/ (shipped)"

// Settings are what shapes the injection of a pod in a cluster.
type Settings struct {
	// Injection holds the settings that shape injection: strict mode, the
	// agent image, the allowed dependency hosts and the entrypoint map
	// (config.LoadInjection's).
	Injection config.Webhook
	// Source says where Injection was read: the Deployment, or
	// ShippedSource.
	Source string
	// EntrypointsFrom says where the entrypoint map was read: a ConfigMap
	// and its key, or offline.ShippedEntrypoints; empty without a map.
	EntrypointsFrom string
	// Webhooks is the MutatingWebhookConfiguration stagehand; nil when the
	// cluster has none.
	Webhooks *admissionregistrationv1.MutatingWebhookConfiguration
	// Live is true for settings read from a cluster.
	Live bool
	// Notes say what was not read as the webhook reads it, for the user.
	Notes []string
}

// Shipped are the settings and the webhook configuration manifests/ ships
// (offline.UseShipped), as if installed with no change.
func Shipped() (Settings, error) {
	none := func(string) (string, bool) { return "", false }
	w, err := config.LoadInjectionFrom(nil, none, nil)
	if err != nil {
		return Settings{}, fmt.Errorf("the default settings: %w", err)
	}
	if err := offline.UseShipped(&w); err != nil {
		return Settings{}, err
	}
	mwc, err := manifests.MutatingWebhookConfiguration()
	if err != nil {
		return Settings{}, err
	}
	return Settings{Injection: w, Source: ShippedSource, EntrypointsFrom: w.EntrypointsFile, Webhooks: mwc}, nil
}
