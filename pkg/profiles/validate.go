package profiles

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Validate checks a profile as the webhook checks it when it is created or
// updated: its selector, and its annotations with the same registry as a
// pod's (inject.ValidateProfile). It returns every problem at once, and
// warnings for settings that have no effect on their own.
func Validate(p *v1alpha1.InjectionProfile, opts inject.Options) ([]string, field.ErrorList) {
	selector := field.NewPath("spec", "selector")
	errs := metav1validation.ValidateLabelSelector(&p.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, selector)
	errs = append(errs, checkSelectorSize(&p.Spec.Selector, selector)...)
	warnings, annErrs := inject.ValidateProfile(p.Spec.Annotations, opts)
	return warnings, append(errs, annErrs...)
}

// Bounds of a profile's selector: stagehand-profile-guard evaluates it in
// the API server once per pod, and a selector within them stays within the
// API server's cost limit of one CEL expression, whatever the lengths of
// its keys and values (internal/guard measures it). Real selectors have a
// few terms.
const (
	MaxSelectorRequirements = 256
	MaxSelectorValues       = 8192
)

// checkSelectorSize refuses a selector the profile guard could not evaluate.
func checkSelectorSize(s *metav1.LabelSelector, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n := len(s.MatchLabels) + len(s.MatchExpressions); n > MaxSelectorRequirements {
		errs = append(errs, field.Invalid(path, fmt.Sprintf("%d requirements", n),
			fmt.Sprintf("at most %d matchLabels and matchExpressions in all: stagehand-profile-guard evaluates the selector in the API server for every pod", MaxSelectorRequirements)))
	}
	values := 0
	for _, r := range s.MatchExpressions {
		values += len(r.Values)
	}
	if values > MaxSelectorValues {
		errs = append(errs, field.Invalid(path.Child("matchExpressions"), fmt.Sprintf("%d values in all", values),
			fmt.Sprintf("at most %d values in all: stagehand-profile-guard evaluates the selector in the API server for every pod", MaxSelectorValues)))
	}
	return errs
}
