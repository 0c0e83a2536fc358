package profiles

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Read reads InjectionProfiles from multi-document YAML, as kubectl would
// apply them, and validates each: a document that is not an
// InjectionProfile of stagehand.io/v1alpha1, has unknown fields or is
// invalid is an error naming it and every problem, all at once. A profile
// without a namespace gets namespace.
func Read(in io.Reader, namespace string, opts inject.Options) ([]v1alpha1.InjectionProfile, []string, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	var list []v1alpha1.InjectionProfile
	var warnings []string
	var errs []error
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading document %d: %w", n, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var p v1alpha1.InjectionProfile
		if err := yaml.UnmarshalStrict(doc, &p); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			continue
		}
		if p.APIVersion != v1alpha1.GroupVersion.String() || p.Kind != "InjectionProfile" {
			errs = append(errs, fmt.Errorf("document %d: apiVersion %q, kind %q: want an InjectionProfile of %s", n, p.APIVersion, p.Kind, v1alpha1.GroupVersion))
			continue
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
			continue
		}
		list = append(list, p)
	}
	return list, warnings, errors.Join(errs...)
}
