package profiles

import (
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
	errs := metav1validation.ValidateLabelSelector(&p.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("spec", "selector"))
	warnings, annErrs := inject.ValidateProfile(p.Spec.Annotations, opts)
	return warnings, append(errs, annErrs...)
}
