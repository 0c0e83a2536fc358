package profiles

import (
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Read reads InjectionProfiles from multi-document YAML, as kubectl would
// apply them, and validates each: a document that is not an
// InjectionProfile of stagehand.io/v1alpha1, has unknown fields or is
// invalid is an error naming it and every problem, all at once. A profile
// without a namespace gets namespace.
func Read(in io.Reader, namespace string, opts inject.Options) ([]v1alpha1.InjectionProfile, []string, error) {
	var list []v1alpha1.InjectionProfile
	var warnings []string
	var errs []error
	err := yamldoc.Each(in, func(n int, doc []byte) {
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
