package manifests

import (
	_ "embed"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/yaml"
)

//go:embed base/mutatingwebhookconfiguration.yaml
var mutatingWebhookConfiguration []byte

// MutatingWebhookConfiguration is the MutatingWebhookConfiguration stagehand
// that manifests/base ships: which pods reach the webhook, by which entry.
func MutatingWebhookConfiguration() (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	var mwc admissionregistrationv1.MutatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(mutatingWebhookConfiguration, &mwc); err != nil {
		return nil, fmt.Errorf("the shipped MutatingWebhookConfiguration: %w", err)
	}
	return &mwc, nil
}
