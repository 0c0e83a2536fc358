package overlay

import (
	"encoding/base64"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Build runs kustomize on dir and returns the objects in build order.
func Build(dir string) ([]*unstructured.Unstructured, error) {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var objects []*unstructured.Unstructured
	for _, r := range m.Resources() {
		// Through JSON, so that numbers are int64 as in every unstructured
		// object, not kustomize's int.
		b, err := r.MarshalJSON()
		u := &unstructured.Unstructured{}
		if err == nil {
			err = u.UnmarshalJSON(b)
		}
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
		}
		objects = append(objects, u)
	}
	return objects, nil
}

// Find returns the first object of that kind and name, or nil.
func Find(objects []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, u := range objects {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// PointWebhooksAt rewrites every webhook of a MutatingWebhookConfiguration
// to call url (plus the webhook's own path) directly with caBundle, instead
// of the in-cluster Service. Everything else is kept.
func PointWebhooksAt(u *unstructured.Unstructured, url string, caBundle []byte) error {
	hooks, found, err := unstructured.NestedSlice(u.Object, "webhooks")
	if err != nil || !found {
		return fmt.Errorf("%s %s has no webhooks: %v", u.GetKind(), u.GetName(), err)
	}
	for i, h := range hooks {
		hook, ok := h.(map[string]any)
		if !ok {
			return fmt.Errorf("%s %s: webhook %d is not an object", u.GetKind(), u.GetName(), i)
		}
		path, _, _ := unstructured.NestedString(hook, "clientConfig", "service", "path")
		hook["clientConfig"] = map[string]any{
			"url":      url + path,
			"caBundle": base64.StdEncoding.EncodeToString(caBundle),
		}
		hooks[i] = hook
	}
	return unstructured.SetNestedSlice(u.Object, hooks, "webhooks")
}
