package profiles

import (
	"errors"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Read reads InjectionProfiles from multi-document YAML, as kubectl would
// apply them, and validates each: a document that is not an
// InjectionProfile of stagehand.io/v1alpha1, has unknown fields or is
// invalid is an error naming it and every problem, all at once; a
// Namespace (which `kubectl kustomize` puts beside the profiles) is skipped
// with a warning. A profile without a namespace gets namespace.
func Read(in io.Reader, namespace string, opts inject.Options) ([]v1alpha1.InjectionProfile, []string, error) {
	var list []v1alpha1.InjectionProfile
	var warnings []string
	var errs []error
	err := yamldoc.Each(in, func(n int, doc []byte) {
		var head metav1.PartialObjectMetadata
		if err := yaml.Unmarshal(doc, &head); err == nil && head.APIVersion == "v1" && head.Kind == "Namespace" {
			// The namespace `kubectl kustomize` puts beside the profiles
			// is not an error; any other object is, below.
			warnings = append(warnings, fmt.Sprintf("document %d: %s %s is not an InjectionProfile: skipped", n, head.Kind, head.Name))
			return
		}
		var p v1alpha1.InjectionProfile
		if err := yaml.UnmarshalStrict(doc, &p); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			return
		}
		if p.APIVersion != v1alpha1.GroupVersion.String() || p.Kind != "InjectionProfile" {
			errs = append(errs, fmt.Errorf("document %d: apiVersion %q, kind %q: want an InjectionProfile of %s", n, p.APIVersion, p.Kind, v1alpha1.GroupVersion))
			return
		}
		if p.Namespace == "" {
			p.Namespace = namespace
		}
		warns, invalid := Validate(&p, opts)
		for _, w := range warns {
			warnings = append(warnings, "InjectionProfile "+p.Namespace+"/"+p.Name+": "+w)
		}
		if len(invalid) > 0 {
			errs = append(errs, fmt.Errorf("InjectionProfile %s/%s: %w", p.Namespace, p.Name, invalid.ToAggregate()))
			return
		}
		list = append(list, p)
	})
	if err != nil {
		return nil, nil, err
	}
	return list, warnings, errors.Join(errs...)
}
