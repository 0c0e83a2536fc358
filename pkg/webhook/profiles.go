package webhook

import (
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// ProfileSource gives the InjectionProfiles that may select the pods of a
// namespace, from memory (profiles.Cached): admission makes no API calls.
type ProfileSource interface {
	InjectionProfiles(namespace string) ([]v1alpha1.InjectionProfile, error)
}

// podLabels is what profile selection reads of a pod: its labels, which
// injection never reads.
type podLabels struct {
	Metadata struct {
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
}

// selectProfile finds the profile that selects the request's pod, by the
// request's namespace and the pod's labels; nil when none does, a
// *inject.Denied when two or more do.
func (h *Handler) selectProfile(rv *review) (*inject.Profile, error) {
	namespace := rv.text(rv.namespace)
	list, err := h.Profiles.InjectionProfiles(namespace)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	var pod podLabels
	if err := json.Unmarshal(rv.object, &pod, inject.InputDecoding); err != nil {
		return nil, fmt.Errorf("%w: its labels: %w", errUndecodable, err)
	}
	return profiles.Select(list, namespace, pod.Metadata.Labels)
}
