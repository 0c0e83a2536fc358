package manifests

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// TestBaseIsWhatKustomizeBuilds: Base gives the objects `kubectl apply -k
// manifests/base` applies, by kind, namespace and name, so that a
// transformer added to the kustomization cannot make Base's names wrong.
func TestBaseIsWhatKustomizeBuilds(t *testing.T) {
	got, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	built, err := overlay.Build("base")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(objects []*unstructured.Unstructured) []string {
		var out []string
		for _, u := range objects {
			out = append(out, u.GetKind()+" "+u.GetNamespace()+"/"+u.GetName())
		}
		slices.Sort(out)
		return out
	}
	if g, w := ids(got), ids(built); !slices.Equal(g, w) {
		t.Errorf("Base() gives\n%v\nkustomize builds\n%v", g, w)
	}
}
