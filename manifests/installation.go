package manifests

import (
	"bytes"
	"embed"
	"fmt"
	"path"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"
)

//go:embed base
var base embed.FS

// Base is the objects of manifests/base, as its files hold them, in the
// order of base/kustomization.yaml's resources: what every installation
// (either overlay, or the Helm chart, which renders the same objects) puts
// in the cluster besides its TLS material. `kubectl stagehand check` reads
// the names it looks for from them.
func Base() ([]*unstructured.Unstructured, error) {
	b, err := base.ReadFile("base/kustomization.yaml")
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("base/kustomization.yaml: %w", err)
	}
	var objects []*unstructured.Unstructured
	for _, file := range k.Resources {
		b, err := base.ReadFile(path.Join("base", file))
		if err != nil {
			return nil, fmt.Errorf("base/kustomization.yaml lists %s: %w", file, err)
		}
		var problem error
		err = yamldoc.Each(bytes.NewReader(b), func(n int, doc []byte) {
			u := &unstructured.Unstructured{}
			j, err := yaml.YAMLToJSON(doc)
			if err == nil {
				err = u.UnmarshalJSON(j)
			}
			if err != nil && problem == nil {
				problem = fmt.Errorf("base/%s, document %d: %w", file, n, err)
			}
			if err == nil {
				objects = append(objects, u)
			}
		})
		if err == nil {
			err = problem
		}
		if err != nil {
			return nil, fmt.Errorf("base/%s: %w", file, err)
		}
	}
	return objects, nil
}
