package offline

import (
	"github.com/stagehand-k8s/stagehand/manifests"
	"github.com/stagehand-k8s/stagehand/pkg/config"
)

// ShippedEntrypoints names the entrypoint map UseShipped takes.
const ShippedEntrypoints = "manifests/base/configmap-entrypoints.yaml (shipped)"

// UseShipped takes the entrypoint map and the agent image that manifests/
// ships for what cfg's environment and flags do not give (config.IsGiven),
// so that a manifest injects offline as it does in a cluster installed from
// manifests/.
func UseShipped(cfg *config.Webhook) error {
	if !cfg.IsGiven(config.Prefix + "_ENTRYPOINTS") {
		m, err := manifests.Entrypoints()
		if err != nil {
			return err
		}
		cfg.Entrypoints, cfg.EntrypointsFile = m, ShippedEntrypoints
	}
	if !cfg.IsGiven(config.Prefix + "_AGENT_IMAGE") {
		image, err := manifests.AgentImage()
		if err != nil {
			return err
		}
		cfg.AgentImage = image
	}
	return nil
}
