package manifests

import (
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/stagehand-k8s/stagehand/internal/certs"
	stagehandoverlay "github.com/stagehand-k8s/stagehand/internal/overlay"
)

// manifestsDir is the repository's manifests/ tree; certsDir is its
// certs/, whose kustomization manifests/self-signed includes.
const (
	manifestsDir = "../../manifests"
	certsDir     = "../../certs"
)

// overlay is the built output of one kustomization.
type overlay struct {
	name    string
	objects []*unstructured.Unstructured
}

// build runs kustomize on dir, as `kubectl apply -k dir` would.
func build(dir string) (*overlay, error) {
	objects, err := stagehandoverlay.Build(dir)
	if err != nil {
		return nil, err
	}
	return &overlay{name: filepath.Base(dir), objects: objects}, nil
}

// buildOverlay builds manifests/<name>; the self-signed overlay is built in
// a copy of the repository's layout with freshly generated certificates.
func buildOverlay(t *testing.T, name string) *overlay {
	t.Helper()
	dir := filepath.Join(manifestsDir, name)
	if name == "self-signed" {
		dir = selfSignedCopy(t)
	}
	o, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// selfSignedCopy copies manifests/ and certs/kustomization.yaml, side by
// side as in the repository, into a temporary directory (without any
// certificates or keys made by a developer's `make certs`), generates the
// certificates in its certs/ as `make certs` does, and returns the path of
// the copy's manifests/self-signed.
func selfSignedCopy(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := stagehandoverlay.CopyTree(manifestsDir, filepath.Join(root, "manifests")); err != nil {
		t.Fatalf("copying manifests: %v", err)
	}
	tlsDir := filepath.Join(root, "certs")
	if err := stagehandoverlay.CopyTree(certsDir, tlsDir, certsKustomization); err != nil {
		t.Fatalf("copying certs: %v", err)
	}
	_, err := certs.Generate(certs.Options{
		Service: "stagehand-webhook", Namespace: "stagehand-system",
		Dir: tlsDir, Validity: 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "manifests", "self-signed")
}

// certsKustomization is the one file of certs/ the overlay needs that
// `make certs` does not write.
const certsKustomization = "kustomization.yaml"

// find returns the object of that kind and name, or fails the test.
func (o *overlay) find(t *testing.T, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, u := range o.objects {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	t.Fatalf("overlay %s has no %s %q", o.name, kind, name)
	return nil
}

// kinds lists "Kind/name" of every object, in build order.
func (o *overlay) kinds() []string {
	var out []string
	for _, u := range o.objects {
		out = append(out, u.GetKind()+"/"+u.GetName())
	}
	return out
}

// typed converts a built object into its Go type, strictly: a field the
// type does not know is an error.
func typed[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	var out T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &out, true); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return &out
}
