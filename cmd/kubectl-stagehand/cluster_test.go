package main

import (
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/pkg/installation"
)

// manifestsDir is the repository's manifests/.
const manifestsDir = "../../manifests"

// fakeCluster is a cluster where manifests/base and the examples' profiles
// were applied, as an API server stores them (what a fake client can
// hold: the CRD itself is left out), changed by each change.
func fakeCluster(t *testing.T, change ...func(client.Object)) client.Client {
	t.Helper()
	s, err := installation.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, dir := range []string{"base", "examples/profiles"} {
		built, err := overlay.Build(filepath.Join(manifestsDir, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range built {
			typed, err := s.New(u.GroupVersionKind())
			if err != nil {
				continue // a kind the client does not read
			}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
				t.Fatal(err)
			}
			obj := typed.(client.Object)
			if obj.GetGeneration() == 0 {
				obj.SetGeneration(1)
			}
			for _, c := range change {
				c(obj)
			}
			objs = append(objs, obj)
		}
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

// liveOf is what the commands read of the fake cluster c.
func liveOf(t *testing.T, c client.Client, namespace string) *live {
	t.Helper()
	s, err := installation.Read(t.Context(), c, installation.DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return &live{reader: c, namespace: namespace, settings: s}
}
