package profiles

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// ReasonOverlap is the denial reason of a pod that two or more profiles
// select.
const ReasonOverlap = "profile-overlap"

// Select returns the profile of list that selects a pod of namespace with
// podLabels, as injection reads it; nil when none does. Only profiles of
// the pod's namespace apply. A pod that two or more select gets a
// *inject.Denied naming every one of them.
func Select(list []v1alpha1.InjectionProfile, namespace string, podLabels map[string]string) (*inject.Profile, error) {
	var matched []*v1alpha1.InjectionProfile
	for i := range list {
		p := &list[i]
		if p.Namespace != namespace || !selects(&p.Spec.Selector, podLabels) {
			continue
		}
		matched = append(matched, p)
	}
	switch len(matched) {
	case 0:
		return nil, nil
	case 1:
		return Of(matched[0]), nil
	}
	names := make([]string, len(matched))
	for i, p := range matched {
		names[i] = p.Name
	}
	slices.Sort(names)
	return nil, &inject.Denied{Reason: ReasonOverlap, Errors: field.ErrorList{field.Forbidden(field.NewPath("metadata", "labels"),
		fmt.Sprintf("the pod is selected by %d InjectionProfiles of namespace %s: %s; a pod may be selected by at most one: narrow their selectors, or set the keys on the pod itself",
			len(names), namespace, strings.Join(names, ", ")))}}
}

// selects tells whether a valid selector matches the labels; an invalid
// one (which validation refuses) matches nothing.
func selects(s *metav1.LabelSelector, podLabels map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(s)
	return err == nil && sel.Matches(labels.Set(podLabels))
}

// Of is what injection reads of a profile.
func Of(p *v1alpha1.InjectionProfile) *inject.Profile {
	return &inject.Profile{Name: p.Name, UID: string(p.UID), Generation: p.Generation, Annotations: p.Spec.Annotations}
}
