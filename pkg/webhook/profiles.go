package webhook

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/go-logr/logr"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// ProfileSource gives the InjectionProfiles that may select the pods of a
// namespace, from memory (profiles.Cached): admission makes no API calls.
type ProfileSource interface {
	InjectionProfiles(namespace string) ([]v1alpha1.InjectionProfile, error)
}

// podMeta is what deciding whether a pod is stagehand's reads of it, before
// anything else is decoded: its labels, which profiles select by, and its
// stagehand.io/ annotations (inject.Annotations keeps no other).
type podMeta struct {
	Metadata struct {
		Labels      jsontext.Value     `json:"labels"`
		Annotations inject.Annotations `json:"annotations"`
	} `json:"metadata"`
}

// selection is what admit knows of a pod before decoding it: the profile
// that selects it, or why none could be found.
type selection struct {
	// own says the pod carries stagehand.io/ annotations.
	own     bool
	profile *inject.Profile
	err     error
}

// selectProfile finds the profile that selects the request's pod, by the
// request's namespace and the pod's labels: nil when none does, a
// *inject.Denied when two or more do. It decodes the labels only when the
// namespace has profiles.
func (h *Handler) selectProfile(rv *review) (selection, error) {
	var meta podMeta
	if err := json.Unmarshal(rv.object, &meta, inject.InputDecoding); err != nil {
		return selection{}, fmt.Errorf("%w: its metadata: %w", errUndecodable, err)
	}
	sel := selection{own: len(meta.Metadata.Annotations) > 0}
	namespace := rv.text(rv.namespace)
	list, err := h.Profiles.InjectionProfiles(namespace)
	if err != nil {
		sel.err = err
		return sel, nil
	}
	if len(list) == 0 {
		return sel, nil
	}
	var labels map[string]string
	if len(meta.Metadata.Labels) > 0 {
		if err := json.Unmarshal(meta.Metadata.Labels, &labels, inject.InputDecoding); err != nil {
			return selection{}, fmt.Errorf("%w: its labels: %w", errUndecodable, err)
		}
	}
	sel.profile, sel.err = profiles.Select(list, namespace, labels)
	return sel, nil
}

// unselected answers a pod that carries no stagehand.io/ annotation when
// no profile selects it, or when the profiles cannot be read: it is
// admitted untouched, never denied, without decoding the rest of it. With
// the profiles unreadable, stagehand-profile-guard refuses the pod if a
// profile does select it. ok is false when the pod must go on to be
// injected, or be denied because two profiles select it.
func unselected(logger logr.Logger, rv *review, sel selection) (answer, bool) {
	var denied *inject.Denied
	switch {
	case sel.own, sel.profile != nil, errors.As(sel.err, &denied):
		return answer{}, false
	case sel.err != nil:
		admissionTotal.WithLabelValues(resultAllowed, reasonProfilesUnavailable).Inc()
		logger.WithValues(rv.who()...).Error(sel.err, "admitting a pod without stagehand.io/ annotations untouched: the InjectionProfiles cannot be read")
		return answer{outcome: inject.OutcomeNotRequested, warnings: []string{
			"stagehand: the pod was admitted without injection because the webhook could not read the InjectionProfiles; " +
				"if a profile selects it, stagehand-profile-guard refuses it"}}, true
	}
	admissionTotal.WithLabelValues(resultAllowed, string(inject.OutcomeNotRequested)).Inc()
	return answer{outcome: inject.OutcomeNotRequested}, true
}

// errNotSynced is the error of profiles read before the webhook's cache
// has synced.
var errNotSynced = errors.New("the InjectionProfiles have not been read from the API server yet")

// readySource is a ProfileSource that answers only once synced says so.
type readySource struct {
	source ProfileSource
	synced func() bool
}

func (r readySource) InjectionProfiles(namespace string) ([]v1alpha1.InjectionProfile, error) {
	if !r.synced() {
		return nil, errNotSynced
	}
	return r.source.InjectionProfiles(namespace)
}

// profilesReady is the readiness check of the profile cache.
func profilesReady(synced func() bool) check {
	return func(*http.Request) error {
		if !synced() {
			return fmt.Errorf("%w (is the InjectionProfile CRD installed, and may the webhook's ServiceAccount list and watch injectionprofiles?)", errNotSynced)
		}
		return nil
	}
}
