package manifests

import (
	_ "embed"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

var (
	//go:embed base/configmap-entrypoints.yaml
	entrypointsConfigMap []byte
	//go:embed base/deployment.yaml
	deployment []byte
)

// EntrypointsKey is the key of the entrypoint map in the ConfigMap
// stagehand-entrypoints.
const EntrypointsKey = "entrypoints.yaml"

// Entrypoints is the entrypoint map that manifests/base ships.
func Entrypoints() (inject.Entrypoints, error) {
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(entrypointsConfigMap, &cm); err != nil {
		return nil, fmt.Errorf("the shipped ConfigMap stagehand-entrypoints: %w", err)
	}
	var m inject.Entrypoints
	if err := yaml.UnmarshalStrict([]byte(cm.Data[EntrypointsKey]), &m); err != nil {
		return nil, fmt.Errorf("the shipped entrypoint map: %w", err)
	}
	return m, nil
}

// AgentImage is STAGEHAND_AGENT_IMAGE as the base Deployment sets it: the
// release the manifests pin.
func AgentImage() (string, error) {
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(deployment, &d); err != nil {
		return "", fmt.Errorf("the shipped Deployment: %w", err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == "STAGEHAND_AGENT_IMAGE" && e.Value != "" {
				return e.Value, nil
			}
		}
	}
	return "", fmt.Errorf("the shipped Deployment sets no STAGEHAND_AGENT_IMAGE")
}
